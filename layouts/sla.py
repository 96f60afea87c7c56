"""/sla: compliance per OPD × category, breaches over time, what falls due next, how long answers take."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, timedelta

import pandas as pd
from dash import dcc, html

from core.bounded import clamped_int
from core.formatting import fmt_day, fmt_int, fmt_pct
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
SMALL_SAMPLE = "#e6e6e6"  # a cell whose sample is too small to judge: no colour of the scale


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
    """The heatmap graph's style: about 26 px per category row plus room for the column names."""
    rows = len(figure["data"][0]["y"]) if figure.get("data") else 4
    return {"height": f"{max(300, 120 + 26 * rows)}px"}


def heatmap_figure(pairs: pd.DataFrame, kind: str, lang: str, *, min_sample: int = 20,
                   catalog: pd.DataFrame | None = None) -> dict:
    """One row per category, named with the OPD it belongs to ("PUPR · Jalan dan jembatan rusak"), and one column per
    target (response, resolution), coloured by compliance %. Each category belongs to one OPD, so an OPD × category
    grid was mostly empty. A cell whose sample is below ``min_sample`` (the league's rule) is not coloured: a 100 %
    of one report is no finding; it is drawn grey with its count. ``catalog`` (opd, category: every category with
    the OPD it goes to by default) keeps an OPD whose categories had nothing to judge in the period, with "–".
    ``kind`` puts that target's column first and its worst OPDs on top."""
    names = pairs["category_en"] if lang == "en" else pairs["category"]
    pairs = pairs.assign(cat=names.fillna(pairs["category_code"]), opd=pairs["short_name"].fillna("–"))
    kinds = (kind, "resolution" if kind == "response" else "response")
    if catalog is not None and len(catalog):
        known = set(zip(pairs["opd"], pairs["cat"], strict=True))
        extra = [{"opd": o, "cat": cat} for o, cat in zip(catalog["opd"], catalog["cat"], strict=True)
                 if (o, cat) not in known]
        pairs = pd.concat([pairs, pd.DataFrame(extra, columns=["opd", "cat"])], ignore_index=True)
    if pairs.empty:
        return c.empty_figure(t("none", lang))
    for k in kinds:
        pairs[f"{k}_sample"] = pairs.get(f"{k}_sample", pd.Series(dtype=float)).fillna(0).astype(int)
    first = f"{kind}_compliance_pct"
    # The OPDs in order of their worst judged category on the chosen target, then by name.
    judged = pairs[pairs[f"{kind}_sample"] >= min_sample]
    worst = judged.groupby("opd")[first].min().to_dict()
    pairs = pairs.assign(_worst=pairs["opd"].map(worst).fillna(101.0))
    pairs = pairs.sort_values(["_worst", "opd", "cat"]).reset_index(drop=True)
    rows = [f"{o} · {cat}" for o, cat in zip(pairs["opd"], pairs["cat"], strict=True)]
    columns = [t(f"col.{k}_pct", lang) for k in kinds]
    z = [[None] * len(kinds) for _ in rows]
    small = [[None] * len(kinds) for _ in rows]
    text = [[""] * len(kinds) for _ in rows]
    for i, r in enumerate(pairs.to_dict("records")):
        for j, k in enumerate(kinds):
            n, value = int(r[f"{k}_sample"]), r.get(f"{k}_compliance_pct")
            if n == 0 or value is None or pd.isna(value):
                text[i][j] = "–"
                small[i][j] = 0
            elif n < min_sample:
                text[i][j] = f"{fmt_pct(value, lang=lang)} · n={fmt_int(n, lang=lang)}"
                small[i][j] = 0
            else:
                z[i][j] = round(float(value), 1)
                text[i][j] = f"{fmt_pct(value, lang=lang)} · n={fmt_int(n, lang=lang)}"
    # Each trace writes only its own cells' text (the other's would be drawn over them); plotly draws the first
    # row at the bottom, so the rows go in reversed and the worst OPD ends on top.
    judged_text = [[x if v is not None else "" for x, v in zip(tr, zr, strict=True)]
                   for tr, zr in zip(text, z, strict=True)]
    small_text = [[x if v is not None else "" for x, v in zip(tr, sr, strict=True)]
                  for tr, sr in zip(text, small, strict=True)]
    common = {"x": columns, "y": rows[::-1], "xgap": 2, "ygap": 2, "texttemplate": "%{text}",
              "hovertemplate": "%{y} · %{x}<br>%{text}<extra></extra>"}
    return {"data": [
        {"type": "heatmap", "z": z[::-1], "text": judged_text[::-1], **common, "colorscale": HEAT_SCALE, "zmin": 0,
         "zmax": 100, "textfont": {"size": 12}, "colorbar": {"ticksuffix": "%", "outlinewidth": 0}, "name": "judged"},
        {"type": "heatmap", "z": small[::-1], "text": small_text[::-1], **common,
         "colorscale": [[0, SMALL_SAMPLE], [1, SMALL_SAMPLE]], "showscale": False, "name": "small",
         "textfont": {"size": 12, "color": "#333333"}},
    ], "layout": c.figure_layout(
        showlegend=False, xaxis={"type": "category", "side": "top", "gridcolor": "rgba(0,0,0,0)"},
        yaxis={"type": "category", "automargin": True, "gridcolor": "rgba(0,0,0,0)"},
        annotations=[{"text": t("sla.small_sample", lang, n=min_sample), "xref": "paper", "yref": "paper", "x": 0,
                      "y": -0.02, "yanchor": "top", "showarrow": False, "font": {"size": 12}}])}


