"""/explorer: the district map with the filter bar and a measure switch, and a panel for the district clicked."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import dash_leaflet as dl
import pandas as pd
from dash import dcc, html

from core import measures
from core.formatting import fmt_dec, fmt_int
from core.i18n import Message, t
from core.rules import NO_DISTRICT, is_remote
from layouts import components as c
from layouts import theme, wall

CONFIG = "explorer-config"
STATUS = "explorer-status"
MEASURE = "explorer-measure"
MAP = "explorer-map"
DISTRICTS = "explorer-districts"
LEGEND = "explorer-legend"
PICK = "explorer-pick"
PANEL = "explorer-panel"
TREND = "explorer-trend"
TILE_PREFIX = "explorer-kpi"
URL_SYNC = "explorer-url-sync"  # written by the clientside callback that puts the picked district in the URL
LABELS = "explorer-labels"
OVERVIEW = "explorer-overview"


def layout(query: Mapping, lang: str, options: c.FilterOptions, error: Message | None,
           display_geojson: dict | None, district_points: dict | None, label_points: dict | None = None) -> html.Div:
    q = c.clean_query(query)
    measure = wall.measure_key(q.get("measure"))
    picked = picked_district(q, {code for code, _ in options.district})
    hideout = {"colors": list(theme.SEQUENTIAL), "nodata": theme.NO_DATA, "values": {}, "max": 0,
               "selected": picked}
    tooltip = {"onEachFeature": {"variable": "mimika.districtTooltip"}}
    if display_geojson is not None:
        layer = dl.GeoJSON(id=DISTRICTS, data=display_geojson, hideout=hideout,
                           style={"variable": "mimika.districtStyle"}, **tooltip)
    else:
        layer = dl.GeoJSON(id=DISTRICTS, data=district_points or {"type": "FeatureCollection", "features": []},
                           hideout=hideout, pointToLayer={"variable": "mimika.districtCircle"}, **tooltip)
    layers = [layer]
    if label_points and display_geojson is not None:  # the names, as the wall writes them (circles carry none)
        layers.append(dl.GeoJSON(id=LABELS, data=label_points, pointToLayer={"variable": "mimika.districtLabel"},
                                 interactive=False))
    map_ = dl.Map(id=MAP, children=layers, center=wall.MIMIKA_CENTER,
                  bounds=focus_bounds(display_geojson, picked) or wall.MIMIKA_BOUNDS,
                  attributionControl=False, zoomSnap=0.25, style={"height": "100%", "width": "100%"})
    controls = html.Label([t("explorer.measure", lang), dcc.Dropdown(
        id=MEASURE, value=measure, clearable=False, searchable=False, style={"width": "280px"},
        options=[{"label": measures.name(m, lang), "value": m} for m in wall.MEASURES])], className="fb-field")
    pick = html.Label([t("explorer.district", lang), dcc.Dropdown(
        id=PICK, value=picked, options=[{"label": name, "value": code} for code, name in options.district],
        placeholder=t("explorer.pick", lang))], className="fb-field")
    body = [
        html.Div(id=STATUS),
        html.Div(className="explorer-layout", children=[
            c.panel(t("map.title", lang), html.Div([
                html.Div(map_, className="explorer-map"),
                html.Div(id=LEGEND, className="explorer-legend"),
                html.Div(t("attribution", lang), className="page-note")]), actions=controls),
            c.panel(t("explorer.district", lang), html.Div([
                pick, html.Div(id=PANEL, className="page-stack", children=c.message(t("explorer.pick", lang)))])),
        ]),
        c.figures_explained(("open", "new_24h", "per_10k", "overdue", "median_response_hours"), lang),
        dcc.Store(id=CONFIG, data={"query": q, "lang": lang}),
        dcc.Store(id=URL_SYNC, data=None),
    ]
    return c.page_shell("explorer", lang, query, t("explorer.title", lang), body, options=options,
                        path="/explorer", error=error)


def focus_bounds(geojson: dict | None, code: str | None, margin: float = 0.15) -> list | None:
    """[[south, west], [north, east]] around district ``code``'s polygons (with ``margin`` of its size on each
    side), for the map to zoom to the district picked; None without polygons or for an unknown code."""
    if not geojson or not code:
        return None
    lats, lons = [], []
    for feature in geojson.get("features", []):
        if (feature.get("properties") or {}).get("code") != code:
            continue
        geometry = feature.get("geometry") or {}
        polygons = geometry.get("coordinates") or []
        polygons = [polygons] if geometry.get("type") == "Polygon" else polygons
        for polygon in polygons:
            for ring in polygon:
                for lon, lat, *_ in ring:
                    lats.append(float(lat))
                    lons.append(float(lon))
    if not lats:
        return None
    dlat, dlon = (max(lats) - min(lats)) * margin + 0.01, (max(lons) - min(lons)) * margin + 0.01
    return [[min(lats) - dlat, min(lons) - dlon], [max(lats) + dlat, max(lons) + dlon]]


def viewport(geojson: dict | None, code: str | None) -> dict:
    """The map's view for a pick: flown to the district, or back to the whole regency without one."""
    return {"bounds": focus_bounds(geojson, code) or wall.MIMIKA_BOUNDS, "transition": "flyToBounds"}


