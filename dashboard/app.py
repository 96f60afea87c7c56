"""The app factory: create_app(settings) wires the query cache, the pages and their callbacks."""

from __future__ import annotations

import re
from pathlib import Path

import dash
from dash import Dash, html
from flask import has_request_context, redirect, request
from flask_caching import Cache

import callbacks
import open311
from core.i18n import language
from core.settings import Settings
from dashboard import auth, csp, ops, refusals, static_compression
from dashboard.cache import cache_config
from data_access.queries.cache import QueryCache
from layouts.components import OPTIONAL_LIBRARIES, libraries_for

ASSETS = Path(__file__).with_name("assets")
LIBRARY_SCRIPTS = {name: re.compile(rf'<script src="[^"]*/_dash-component-suites/{name}/[^"]*"></script>\s*')
                   for name in OPTIONAL_LIBRARIES}


class MimikaDash(Dash):
    """Dash with a lighter index per page: the first load is mostly scripts, and a page that draws no grid or no
    map need not download AG Grid's (350 KB compressed) or Leaflet's (90 KB) — on the wall's poor link that is the
    difference between 1.1 MB and 0.75 MB (benchmarks/bench_page_weight.py)."""

    def interpolate_index(self, **kwargs) -> str:
        if has_request_context():
            needed = libraries_for(request.path)
            scripts = kwargs.get("scripts", "")
            for name, pattern in LIBRARY_SCRIPTS.items():
                if name not in needed:
                    scripts = pattern.sub("", scripts)
            kwargs["scripts"] = scripts
            # A screen reader reads the page in the language it is written in (WCAG 3.1.1); Dash's index has no
            # lang. The language switch and the navigation's links reload with ?lang=, so this stays true.
            lang = language(request.args.get("lang"), self.server.config["MIMIKA_SETTINGS"].language)
            return super().interpolate_index(**kwargs).replace("<html>", f'<html lang="{lang}">', 1)
        return super().interpolate_index(**kwargs)


def create_app(settings: Settings | None = None, *, query_cache: QueryCache | None = None) -> Dash:
    settings = settings or Settings.from_env()
    app = MimikaDash(__name__, use_pages=True, pages_folder="", assets_folder=str(ASSETS), title="Mimika Center",
               update_title=None, suppress_callback_exceptions=True, serve_locally=True,
               compress=True)  # a refresh of the wall is ~60 KB of JSON, ~5 KB compressed: the link is poor
    if query_cache is None:
        query_cache = QueryCache(settings, Cache(app.server, config=cache_config(settings)))
    else:  # one built by the caller (tests, benchmarks) still needs its cache bound to this app
        query_cache.cache.init_app(app.server, config=query_cache.cache.config or cache_config(settings))
    static_compression.install(app.server, ASSETS)
    app.server.config["MIMIKA_QUERY_CACHE"] = query_cache
    app.server.config["MIMIKA_SETTINGS"] = settings
    wall_callbacks = callbacks.register(app, query_cache, settings)
    ops.install(app, settings, query_cache)  # before the guard: /metrics has its own rule of who may read it
    auth.install(app, settings, query_cache.engine, wall_callbacks)
    refusals.install(app)  # after the guard: only a viewer's callback bodies are walked
    csp.install(app, settings.tile_url)
    open311.install(app.server, query_cache, settings)
    # Browsers ask for /favicon.ico on the pages Dash does not draw (/login, /publik): Dash's own icon, not the
    # 404 that an unknown address gets (a console error on every such page).
    app.server.add_url_rule("/favicon.ico", "favicon", lambda: redirect("/_favicon.ico", code=301))
    app.layout = html.Div([dash.page_container], className="app-root")
    # Dash finishes setting itself up on the first request and does not hold back a second one arriving meanwhile:
    # a gthread worker's first burst of wall refreshes after a restart got "dictionary changed size during
    # iteration" (a 500). The first request is made here, before any screen can ask.
    app.server.test_client().get("/_favicon.ico")
    return app
