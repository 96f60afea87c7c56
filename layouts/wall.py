"""The command-center wall: page layout and the pure builders that turn small DataFrames into what it shows.

Nothing here reads the store. ``layout`` draws the frame once (with the district polygons, which are sent
only once); the builders return the pieces a refresh replaces: KPI texts, the map's ``hideout`` and points,
the tile grid, the chart figures and the ticker.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import dash_leaflet as dl
import pandas as pd
from dash import dcc, html

from core import measures
from core.formatting import MISSING, fmt_dec, fmt_hhmm, fmt_int, fmt_pct, fmt_when
from core.i18n import t
from core.rules import NO_DISTRICT, is_remote
from layouts import targets, theme

# ---------------------------------------------------------------------------------------------------------------
# Component ids: the one place they are spelled.
ROOT = "wall-root"
LOCATION_CONFIG = "wall-config"
INTERVAL = "wall-interval"
STATE = "wall-state"
FIGURES = "wall-figures"
CLOCK = "wall-clock"
DATA_TIME = "wall-data-time"
STALE = "wall-stale"
SURGE = "wall-surge"
MAP = "wall-map"
DISTRICTS = "wall-districts"
POINTS = "wall-points"
LABELS = "wall-district-labels"
LEGEND = "wall-legend"
MAP_KEY = "wall-map-key"  # the districts the map numbers instead of naming (filled in the browser: assets/wall.js)
TILEGRID = "wall-tilegrid"
TILES_KEY = "wall-tiles-key"
SLA_OVERDUE = "wall-sla-overdue"
SLA_TREND = "wall-sla-trend"
OPD_BACKLOG = "wall-opd-backlog"
OPD_FLOW = "wall-opd-flow"
TICKER = "wall-ticker"
EQUITY = "wall-equity"
KPI_RESPONSE_SAMPLE = "kpi-response-sample"
PANEL_GROUPS = ("map", "sla", "opd")
GRAPHS = (SLA_OVERDUE, SLA_TREND, OPD_BACKLOG, OPD_FLOW)


def panel_id(group: str) -> str:
    return f"wall-panel-{group}"


# (id, label key, column of headline_kpis)
KPIS = (
    ("kpi-new-today", "kpi.new_today", "new_today"),
    ("kpi-open", "kpi.open", "open"),
    ("kpi-overdue-response", "kpi.overdue_response", "overdue_response"),
    ("kpi-overdue-resolution", "kpi.overdue_resolution", "overdue_resolution"),
    ("kpi-at-risk", "kpi.at_risk", "at_risk"),
    ("kpi-response-compliance", "kpi.response_compliance", "response_compliance_pct"),
    ("kpi-median-response", "kpi.median_response", "median_response_hours"),
)
KPI_IDS = tuple(k[0] for k in KPIS)
# Every KPI against the same moment a day and a week back (headline_kpis at now − 1 day, now − 7 days, ``past``: the
# counts of what was open then read from the timeline, data_access/rulebook/rules.py "As of an earlier moment").
CHANGE_COLUMNS = tuple(column for _, _, column in KPIS)
COUNT_CHANGE = ("new_today", "open", "overdue_response", "overdue_resolution", "at_risk")  # whole numbers
CHANGE_BACK = (("day", 1), ("week", 7))  # (label, days back)


def kpi_tile_id(kpi_id: str) -> str:
    return f"{kpi_id}-tile"


def kpi_target_id(kpi_id: str) -> str:
    return f"{kpi_id}-target"


def kpi_change_id(kpi_id: str) -> str:
    return f"{kpi_id}-change"

# URL value → reports_by_district column. Median response: larger is worse, like the others.
MEASURES = {
    "open": "open",
    "new_24h": "new_24h",
    "per_10k": "per_10k",
    "overdue": "overdue",
    "median_response": "median_response_hours",
}
MEASURE_ALIASES = {"new": "new_24h", "baru": "new_24h", "rate": "per_10k", "per10k": "per_10k",
                   "terlambat": "overdue", "response": "median_response", "median": "median_response",
                   "terbuka": "open"}
DEFAULT_MEASURE = "open"
OUTSIDE_CODE = NO_DISTRICT
# Fewer items rather than small type: the ticker band holds one row of two at the wall's text size (three cut the
# place and the title short), each chart its top six with "+N OPD lainnya" (the same on every OPD panel).
TICKER_ITEMS = 2
TITLE_CHARS = 64
TOP_OPDS = 6
MIMIKA_BOUNDS = [[-5.23, 134.87], [-3.95, 137.99]]
MIMIKA_CENTER = [-4.59, 136.43]  # the regency outline, a little padded
ATTRIBUTION_NOTE = "attribution"
REMOTE_MARK = "◆"  # the briefing's and /publik's mark for a district reached by river, sea or air
CLUSTER_RADIUS = 80  # px at the map's fitted zoom: Timika's reports gather into one or two readable clusters


def measure_key(raw: object) -> str:
    """A known measure for whatever arrived (a URL value, a dropdown value, or junk); the default otherwise."""
    raw = raw.strip().lower() if isinstance(raw, str) else ""
    raw = MEASURE_ALIASES.get(raw, raw)
    return raw if raw in MEASURES else DEFAULT_MEASURE


def format_measure(measure: str, value, lang: str = "id") -> str:
    if measure in ("per_10k", "median_response"):
        return fmt_dec(value, 1, lang=lang)
    return fmt_int(value, lang=lang)


# ---------------------------------------------------------------------------------------------------------------
# Page frame


def layout(*, lang: str = "id", measure: str = DEFAULT_MEASURE, display_geojson: dict | None = None,
           district_points: dict | None = None, refresh_seconds: int = 10, soft_reload_hours: int = 6,
           tile_url: str | None = None, rotate: tuple[str, ...] = (), dwell_seconds: int = 30,
           spotlight: bool = False, label_points: dict | None = None) -> html.Div:
    """The whole wall, empty of numbers: the first interval tick (at load) fills it.

    ``display_geojson`` are the district polygons (sent once, never again); without them the map shows
    ``district_points`` as proportional circles. ``label_points`` (district_label_points) put the districts'
    names on the polygons.
    """
    rotate = tuple(g for g in rotate if g in PANEL_GROUPS)
    config = {"lang": lang, "measure": measure}
    root_data = {
        "data-rotate": ",".join(rotate),
        "data-show": rotate[0] if rotate else "",
        "data-dwell": str(max(5, int(dwell_seconds))),
        "data-spotlight": "1" if spotlight else "",
        "data-reload-ms": str(int(soft_reload_hours * 3600 * 1000)),
        "data-lang": lang,
    }
    return html.Div(
        id=ROOT,
        className="wall" + (" wall-rotating" if rotate else ""),
        **root_data,
        children=[
            dcc.Store(id=LOCATION_CONFIG, data=config),
            dcc.Store(id=STATE, data=None),
            dcc.Store(id=FIGURES, data=None),
            dcc.Interval(id=INTERVAL, interval=int(refresh_seconds) * 1000, n_intervals=0),
            _header(lang),
            _kpi_row(lang),
            # The regency's promise as a number: remote districts against the road districts (layouts/equity.py).
            html.Section(id=EQUITY, className="wall-equity", **{"aria-label": t("equity.title", lang)}, children=[]),
            html.Div(className="wall-main", children=[
                _map_group(lang, measure, display_geojson, district_points, tile_url, label_points),
                _sla_group(lang),
                _opd_group(lang),
            ]),
            html.Section(id=panel_id("ticker"), className="wall-ticker-band", children=[
                html.H2(t("ticker.title", lang), className="ticker-title"),
                html.Ul(id=TICKER, className="ticker-list", children=[]),
            ]),
        ],
    )


MENU = "wall-menu"
MENU_PAGES = (("briefing", "/briefing"), ("opd", "/opd"), ("sla", "/sla"), ("explorer", "/explorer"))


def _menu(lang: str) -> html.Details:
    """The operator's way to the other pages: a small closed "☰" beside the name that opens a list; closed, it
    adds nothing to read on the wall (and a kiosk screen, which may open no other page, simply never opens it)."""
    suffix = "?lang=en" if lang == "en" else ""
    return html.Details(id=MENU, className="wall-menu", children=[
        html.Summary("☰", title=t("wall.menu", lang), **{"aria-label": t("wall.menu", lang)}),
        html.Ul([html.Li(html.A(t(f"nav.{name}", lang), href=path + suffix)) for name, path in MENU_PAGES]),
    ])


def _header(lang: str) -> html.Header:
    return html.Header(className="wall-header", children=[
        html.Div(className="brand", children=[
            _menu(lang),
            html.Span(t("title", lang), className="brand-name"),
            html.Span(t("subtitle", lang), className="brand-sub"),
        ]),
        # The banners sit between the name and the clock: they never hide the clock or the data time.
        html.Div(className="header-alerts", children=[
            html.Div(id=STALE, className="stale-banner", role="alert", hidden=True, children=""),
            html.Div(id=SURGE, className="surge-banner", role="status", hidden=True, children=[]),
        ]),
        html.Div(className="status-line", children=[
            html.Span(className="data-time", children=[
                html.Span(t("status.data", lang) + ": ", className="muted"),
                html.Span(t("status.waiting", lang), id=DATA_TIME),
            ]),
            html.Span(className="clock", children=[html.Span("--:--:--", id=CLOCK),
                                                   html.Span(" WIT", className="clock-zone")]),
        ]),
    ])


def _kpi_aside(kpi_id: str, lang: str) -> list:
    """What stands beside a figure in small type, not in its label (a label that long made the tile too wide for
    the row): the response sample and the window, the median's unit and window."""
    window = html.Div(t("kpi.window", lang))
    if kpi_id == "kpi-response-compliance":
        return [html.Div([html.Div("n = –", id=KPI_RESPONSE_SAMPLE), window], className="kpi-sample")]
    if kpi_id == "kpi-median-response":
        return [html.Div([html.Div(t("hours", lang)), window], className="kpi-sample")]
    return []


