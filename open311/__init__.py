"""Open311 GeoReport v2 at /open311/v2/: a way in beside the pages, thin, writing through the ReportWriter."""

from __future__ import annotations

from flask import Flask

from core.settings import Settings
from data_access.queries.cache import QueryCache


def install(server: Flask, query_cache: QueryCache, settings: Settings) -> None:
    """Register the GeoReport v2 blueprint on the app's Flask server."""
    from open311.views import make_blueprint

    server.register_blueprint(make_blueprint(query_cache, settings))