def overview(districts: pd.DataFrame, lang: str, query: Mapping) -> list:
    """Before a district is picked: every district by its open reports (most first), each a link that picks it, so
    the panel beside the map is never an empty half of the page."""
    d = districts[districts["code"] != NO_DISTRICT].dropna(subset=["name"])
    d = d.sort_values(["open", "reports", "name"], ascending=[False, False, True])
    carried = {k: v for k, v in c.clean_query(query).items() if k != "focus"}
    rows = [html.Tr([html.Td(c.page_link(r.name, "/explorer" + c.query_string({**carried, "focus": r.code}),
                                         "/explorer")),
                     html.Td(fmt_int(r.open, lang=lang), className="num"),
                     html.Td(fmt_int(r.overdue, lang=lang), className="num"),
                     html.Td(fmt_int(r.reports, lang=lang), className="num")]) for r in d.itertuples()]
    head = html.Thead(html.Tr([html.Th(t("col.district", lang)), html.Th(t("col.open", lang), className="num"),
                               html.Th(t("col.overdue", lang), className="num"),
                               html.Th(t("col.reports", lang), className="num")]))
    return [html.P(t("explorer.pick", lang), className="page-note"),
            html.Table([head, html.Tbody(rows)], id=OVERVIEW, className="page-table")]


def picked_district(query: Mapping, known: set[str]) -> str | None:
    """The district whose panel opens with the page: ``?focus=`` (what a click writes), else the first district
    of the ``?district=`` filter, when the store knows it."""
    focus = query.get("focus")
    if isinstance(focus, str) and focus in known:
        return focus
    return next((code for code in c.query_values(query.get("district")) if code in known), None)


def hideout(districts: pd.DataFrame, measure: str, now, no_data_days: int, lang: str,
            selected: str | None) -> dict:
    """The map's hideout for the explorer: the wall's classes, the picked district, and the texts of the hover
    tooltip (each district's value as shown, in the page's language)."""
    out = wall.map_hideout(districts, measure, now, no_data_days, selected=selected)
    out["texts"] = {code: wall.format_measure(measure, value, lang) for code, value in out["values"].items()
                    if value is not None}
    out["measure_label"] = measures.name(measure, lang)
    out["nodata_text"] = t("legend.no_data", lang)
    return out


