"""The OPD pages: every OPD's backlog (/opd) and one OPD head's work list (/opd/<code>). Pure builders."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd
from dash import dcc, html

from core.formatting import fmt_int
from core.i18n import Message, t
from layouts import components as c
from layouts import theme

INDEX_CONFIG = "opd-index-config"
INDEX_TABLE = "opd-index-table"
INDEX_STATUS = "opd-index-status"
CONFIG = "opd-config"
INTERVAL = "opd-interval"
STATUS = "opd-status"
TILES = "opd-tiles"
AGE = "opd-age"
GRID = "opd-grid"
LIST_COUNT = "opd-list-count"
FLOW = "opd-flow"
BY_CATEGORY = "opd-by-category"
BY_DISTRICT = "opd-by-district"
EXPORT_XLSX = "opd-export-xlsx"
EXPORT_CSV = "opd-export-csv"
DOWNLOAD = "opd-download"
TILE_PREFIX = "opd-kpi"
AGE_COLUMNS = ("age_0_1", "age_1_3", "age_3_7", "age_7_14", "age_14p")
LIST_COLUMNS = ("sla_state", "title", "category", "district", "status", "created_at", "response_due_at",
                "resolution_due_at", "age_days", "transferred_from")
WORKLOAD_HEADERS = ("short_name", "name", "backlog", "overdue", *AGE_COLUMNS, "inflow", "closed")


OPD_FIGURES = ("open", "overdue", "overdue_response", "overdue_resolution", "at_risk", "response_compliance_pct",
               "resolution_compliance_pct", "time_unknown")


def index_layout(query: Mapping, lang: str, options: c.FilterOptions, error: Message | None,
                 mine: str | None = None) -> html.Div:
    """Every OPD's backlog; ``mine`` names the OPDs of a viewer limited to them (never "Semua OPD" over one row)."""
    title = t("opd.index.title_mine", lang, opds=mine) if mine else t("opd.index.title", lang)
    body = [c.panel(title, html.Div([
        html.P(t("opd.index.note", lang), className="page-note"),
        html.Div(id=INDEX_TABLE, children=c.message(t("loading", lang)))])),
        c.figures_explained(OPD_FIGURES, lang)]
    return c.page_shell("opd", lang, query, t("nav.opd", lang),
                        [html.Div(id=INDEX_STATUS), *body, dcc.Store(id=INDEX_CONFIG, data={
                            "query": c.clean_query(query), "lang": lang})], options=options, path="/opd", error=error)


def workload_table(workload: pd.DataFrame, lang: str, query: Mapping, periodic: bool = False) -> html.Table:
    """Every OPD with its backlog by age, overdue, inflow and closures (in the period when one is chosen, else the
    last 7 days: the headers say which); the name links to its page."""
    carried = c.query_string(c.filter_query(query))
    flow = ("col.inflow_period", "col.closed_period") if periodic else ("col.inflow", "col.closed")
    head = [t("col.opd", lang), t("col.name", lang), t("col.backlog", lang), t("col.overdue", lang),
            *[t(f"age.{a}", lang) for a in AGE_COLUMNS], t(flow[0], lang), t(flow[1], lang)]
    rows = []
    for r in workload.itertuples(index=False):
        cells = [html.Td(c.page_link(r.short_name, f"/opd/{r.opd_code}{carried}", "/opd")), html.Td(r.name)]
        cells += [html.Td(fmt_int(getattr(r, k), lang=lang), className="num" + (" alert" if k == "overdue" and r.overdue
                                                                     else "")) for k in WORKLOAD_HEADERS[2:]]
        rows.append(html.Tr(cells, id=f"opd-row-{r.opd_code}"))
    return html.Table([html.Thead(html.Tr([html.Th(h) for h in head])), html.Tbody(rows)],
                      className="page-table")


def unknown_layout(code: str, query: Mapping, lang: str) -> html.Div:
    return c.page_shell("opd", lang, query, t("nav.opd", lang), [
        c.error_banner(t("opd.unknown", lang, code=code), "opd-unknown"),
        c.page_link(t("opd.index.title", lang), "/opd" + c.query_string(c.filter_query(query)), "/opd/")],
        options=None, path="/opd")


