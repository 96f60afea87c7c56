"""/opd and /opd/<code>: thin callbacks from the URL to the OPD queries and builders."""

from __future__ import annotations

import dash
from dash import Dash, Input, Output, State, dcc, no_update

from callbacks.pages import PageData, filter_options, page_language, parse_filters, store_down
from dashboard.i18n_pages import t
from dashboard.settings import Settings
from dashboard.store import Store
from data_access import queries
from data_access.engine import StoreUnavailable
from data_access.reference import OPDS
from data_access.scope import Scope
from layouts import components as c
from layouts import exports
from layouts import opd as page

OPD_NAMES = {code: name for code, name, _ in OPDS}


def viewer_scope(code: str) -> Scope:
    """The OPD head sees their own OPD only (the scope is applied in SQL by every query)."""
    return Scope.opd_head(code)


def work_list(data: PageData, code: str):
    return data.get(queries.report_list, viewer_scope(code), states=("breached", "at_risk"), open_only=True)


def register(app: Dash, store: Store, settings: Settings) -> None:
    def index(**query):
        lang = page_language(query, settings)
        _, error = parse_filters(query, store.now())
        return page.index_layout(query, lang, filter_options(lang), error)

    def detail(code: str = "", **query):
        lang = page_language(query, settings)
        code = (code or "").upper()
        if code not in OPD_NAMES:
            return page.unknown_layout(code, query, lang)
        _, error = parse_filters(query, store.now())
        return page.detail_layout(code, OPD_NAMES[code], query, lang, filter_options(lang), error,
                                  settings.refresh_seconds * 6)

    dash.register_page("opd", path="/opd", layout=index, title="Mimika Center · OPD")
    dash.register_page("opd-detail", path_template="/opd/<code>", layout=detail, title="Mimika Center · OPD")

    @app.callback(Output(page.INDEX_TABLE, "children"), Output(page.INDEX_STATUS, "children"),
                  Input(page.INDEX_CONFIG, "data"))
    def fill_index(config):
        lang, query = config["lang"], config["query"]
        try:
            data = PageData(store, query)
            workload = data.get(queries.opd_workload, Scope.wall())
        except StoreUnavailable as exc:
            return no_update, store_down(lang, exc)
        return page.workload_table(workload, lang, query), None

    @app.callback(
        Output(page.TILES, "children"), Output(page.AGE, "figure"), Output(page.FLOW, "figure"),
        Output(page.GRID, "rowData"), Output(page.LIST_COUNT, "children"), Output(page.BY_CATEGORY, "figure"),
        Output(page.BY_DISTRICT, "figure"), Output(page.STATUS, "children"),
        Input(page.CONFIG, "data"), Input(page.INTERVAL, "n_intervals"),
    )
    def fill_detail(config, _n):
        lang, query, code = config["lang"], config["query"], config["code"]
        scope = viewer_scope(code)
        try:
            data = PageData(store, query)
            kpis = data.get(queries.headline_kpis, scope)
            workload = data.get(queries.opd_workload, scope)
            reports = work_list(data, code)
            weekly = data.get(queries.inflow_vs_resolved_weekly, scope)
            by_category = data.get(queries.open_by_group, scope, by="category")
            by_district = data.get(queries.open_by_group, scope, by="district")
        except StoreUnavailable as exc:
            return (no_update,) * 7 + (store_down(lang, exc),)
        row = workload.iloc[0] if len(workload) else None
        return (c.kpi_tiles(kpis, lang, page.TILE_PREFIX), page.age_figure(row, lang), c.flow_figure(weekly, lang),
                c.report_rows(reports, lang), t("opd.list.count", lang, n=len(reports)),
                page.group_figure(by_category, lang), page.group_figure(by_district, lang), None)

    @app.callback(Output(page.DOWNLOAD, "data"), Input(page.EXPORT_XLSX, "n_clicks"),
                  Input(page.EXPORT_CSV, "n_clicks"), State(page.CONFIG, "data"), prevent_initial_call=True)
    def export(xlsx_clicks, csv_clicks, config):
        kind = "xlsx" if dash.ctx.triggered_id == page.EXPORT_XLSX else "csv"
        if not (xlsx_clicks if kind == "xlsx" else csv_clicks):
            return no_update
        code, lang = config["code"], config["lang"]
        frame = page.export_frame(work_list(PageData(store, config["query"]), code), lang)
        name = f"mimika_{code.lower()}_laporan"
        if kind == "xlsx":
            return dcc.send_bytes(exports.xlsx_bytes({code: frame}), f"{name}.xlsx")
        return dcc.send_string(exports.csv_text(frame), f"{name}.csv")

    _ = c
