"""The not-found page for Dash pages (module name ``not_found_404``): Indonesian by default, ?lang=en in English.

Dash pages answers every address with its index (HTTP 200) and draws the not-found page in the browser; a crawler,
a monitor or a script then takes a dead link for a page. ``http_status`` gives those answers their 404: an address no
page is registered for, a report that does not exist (or is outside the viewer's scope), an OPD code that is not one.
"""

from __future__ import annotations

import dash
from dash import Dash
from flask import Response, request

from callbacks.page_data import page_language, routed_path
from callbacks.report import report_detail
from callbacks.viewer import current_scope
from core.settings import Settings
from data_access import queries
from data_access.queries.cache import QueryCache
from data_access.rulebook.scope import Filters, Scope
from data_access.store.engine import StoreUnavailable
from layouts import not_found as page
from layouts import report as report_page

# The endpoints under which Dash serves its index for a page address (Dash._add_url names them by their rule).
INDEX_ENDPOINTS = ("/", "/<path:path>")


def _matches(template: str, parts: list[str]) -> dict[str, str] | None:
    """The path variables when ``parts`` (the address split at "/") fits ``template`` ("/opd/<code>"), else None."""
    shape = template.strip("/").split("/") if template.strip("/") else []
    if len(shape) != len(parts):
        return None
    found = {}
    for want, got in zip(shape, parts, strict=True):
        if want.startswith("<") and want.endswith(">"):
            if not got:
                return None
            found[want[1:-1]] = got
        elif want != got:
            return None
    return found


def known_address(path: str, query_cache: QueryCache) -> bool:
    """Whether ``path`` names something: a registered page, an existing report in the viewer's scope, a known
    OPD. A store that cannot answer counts as known (the page says the store is down, not "not found")."""
    parts = path.strip("/").split("/") if path.strip("/") else []
    for entry in dash.page_registry.values():
        if entry.get("module") == "not_found_404":
            continue
        template = entry.get("path_template") or entry.get("path")
        found = _matches(template, parts) if isinstance(template, str) else None
        if found is None:
            continue
        try:
            if "report_id" in found:
                report_id = report_page.parse_id(found["report_id"])
                return report_id is not None and query_cache.query(
                    report_detail, Filters(), current_scope(), query_cache.version(), query_cache.now(),
                    report_id=report_id) is not None
            if "code" in found:
                lists = query_cache.query(queries.reference_lists, Filters(), Scope.wall(), query_cache.version(),
                                          query_cache.now())
                return found["code"].upper() in lists.opd_names()
        except StoreUnavailable:
            return True
        return True
    return False


def register(app: Dash, query_cache: QueryCache, settings: Settings) -> None:
    def layout(**query):
        return page.layout(routed_path(), query, page_language(query, settings))

    # Dash pages shows the page registered under this module name for every unknown path.
    dash.register_page("not_found_404", path="/404", layout=layout, title="Mimika Center · 404")

    @app.server.after_request
    def http_status(response: Response) -> Response:
        if (request.method == "GET" and response.status_code == 200 and request.endpoint in INDEX_ENDPOINTS
                and response.mimetype == "text/html" and not known_address(request.path, query_cache)):
            response.status_code = 404
        return response
