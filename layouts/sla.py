"""/sla: compliance per OPD × category, breaches over time, what falls due next, how long answers take."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta

import pandas as pd
from dash import dcc, html

from core.bounded import clamped_int
from core.formatting import fmt_int, fmt_pct
from core.i18n import WIT, Message, t
from layouts import components as c
from layouts import theme

CONFIG = "sla-config"
INTERVAL = "sla-interval"
STATUS = "sla-status"
KIND = "sla-kind"
HOURS = "sla-hours"
HEATMAP = "sla-heatmap"
BREACHES = "sla-breaches"
DUE_GRID = "sla-due-grid"
DUE_TITLE = "sla-due-title"
DIST_RESPONSE = "sla-dist-response"
DIST_RESOLUTION = "sla-dist-resolution"
HOUR_CHOICES = (6, 12, 24, 48, 72)
DEFAULT_HOURS = 24
DUE_COLUMNS = ("due_kind", "due_at", "hours_left", "title", "opd", "category", "district", "status")
# Diverging from red (missed) to blue (kept): readable for the common colour-vision deficiencies.
HEAT_SCALE = [[0.0, "#b2182b"], [0.5, "#f7f7f7"], [0.8, "#92c5de"], [1.0, "#2166ac"]]


def hours_from_query(query: Mapping) -> int:
    """The "due within" window from ``?hours=``: one of HOUR_CHOICES, else the default."""
    hours = clamped_int(c.clean_query(query).get("hours"), 0, max(HOUR_CHOICES), DEFAULT_HOURS)
    return hours if hours in HOUR_CHOICES else DEFAULT_HOURS


def layout(query: Mapping, lang: str, options: c.FilterOptions, error: Message | None,
           refresh_seconds: int = 60) -> html.Div:
    hours = hours_from_query(query)
    # A named group around the radios: Dash's RadioItems takes no ARIA of its own (assets/a11y.js)
    kind_switch = html.Div(dcc.RadioItems(id=KIND, value="resolution", inline=True, className="radio", options=[
        {"label": t("col.resolution_pct", lang), "value": "resolution"},
        {"label": t("col.response_pct", lang), "value": "response"}]), role="radiogroup",
        **{"aria-label": t("sla.kind", lang)}, className="no-print")
    hours_pick = html.Label([t("sla.hours", lang), dcc.Dropdown(
        id=HOURS, options=[{"label": str(h), "value": h} for h in HOUR_CHOICES], value=hours, clearable=False,
        searchable=False, style={"width": "90px"})], className="fb-field inline-field")
    body = [
        html.Div(id=STATUS),
        c.panel(t("sla.heatmap", lang), c.graph(HEATMAP, 560), actions=kind_switch),
        html.Div(className="grid-2", children=[
            c.panel(t("sla.dist.response", lang), c.graph(DIST_RESPONSE, 300)),
            c.panel(t("sla.dist.resolution", lang), c.graph(DIST_RESOLUTION, 300)),
        ]),
        c.panel(t("sla.breaches", lang), c.graph(BREACHES, 300)),
        c.panel(t("sla.due", lang, h=hours), c.report_grid(DUE_GRID, [], lang, DUE_COLUMNS, 460),
                title_id=DUE_TITLE, actions=hours_pick),
        c.figures_explained(("response_compliance_pct", "resolution_compliance_pct", "overdue", "at_risk",
                             "median_response_hours", "median_resolution_hours"), lang),
        dcc.Store(id=CONFIG, data={"query": c.clean_query(query), "lang": lang}),
        dcc.Interval(id=INTERVAL, interval=max(refresh_seconds, 30) * 1000),
    ]
    return c.page_shell("sla", lang, query, t("sla.title", lang), body, options=options, path="/sla", error=error)


def heatmap_height(figure: dict) -> dict:
    """The heatmap graph's style: about 34 px per OPD row plus room for the slanted category names."""
    rows = len(figure["data"][0]["y"]) if figure.get("data") else 4
    return {"height": f"{max(300, 190 + 34 * rows)}px"}