def district_panel(name: str, row: pd.Series | None, categories: pd.DataFrame, opds: pd.DataFrame,
                   villages: pd.DataFrame, weekly: pd.DataFrame, lang: str, suppress_below: int) -> list:
    """One district: its figures, top categories, OPDs with open reports, and villages (small counts hidden)."""
    tiles = []
    if row is not None:
        remote = is_remote(row["access"])
        tiles = [
            c.tile(t("col.reports", lang), fmt_int(row["reports"], lang=lang), element_id=f"{TILE_PREFIX}-reports"),
            c.tile(t("col.per_10k", lang), fmt_dec(row["per_10k"], 1, lang=lang), element_id=f"{TILE_PREFIX}-per_10k"),
            c.tile(t("col.open", lang), fmt_int(row["open"], lang=lang), element_id=f"{TILE_PREFIX}-open"),
            c.tile(t("col.overdue", lang), fmt_int(row["overdue"], lang=lang), tone="alert",
                   element_id=f"{TILE_PREFIX}-overdue"),
            c.tile(t("col.median_response", lang), fmt_dec(row["median_response_hours"], lang=lang),
                   element_id=f"{TILE_PREFIX}-median"),
        ]
        name = f"{name} · {t('col.access', lang)}: {t('access.' + str(row['access']), lang)}" + (
            f" ({t('briefing.remote', lang)})" if remote else "")
    cat_names = categories["category_en"] if lang == "en" else categories["category"]
    def number(v) -> str:
        return fmt_int(v, lang=lang)

    cat_table = c.table(categories.assign(name=cat_names, reports_f=categories["reports"].map(number),
                                          open_f=categories["open"].map(number)),
                        [("name", t("col.category", lang)), ("reports_f", t("col.reports", lang)),
                         ("open_f", t("col.open", lang))], table_id="explorer-categories")
    opd_table = c.table(opds.assign(open_f=opds["open"].map(number), overdue_f=opds["overdue"].map(number)),
                        [("name", t("col.opd", lang)), ("open_f", t("col.open", lang)),
                         ("overdue_f", t("col.overdue", lang))], table_id="explorer-opds")
    hidden = t("explorer.suppressed", lang, n=suppress_below)
    # Most reports first; the kampung whose counts are withheld go last, by name (their order would tell the counts).
    villages = villages.assign(_rank=[-1 if s else int(v) for v, s in zip(villages["reports"], villages["suppressed"],
                                                                         strict=True)])
    villages = villages.sort_values(["_rank", "name"], ascending=[False, True])
    shown = villages.assign(
        reports_f=[hidden if s else fmt_int(v, lang=lang) for v, s in zip(villages["reports"], villages["suppressed"],
                                                               strict=True)],
        open_f=["–" if pd.isna(v) else fmt_int(v, lang=lang) for v in villages["open"]])
    village_table = c.table(shown, [("name", t("explorer.villages", lang)), ("reports_f", t("col.reports", lang)),
                                    ("open_f", t("col.open", lang))], table_id="explorer-villages")
    return [
        html.H3(name, id="explorer-district-name", className="panel-heading"),
        html.Div(tiles, className="tiles"),
        html.H4(t("explorer.trend", lang)),
        dcc.Graph(id=TREND, figure=c.flow_figure(weekly, lang), config={"displayModeBar": False},
                  style={"height": "220px"}, className="page-graph"),
        html.Div(className="grid-2", children=[html.Div([html.H4(t("explorer.categories", lang)), cat_table]),
                                               html.Div([html.H4(t("explorer.opds", lang)), opd_table])]),
        html.H4(t("explorer.villages", lang)), html.Div(village_table, className="table-scroll"),
    ]


def district_from_click(click: dict | None, districts: Sequence[tuple]) -> str | None:
    """The district code of a click on the map: the feature's code, or the nearest district label point.

    ``districts`` are (code, name, access, lat, lon) rows as the store's reference lists give them.
    """
    if not isinstance(click, dict):
        return None
    properties = click.get("properties")
    code = properties.get("code") if isinstance(properties, dict) else None
    if isinstance(code, str) and code:
        return code[:32]
    latlng = click.get("latlng")
    if isinstance(latlng, dict):
        latlng = [latlng.get("lat"), latlng.get("lng")]
    if not isinstance(latlng, list | tuple) or len(latlng) != 2:
        return None
    try:
        lat, lon = float(latlng[0]), float(latlng[1])
    except (TypeError, ValueError):
        return None
    if not (math.isfinite(lat) and math.isfinite(lon)):
        return None
    placed = [(c, la, lo) for c, _n, _a, la, lo in districts if la is not None and lo is not None]
    if not placed:
        return None
    return min(placed, key=lambda d: math.hypot(d[1] - lat, d[2] - lon))[0]
