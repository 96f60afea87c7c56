"""Compact GeoJSON of boundaries for the browser, sent once and reused by every map redraw."""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import mapping

log = logging.getLogger(__name__)
DECIMALS = 5  # about 1 m: far finer than the simplification, and it halves the size of the JSON


def to_display_geojson(gdf: gpd.GeoDataFrame, tolerance: float = 0.001) -> dict:
    """FeatureCollection with properties code and name only (feature id = code), simplified and rounded."""
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs("EPSG:4326")
    simplified = shapely.simplify(gdf.geometry.to_numpy(), tolerance, preserve_topology=True)
    names = gdf["name"] if "name" in gdf else [""] * len(gdf)
    features = [
        {
            "type": "Feature",
            "id": str(code),
            "properties": {"code": str(code), "name": "" if name is None else str(name)},
            "geometry": mapping(_rounded(geom)),
        }
        for code, name, geom in zip(gdf["code"], names, simplified, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def _rounded(geom: shapely.Geometry) -> shapely.Geometry:
    # set_precision snaps to the grid and repairs what snapping breaks; np.round then gives short decimal reprs.
    snapped = shapely.set_precision(geom, 10.0**-DECIMALS)
    if snapped.is_empty:  # a polygon smaller than the grid would vanish; keep it unrounded rather than lose it
        snapped = geom
    return shapely.transform(snapped, lambda coords: np.round(coords, DECIMALS))


def display_district_geojson(configured: Path | None) -> dict | None:
    """The district polygons to draw, from the simplified sibling of the configured file when there is one.

    None without a configured file, or when the file is unusable: a broken file must not take the wall down,
    the map then falls back to circles at the district points.
    """
    from geo.boundaries import find_display_boundaries, load_boundaries

    if configured is None:
        return None
    try:
        configured = Path(configured)
        sibling = configured.with_name(f"{configured.stem}_simplified{configured.suffix}")
        default_display = find_display_boundaries()
        if sibling.is_file():
            path = sibling
        elif default_display is not None and default_display.parent == configured.parent:
            path = default_display
        else:
            path = configured  # to_display_geojson simplifies it
        return to_display_geojson(load_boundaries(path))
    except Exception as exc:
        log.error("district boundaries %s unusable, the map shows circles: %s", configured, exc)
        return None