def _kpi_row(lang: str) -> html.Section:
    tiles = []
    for kpi_id, label_key, _ in KPIS:
        tiles.append(html.Div(id=kpi_tile_id(kpi_id), className="kpi kpi-plain", children=[
            html.Div(t(label_key, lang), className="kpi-label"),
            html.Div(className="kpi-figure", children=[html.Div("–", id=kpi_id, className="kpi-value"),
                                                       *_kpi_aside(kpi_id, lang)]),
            # One line on the wall for the target and the two changes: they take turns (wall.css kpi-roll), so
            # the figures keep their size and the row its height.
            html.Div(className="kpi-info", children=html.Div(className="kpi-roll", children=[
                html.Div("", id=kpi_target_id(kpi_id), className="kpi-target"),
                html.Div("", id=kpi_change_id(kpi_id), className="kpi-change"),
            ])),
        ]))
    return html.Section(id=panel_id("kpis"), className="wall-kpis", children=tiles)


def _panel(title: str, body, *, extra_class: str = "", title_id: str | None = None) -> html.Section:
    heading = html.H2(title, className="panel-title", **({"id": title_id} if title_id else {}))
    return html.Section(className=f"panel {extra_class}".strip(), children=[heading, body])


def _graph(graph_id: str) -> dcc.Graph:
    return dcc.Graph(id=graph_id, className="wall-graph", figure=empty_figure(),
                     config={"staticPlot": True, "displayModeBar": False, "responsive": True},
                     style={"height": "100%", "width": "100%"})


