"""The map's fixed data, shared by the wall and the explorer: district polygons (read once per process) or,
without them, circles at the district label points from the store's reference lists."""

from __future__ import annotations

import pandas as pd

from core.settings import Settings
from data_access.queries import ReferenceLists
from geo.simplify import display_district_geojson
from layouts.wall import district_label_points


class MapData:
    def __init__(self, settings: Settings) -> None:
        self.geojson = display_district_geojson(settings.boundaries_districts)

    def points(self, lists: ReferenceLists) -> dict | None:
        """District circles, only when there are no polygons to draw."""
        if self.geojson is not None:
            return None
        return self.label_points(lists)

    @staticmethod
    def label_points(lists: ReferenceLists) -> dict:
        """The districts' label points (code, name) from the store, where the map writes their names."""
        frame = pd.DataFrame([{"code": code, "name": name, "label_lat": lat, "label_lon": lon}
                              for code, name, _access, lat, lon in lists.districts],
                             columns=["code", "name", "label_lat", "label_lon"])
        return district_label_points(frame)
