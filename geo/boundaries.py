"""Load and validate district or village boundary files (GeoJSON, GeoPackage, shapefile) into a clean GeoDataFrame."""

from __future__ import annotations

import os
import re
from collections.abc import Collection
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from core.settings import boundaries_file

Level = Literal["district", "village"]

WGS84 = "EPSG:4326"
CODE_COLUMNS = ("code", "kode", "kode_wilayah", "kdepum")
NAME_COLUMNS = ("name", "nama", "namobj")
# Kemendagri codes: district "94.04.03", village "94.04.03.1001". Checking the shape guards the district_code prefix
# and catches a village file passed as districts (or the reverse).
CODE_PATTERNS = {"district": re.compile(r"\d{2}\.\d{2}\.\d{2}"), "village": re.compile(r"\d{2}\.\d{2}\.\d{2}\.\d{4}")}
DISTRICT_CODE_LENGTH = 8
POLYGONAL = {"Polygon", "MultiPolygon"}


class BoundaryError(ValueError):
    """A boundary file that cannot be used; the message names the file and, where there is one, the feature."""

    def __init__(self, problem: str, *, path: str | os.PathLike | None = None, index: int | None = None,
                 code: str | None = None) -> None:
        self.path, self.index, self.code = path, index, code
        where = [] if path is None else [str(path)]
        if index is not None:
            where.append(f"feature #{index}" + ("" if code is None else f" (code {code!r})"))
        super().__init__(": ".join([*where, problem]))


def load_boundaries(path: str | os.PathLike, *, level: Level = "district",
                    known_codes: Collection[str] | None = None) -> gpd.GeoDataFrame:
    """Read a boundary file into columns code, name, [district_code,] geometry in EPSG:4326, or raise BoundaryError."""
    if level not in CODE_PATTERNS:
        raise ValueError(f"level must be 'district' or 'village', not {level!r}")
    raw = _read(Path(path))
    code_col = _find_column(raw, CODE_COLUMNS)
    if code_col is None:
        raise BoundaryError(f"no code column (looked for {', '.join(CODE_COLUMNS)}, any case); "
                            f"columns are {', '.join(map(str, raw.columns))}", path=path)
    codes = _codes(raw[code_col], level, path)
    name_col = _find_column(raw, NAME_COLUMNS)
    names = raw[name_col].fillna("").astype(str).str.strip() if name_col else pd.Series("", index=raw.index)
    _check_geometry_present(raw.geometry, codes, path)
    gdf = gpd.GeoDataFrame({"code": codes.to_numpy(), "name": names.to_numpy()},
                           geometry=_to_wgs84(raw, codes, path).geometry.to_numpy(), crs=WGS84)
    _check_valid(gdf, path)
    _check_codes(gdf["code"], known_codes, level, path)
    if level == "village":
        gdf.insert(2, "district_code", gdf["code"].str[:DISTRICT_CODE_LENGTH])
    return gdf


def find_display_boundaries() -> Path | None:
    """The simplified district file for drawing the map, else the full-detail one."""
    return boundaries_file("districts_simplified.geojson") or boundaries_file("districts.geojson")


def _read(path: Path) -> gpd.GeoDataFrame:
    if not path.exists():
        raise BoundaryError("boundary file not found", path=path)
    try:
        raw = gpd.read_file(path, engine="pyogrio")
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError, OSError, ValueError) as exc:
        first_line = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        raise BoundaryError(f"cannot read boundary file: {first_line}", path=path) from None
    if len(raw) == 0:
        raise BoundaryError("the file has no features", path=path)
    return raw.reset_index(drop=True)


def _find_column(frame: pd.DataFrame, wanted: tuple[str, ...]) -> str | None:
    by_lower = {}
    for column in frame.columns:
        if column != frame.geometry.name:
            by_lower.setdefault(str(column).lower(), column)
    return next((by_lower[name] for name in wanted if name in by_lower), None)


def _codes(column: pd.Series, level: Level, path: str | os.PathLike) -> pd.Series:
    codes = pd.Series(["" if pd.isna(c) else str(c).strip() for c in column], dtype=object)
    pattern = CODE_PATTERNS[level]
    example = "94.04.03" if level == "district" else "94.04.03.1001"
    for index, code in codes.items():
        if not code:
            raise BoundaryError("the code is empty", path=path, index=index)
        if not pattern.fullmatch(code):
            raise BoundaryError(f"{code!r} is not a {level} code like {example!r}", path=path, index=index, code=code)
    return codes.astype(str)


def _check_geometry_present(geometry: gpd.GeoSeries, codes: pd.Series, path: str | os.PathLike) -> None:
    for index, (geom, code) in enumerate(zip(geometry, codes, strict=True)):
        if geom is None or geom.is_empty:
            raise BoundaryError("the geometry is missing or empty", path=path, index=index, code=code)
        if geom.geom_type not in POLYGONAL:
            raise BoundaryError(f"the geometry is a {geom.geom_type}, not a Polygon or MultiPolygon",
                                path=path, index=index, code=code)


def _to_wgs84(raw: gpd.GeoDataFrame, codes: pd.Series, path: str | os.PathLike) -> gpd.GeoDataFrame:
    if raw.crs is not None:
        return raw if raw.crs.to_epsg() == 4326 else raw.to_crs(WGS84)
    # Without a CRS only plain longitude/latitude can be trusted; projected metres would land in the ocean silently.
    bounds = raw.geometry.bounds.to_numpy()
    outside = (bounds[:, 0] < -180) | (bounds[:, 2] > 180) | (bounds[:, 1] < -90) | (bounds[:, 3] > 90)
    if outside.any():
        index = int(np.flatnonzero(outside)[0])
        raise BoundaryError("the file has no CRS and its coordinates are not longitude/latitude; "
                            "add a .prj or CRS to the file", path=path, index=index, code=codes[index])
    return raw.set_crs(WGS84)


def _check_valid(gdf: gpd.GeoDataFrame, path: str | os.PathLike) -> None:
    valid = shapely.is_valid(gdf.geometry.to_numpy())
    if not valid.all():
        index = int(np.flatnonzero(~valid)[0])
        reason = shapely.is_valid_reason(gdf.geometry.iloc[index])
        raise BoundaryError(f"the geometry is invalid ({reason}); {int((~valid).sum())} invalid in all",
                            path=path, index=index, code=gdf["code"].iloc[index])


def _check_codes(codes: pd.Series, known_codes: Collection[str] | None, level: Level,
                 path: str | os.PathLike) -> None:
    first_seen: dict[str, int] = {}
    for index, code in enumerate(codes):
        if code in first_seen:
            raise BoundaryError(f"the code is duplicated (also feature #{first_seen[code]})",
                                path=path, index=index, code=code)
        first_seen[code] = index
    if known_codes is None:
        return
    known = set(known_codes)
    for index, code in enumerate(codes):
        if code not in known:
            raise BoundaryError(f"unknown {level} code (not among the {len(known)} known codes)",
                                path=path, index=index, code=code)
