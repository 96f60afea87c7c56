"""The app factory: create_app(settings) wires the query cache, the pages and their callbacks."""

from __future__ import annotations

from pathlib import Path

import dash
from dash import Dash, html
from flask_caching import Cache

import callbacks
from core.settings import Settings
from dashboard import auth, ops
from dashboard.cache import cache_config
from data_access.query_cache import QueryCache

ASSETS = Path(__file__).with_name("assets")


def create_app(settings: Settings | None = None, *, query_cache: QueryCache | None = None) -> Dash:
    settings = settings or Settings.from_env()
    app = Dash(__name__, use_pages=True, pages_folder="", assets_folder=str(ASSETS), title="Mimika Center",
               update_title=None, suppress_callback_exceptions=True, serve_locally=True,
               compress=True)  # a refresh of the wall is ~60 KB of JSON, ~5 KB compressed: the link is poor
    if query_cache is None:
        query_cache = QueryCache(settings, Cache(app.server, config=cache_config(settings)))
    else:  # one built by the caller (tests, benchmarks) still needs its cache bound to this app
        query_cache.cache.init_app(app.server, config=query_cache.cache.config or cache_config(settings))
    app.server.config["MIMIKA_QUERY_CACHE"] = query_cache
    app.server.config["MIMIKA_SETTINGS"] = settings
    wall_callbacks = callbacks.register(app, query_cache, settings)
    ops.install(app, settings, query_cache)  # before the guard: /metrics has its own rule of who may read it
    auth.install(app, settings, query_cache.engine, wall_callbacks)
    app.layout = html.Div([dash.page_container], className="app-root")
    return app