def _map_group(lang: str, measure: str, display_geojson: dict | None, district_points: dict | None,
               tile_url: str | None, label_points: dict | None = None) -> html.Div:
    layers = []
    if tile_url:
        layers.append(dl.TileLayer(url=tile_url, attribution=""))
    hideout = {"colors": list(theme.SEQUENTIAL), "nodata": theme.NO_DATA, "values": {}, "max": 0}
    if display_geojson is not None:
        layers.append(dl.GeoJSON(id=DISTRICTS, data=display_geojson, hideout=hideout,
                                 style={"variable": "mimika.districtStyle"}, interactive=False))
    else:
        layers.append(dl.GeoJSON(id=DISTRICTS, data=district_points or _empty_collection(), hideout=hideout,
                                 pointToLayer={"variable": "mimika.districtCircle"}, interactive=False))
    if label_points and display_geojson is not None:  # without polygons the circles carry no names either
        # Names sit under the clusters (Leaflet's shadow pane lies between the polygons and the markers).
        layers.append(dl.GeoJSON(id=LABELS, data=label_points, pointToLayer={"variable": "mimika.districtLabel"},
                                 interactive=False))
    # The cluster radius is set again in the browser for the screen's scale (assets/wall.js: clusterOptions).
    layers.append(dl.GeoJSON(id=POINTS, data=_empty_collection(), cluster=True, zoomToBoundsOnClick=False,
                             pointToLayer={"variable": "mimika.reportPoint"},
                             clusterToLayer={"variable": "mimika.reportCluster"},
                             superClusterOptions={"radius": CLUSTER_RADIUS * 2, "maxZoom": 12}, interactive=False))
    map_ = dl.Map(
        # No zoom: react-leaflet prefers center+zoom over bounds. The view is fitted again in the browser once
        # the grid has its final size (assets/wall.js), and not tracked back to the server (trackViewport).
        id=MAP, children=layers, center=MIMIKA_CENTER, bounds=MIMIKA_BOUNDS, boundsOptions={"padding": [4, 4]},
        trackViewport=False, zoomControl=False,
        attributionControl=False, dragging=False, scrollWheelZoom=False, doubleClickZoom=False,
        boxZoom=False, keyboard=False, touchZoom=False, zoomSnap=0.1, className="wall-leaflet",
        style={"height": "100%", "width": "100%"},
    )
    note = [] if display_geojson is not None else [html.Div(t("map.no_boundaries", lang), className="map-note")]
    map_panel = _panel(measures.name(measure, lang) + " · " + t("map.title", lang), html.Div(
        className="map-body", children=[
            html.Div(className="map-canvas", children=[
                map_, *note, html.Div(t(ATTRIBUTION_NOTE, lang), className="map-attribution")]),
            html.Div(id=MAP_KEY, className="map-key", children=[]),
            html.Div(id=LEGEND, className="map-legend", children=[]),
        ]), extra_class="panel-map")
    tiles_panel = _panel(t("tiles.title", lang) + " · " + measures.name(measure, lang), html.Div(
        className="tiles-body", children=[
            html.Div(id=TILEGRID, className="tilegrid", children=[]),
            # The mark on a tile, said in words on the wall itself (the briefing and /publik use the same ◆).
            html.Div(id=TILES_KEY, className="tiles-key", children=[
                html.Span(REMOTE_MARK, className="tile-remote"), " " + t("tiles.remote_key", lang)]),
        ]), extra_class="panel-tiles")
    return html.Div(id=panel_id("map"), className="group group-map", children=[map_panel, tiles_panel])


def _sla_group(lang: str) -> html.Div:
    return html.Div(id=panel_id("sla"), className="group group-charts", children=[
        _panel(t("wall.sla.title", lang), _graph(SLA_OVERDUE), extra_class="panel-chart-main"),
        _panel(t("sla.trend", lang), _graph(SLA_TREND), extra_class="panel-chart-side"),
    ])


def _opd_group(lang: str) -> html.Div:
    return html.Div(id=panel_id("opd"), className="group group-charts", children=[
        _panel(t("wall.opd.title", lang), _graph(OPD_BACKLOG), extra_class="panel-chart-main"),
        _panel(t("wall.opd.flow", lang), _graph(OPD_FLOW), extra_class="panel-chart-side"),
    ])


def _empty_collection() -> dict:
    return {"type": "FeatureCollection", "features": []}


def empty_figure(message: str = "") -> dict:
    layout = theme.base_figure_layout(showlegend=False, xaxis={"visible": False}, yaxis={"visible": False})
    if message:
        layout["annotations"] = [{"text": message, "x": 0.5, "y": 0.5, "xref": "paper", "yref": "paper",
                                  "showarrow": False, "font": {"color": theme.MUTED}}]
    return {"data": [], "layout": layout}


def district_label_points(districts: pd.DataFrame) -> dict:
    """District label points as GeoJSON, for the map without polygons (``code``, ``name``, ``label_lat/lon``)."""
    features = []
    # Each district's number (in code order, the same on every screen) stands in for its name where the name does
    # not fit on the map; the key beside the map says which is which (assets/wall.js: declutterLabels).
    for number, row in enumerate(districts.sort_values("code").itertuples(index=False), start=1):
        if pd.isna(row.label_lat) or pd.isna(row.label_lon):
            continue
        features.append({"type": "Feature", "properties": {"code": row.code, "name": row.name, "n": number,
                                                           "short": short_name(row.name)},
                         "geometry": {"type": "Point", "coordinates": [float(row.label_lon), float(row.label_lat)]}})
    return {"type": "FeatureCollection", "features": features}


