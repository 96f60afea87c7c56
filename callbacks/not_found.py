"""The not-found page for Dash pages (module name ``not_found_404``): Indonesian by default, ?lang=en in English."""

from __future__ import annotations

import dash
from dash import Dash

from callbacks.page_data import page_language, routed_path
from core.settings import Settings
from data_access.queries.cache import QueryCache
from layouts import not_found as page


def register(app: Dash, query_cache: QueryCache, settings: Settings) -> None:
    def layout(**query):
        return page.layout(routed_path(), query, page_language(query, settings))

    # Dash pages shows the page registered under this module name for every unknown path.
    dash.register_page("not_found_404", path="/404", layout=layout, title="Mimika Center · 404")
