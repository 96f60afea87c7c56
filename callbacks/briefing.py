"""/briefing: the Bupati's figures through the viewer's scope, with XLSX and PDF exports built on the server, and
the monthly public-service performance report (Laporan Kinerja Pelayanan Publik) for a chosen WIT month."""

from __future__ import annotations

import logging
from functools import cache

import dash
from dash import Dash, Input, Output, State, dcc, no_update

from callbacks.export_runner import ExportRefused, ExportRunner
from callbacks.page_data import PageContext, PageData, client_address, page_config, page_refresh, store_down
from callbacks.viewer import current_scope, current_viewer
from core.formatting import fmt_month
from core.i18n import t
from core.settings import Settings
from data_access import queries
from data_access.accounts import log_access
from data_access.queries.cache import QueryCache
from data_access.queries.compliance import MIN_SAMPLE
from data_access.queries.performance import monthly_performance, parse_month
from data_access.queries.public import month_keys
from data_access.rulebook.scope import Filters
from data_access.store.engine import StoreUnavailable
from geo.simplify import display_district_geojson
from layouts import briefing as page
from layouts import briefing_pdf, exports
from layouts import components as c
from layouts import performance_report as report

log = logging.getLogger(__name__)


def load(data: PageData) -> page.BriefingData:
    """The briefing's figures in the viewer's scope (the whole regency for the Bupati, their OPDs for an OPD)."""
    scope = current_scope()
    return page.BriefingData(
        comparison=data.get(queries.period_comparison, scope),
        districts=data.get(queries.reports_by_district, scope),
        league=data.get(queries.compliance_by_opd, scope, min_sample=MIN_SAMPLE),
        weekly=data.get(queries.inflow_vs_resolved_weekly, scope),
        categories=data.get(queries.top_categories, scope, limit=10),
        oldest=data.get(queries.oldest_open_reports, scope, limit=15),
        min_sample=MIN_SAMPLE,
    )


def render(data: PageData, lang: str, _config) -> tuple:
    briefing = load(data)
    return (page.period_text(briefing.comparison, lang), page.comparison_tiles(briefing.comparison, lang),
            page.weekly_chart(briefing.weekly, lang, briefing.comparison.iloc[0]["end"]),
            page.categories_table(briefing, lang), page.district_table(briefing, lang),
            page.league_table(briefing, lang), page.oldest_table(briefing, lang))


def month_options(now, lang: str) -> list[tuple[str, str]]:
    """The last twelve WIT months, newest first, as (YYYY-MM, 'November 2026')."""
    keys = month_keys(now)[::-1]
    return [(key, fmt_month(int(key[:4]), int(key[5:]), lang)) for key in keys]


