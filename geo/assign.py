"""Assign points (complaint locations) to a district and village, in bulk, with an STRtree spatial index."""

from __future__ import annotations

import os
from collections.abc import Collection, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from geo.boundaries import DISTRICT_CODE_LENGTH, WGS84, BoundaryError, load_boundaries

# Below this many points a bulk call queries the STRtree directly; from here on it uses a grid that answers most
# points by array lookup (its cells classified as points first fall in them). A caller assigning many small
# batches (an import) asks for the grid with build_grids().
GRID_MIN_POINTS = 50_000
GRID_CELLS = 40_000
OUTSIDE, AMBIGUOUS, UNKNOWN = -1, -2, -3
NONE = -1


class _Grid:
    """Cells that lie wholly inside exactly one polygon or outside all of them; anything else stays AMBIGUOUS.

    Only unambiguous cells are answered here, so the result is identical to querying the tree: a point on a
    border, in an overlap or near a coast always goes to the exact test.

    Cells are classified when a point first falls in them, not all at once: reports cluster in towns and
    villages, so a 200,000-row import touches a few hundred of the 40,000 cells, while classifying every cell up
    front costs about half a second per layer on the import's critical path.
    """

    def __init__(self, geoms: np.ndarray, tree: shapely.STRtree) -> None:
        x0, y0, x1, y1 = shapely.total_bounds(geoms)
        self.size = max(((x1 - x0) * (y1 - y0) / GRID_CELLS) ** 0.5, 1e-9)
        self.x0, self.y0 = x0, y0
        # floor + 1 so the maximum bound itself falls inside the last cell.
        self.nx, self.ny = int((x1 - x0) // self.size) + 1, int((y1 - y0) // self.size) + 1
        self.tree = tree
        self.cells = np.full((self.nx, self.ny), UNKNOWN, dtype=np.int64)
        shapely.prepare(tree.geometries)

    def _boxes(self, ix: np.ndarray, iy: np.ndarray) -> np.ndarray:
        # Slightly enlarged cells absorb rounding in the floor() of lookup(), so a point never lands in a wrong cell.
        eps = self.size * 1e-6
        return shapely.box(self.x0 + ix * self.size - eps, self.y0 + iy * self.size - eps,
                           self.x0 + (ix + 1) * self.size + eps, self.y0 + (iy + 1) * self.size + eps)

    def _classify(self, ix: np.ndarray, iy: np.ndarray) -> None:
        boxes = self._boxes(ix, iy)
        box_idx, poly_idx = self.tree.query(boxes, predicate="intersects")
        touching = np.bincount(box_idx, minlength=len(boxes))
        cells = np.where(touching == 0, OUTSIDE, AMBIGUOUS)
        # Only a box that touches exactly one polygon can be that polygon's: test just those pairs, the polygon
        # prepared (contains(polygon, box) is within(box, polygon)); a third less time than querying every box.
        sole = touching[box_idx] == 1
        boxes_, polys = box_idx[sole], poly_idx[sole]
        inside = shapely.contains(self.tree.geometries[polys], boxes[boxes_])
        cells[boxes_[inside]] = polys[inside]
        self.cells[ix, iy] = cells

    def lookup(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        with np.errstate(invalid="ignore"):  # NaN coordinates fall outside the grid below
            ix = np.floor((x - self.x0) / self.size)
            iy = np.floor((y - self.y0) / self.size)
        in_grid = (ix >= 0) & (ix < self.nx) & (iy >= 0) & (iy < self.ny)
        result = np.full(len(x), OUTSIDE, dtype=np.int64)
        gx, gy = ix[in_grid].astype(np.int64), iy[in_grid].astype(np.int64)
        found = self.cells[gx, gy]
        unknown = found == UNKNOWN
        if unknown.any():
            flat = np.unique(gx[unknown] * self.ny + gy[unknown])
            self._classify(flat // self.ny, flat % self.ny)
            found = self.cells[gx, gy]
        result[in_grid] = found
        return result


class _Layer:
    """One layer of polygons sorted by code, so the lowest polygon index is also the lowest code."""

    def __init__(self, gdf: gpd.GeoDataFrame, grid_min_points: int | None) -> None:
        if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
            gdf = gdf.to_crs(WGS84)
        gdf = gdf.sort_values("code", kind="stable").reset_index(drop=True)
        self.codes = gdf["code"].astype(str).to_numpy(dtype=object)
        self.geoms = gdf.geometry.to_numpy()
        self.tree = shapely.STRtree(self.geoms)
        self.grid_min_points = grid_min_points
        self._grid: _Grid | None = None

    def pairs(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every (point index, polygon index) where the point lies in or on the polygon."""
        todo = np.arange(len(x))
        known_pts = known_polys = np.empty(0, dtype=np.int64)
        if self.grid_min_points is not None and len(x) >= self.grid_min_points and self._grid is None:
            self._grid = _Grid(self.geoms, self.tree)
        if self._grid is not None:
            cell = self._grid.lookup(x, y)
            known_pts = np.flatnonzero(cell >= 0)
            known_polys = cell[known_pts]
            todo = np.flatnonzero(cell == AMBIGUOUS)
        # "intersects" rather than "within": a point exactly on a border is within neither polygon.
        pts, polys = self.tree.query(shapely.points(x[todo], y[todo]), predicate="intersects")
        return np.concatenate([known_pts, todo[pts]]), np.concatenate([known_polys, polys])


def _lowest(n: int, pts: np.ndarray, polys: np.ndarray) -> np.ndarray:
    best = np.full(n, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(best, pts, polys)
    best[best == np.iinfo(np.int64).max] = NONE
    return best


def _codes_at(codes: np.ndarray, idx: np.ndarray) -> np.ndarray:
    out = np.full(len(idx), None, dtype=object)
    hit = idx != NONE
    out[hit] = codes[idx[hit]]
    return out


def _as_floats(values: Sequence[float] | np.ndarray | pd.Series) -> np.ndarray:
    # Coercion instead of failure: one bad coordinate must cost one row its district, not the whole batch.
    if not isinstance(values, pd.Series):
        array = np.asarray(values)
        if array.dtype.kind in "fiu":
            return array.astype(float, copy=False).ravel()
        values = pd.Series(array.astype(object).ravel())
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


class PointAssigner:
    """Finds the district (and village) of many points at once; a point on a shared border gets the lowest code."""

    def __init__(self, districts: gpd.GeoDataFrame, villages: gpd.GeoDataFrame | None = None, *,
                 grid_min_points: int | None = GRID_MIN_POINTS) -> None:
        self._districts = _Layer(districts, grid_min_points)
        self._villages = None if villages is None else _Layer(villages, grid_min_points)
        if self._villages is not None:
            self._village_district = self._village_districts(villages)

    def _village_districts(self, villages: gpd.GeoDataFrame) -> np.ndarray:
        """Index of each (sorted) village's district in the district layer."""
        position = {code: i for i, code in enumerate(self._districts.codes)}
        result = np.empty(len(self._villages.codes), dtype=np.int64)
        for i, code in enumerate(self._villages.codes):
            district = code[:DISTRICT_CODE_LENGTH]
            if district not in position:
                raise BoundaryError(f"the village's district {district} is not in the district layer",
                                    index=int(np.flatnonzero(villages["code"].to_numpy() == code)[0]), code=code)
            result[i] = position[district]
        return result

    @classmethod
    def from_files(cls, district_path: str | os.PathLike, village_path: str | os.PathLike | None = None,
                   known_district_codes: Collection[str] | None = None) -> PointAssigner:
        """Load and validate the boundary files, then build the assigner."""
        districts = load_boundaries(district_path, level="district", known_codes=known_district_codes)
        villages = None if village_path is None else load_boundaries(village_path, level="village")
        return cls(districts, villages)

    def build_grids(self) -> None:
        """Use lookup grids from now on (their cells are classified as points fall in them). For a caller about
        to assign many points in batches smaller than GRID_MIN_POINTS (a big file import), which would otherwise
        never get them; answers are the same either way."""
        for layer in (self._districts, self._villages):
            if layer is not None and layer._grid is None:
                layer._grid = _Grid(layer.geoms, layer.tree)

    def assign(self, lons: Sequence[float] | np.ndarray | pd.Series,
               lats: Sequence[float] | np.ndarray | pd.Series) -> pd.DataFrame:
        """One row per input point, same order (and same index for a Series): district_code, village_code or None."""
        x, y = _as_floats(lons), _as_floats(lats)
        if len(x) != len(y):
            raise ValueError(f"{len(x)} longitudes but {len(y)} latitudes")
        finite = np.flatnonzero(np.isfinite(x) & np.isfinite(y))
        district = np.full(len(x), NONE, dtype=np.int64)
        village = np.full(len(x), NONE, dtype=np.int64)
        district[finite] = _lowest(len(finite), *self._districts.pairs(x[finite], y[finite]))
        if self._villages is not None:
            village[finite] = self._assign_villages(x[finite], y[finite], district[finite])
        # dtype=object keeps None for "outside"; pandas 3 would otherwise infer str and turn None into NaN.
        return pd.DataFrame({"district_code": _codes_at(self._districts.codes, district),
                             "village_code": self._village_codes(village)},
                            index=lons.index if isinstance(lons, pd.Series) else None, dtype=object)

    def _assign_villages(self, x: np.ndarray, y: np.ndarray, district: np.ndarray) -> np.ndarray:
        # Villages of other districts are ignored so that village_code always starts with district_code, even in
        # the small slivers where neighbouring polygons of the source data overlap.
        pts, polys = self._villages.pairs(x, y)
        same = self._village_district[polys] == district[pts]
        return _lowest(len(x), pts[same], polys[same])

    def _village_codes(self, village: np.ndarray) -> np.ndarray:
        if self._villages is None:
            return np.full(len(village), None, dtype=object)
        return _codes_at(self._villages.codes, village)

    def assign_one(self, lon: float | None, lat: float | None) -> tuple[str | None, str | None]:
        """District and village code of a single point."""
        row = self.assign([lon], [lat]).iloc[0]
        return row["district_code"], row["village_code"]
