"""Tile-grid cartogram: one equal square per district, so the small Timika-area districts are as visible as the huge
highland and coastal ones."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

GRID_COLS, GRID_ROWS = 8, 4
# (col, row), row 0 = north. Laid out from the label points: highlands on top, coast at the bottom, the four
# Timika-area districts as a 2x2 block in the middle, Mimika Barat Jauh far west, Jita and Alama far east.
TILE_POSITIONS: dict[str, tuple[int, int]] = {
    "94.04.10": (4, 0),  # Tembagapura
    "94.04.14": (5, 0),  # Hoya
    "94.04.06": (6, 0),  # Jila
    "94.04.18": (7, 0),  # Alama
    "94.04.11": (0, 1),  # Mimika Barat Jauh
    "94.04.12": (1, 1),  # Mimika Barat Tengah
    "94.04.15": (2, 1),  # Iwaka
    "94.04.09": (3, 1),  # Kuala Kencana
    "94.04.13": (4, 1),  # Kwamki Narama
    "94.04.17": (1, 2),  # Amar
    "94.04.16": (3, 2),  # Wania
    "94.04.01": (4, 2),  # Mimika Baru (Timika)
    "94.04.02": (6, 2),  # Agimuga
    "94.04.04": (2, 3),  # Mimika Barat
    "94.04.08": (3, 3),  # Mimika Tengah
    "94.04.03": (4, 3),  # Mimika Timur
    "94.04.07": (5, 3),  # Mimika Timur Jauh
    "94.04.05": (7, 3),  # Jita
}
# Used only when too few known districts carry a label point to fit the lon/lat -> cell mapping.
REGENCY_BOUNDS = (134.885, -5.218, 137.971, -3.957)


def tile_positions(districts: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """Cell of every district in the frame (columns code, label_lat, label_lon or label_lng).

    Known codes keep their fixed cell; a new district goes to the free cell nearest its label point.
    """
    frame = _normalise(districts)
    positions = {code: TILE_POSITIONS[code] for code in frame["code"] if code in TILE_POSITIONS}
    new = frame[~frame["code"].isin(TILE_POSITIONS)].sort_values("code")
    if new.empty:
        return positions
    to_cell = _cell_mapping(frame)
    taken = set(TILE_POSITIONS.values())
    for row in new.itertuples(index=False):
        cell = _nearest_free(to_cell(row.label_lon, row.label_lat), taken)
        taken.add(cell)
        positions[row.code] = cell
    return positions


def _normalise(districts: pd.DataFrame) -> pd.DataFrame:
    frame = districts.rename(columns={"label_lng": "label_lon"})
    for column in ("label_lat", "label_lon"):
        if column not in frame:
            frame[column] = np.nan
    frame = frame[["code", "label_lat", "label_lon"]].copy()
    frame["code"] = frame["code"].astype(str)
    frame[["label_lat", "label_lon"]] = frame[["label_lat", "label_lon"]].apply(pd.to_numeric, errors="coerce")
    return frame


def _cell_mapping(frame: pd.DataFrame):
    """A linear lon -> col and lat -> row fit on the districts whose cell is fixed, so new ones fit the layout."""
    known = frame[frame["code"].isin(TILE_POSITIONS)].dropna(subset=["label_lat", "label_lon"])
    if known["label_lon"].nunique() >= 2 and known["label_lat"].nunique() >= 2:
        cols = [TILE_POSITIONS[c][0] for c in known["code"]]
        rows = [TILE_POSITIONS[c][1] for c in known["code"]]
        col_fit = np.polyfit(known["label_lon"], cols, 1)
        row_fit = np.polyfit(known["label_lat"], rows, 1)
    else:
        west, south, east, north = REGENCY_BOUNDS
        col_fit = np.array([(GRID_COLS - 1) / (east - west), -west * (GRID_COLS - 1) / (east - west)])
        row_fit = np.array([(GRID_ROWS - 1) / (south - north), -north * (GRID_ROWS - 1) / (south - north)])

    def to_cell(lon: float, lat: float) -> tuple[float, float]:
        if not (math.isfinite(lon) and math.isfinite(lat)):
            return (GRID_COLS - 1) / 2, (GRID_ROWS - 1) / 2
        return float(np.polyval(col_fit, lon)), float(np.polyval(row_fit, lat))

    return to_cell


def _nearest_free(target: tuple[float, float], taken: set[tuple[int, int]]) -> tuple[int, int]:
    # The grid widens eastwards only when every cell is taken, so the fixed layout never moves.
    cols = max(GRID_COLS, 1 + max((c for c, _ in taken), default=0))
    while True:
        free = [(c, r) for c in range(cols) for r in range(GRID_ROWS) if (c, r) not in taken]
        if free:
            return min(free, key=lambda cell: (math.dist(cell, target), cell[1], cell[0]))
        cols += 1
