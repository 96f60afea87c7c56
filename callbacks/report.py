"""/report/<id>: the report and its timeline through the public scope."""

from __future__ import annotations

import dash
from dash import Dash, Input, Output

from callbacks.page_data import page_language, store_down
from core.settings import Settings
from data_access import queries
from data_access.engine import StoreUnavailable
from data_access.query_cache import QueryCache
from data_access.scope import Filters, Scope
from layouts import report as page

# Pages are public views: the report page never asks for personal data, whoever opens it.
VIEWER_SCOPE = Scope.wall()


def report_detail(engine, filters, scope, now, *, report_id: int):
    """report_detail in the QueryCache.query shape, so it is cached with the scope in the key like every query."""
    return queries.report_detail(engine, report_id, scope)


def register(app: Dash, query_cache: QueryCache, settings: Settings) -> None:
    def layout(report_id: str = "", **query):
        return page.layout(report_id, query, page_language(query, settings))

    dash.register_page("report", path_template="/report/<report_id>", layout=layout, title="Mimika Center · Laporan")

    @app.callback(Output(page.BODY, "children"), Input(page.CONFIG, "data"))
    def fill(config):
        lang, raw = config["lang"], config["id"]
        report_id = page.parse_id(raw)
        if report_id is None:
            return page.not_found(raw, lang, malformed=True)
        try:
            found = query_cache.query(report_detail, Filters(), VIEWER_SCOPE, query_cache.version(),
                                      query_cache.now(), report_id=report_id)
        except StoreUnavailable as exc:
            return store_down(lang, exc)
        if found is None:
            return page.not_found(report_id, lang)
        detail, timeline = found
        return page.detail(detail, timeline, lang)
