"""Quantile class breaks for a choropleth, with "no data" kept apart from zero."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd


def class_breaks(values: Iterable[float | None], k: int = 5) -> list[float]:
    """Sorted, distinct quantile edges [min, ..., max] of the finite values; [] when there are none.

    Duplicated quantiles collapse (many districts with 0 complaints), so there may be fewer than k classes.
    """
    if k < 1:
        raise ValueError(f"k must be at least 1, not {k}")
    numbers = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce").to_numpy(dtype=float)
    finite = numbers[np.isfinite(numbers)]
    if finite.size == 0:
        return []
    edges = np.quantile(finite, np.linspace(0.0, 1.0, k + 1))
    return [float(edge) for edge in np.unique(edges)]


def classify(value: float | None, breaks: Sequence[float]) -> int | None:
    """Class 0..len(breaks)-2 of a value (class i holds (breaks[i], breaks[i+1]], class 0 also its lower edge).

    None for a missing value or when there are no breaks; values beyond the edges go to the nearest class.
    """
    if value is None or not breaks:
        return None
    number = float(pd.to_numeric(value, errors="coerce"))
    if not np.isfinite(number):
        return None
    return int(np.searchsorted(np.asarray(breaks[1:-1], dtype=float), number, side="left"))