def breaches_figure(breaches: pd.DataFrame, lang: str, days: list[str] | None = None) -> dict:
    """Breaches per WIT day, response and resolution as two lines (all groups summed), told apart by colour and by
    dash. ``days`` lists every day of the window, so a day without breaches is drawn as zero instead of being
    bridged by the line; the date ticks are written as the briefing writes dates ("15 Nov", "1 Des")."""
    if breaches.empty:
        return c.empty_figure(t("sla.none", lang))
    daily = breaches.groupby(["date", "kind"], as_index=False)["breaches"].sum()
    if days:
        full = pd.MultiIndex.from_product([days, ["response", "resolution"]], names=["date", "kind"])
        daily = (daily.set_index(["date", "kind"])["breaches"].reindex(full, fill_value=0).reset_index())
    lines = {"response": {"color": theme.OKABE_ITO["blue"], "width": 2, "dash": "solid"},
             "resolution": {"color": theme.OKABE_ITO["vermillion"], "width": 2.5, "dash": "dash"}}
    markers = {"response": "circle", "resolution": "square"}
    data = []
    for kind in ("response", "resolution"):
        part = daily[daily["kind"] == kind]
        data.append({"type": "scatter", "mode": "lines+markers", "name": t(f"due.{kind}", lang),
                     "x": list(part["date"]), "y": [int(v) for v in part["breaches"]],
                     "line": lines[kind], "marker": {"symbol": markers[kind], "size": 6}})
    shown = sorted(set(daily["date"]))
    ticks = shown[::max(1, len(shown) // 8)]
    return {"data": data, "layout": c.figure_layout(xaxis={
        "type": "date", "tickvals": ticks, "ticktext": [fmt_day(date.fromisoformat(str(d)), lang) for d in ticks]})}


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
           due: pd.DataFrame, kind: str, hours: int, lang: str, now: datetime, breach_days: int,
           min_sample: int = 20, catalog: pd.DataFrame | None = None) -> tuple:
    """The page's panels from its query results, in the order of the refresh callback's outputs."""
    heatmap = heatmap_figure(pairs, kind, lang, min_sample=min_sample, catalog=catalog)
    return (heatmap, heatmap_height(heatmap), breaches_figure(breaches, lang, window_days(now, breach_days)),
            distribution_figure(response, lang, theme.OKABE_ITO["sky"]),
            distribution_figure(resolution, lang, theme.OKABE_ITO["green"]),
            c.report_rows(due, lang), t("sla.due", lang, h=hours) + f" · {len(due)}")
