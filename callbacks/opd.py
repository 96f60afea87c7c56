"""/opd and /opd/<code>: thin callbacks from the URL to the OPD queries and builders."""

from __future__ import annotations

import dash
from dash import Dash, Input, Output, State, dcc, no_update

from callbacks.page_data import PageContext, PageData, page_refresh
from core.i18n_pages import t
from core.settings import Settings
from data_access import queries
from data_access.query_cache import QueryCache
from data_access.scope import Scope
from layouts import components as c
from layouts import exports
from layouts import opd as page


def viewer_scope(code: str) -> Scope:
    """The OPD head sees their own OPD only (the scope is applied in SQL by every query)."""
    return Scope.opd_head(code)


def work_list(data: PageData, code: str):
    """The reports to act on first: overdue now or at risk, open, worst first."""
    return data.get(queries.report_list, viewer_scope(code), states=("breached", "at_risk"), open_only=True)


def render_index(data: PageData, lang: str, config) -> tuple:
    return (page.workload_table(data.get(queries.opd_workload, Scope.wall()), lang, config["query"]),)


def render_detail(data: PageData, lang: str, config) -> tuple:
    code = config["code"]
    scope = viewer_scope(code)
    kpis = data.get(queries.headline_kpis, scope)
    workload = data.get(queries.opd_workload, scope)
    reports = work_list(data, code)
    weekly = data.get(queries.inflow_vs_resolved_weekly, scope)
    by_category = data.get(queries.open_by_group, scope, by="category")
    by_district = data.get(queries.open_by_group, scope, by="district")
    row = workload.iloc[0] if len(workload) else None
    return (c.kpi_tiles(kpis, lang, page.TILE_PREFIX), page.age_figure(row, lang), c.flow_figure(weekly, lang),
            c.report_rows(reports, lang), t("opd.list.count", lang, n=len(reports)),
            page.group_figure(by_category, lang), page.group_figure(by_district, lang))


def register(app: Dash, query_cache: QueryCache, settings: Settings) -> None:
    def index(**query):
        ctx = PageContext(query_cache, settings, query)
        return page.index_layout(query, ctx.lang, ctx.options, ctx.error)

    def detail(code: str = "", **query):
        ctx = PageContext(query_cache, settings, query)
        code = (code or "").upper()
        names = ctx.lists.opd_names()
        if code not in names:
            return page.unknown_layout(code, query, ctx.lang)
        return page.detail_layout(code, names[code], query, ctx.lang, ctx.options, ctx.error,
                                  settings.refresh_seconds * 6)

    dash.register_page("opd", path="/opd", layout=index, title="Mimika Center · OPD")
    dash.register_page("opd-detail", path_template="/opd/<code>", layout=detail, title="Mimika Center · OPD")

    page_refresh(app, query_cache, config=page.INDEX_CONFIG, status=page.INDEX_STATUS, render=render_index,
                 outputs=[Output(page.INDEX_TABLE, "children")])
    page_refresh(app, query_cache, config=page.CONFIG, status=page.STATUS, interval=page.INTERVAL,
                 render=render_detail,
                 outputs=[Output(page.TILES, "children"), Output(page.AGE, "figure"), Output(page.FLOW, "figure"),
                          Output(page.GRID, "rowData"), Output(page.LIST_COUNT, "children"),
                          Output(page.BY_CATEGORY, "figure"), Output(page.BY_DISTRICT, "figure")])

    @app.callback(Output(page.DOWNLOAD, "data"), Input(page.EXPORT_XLSX, "n_clicks"),
                  Input(page.EXPORT_CSV, "n_clicks"), State(page.CONFIG, "data"), prevent_initial_call=True)
    def export(xlsx_clicks, csv_clicks, config):
        kind = "xlsx" if dash.ctx.triggered_id == page.EXPORT_XLSX else "csv"
        if not (xlsx_clicks if kind == "xlsx" else csv_clicks):
            return no_update
        code, lang = config["code"], config["lang"]
        data = PageData(query_cache, config["query"])
        if code not in data.lists.opd_names():  # the download name is built from a known code only
            return no_update
        frame = page.export_frame(work_list(data, code), lang)
        name = f"mimika_{code.lower()}_laporan"
        if kind == "xlsx":
            return dcc.send_bytes(exports.xlsx_bytes({code: frame}), f"{name}.xlsx")
        return dcc.send_string(exports.csv_text(frame), f"{name}.csv")