def heatmap_figure(pairs: pd.DataFrame, kind: str, lang: str) -> dict:
    """OPD rows × category columns coloured by compliance %; every cell carries its sample size."""
    pct, sample = f"{kind}_compliance_pct", f"{kind}_sample"
    pairs = pairs[pairs[sample] > 0]
    if pairs.empty:
        return c.empty_figure(t("none", lang))
    names = pairs["category_en"] if lang == "en" else pairs["category"]
    pairs = pairs.assign(cat=names.fillna(pairs["category_code"]), opd=pairs["short_name"].fillna("–"))
    opds = sorted(pairs["opd"].unique())
    cats = sorted(pairs["cat"].unique())
    z = [[None] * len(cats) for _ in opds]
    text = [[""] * len(cats) for _ in opds]
    for r in pairs.itertuples(index=False):
        i, j = opds.index(r.opd), cats.index(r.cat)
        value = getattr(r, pct)
        z[i][j] = None if pd.isna(value) else round(float(value), 1)
        text[i][j] = f"{fmt_pct(value, lang=lang)}<br>n={fmt_int(getattr(r, sample), lang=lang)}"
    return {"data": [{"type": "heatmap", "z": z, "x": cats, "y": opds, "text": text, "texttemplate": "%{text}",
                      "textfont": {"size": 12}, "colorscale": HEAT_SCALE, "zmin": 0, "zmax": 100, "xgap": 2,
                      "ygap": 2, "hovertemplate": "%{y} · %{x}<br>%{text}<extra></extra>",
                      "colorbar": {"ticksuffix": "%", "outlinewidth": 0}}],
            "layout": c.figure_layout(showlegend=False, xaxis={"type": "category", "tickangle": -30, "nticks": 0,
                                                               "automargin": True, "gridcolor": "rgba(0,0,0,0)"},
                                      yaxis={"type": "category", "autorange": "reversed",
                                             "gridcolor": "rgba(0,0,0,0)"})}


def breaches_figure(breaches: pd.DataFrame, lang: str, days: list[str] | None = None) -> dict:
    """Breaches per WIT day, response and resolution as two lines (all groups summed). ``days`` lists every day
    of the window, so a day without breaches is drawn as zero instead of being bridged by the line."""
    if breaches.empty:
        return c.empty_figure(t("sla.none", lang))
    daily = breaches.groupby(["date", "kind"], as_index=False)["breaches"].sum()
    if days:
        full = pd.MultiIndex.from_product([days, ["response", "resolution"]], names=["date", "kind"])
        daily = (daily.set_index(["date", "kind"])["breaches"].reindex(full, fill_value=0).reset_index())
    colours = {"response": theme.OKABE_ITO["orange"], "resolution": theme.OKABE_ITO["vermillion"]}
    data = []
    for kind in ("response", "resolution"):
        part = daily[daily["kind"] == kind]
        data.append({"type": "scatter", "mode": "lines+markers", "name": t(f"due.{kind}", lang),
                     "x": list(part["date"]), "y": [int(v) for v in part["breaches"]],
                     "line": {"color": colours[kind], "width": 2}})
    return {"data": data, "layout": c.figure_layout(xaxis={"type": "date"})}


def distribution_figure(distribution: pd.DataFrame, lang: str, colour: str) -> dict:
    if int(distribution["reports"].sum()) == 0:
        return c.empty_figure(t("none", lang))
    return {"data": [{"type": "bar", "x": list(distribution["bin"]), "y": [int(v) for v in distribution["reports"]],
                      "marker": {"color": colour}, "text": [fmt_int(v, lang=lang) for v in distribution["reports"]],
                      "textposition": "auto"}],
            "layout": c.figure_layout(showlegend=False, xaxis={"type": "category", "dtick": 1, "nticks": 0,
                                                               "title": {"text": t("hours", lang)}})}


def window_days(now: datetime, days: int) -> list[str]:
    """The WIT dates (YYYY-MM-DD) of the breach window ending today, as breaches_over_time counts them."""
    today = now.astimezone(WIT).date()
    return [(today - timedelta(days=i)).isoformat() for i in range(days - 1, -1, -1)]


def panels(*, pairs: pd.DataFrame, breaches: pd.DataFrame, response: pd.DataFrame, resolution: pd.DataFrame,
           due: pd.DataFrame, kind: str, hours: int, lang: str, now: datetime, breach_days: int) -> tuple:
    """The page's panels from its query results, in the order of the refresh callback's outputs."""
    heatmap = heatmap_figure(pairs, kind, lang)
    return (heatmap, heatmap_height(heatmap), breaches_figure(breaches, lang, window_days(now, breach_days)),
            distribution_figure(response, lang, theme.OKABE_ITO["sky"]),
            distribution_figure(resolution, lang, theme.OKABE_ITO["green"]),
            c.report_rows(due, lang), t("sla.due", lang, h=hours) + f" · {len(due)}")
