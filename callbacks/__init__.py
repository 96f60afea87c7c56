"""Thin callbacks: read inputs, build Filters and the caller's Scope, call one query, hand the result to a builder.

``register`` is the one entry point create_app calls: every page module registers its page and its callbacks.
"""

from __future__ import annotations

from dash import Dash

from core.settings import Settings
from data_access.queries.cache import QueryCache


def register(app: Dash, query_cache: QueryCache, settings: Settings) -> set[str]:
    """Register every page and callback; returns the wall's server callbacks (all a kiosk may call)."""
    from callbacks import briefing, citizen, explorer, filter_bar, not_found, opd, public, report, sla, wall

    before = set(app.callback_map)
    wall.register(app, query_cache, settings)
    wall_callbacks = set(app.callback_map) - before
    for module in (opd, report, briefing, sla, explorer, not_found):
        module.register(app, query_cache, settings)
    filter_bar.register(app)
    public.register(app.server, query_cache, settings)
    citizen.register(app.server, query_cache, settings)
    return wall_callbacks
