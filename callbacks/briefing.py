"""/briefing: the Bupati's figures through the viewer's scope, with XLSX and PDF exports built on the server, and
the monthly public-service performance report (Laporan Kinerja Pelayanan Publik) for a chosen WIT month."""

from __future__ import annotations

from functools import cache

import dash
from dash import Dash, Input, Output, State, dcc

from callbacks.export_answer import NotMade, export_callback, refuse_bad_period
from callbacks.export_runner import ExportRunner
from callbacks.page_data import PageContext, PageData, page_refresh
from callbacks.viewer import current_scope
from core.formatting import fmt_month
from core.i18n import t
from core.settings import Settings
from data_access import queries
from data_access.queries.cache import QueryCache
from data_access.queries.compliance import MIN_SAMPLE
from data_access.queries.equity import location_equity
from data_access.queries.performance import monthly_performance, parse_month
from data_access.queries.public import month_keys
from data_access.queries.targets import measure_targets, target_map
from data_access.rulebook.scope import Filters
from geo.simplify import display_district_geojson
from layouts import briefing as page
from layouts import briefing_pdf, exports
from layouts import components as c
from layouts import pdf_doc as doc
from layouts import performance_report as report


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
        targets=target_map(data.get(measure_targets, scope)),
        surges=data.get(queries.surge_alerts, scope),

        equity=data.get(location_equity, scope),
    )


def render(data: PageData, lang: str, _config) -> tuple:
    briefing = load(data)
    tiles = page.comparison_tiles(briefing.comparison, lang, briefing.targets)
    return (page.period_text(briefing.comparison, lang), page.equity_section(briefing, lang), tiles,
            page.weekly_chart(briefing.weekly, lang, briefing.comparison.iloc[0]["end"]),
            page.categories_table(briefing, lang), page.district_table(briefing, lang),
            page.league_table(briefing, lang), page.oldest_table(briefing, lang), page.surges_table(briefing, lang))


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
                 outputs=[Output(page.PERIOD, "children"), Output(page.EQUITY, "children"),
                          Output(page.COMPARE, "children"),
                          Output(page.WEEKLY, "children"), Output(page.CATEGORIES, "children"),
                          Output(page.DISTRICTS, "children"), Output(page.LEAGUE, "children"),
                          Output(page.OLDEST, "children"), Output(page.SURGES, "children")])

    runner = ExportRunner()

    @cache
    def boundaries() -> dict | None:
        """The district polygons for the PDF's map, read once per process (None: the map shows points)."""
        return display_district_geojson(settings.boundaries_districts)

    def briefing_file(viewer, kind: str, config: dict) -> tuple:
        lang = config["lang"]
        # One export at a time per person, its queries included; the queries and the file share one budget,
        # so a period too big for the store is refused in time instead of holding a server thread for minutes.
        with runner.budgeted(viewer.name) as budget:
            with budget.queries():
                data = PageData(query_cache, config["query"])
                refuse_bad_period(data, lang)
                briefing = load(data)
            names = data.lists.opd_names()
            if kind == "xlsx":
                context = exports.context_lines(page.period_span(briefing.comparison),
                                                exports.scope_label(current_scope().opds, names, lang),
                                                doc.cutoff_text(data.now, lang), lang)
                content = runner.build(exports.xlsx_bytes, page.tables(briefing, lang), context,
                                       seconds=budget.left())
            else:  # in Indonesian whatever the page language: it is the regency's document
                content = runner.build(briefing_pdf.briefing_document, briefing, "id", data.now, boundaries(),
                                       exports.scope_label(current_scope().opds, names, "id"), seconds=budget.left())
        stamp = page.export_stamp(briefing.comparison)  # the WIT day the period ends on, not the UTC day
        return dcc.send_bytes(content, f"briefing_mimika_{stamp}.{kind}"), "briefing", kind

    def monthly_file(viewer, kind: str, config: dict, month) -> tuple:
        """The Laporan Kinerja Pelayanan Publik of the chosen WIT month, in the viewer's scope."""
        try:
            parse_month(month if isinstance(month, str) else "", query_cache.now())
        except ValueError:  # the picker offers only months that have begun; anything else came from elsewhere
            raise NotMade(c.error_banner(t("monthly.bad_month", config["lang"], month=str(month)[:20]))) from None
        now = query_cache.now()
        figures = query_cache.query(monthly_performance, Filters(), current_scope(), query_cache.version(), now,
                                    month=month)
        build = report.xlsx_bytes if kind == "xlsx" else report.pdf_bytes
        content = runner.run(viewer.name, build, figures, "id")
        return dcc.send_bytes(content, report.file_name(figures, kind)), "monthly_report", f"{kind} {month}"

    export_callback(app, query_cache.engine, download=page.DOWNLOAD, status=page.STATUS, config=page.CONFIG,
                    buttons=(("xlsx", page.EXPORT_XLSX), ("pdf", page.EXPORT_PDF)), make=briefing_file)
    export_callback(app, query_cache.engine, download=page.MONTHLY_DOWNLOAD, status=page.MONTHLY_STATUS,
                    config=page.CONFIG, buttons=(("xlsx", page.MONTHLY_XLSX), ("pdf", page.MONTHLY_PDF)),
                    states=[State(page.MONTH, "value")], shared_status=False, make=monthly_file)

    app.clientside_callback("function (n) { if (n) { window.print(); } return ''; }",
                            Output(page.PRINT_DONE, "children"), Input(page.PRINT, "n_clicks"),
                            prevent_initial_call=True)
