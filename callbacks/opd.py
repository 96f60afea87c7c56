"""/opd and /opd/<code>: thin callbacks from the URL to the OPD queries and builders."""

from __future__ import annotations

import dash
from dash import Dash, Output, dcc, no_update
from dash.exceptions import PreventUpdate

from callbacks.export_answer import export_callback, refuse_bad_period
from callbacks.export_runner import ExportRefused, ExportRunner
from callbacks.page_data import (
    PageContext,
    PageData,
    page_refresh,
    path_segment,
)
from callbacks.viewer import current_scope, opd_scope
from core.i18n import t
from core.settings import Settings
from data_access import queries
from data_access.queries.cache import QueryCache
from data_access.rulebook.scope import Scope
from layouts import components as c
from layouts import exports
from layouts import opd as page
from layouts import pdf_doc as doc


class NotYourOpd(Exception):
    """The viewer asked for an OPD outside their scope (a URL or a crafted callback naming another OPD)."""


def scope_for(code: str) -> Scope:
    """The viewer's scope narrowed to ``code``; NotYourOpd when that OPD is not theirs."""
    scope = opd_scope(code)
    if scope is None:
        raise NotYourOpd(code)
    return scope


def work_list(data: PageData, code: str):
    """The reports to act on first: overdue now or at risk, open, worst first."""
    return data.get(queries.report_list, scope_for(code), states=("breached", "at_risk"), open_only=True)


def render_index(data: PageData, lang: str, config) -> tuple:
    periodic = data.filters.start is not None or data.filters.end is not None
    return (page.workload_table(data.get(queries.opd_workload, current_scope()), lang, config.get("query") or {},
                                periodic),)


def render_detail(data: PageData, lang: str, config) -> tuple:
    code = config.get("code") if isinstance(config.get("code"), str) else ""
    try:
        scope = scope_for(code)
    except NotYourOpd:
        return (c.error_banner(t("opd.not_yours", lang, code=code)), *([no_update] * 2), [], "",
                *([no_update] * 2))
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
        opds = current_scope().opds
        mine = exports.scope_label(opds, ctx.lists.opd_names(), ctx.lang) if opds is not None else None
        return page.index_layout(query, ctx.lang, ctx.options, ctx.error, mine)

    def detail(code: object = "", **query):
        ctx = PageContext(query_cache, settings, query)
        code, conflict = path_segment("/opd/", code)
        code = code.upper()
        names = ctx.lists.opd_names()
        if code not in names:
            return page.unknown_layout(code[:32], query, ctx.lang)
        if opd_scope(code) is None:
            return page.not_yours_layout(code, query, ctx.lang)
        return page.detail_layout(code, names[code], query, ctx.lang, ctx.options, conflict or ctx.error,
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

    runner = ExportRunner()

    def work_list_file(viewer, kind: str, config: dict) -> tuple:
        code, lang = config.get("code"), config["lang"]
        code = code if isinstance(code, str) else ""
        name = f"mimika_{code.lower()}_laporan"
        # One export at a time per person, its query included; the query and the file share one budget.
        with runner.budgeted(viewer.name) as budget:
            with budget.queries():
                data = PageData(query_cache, config["query"])
                if code not in data.lists.opd_names() or opd_scope(code) is None:  # known and theirs
                    raise PreventUpdate
                refuse_bad_period(data, lang)
                frame = page.export_frame(work_list(data, code), lang)
            if budget.left() <= 0:  # the query finished, but no time is left even for the CSV
                raise ExportRefused("export.timeout")
            if kind == "xlsx":
                context = exports.context_lines(exports.period_words(data.filters.start, data.filters.end, lang),
                                                exports.scope_label({code}, data.lists.opd_names(), lang),
                                                doc.cutoff_text(data.now, lang), lang)
                content = dcc.send_bytes(runner.build(exports.xlsx_bytes, {code: frame}, context,
                                                      seconds=budget.left()), f"{name}.xlsx")
            else:
                content = dcc.send_string(exports.csv_text(frame), f"{name}.csv")  # at most 2,000 rows: here
        return content, f"opd:{code}", f"{kind}, {len(frame)} rows"

    export_callback(app, query_cache.engine, download=page.DOWNLOAD, status=page.STATUS, config=page.CONFIG,
                    buttons=(("xlsx", page.EXPORT_XLSX), ("csv", page.EXPORT_CSV)), make=work_list_file)