# ---------------------------------------------------------------------------------------------------------------
# Builders: small DataFrames in, component props out.


def kpi_texts(kpis: pd.DataFrame, lang: str = "id") -> dict[str, str]:
    """headline_kpis' one row → the text of each KPI element, in the wall's language."""
    row = kpis.iloc[0] if len(kpis) else pd.Series(dtype=object)
    out: dict[str, str] = {}
    for kpi_id, _, column in KPIS:
        value = row.get(column)
        if column == "response_compliance_pct":
            out[kpi_id] = fmt_pct(value, 1, lang=lang)
        elif column == "median_response_hours":
            out[kpi_id] = fmt_dec(value, 1, lang=lang)
        else:
            out[kpi_id] = fmt_int(value, lang=lang)
    out[KPI_RESPONSE_SAMPLE] = "n = " + fmt_int(row.get("response_sample"), missing="0", lang=lang)
    unknown = row.get("response_unknown")
    if unknown and not pd.isna(unknown):  # answered at a time nobody recorded: beside the sample, never in it
        out[KPI_RESPONSE_SAMPLE] += " · " + t("kpi.time_unknown", lang, n=fmt_int(unknown, lang=lang))
    return out


def _value(row, column):
    value = row.get(column) if row is not None else None
    return None if value is None or pd.isna(value) else float(value)


def change_text(column: str, now_row, before: Mapping, lang: str) -> str:
    """"▲ +3 vs kemarin", "▼ −1,5 vs 7 hari lalu" (a line each): the figure now against the same moment 1 and 7
    days back."""
    if column not in CHANGE_COLUMNS:
        return ""
    current = _value(now_row, column)
    parts = []
    for label, _days in CHANGE_BACK:
        then = _value(before.get(label), column)
        if current is None or then is None:
            continue
        delta = round(current - then, 0 if column in COUNT_CHANGE else 1)
        mark = "▲" if delta > 0 else "▼" if delta < 0 else "="
        shown = targets.number(column, delta, lang, signed=True, points=False)
        parts.append(f"{mark} {shown} {t('change.' + label, lang)}")
    return "\n".join(parts)  # one comparison a line: on the wall they take turns with the target line


def kpi_tiles(kpis: pd.DataFrame, goals: Mapping[str, float], before: Mapping[str, pd.DataFrame],
              lang: str = "id") -> dict[str, str]:
    """Each KPI tile's class (its tone from its target: on, off, or plain without one), its target line and its
    change line. ``before`` holds headline_kpis at the same moment a day ("day") and a week ("week") back."""
    row = kpis.iloc[0] if len(kpis) else None
    back = {label: (frame.iloc[0] if frame is not None and len(frame) else None) for label, frame in before.items()}
    out: dict[str, str] = {}
    for kpi_id, _, column in KPIS:
        text, state = targets.target_text(column, _value(row, column), goals.get(column), lang, short=True)
        out[kpi_target_id(kpi_id)] = text
        change = change_text(column, row, back, lang)
        out[kpi_change_id(kpi_id)] = change
        lines = bool(text) + (change.count("\n") + 1 if change else 0)
        out[kpi_tile_id(kpi_id)] = "kpi " + {"on": "kpi-on", "off": "kpi-off"}.get(state, "kpi-plain") + \
            (f" kpi-lines-{lines}" if lines > 1 else "")
    return out


# Measures that need recent reports to mean anything: a district with none reads "no data" for them, never 0. The
# others count what exists now (open, overdue): every district shows its number, however remote or quiet.
NEEDS_RECENT_REPORTS = ("new_24h", "per_10k", "median_response")


def silent_districts(districts: pd.DataFrame, now: datetime, no_data_days: int) -> set[str]:
    """Districts whose newest report is missing or older than ``no_data_days``: "no data" for the measures that
    need recent reports (NEEDS_RECENT_REPORTS)."""
    cutoff = pd.Timestamp(now - timedelta(days=no_data_days))
    last = pd.to_datetime(districts["last_report_at"], utc=True)
    silent = last.isna() | (last < cutoff)
    return set(districts.loc[silent, "code"])


def _district_rows(districts: pd.DataFrame) -> pd.DataFrame:
    return districts[districts["code"] != OUTSIDE_CODE].reset_index(drop=True)


def _palette_index(cls: int, n_classes: int) -> int:
    """Spread fewer classes over the whole palette, so two classes are far apart in colour, not neighbours."""
    top = len(theme.SEQUENTIAL) - 1
    return top if n_classes <= 1 else round(cls * top / (n_classes - 1))


INTEGER_MEASURES = ("open", "new_24h", "overdue")  # counts: whole classes, zero alone


def measure_step(measure: str) -> float:
    """The precision a measure is shown at, and so the gap between one class and the next."""
    return 1.0 if measure in INTEGER_MEASURES else 0.1


def district_values(districts: pd.DataFrame, measure: str, now: datetime, no_data_days: int) -> dict[str, float]:
    """The measure per district that has data (silent districts and missing values left out)."""
    rows = _district_rows(districts)
    silent = silent_districts(rows, now, no_data_days) if measure in NEEDS_RECENT_REPORTS else set()
    values = pd.to_numeric(rows[MEASURES[measure]], errors="coerce")
    return {code: float(v) for code, v in zip(rows["code"], values, strict=True)
            if code not in silent and pd.notna(v)}


def class_edges(districts: pd.DataFrame, measure: str, now: datetime, no_data_days: int) -> list[float]:
    """Fixed, nice class edges for these districts' values (geo.choropleth.fixed_class_edges). The wall computes
    them once per WIT day from the day's first data and keeps them (callbacks/wall.py)."""
    from geo.choropleth import fixed_class_edges

    return fixed_class_edges(district_values(districts, measure, now, no_data_days).values(),
                             len(theme.SEQUENTIAL), integer=measure in INTEGER_MEASURES)


