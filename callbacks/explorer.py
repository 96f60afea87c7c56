"""/explorer: the map coloured by the chosen measure under the filters, and the clicked district's panel."""

from __future__ import annotations

import math
from dataclasses import replace

import dash
from dash import Dash, Input, Output, State, no_update

from callbacks.pages import PageData, filter_options, page_language, parse_filters, store_down
from dashboard.i18n_pages import t
from dashboard.settings import Settings
from dashboard.store import Store
from data_access import queries
from data_access.engine import StoreUnavailable
from data_access.reference import districts
from data_access.scope import Scope
from layouts import components as c
from layouts import explorer as page
from layouts import wall

VIEWER_SCOPE = Scope.wall()  # a public view: village counts below the threshold stay hidden


def district_from_click(click: dict | None) -> str | None:
    """The district code of a click on the map: the feature's code, or the nearest district point."""
    if not click:
        return None
    code = (click.get("properties") or {}).get("code")
    if code:
        return code
    latlng = click.get("latlng")
    if isinstance(latlng, dict):
        latlng = [latlng.get("lat"), latlng.get("lng")]
    if not latlng or None in latlng:
        return None
    lat, lon = float(latlng[0]), float(latlng[1])
    return min(districts(), key=lambda d: math.hypot(d.label_lat - lat, d.label_lon - lon)).code


def register(app: Dash, store: Store, settings: Settings) -> None:
    from dashboard.app import _display_geojson, _district_points  # read-only reuse of the wall's map data

    geojson = _display_geojson(settings)
    points = None if geojson is not None else _district_points()
    names = {d.code: d.name for d in districts()}

    def layout(**query):
        lang = page_language(query, settings)
        _, error = parse_filters(query, store.now())
        return page.layout(query, lang, filter_options(lang), error, geojson, points)

    dash.register_page("explorer", path="/explorer", layout=layout, title="Mimika Center · Peta")

    @app.callback(Output(page.DISTRICTS, "hideout"), Output(page.LEGEND, "children"), Output(page.STATUS, "children"),
                  Input(page.CONFIG, "data"), Input(page.MEASURE, "value"))
    def colour_map(config, measure):
        lang, measure = config["lang"], wall.measure_key(measure)
        try:
            data = PageData(store, config["query"])
            frame = data.get(queries.reports_by_district, VIEWER_SCOPE)
        except StoreUnavailable as exc:
            return no_update, no_update, store_down(lang, exc)
        hideout = wall.map_hideout(frame, measure, data.now, settings.no_data_days)
        return hideout, wall.legend(hideout, measure, lang), None

    @app.callback(Output(page.PICK, "value"), Input(page.DISTRICTS, "clickData"), prevent_initial_call=True)
    def pick_from_map(click):
        return district_from_click(click) or no_update

    @app.callback(Output(page.PANEL, "children"), Input(page.PICK, "value"), State(page.CONFIG, "data"))
    def fill_panel(code, config):
        lang = config["lang"]
        if not code or code not in names:
            return c.message(t("explorer.pick", lang))
        try:
            data = PageData(store, config["query"])
            mine = replace(data.filters, districts=(code,))
            frame = data.get(queries.reports_by_district, VIEWER_SCOPE, mine)
            categories = data.get(queries.top_categories, VIEWER_SCOPE, mine, limit=8)
            opds = data.get(queries.open_by_group, VIEWER_SCOPE, mine, by="opd")
            weekly = data.get(queries.inflow_vs_resolved_weekly, VIEWER_SCOPE, mine)
            villages = data.get(queries.reports_by_village, VIEWER_SCOPE, mine,
                                suppress_below=settings.suppress_below)
        except StoreUnavailable as exc:
            return store_down(lang, exc)
        rows = frame[frame["code"] == code]
        return page.district_panel(names[code], rows.iloc[0] if len(rows) else None, categories, opds, villages,
                                   weekly, lang, settings.suppress_below)
