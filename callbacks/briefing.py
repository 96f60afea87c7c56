"""/briefing: the Bupati's figures through the public scope, with XLSX and PDF exports built on the server."""

from __future__ import annotations

import dash
from dash import Dash, Input, Output, State, dcc, no_update

from callbacks.pages import PageData, filter_options, page_language, parse_filters, store_down
from dashboard.i18n import fmt_when
from dashboard.i18n_pages import t
from dashboard.settings import Settings
from dashboard.store import Store
from data_access import queries
from data_access.engine import StoreUnavailable
from data_access.queries.decisions import MIN_SAMPLE
from data_access.scope import Scope
from layouts import briefing as page
from layouts import components as c
from layouts import exports

# The briefing is about the whole regency: every OPD, no personal data.
VIEWER_SCOPE = Scope.wall()


def load(data: PageData) -> page.BriefingData:
    scope = VIEWER_SCOPE
    return page.BriefingData(
        comparison=data.get(queries.period_comparison, scope),
        districts=data.get(queries.reports_by_district, scope),
        league=data.get(queries.compliance_by_opd, scope, min_sample=MIN_SAMPLE),
        weekly=data.get(queries.inflow_vs_resolved_weekly, scope),
        categories=data.get(queries.top_categories, scope, limit=10),
        oldest=data.get(queries.oldest_open_reports, scope, limit=15),
        min_sample=MIN_SAMPLE,
    )


def pdf_bytes(briefing: page.BriefingData, lang: str, now) -> bytes:
    """The briefing as a PDF: its charts drawn by matplotlib, its tables by fpdf2."""
    league = briefing.league[briefing.league["ranked"]]
    districts = briefing.districts[briefing.districts["code"] != "luar"].sort_values("per_10k", ascending=False)
    charts = [
        (t("briefing.weekly", lang), exports.weekly_png(briefing.weekly, t("opd.inflow", lang),
                                                         t("col.resolved", lang))),
        (t("col.per_10k", lang), exports.hbar_png(
            [("◆ " if a != "jalan" else "") + n for n, a in zip(districts["name"], districts["access"], strict=True)],
            [float(v) for v in districts["per_10k"].fillna(0)], "#0072B2")),
        (t("col.resolution_pct", lang), exports.hbar_png(list(league["short_name"]),
                                                         [float(v) for v in league["resolution_compliance_pct"]],
                                                         "#009E73")),
    ]
    return exports.briefing_pdf(t("pdf.title", lang), page.period_text(briefing.comparison, lang), charts,
                                page.tables(briefing, lang), t("pdf.generated", lang, when=fmt_when(now)))


def register(app: Dash, store: Store, settings: Settings) -> None:
    def layout(**query):
        lang = page_language(query, settings)
        _, error = parse_filters(query, store.now())
        return page.layout(query, lang, filter_options(lang), error, settings.refresh_seconds * 30)

    dash.register_page("briefing", path="/briefing", layout=layout, title="Mimika Center · Briefing")

    @app.callback(
        Output(page.PERIOD, "children"), Output(page.COMPARE, "children"), Output(page.WEEKLY, "figure"),
        Output(page.CATEGORIES, "figure"), Output(page.DISTRICTS, "children"), Output(page.LEAGUE, "children"),
        Output(page.CATEGORY_TABLE, "children"), Output(page.OLDEST, "children"), Output(page.STATUS, "children"),
        Input(page.CONFIG, "data"), Input(page.INTERVAL, "n_intervals"),
    )
    def fill(config, _n):
        lang = config["lang"]
        try:
            briefing = load(PageData(store, config["query"]))
        except StoreUnavailable as exc:
            return (no_update,) * 8 + (store_down(lang, exc),)
        return (page.period_text(briefing.comparison, lang), page.comparison_tiles(briefing.comparison, lang),
                c.flow_figure(briefing.weekly, lang), page.categories_figure(briefing.categories, lang),
                page.district_table(briefing, lang), page.league_table(briefing, lang),
                page.categories_table(briefing, lang), page.oldest_table(briefing, lang), None)

    @app.callback(Output(page.DOWNLOAD, "data"), Input(page.EXPORT_XLSX, "n_clicks"),
                  Input(page.EXPORT_PDF, "n_clicks"), State(page.CONFIG, "data"), prevent_initial_call=True)
    def export(xlsx_clicks, pdf_clicks, config):
        kind = "xlsx" if dash.ctx.triggered_id == page.EXPORT_XLSX else "pdf"
        if not (xlsx_clicks if kind == "xlsx" else pdf_clicks):
            return no_update
        data = PageData(store, config["query"])
        briefing = load(data)
        stamp = data.now.strftime("%Y%m%d")
        if kind == "xlsx":
            return dcc.send_bytes(exports.xlsx_bytes(page.tables(briefing, config["lang"])),
                                  f"briefing_mimika_{stamp}.xlsx")
        # The PDF is in Indonesian whatever the page language: it is the regency's document.
        return dcc.send_bytes(pdf_bytes(briefing, "id", data.now), f"briefing_mimika_{stamp}.pdf")

    app.clientside_callback("function (n) { if (n) { window.print(); } return ''; }",
                            Output(page.PRINT_DONE, "children"), Input(page.PRINT, "n_clicks"),
                            prevent_initial_call=True)