def district_classes(districts: pd.DataFrame, measure: str, now: datetime, no_data_days: int,
                     edges: list[float] | None = None) -> tuple[dict[str, int], list[float]]:
    """Palette index (0..4) per district for the measure, -1 for no data; and the class edges used."""
    from geo.choropleth import fixed_classify

    rows = _district_rows(districts)
    usable = district_values(districts, measure, now, no_data_days)
    edges = list(edges) if edges else class_edges(districts, measure, now, no_data_days)
    classes = {code: -1 for code in rows["code"]}
    for code, value in usable.items():
        cls = fixed_classify(value, edges, measure_step(measure))
        if cls is not None:
            classes[code] = _palette_index(cls, len(edges))
    return classes, edges


def map_hideout(districts: pd.DataFrame, measure: str, now: datetime, no_data_days: int,
                edges: list[float] | None = None, selected: str | None = None) -> dict:
    """The map's ``hideout``: {code: palette index or -1, "colors": [...]}, plus raw values for circles and
    tooltips, the class edges for the legend and the district picked (the explorer outlines it)."""
    classes, edges = district_classes(districts, measure, now, no_data_days, edges)
    rows = _district_rows(districts)
    values = pd.to_numeric(rows[MEASURES[measure]], errors="coerce")
    raw = {code: (None if pd.isna(v) or classes[code] < 0 else float(v))
           for code, v in zip(rows["code"], values, strict=True)}
    known = [v for v in raw.values() if v is not None]
    return {**classes, "colors": list(theme.SEQUENTIAL), "nodata": theme.NO_DATA, "values": raw,
            "max": max(known) if known else 0, "breaks": edges, "selected": selected}


def class_labels(edges: list[float], measure: str, lang: str) -> list[str]:
    """One label per class, never sharing an edge with the next: "0", "1–4", "5–14", "≥ 15"."""
    from geo.choropleth import class_ranges

    labels = []
    for low, high in class_ranges(edges, measure_step(measure)):
        if high is None:
            labels.append(f"≥ {format_measure(measure, low, lang)}")
        elif high <= low:
            labels.append(format_measure(measure, low, lang))
        else:
            labels.append(f"{format_measure(measure, low, lang)}–{format_measure(measure, high, lang)}")
    return labels


def legend(hideout: Mapping, measure: str, lang: str, *, points: bool = False) -> list:
    """A legend for every mark on the map: the classes in use (swatch and value range), "no data", and (on the
    wall, ``points``) the clusters of recent reports."""
    edges = list(hideout.get("breaks") or [])
    items = []
    for i, text in enumerate(class_labels(edges, measure, lang)):
        items.append(html.Div(className="legend-item", children=[
            html.Span(className="swatch", style={"background": theme.SEQUENTIAL[_palette_index(i, len(edges))]}),
            html.Span(text)]))
    items.append(html.Div(className="legend-item", children=[
        html.Span(className="swatch swatch-nodata"), html.Span(t("legend.no_data", lang))]))
    if points:  # one report of the last 24 hours is an orange dot; several close together, a disc with their number
        items.append(html.Div(className="legend-item legend-points", children=[
            html.Span(className="swatch swatch-point"), html.Span(t("legend.points", lang))]))
        items.append(html.Div(className="legend-item legend-points", children=[
            html.Span(html.Span("n", className="swatch-cluster-n"), className="swatch swatch-cluster"),
            html.Span(t("legend.clusters", lang))]))
    return [html.Div(measures.name(measure, lang), className="legend-title"), *items]


def tilegrid(districts: pd.DataFrame, measure: str, now: datetime, no_data_days: int, lang: str,
             hideout: Mapping | None = None) -> list:
    """One equal tile per district, placed as the districts lie (geo.tilegrid), coloured like the map."""
    from geo.tilegrid import tile_positions

    rows = _district_rows(districts)
    hideout = hideout or map_hideout(districts, measure, now, no_data_days)
    positions = tile_positions(rows[["code", "label_lat", "label_lon"]])
    column = MEASURES[measure]
    tiles = []
    for row in rows.itertuples(index=False):
        code = row.code
        cls = hideout.get(code, -1)
        col, grid_row = positions.get(code, (None, None))
        style = {}
        if col is not None:
            style.update({"gridColumn": str(int(col) + 1), "gridRow": str(int(grid_row) + 1)})
        remote = is_remote(row.access)
        if cls is None or cls < 0:
            value_text, class_name = t("tiles.no_data", lang), "wall-tile tile-nodata"
        else:
            value_text = format_measure(measure, getattr(row, column), lang)
            class_name = "wall-tile"
            style.update({"background": theme.SEQUENTIAL[cls], "color": theme.SEQUENTIAL_TEXT[cls]})
        marker = [html.Span(REMOTE_MARK, className="tile-remote", title=t("tiles.remote", lang))] if remote else []
        children = [html.Div(hyphenate(short_name(str(row.name))), className="tile-name", title=str(row.name)),
                    html.Div([html.Span(value_text, className="tile-value"), *marker], className="tile-foot")]
        tiles.append(html.Div(children, className=class_name + (" tile-remote-district" if remote else ""),
                              style=style, **{"data-code": code}))
    return [*tiles, outside_tile(districts, measure, lang)]


OUTSIDE_CELL = (0, 3)  # a free corner of the tile grid (geo/tilegrid.py), by the sea, away from every district