def not_yours_layout(code: str, query: Mapping, lang: str) -> html.Div:
    """Another OPD's page asked for by an OPD user: said plainly, with none of its rows."""
    return c.page_shell("opd", lang, query, t("nav.opd", lang), [
        c.error_banner(t("opd.not_yours", lang, code=code), element_id="opd-not-yours")], options=None, path="/opd")


def detail_layout(code: str, name: str, query: Mapping, lang: str, options: c.FilterOptions,
                  error: Message | None, refresh_seconds: int = 60) -> html.Div:
    exports = [html.Button(t("export.xlsx", lang), id=EXPORT_XLSX, className="button", n_clicks=0),
               html.Button(t("export.csv", lang), id=EXPORT_CSV, className="button", n_clicks=0),
               dcc.Download(id=DOWNLOAD)]
    body = [
        html.Div(id=STATUS),
        html.Section(id=TILES, className="tiles", children=c.message(t("loading", lang))),
        html.Div(className="grid-2", children=[
            c.panel(t("opd.age", lang), c.graph(AGE, 280)),
            c.panel(t("opd.flow", lang), c.graph(FLOW, 280)),
        ]),
        c.panel(t("opd.list", lang), html.Div([html.Div(id=LIST_COUNT, className="page-note"),
                                               c.report_grid(GRID, [], lang, LIST_COLUMNS, 520)]),
                actions=exports),
        html.Div(className="grid-2", children=[
            c.panel(t("opd.by_category", lang), c.graph(BY_CATEGORY, 340)),
            c.panel(t("opd.by_district", lang), c.graph(BY_DISTRICT, 340)),
        ]),
        c.figures_explained(OPD_FIGURES, lang),
        dcc.Store(id=CONFIG, data={"code": code, "query": c.clean_query(query), "lang": lang}),
        dcc.Interval(id=INTERVAL, interval=max(refresh_seconds, 30) * 1000),
    ]
    return c.page_shell("opd", lang, query, f"{name} ({code})", body, options=options, path=f"/opd/{code}",
                        error=error)


def age_figure(row: pd.Series | None, lang: str) -> dict:
    """The open backlog by age bucket, young to old, in the wall's age colours."""
    if row is None or int(row["backlog"]) == 0:
        return c.empty_figure(t("none", lang))
    labels = [t(f"age.{a}", lang) for a in AGE_COLUMNS]
    values = [int(row[a]) for a in AGE_COLUMNS]
    return {"data": [{"type": "bar", "x": labels, "y": values, "marker": {"color": list(theme.AGE_COLOURS)},
                      "text": [fmt_int(v, lang=lang) for v in values], "textposition": "outside", "cliponaxis": False}],
            "layout": c.figure_layout(showlegend=False, xaxis={"type": "category"})}


def group_figure(groups: pd.DataFrame, lang: str, limit: int = 12) -> dict:
    """Open reports per group (category or district) with the overdue part, largest first."""
    if groups.empty:
        return c.empty_figure(t("none", lang))
    top = groups.head(limit)
    labels = [str(n) if isinstance(n, str) else t("ticker.no_district", lang) for n in top["name"]]
    on_time = [int(o) - int(d) for o, d in zip(top["open"], top["overdue"], strict=True)]
    return {"data": [
        {"type": "bar", "orientation": "h", "name": t("col.overdue", lang), "y": labels[::-1],
         "x": list(top["overdue"])[::-1], "marker": {"color": theme.OKABE_ITO["vermillion"]}},
        {"type": "bar", "orientation": "h", "name": t("state.on_time", lang) + " / " + t("state.at_risk", lang),
         "y": labels[::-1], "x": on_time[::-1], "marker": {"color": theme.OKABE_ITO["sky"]}},
    ], "layout": c.figure_layout(barmode="stack", yaxis={"type": "category"})}


def export_frame(reports: pd.DataFrame, lang: str) -> pd.DataFrame:
    """The work list as exported: ids, WIT times, states in words, no personal data."""
    rows = c.report_rows(reports, lang)
    columns = ["id", *LIST_COLUMNS]
    out = pd.DataFrame(rows, columns=[*columns, "link", "sla_key"])[columns]
    return out.rename(columns={k: t(f"col.{k}", lang) for k in columns})
