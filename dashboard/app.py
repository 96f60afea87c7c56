"""The app factory: create_app(settings) wires the store, the cache, the pages and their callbacks."""

from __future__ import annotations

from pathlib import Path

import dash
from dash import Dash, html
from flask_caching import Cache

from dashboard.settings import Settings
from dashboard.store import Store, cache_config

ASSETS = Path(__file__).with_name("assets")


def create_app(settings: Settings | None = None, *, store: Store | None = None) -> Dash:
    settings = settings or Settings.from_env()
    app = Dash(__name__, use_pages=True, pages_folder="", assets_folder=str(ASSETS), title="Mimika Center",
               update_title=None, suppress_callback_exceptions=True, serve_locally=True)
    cache = Cache(app.server, config=cache_config(settings))
    app.server.config["MIMIKA_STORE"] = store or Store(settings, cache)
    app.server.config["MIMIKA_SETTINGS"] = settings
    _register_pages(app, settings)
    app.layout = html.Div([dash.page_container], className="app-root")
    return app


def _register_pages(app: Dash, settings: Settings) -> None:
    from layouts import home

    dash.register_page("home", path="/", layout=home.layout, title="Mimika Center")