def outside_tile(districts: pd.DataFrame, measure: str, lang: str):
    """The reports without a district (no location, or a point outside the regency) as a tile of their own, so the
    18 districts and this tile add up to the headline. A rate has no population here: "–"."""
    outside = districts[districts["code"] == OUTSIDE_CODE]
    value = outside[MEASURES[measure]].iloc[0] if len(outside) else 0
    text = MISSING if measure in ("per_10k", "median_response") else format_measure(measure, value or 0, lang)
    col, grid_row = OUTSIDE_CELL
    return html.Div([html.Div(t("tiles.outside", lang), className="tile-name"),
                     html.Div(html.Span(text, className="tile-value"), className="tile-foot")],
                    className="wall-tile tile-outside", title=t("tiles.outside_hint", lang),
                    style={"gridColumn": str(col + 1), "gridRow": str(grid_row + 1)}, **{"data-code": OUTSIDE_CODE})


VOWELS = set("aeiouAEIOU")
SHORT_PREFIX = ("Mimika ", "M. ")


def short_name(name: str) -> str:
    """The name as a narrow tile or the map's key writes it: the regency's name, the first word of seven districts,
    shortened to "M." ("M. Barat Tengah"), as the regency's own maps do; other names as they are."""
    long, short = SHORT_PREFIX
    return short + name[len(long):] if name.startswith(long) else name



def hyphenate(name: str, longer_than: int = 10) -> str:
    """A soft hyphen at each syllable break of a long word ("Tem-ba-ga-pu-ra"), so a narrow tile breaks the word
    where a reader expects instead of shrinking its font or cutting it anywhere: the browser takes the last break
    that fits, which gives the longest first line the tile allows. Short words are left as they are."""
    words = []
    for word in name.split(" "):
        if len(word) > longer_than:
            breaks = [i for i in range(2, len(word) - 2)
                      if word[i - 1] in VOWELS and word[i] not in VOWELS and word[i + 1] in VOWELS]
            for i in reversed(breaks):
                word = word[:i] + "\u00ad" + word[i:]
        words.append(word)
    return " ".join(words)


NEW_SECONDS = 60  # a report this fresh is highlighted in the ticker and on the map, fading out over the time


def _age_seconds(created, now: datetime | None) -> float | None:
    """Seconds since ``created`` when it is within NEW_SECONDS of ``now``, else None."""
    if now is None or created is None or pd.isna(created):
        return None
    created = pd.Timestamp(created)
    created = created.tz_localize("UTC") if created.tzinfo is None else created
    age = (pd.Timestamp(now) - created).total_seconds()
    return age if 0 <= age < NEW_SECONDS else None


def report_points(reports: pd.DataFrame, now: datetime | None = None) -> dict:
    """Recent reports with a location as GeoJSON points for clustering. Coordinates are rounded to ~100 m
    and carry only the category: the wall is public, and a pin on a house points at a person. A report of the last
    minute (at ``now``) is marked ``new`` with its age, for the map to ring it while it fades (assets/wall.js)."""
    features = []
    if {"lat", "lon"} <= set(reports.columns):
        for row in reports.itertuples(index=False):
            if pd.isna(row.lat) or pd.isna(row.lon):
                continue
            age = _age_seconds(getattr(row, "created_at", None), now)
            properties = {"category": row.category_code, **({"new": round(age)} if age is not None else {})}
            features.append({"type": "Feature", "properties": properties,
                             "geometry": {"type": "Point", "coordinates": [round(float(row.lon), 3),
                                                                           round(float(row.lat), 3)]}})
    return {"type": "FeatureCollection", "features": features}


def shorten(text: str | None, limit: int = TITLE_CHARS) -> str:
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0]
    return cut.rstrip(",.;:-") + "…"


def category_name(row, lang: str) -> str:
    """A report's category in the page's language (the English name when there is one)."""
    english = getattr(row, "category_en", None)
    return english if lang == "en" and isinstance(english, str) and english else row.category


def ticker(reports: pd.DataFrame, lang: str, items: int = TICKER_ITEMS, now: datetime | None = None) -> list:
    """The newest reports: WIT time, category, district, OPD, a shortened title. Never who reported it. A report of
    the last minute (at ``now``) is highlighted, fading out: its animation starts as far into the minute as the
    report is old, and each item keeps its element across refreshes (its React key), so nothing restarts."""
    if reports.empty:
        return [html.Li(t("ticker.empty", lang), className="ticker-item ticker-empty")]
    out = []
    for row in reports.head(items).itertuples(index=False):
        created = pd.Timestamp(row.created_at)
        created = created.tz_localize("UTC") if created.tzinfo is None else created
        district = row.district if isinstance(row.district, str) and row.district else t("ticker.no_district", lang)
        age = _age_seconds(created, now)
        fresh = {} if age is None else {"style": {"animationDelay": f"-{age:.0f}s"}}
        out.append(html.Li(key=str(row.id), className="ticker-item" + (" ticker-new" if age is not None else ""),
                           **fresh, children=[
            html.Div(className="ticker-meta", children=[
                html.Span(fmt_hhmm(created.to_pydatetime()), className="ticker-time"),
                html.Span(category_name(row, lang), className="ticker-category"),
                html.Span(f"{district} · {row.opd or '–'}", className="ticker-place"),
            ]),
            html.Div(shorten(row.title), className="ticker-title-text"),
        ], **{"data-id": str(row.id)}))
    return out


def _bar_height_layout(n_rows: int) -> dict:
    # Bars keep a readable thickness whatever the count; fewer OPDs leave air rather than fat bars.
    return {"bargap": 0.28 if n_rows > 4 else 0.5}


def _every_name(layout: dict, labels: list[str]) -> None:
    """Name every bar: Plotly drops category labels it finds crowded, which left bars without their OPD."""
    layout["yaxis"] = {**layout.get("yaxis", {}), "tickmode": "array", "tickvals": labels, "ticktext": labels}


