"""/briefing: the Bupati's figures through the public scope, with XLSX and PDF exports built on the server."""

from __future__ import annotations

import logging
import time

import dash
from dash import Dash, Input, Output, State, dcc, no_update

from callbacks.export_runner import EXPORT_BUDGET_SECONDS, ExportRefused, ExportRunner
from callbacks.page_data import PageContext, PageData, client_address, page_config, page_refresh, store_down
from callbacks.viewer import current_scope, current_viewer
from core.i18n import t
from core.settings import Settings
from data_access import queries
from data_access.accounts import log_access
from data_access.engine import QueryTimeout, StoreUnavailable, query_deadline
from data_access.queries.decisions import MIN_SAMPLE
from data_access.query_cache import QueryCache
from layouts import briefing as page
from layouts import components as c
from layouts import exports

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
            c.flow_figure(briefing.weekly, lang), page.categories_figure(briefing.categories, lang),
            page.district_table(briefing, lang), page.league_table(briefing, lang),
            page.categories_table(briefing, lang), page.oldest_table(briefing, lang))


def register(app: Dash, query_cache: QueryCache, settings: Settings) -> None:
    def layout(**query):
        ctx = PageContext(query_cache, settings, query)
        return page.layout(query, ctx.lang, ctx.options, ctx.error, settings.refresh_seconds * 30)

    dash.register_page("briefing", path="/briefing", layout=layout, title="Mimika Center · Briefing")

    page_refresh(app, query_cache, config=page.CONFIG, status=page.STATUS, interval=page.INTERVAL, render=render,
                 outputs=[Output(page.PERIOD, "children"), Output(page.COMPARE, "children"),
                          Output(page.WEEKLY, "figure"), Output(page.CATEGORIES, "figure"),
                          Output(page.DISTRICTS, "children"), Output(page.LEAGUE, "children"),
                          Output(page.CATEGORY_TABLE, "children"), Output(page.OLDEST, "children")])

    runner = ExportRunner()

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
        started = time.monotonic()
        try:
            # One export at a time per person, its queries included; the queries and the file share one budget,
            # so a period too big for the store is refused in time instead of holding a server thread for minutes.
            with runner.turn(viewer.name):
                try:
                    with query_deadline(EXPORT_BUDGET_SECONDS):
                        data = PageData(query_cache, config["query"])
                        if data.error is not None:  # a period outside the bounds: say so, make nothing
                            return no_update, c.error_banner(t("export.refused_filter", lang,
                                                               reason=data.error.text(lang)))
                        briefing = load(data)
                except QueryTimeout:
                    log.warning("briefing export: queries stopped after %.0f s", EXPORT_BUDGET_SECONDS)
                    raise ExportRefused("export.timeout") from None
                left = EXPORT_BUDGET_SECONDS - (time.monotonic() - started)
                if kind == "xlsx":
                    content = runner.build(exports.xlsx_bytes, page.tables(briefing, lang), seconds=left)
                else:  # in Indonesian whatever the page language: it is the regency's document
                    content = runner.build(page.pdf_bytes, briefing, "id", data.now, seconds=left)
        except StoreUnavailable as exc:
            return no_update, store_down(lang, exc)
        except ExportRefused as refused:
            return no_update, c.error_banner(t(refused.key, lang))
        log_access(query_cache.engine, viewer.name, "export", "briefing", address=client_address(), detail=kind)
        return dcc.send_bytes(content, f"briefing_mimika_{data.now:%Y%m%d}.{kind}"), None

    app.clientside_callback("function (n) { if (n) { window.print(); } return ''; }",
                            Output(page.PRINT_DONE, "children"), Input(page.PRINT, "n_clicks"),
                            prevent_initial_call=True)
