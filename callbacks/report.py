"""/report/<id>: the report and its timeline in the viewer's scope; the reporter's contact only for scopes that
allow personal data, and then the view is written to the access log."""

from __future__ import annotations

import dash
from dash import Dash, Input, Output

from callbacks.page_data import client_address, page_language, path_segment, store_down
from callbacks.viewer import current_scope, current_viewer
from core.settings import Settings
from data_access import queries
from data_access.accounts import log_access
from data_access.queries.cache import QueryCache
from data_access.rulebook.scope import Filters
from data_access.store.engine import StoreUnavailable
from layouts import report as page


def report_detail(engine, filters, scope, now, *, report_id: int):
    """report_detail in the QueryCache.query shape, so it is cached with the scope in the key like every query."""
    return queries.report_detail(engine, report_id, scope, now)


def register(app: Dash, query_cache: QueryCache, settings: Settings) -> None:
    def layout(report_id: object = "", **query):
        report_id, _conflict = path_segment("/report/", report_id)  # the path decides, never ?report_id=
        return page.layout(report_id[:40], query, page_language(query, settings))

    dash.register_page("report", path_template="/report/<report_id>", layout=layout, title="Mimika Center · Laporan")

    @app.callback(Output(page.BODY, "children"), Input(page.CONFIG, "data"))
    def fill(config):
        config = config if isinstance(config, dict) else {}
        lang, raw = config.get("lang", "id"), config.get("id")
        report_id = page.parse_id(raw)
        if report_id is None:
            return page.not_found(raw, lang, malformed=True)
        scope = current_scope()
        try:
            found = query_cache.query(report_detail, Filters(), scope, query_cache.version(),
                                      query_cache.now(), report_id=report_id)
        except StoreUnavailable as exc:
            return store_down(lang, exc)
        if found is None:
            return page.not_found(report_id, lang)
        detail, timeline = found
        if scope.personal_data:
            viewer = current_viewer()
            shown = "anonymous" if detail.get("anonymous") and not scope.see_anonymous else "contact"
            log_access(query_cache.engine, viewer.name, "personal_view", f"report:{report_id}",
                       address=client_address(), detail=f"{viewer.role}: {shown}")
        return page.detail(detail, timeline, lang, personal=scope.personal_data)