def sla_overdue_figure(overdue: pd.DataFrame, buckets: tuple[str, ...], lang: str, top: int = TOP_OPDS) -> dict:
    """Overdue reports per OPD (overdue_by_opd), stacked by how long overdue; worst OPD on top."""
    if overdue.empty or overdue["reports"].sum() == 0:
        return empty_figure(t("sla.none", lang))
    table = overdue.assign(opd=overdue["short_name"].fillna(overdue["opd_code"]).fillna("–")).pivot_table(
        index="opd", columns="bucket", values="reports", aggfunc="sum", fill_value=0)
    table = table.reindex(columns=list(buckets), fill_value=0)
    table["total"] = table.sum(axis=1)
    table = table.sort_values("total", ascending=False)
    hidden = len(table) - top
    table = table.head(top).iloc[::-1]  # plotly draws the first category at the bottom
    labels = [f"{name}  " for name in table.index]
    data = []
    for i, bucket in enumerate(buckets):
        data.append({"type": "bar", "orientation": "h", "y": labels, "name": _days(bucket, lang),
                     "x": table[bucket].tolist(), "marker": {"color": theme.OVERDUE_COLOURS[i % 4],
                                                            "line": {"width": 0}}})
    data.append({"type": "scatter", "mode": "text", "y": labels, "x": table["total"].tolist(),
                 "text": [fmt_int(v, lang=lang) for v in table["total"]], "textposition": "middle right",
                 "showlegend": False, "textfont": {"color": theme.TEXT}})
    layout = theme.base_figure_layout(barmode="stack", **_bar_height_layout(len(table)), legend=_range_legend(lang),
                                      xaxis={"range": [0, float(table["total"].max()) * 1.18],
                                             "tickformat": ",d", "showgrid": True})
    _more_note(layout, hidden, lang)
    _every_name(layout, labels)
    return {"data": data, "layout": layout}


# Bucket names as a narrow panel's legend says them: the ranges bare, the unit once, as the legend's title
# ("hari  <1  1–2  3–6  ≥7"). A unit on an entry ran past the panel's edge, where Plotly thought the entry fit. The
# ranges are the catalog's (the same words as the pages'), cut before their unit.
def _days(bucket: str, lang: str) -> str:
    key = ("age." if bucket.startswith("age_") else "bucket.") + bucket
    return t(key, lang).split(" ")[0]


def _range_legend(lang: str) -> dict:
    return {**theme.RANGE_LEGEND, "title": {"text": t("wall.days", lang), "side": "left"}}


def _more_note(layout: dict, hidden: int, lang: str) -> None:
    """Say how many OPDs a top-N chart leaves out ("+9 OPD lainnya"), under its axis: a note inside the plot ran
    into the bar labels of the narrow panels."""
    if hidden > 0:
        note = t("wall.more_opds", lang, n=fmt_int(hidden, lang=lang))
        layout["xaxis"] = {**layout.get("xaxis", {}), "title": {
            "text": note, "font": {"color": theme.MUTED, "size": theme.BASE_FONT_PX}, "standoff": 2}}


def breach_trend_figure(breaches: pd.DataFrame, now: datetime, lang: str, days: int = 14) -> dict:
    """Breaches per WIT day (summed over groups and kinds): the last ``days`` days against the ``days`` before."""
    from core.i18n import WIT

    today = now.astimezone(WIT).date()
    recent_days = [today - timedelta(days=days - 1 - i) for i in range(days)]
    before_days = [d - timedelta(days=days) for d in recent_days]
    per_day = breaches.groupby("date")["breaches"].sum() if not breaches.empty else pd.Series(dtype=int)
    per_day.index = [str(d)[:10] for d in per_day.index]
    recent = [int(per_day.get(d.isoformat(), 0)) for d in recent_days]
    before = [int(per_day.get(d.isoformat(), 0)) for d in before_days]
    x = [d.strftime("%d/%m") for d in recent_days]
    data = [
        {"type": "scatter", "mode": "lines", "name": f"{t('sla.prev14', lang)}: {fmt_int(sum(before), lang=lang)}",
         "x": x, "y": before, "line": {"color": theme.BEFORE_COLOUR, "width": 3, "dash": "dot"}},
        {"type": "scatter", "mode": "lines+markers",
         "name": f"{t('sla.last14', lang)}: {fmt_int(sum(recent), lang=lang)}", "x": x,
         "y": recent, "line": {"color": theme.NOW_COLOUR, "width": 4}, "marker": {"size": 7}},
    ]
    layout = theme.base_figure_layout(xaxis={"type": "category", "nticks": 7, "showgrid": False},
                                      yaxis={"rangemode": "tozero", "tickformat": ",d", "color": theme.MUTED,
                                             "nticks": 5})
    return {"data": data, "layout": layout}


AGE_COLUMNS = ("age_0_1", "age_1_3", "age_3_7", "age_7_14", "age_14p")


