"""Compact GeoJSON of boundaries for the browser, sent once and reused by every map redraw."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import mapping

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
