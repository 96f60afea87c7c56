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


# ---------------------------------------------------------------------------------------------------------------
# Fixed classes: nice, non-overlapping edges that a screen keeps for a whole day.
#
# Quantile edges move with every new report, so a district could change colour without changing its count, and
# two classes shared an edge ("1–4", "4–6"). Fixed classes are given by their lower edges ``[e0, e1, ..., em]``:
# class i holds the values shown as ``e_i`` up to ``e_{i+1} - step`` (``step`` is the precision the value is shown
# at: 1 for counts, 0.1 for rates), the last class ``≥ e_m`` is open-ended, so a value that grows during the day
# still has a class. Counts give zero a class of its own: "0", "1–3", "4–9", …

NICE_MANTISSAS = (1.0, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 7.5, 10.0)


def nice_number(x: float, *, integer: bool) -> float:
    """The nice number (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7.5 × 10ⁿ) nearest to ``x`` (> 0); whole for counts."""
    if x <= 0 or not np.isfinite(x):
        return 1.0 if integer else 0.0
    power = 10.0 ** np.floor(np.log10(x))
    candidates = [m * power for m in NICE_MANTISSAS] + [m * power / 10 for m in NICE_MANTISSAS]
    if integer:
        candidates = [c for c in candidates if c >= 1 and float(c).is_integer()] or [1.0]
    return float(min(candidates, key=lambda c: (abs(np.log(c / x)), c)))


def fixed_class_edges(values: Iterable[float | None], k: int = 5, *, integer: bool = True) -> list[float]:
    """Lower edges of at most ``k`` fixed classes for these values: nice numbers at their quantiles.

    Counts (``integer``): ``[0, 1, …]``, zero alone in the first class. Rates: ``[0, …]``. Always at least one
    class, so a day that starts empty still has its legend (and every later value a class: the last is open).
    """
    if k < 2:
        raise ValueError(f"k must be at least 2, not {k}")
    numbers = pd.to_numeric(pd.Series(list(values), dtype=object), errors="coerce").to_numpy(dtype=float)
    finite = numbers[np.isfinite(numbers)]
    step = 1.0 if integer else 0.1
    edges = [0.0, 1.0] if integer else [0.0]
    pool = finite[finite >= 1] if integer else finite[finite > 0]
    inner = k - len(edges)
    if pool.size and inner > 0:
        for q in np.quantile(pool, np.linspace(0.0, 1.0, inner + 2)[1:-1]):
            edge = nice_number(float(q), integer=integer)
            if edge >= edges[-1] + step and edge <= float(pool.max()):
                edges.append(edge)
    return edges


def fixed_classify(value: float | None, edges: Sequence[float], step: float = 1.0) -> int | None:
    """Class 0..len(edges)-1 of a value as shown (rounded to ``step``); None for a missing value or no edges."""
    if value is None or not edges:
        return None
    number = float(pd.to_numeric(value, errors="coerce"))
    if not np.isfinite(number):
        return None
    shown = round(number / step) * step
    index = int(np.searchsorted(np.asarray(edges, dtype=float), shown + step / 1000, side="right")) - 1
    return max(0, min(index, len(edges) - 1))


def class_ranges(edges: Sequence[float], step: float = 1.0) -> list[tuple[float, float | None]]:
    """(lowest, highest) value shown in each class; the last class has no highest (None): "≥ lowest"."""
    out: list[tuple[float, float | None]] = []
    for i, low in enumerate(edges):
        high = round(edges[i + 1] - step, 6) if i + 1 < len(edges) else None
        out.append((float(low), high))
    return out