def opd_backlog_figure(workload: pd.DataFrame, lang: str, top: int = TOP_OPDS) -> dict:
    """Open backlog per OPD by age, stacked: the ``top`` largest backlogs, largest on top, and how many OPDs
    with a backlog are left out. (opd_workload comes sorted by overdue; this panel is about the backlog.)"""
    with_backlog = workload[workload["backlog"] > 0].sort_values(["backlog", "overdue", "opd_code"],
                                                                 ascending=[False, False, True])
    rows = with_backlog.head(top)
    if rows.empty:
        return empty_figure("0")
    hidden = len(with_backlog) - len(rows)
    rows = rows.iloc[::-1]
    labels = [f"{name}  " for name in rows["short_name"].fillna(rows["opd_code"])]
    data = [{"type": "bar", "orientation": "h", "y": labels, "name": _days(col, lang),
             "x": rows[col].tolist(), "marker": {"color": theme.AGE_COLOURS[i], "line": {"width": 0}}}
            for i, col in enumerate(AGE_COLUMNS)]
    data.append({"type": "scatter", "mode": "text", "y": labels, "x": rows["backlog"].tolist(),
                 "text": [fmt_int(v, lang=lang) for v in rows["backlog"]], "textposition": "middle right",
                 "showlegend": False,
                 "textfont": {"color": theme.TEXT}})
    layout = theme.base_figure_layout(barmode="stack", **_bar_height_layout(len(rows)), legend=_range_legend(lang),
                                      xaxis={"range": [0, float(rows["backlog"].max()) * 1.18], "tickformat": ",d"})
    _more_note(layout, hidden, lang)
    _every_name(layout, labels)
    return {"data": data, "layout": layout}


def opd_flow_figure(workload: pd.DataFrame, lang: str, top: int = TOP_OPDS) -> dict:
    """Reports in against reports resolved in the last 7 days, for the OPDs with the most inflow."""
    rows = workload.sort_values(["inflow", "closed"], ascending=False).head(top)
    rows = rows[(rows["inflow"] > 0) | (rows["closed"] > 0)]
    if rows.empty:
        return empty_figure("0")
    total_in, total_closed = int(workload["inflow"].sum()), int(workload["closed"].sum())
    rows = rows.iloc[::-1]
    labels = [f"{name}  " for name in rows["short_name"].fillna(rows["opd_code"])]
    # One row per OPD, like the other panels: "in" a wide bar, "resolved" a narrow one over it, both numbers at the
    # end in the legend's order ("72 / 189"). Two bars side by side per OPD left too little height for their labels.
    data = [
        {"type": "bar", "orientation": "h", "name": f"{t('opd.inflow', lang)}: {fmt_int(total_in, lang=lang)}",
         "y": labels, "x": rows["inflow"].tolist(), "width": 0.8, "marker": {"color": theme.INFLOW_COLOUR}},
        {"type": "bar", "orientation": "h", "name": f"{t('opd.closed', lang)}: {fmt_int(total_closed, lang=lang)}",
         "y": labels, "x": rows["closed"].tolist(), "width": 0.36, "marker": {"color": theme.CLOSED_COLOUR}},
        {"type": "scatter", "mode": "text", "y": labels, "showlegend": False, "textposition": "middle right",
         "x": [float(max(a, b)) for a, b in zip(rows["inflow"], rows["closed"], strict=True)],
         "text": [f"{fmt_int(a, lang=lang)} / {fmt_int(b, lang=lang)}"
                  for a, b in zip(rows["inflow"], rows["closed"], strict=True)],
         "textfont": {"color": theme.TEXT}, "cliponaxis": False},
    ]
    top_value = float(max(rows["inflow"].max(), rows["closed"].max()))
    layout = theme.base_figure_layout(barmode="overlay", **_bar_height_layout(len(rows)),
                                      xaxis={"tickformat": ",d", "range": [0, top_value * 1.45]})
    active = int(((workload["inflow"] > 0) | (workload["closed"] > 0)).sum())
    _more_note(layout, active - len(rows), lang)
    _every_name(layout, labels)
    return {"data": data, "layout": layout}


SURGE_ITEMS = 1  # the header has room for one: the most surprising surge, then how many more
SURGE_MARK = "▲"


def surge_banner(alerts: pd.DataFrame, lang: str, items: int = SURGE_ITEMS) -> tuple[list, bool]:
    """The surge alerts (surge_alerts, most surprising first) as the header's banner: a mark and a word, then
    district · category: observed in 24 hours (usually expected); (children, hidden). Hidden when there is none."""
    if alerts is None or alerts.empty:
        return [], True
    children: list = [html.Span(f"{SURGE_MARK} {t('surge.label', lang)}", className="surge-word")]
    for row in alerts.head(items).itertuples(index=False):
        district = row.district if isinstance(row.district, str) and row.district else t("tiles.outside", lang)
        category = row.category_en if lang == "en" and isinstance(row.category_en, str) else row.category
        children.append(html.Span(t("surge.item", lang, district=district, category=category,
                                    observed=fmt_int(row.observed, lang=lang),
                                    expected=fmt_dec(row.expected, 1, lang=lang)),
                                  className="surge-item", **{"data-cell": f"{row.district_code}|{row.category_code}"}))
    if len(alerts) > items:
        children.append(html.Span(t("surge.more", lang, n=fmt_int(len(alerts) - items, lang=lang)),
                                  className="surge-more"))
    return children, False


# ---------------------------------------------------------------------------------------------------------------
# Status line


def data_time_text(newest: datetime | None, lang: str) -> str:
    return fmt_when(newest, lang=lang) if newest is not None else t("stale.never", lang)


def stale_text(reason: str, newest: datetime | None, last_good: datetime | None, lang: str) -> str:
    """What the stale banner says: why, and the time of the last good data, so nobody reads old numbers as new."""
    if reason == "revoked":
        return f"⚠ {t('stale.revoked', lang)}"
    if reason == "unavailable":
        when = fmt_when(last_good, lang=lang) if last_good is not None else t("stale.never", lang)
        return f"⚠ {t('stale.unavailable', lang)} — {t('stale.last_good', lang)}: {when}"
    when = fmt_when(newest, lang=lang) if newest is not None else t("stale.never", lang)
    if reason == "pipeline":  # no report and no writer's heartbeat for the threshold: the feed itself stopped
        return f"⚠ {t('stale.pipeline', lang)} — {t('status.data', lang)}: {when}"
    return f"⚠ {t('stale.old', lang)} {when}"