def register(app: Dash, query_cache: QueryCache, settings: Settings) -> None:
    def layout(**query):
        ctx = PageContext(query_cache, settings, query)
        return page.layout(query, ctx.lang, ctx.options, ctx.error, settings.refresh_seconds * 30,
                           months=month_options(query_cache.now(), ctx.lang))

    dash.register_page("briefing", path="/briefing", layout=layout, title="Mimika Center · Briefing")

    page_refresh(app, query_cache, config=page.CONFIG, status=page.STATUS, interval=page.INTERVAL, render=render,
                 outputs=[Output(page.PERIOD, "children"), Output(page.COMPARE, "children"),
                          Output(page.WEEKLY, "children"), Output(page.CATEGORIES, "children"),
                          Output(page.DISTRICTS, "children"), Output(page.LEAGUE, "children"),
                          Output(page.OLDEST, "children")])

    runner = ExportRunner()

    @cache
    def boundaries() -> dict | None:
        """The district polygons for the PDF's map, read once per process (None: the map shows points)."""
        return display_district_geojson(settings.boundaries_districts)

    @app.callback(Output(page.DOWNLOAD, "data"), Output(page.STATUS, "children", allow_duplicate=True),
                  Input(page.EXPORT_XLSX, "n_clicks"), Input(page.EXPORT_PDF, "n_clicks"), State(page.CONFIG, "data"),
                  prevent_initial_call=True)
    def export(xlsx_clicks, pdf_clicks, config):
        kind = "xlsx" if dash.ctx.triggered_id == page.EXPORT_XLSX else "pdf"
        if not (xlsx_clicks if kind == "xlsx" else pdf_clicks):
            return no_update, no_update
        config = page_config(config)
        lang = config["lang"]
        viewer = current_viewer()
        try:
            # One export at a time per person, its queries included; the queries and the file share one budget,
            # so a period too big for the store is refused in time instead of holding a server thread for minutes.
            with runner.budgeted(viewer.name) as budget:
                with budget.queries():
                    data = PageData(query_cache, config["query"])
                    if data.error is not None:  # a period outside the bounds: say so, make nothing
                        return no_update, c.error_banner(t("export.refused_filter", lang,
                                                           reason=data.error.text(lang)))
                    briefing = load(data)
                if kind == "xlsx":
                    content = runner.build(exports.xlsx_bytes, page.tables(briefing, lang), seconds=budget.left())
                else:  # in Indonesian whatever the page language: it is the regency's document
                    content = runner.build(briefing_pdf.briefing_document, briefing, "id", data.now, boundaries(),
                                           seconds=budget.left())
        except StoreUnavailable as exc:
            return no_update, store_down(lang, exc)
        except ExportRefused as refused:
            return no_update, c.error_banner(t(refused.key, lang))
        log_access(query_cache.engine, viewer.name, "export", "briefing", address=client_address(), detail=kind)
        stamp = page.export_stamp(briefing.comparison)  # the WIT day the period ends on, not the UTC day
        return dcc.send_bytes(content, f"briefing_mimika_{stamp}.{kind}"), None

    @app.callback(Output(page.MONTHLY_DOWNLOAD, "data"), Output(page.MONTHLY_STATUS, "children"),
                  Input(page.MONTHLY_XLSX, "n_clicks"), Input(page.MONTHLY_PDF, "n_clicks"),
                  State(page.MONTH, "value"), State(page.CONFIG, "data"), prevent_initial_call=True)
    def monthly(xlsx_clicks, pdf_clicks, month, config):
        """The Laporan Kinerja Pelayanan Publik of the chosen WIT month, in the viewer's scope."""
        kind = "xlsx" if dash.ctx.triggered_id == page.MONTHLY_XLSX else "pdf"
        if not (xlsx_clicks if kind == "xlsx" else pdf_clicks):
            return no_update, no_update
        config = page_config(config)
        try:
            parse_month(month if isinstance(month, str) else "", query_cache.now())
        except ValueError:  # the picker offers only months that have begun; anything else came from elsewhere
            return no_update, c.error_banner(t("monthly.bad_month", config["lang"], month=str(month)[:20]))
        try:
            now = query_cache.now()
            figures = query_cache.query(monthly_performance, Filters(), current_scope(), query_cache.version(), now,
                                        month=month)
        except StoreUnavailable as exc:
            return no_update, store_down(config["lang"], exc)
        viewer = current_viewer()
        try:
            build = report.xlsx_bytes if kind == "xlsx" else report.pdf_bytes
            content = runner.run(viewer.name, build, figures, "id")
        except ExportRefused as refused:
            return no_update, c.error_banner(t(refused.key, config["lang"]))
        log_access(query_cache.engine, viewer.name, "export", "monthly_report", address=client_address(),
                   detail=f"{kind} {month}")
        return dcc.send_bytes(content, report.file_name(figures, kind)), None

    app.clientside_callback("function (n) { if (n) { window.print(); } return ''; }",
                            Output(page.PRINT_DONE, "children"), Input(page.PRINT, "n_clicks"),
                            prevent_initial_call=True)
