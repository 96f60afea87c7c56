"""Registers the decision pages (briefing, OPD, SLA, explorer, report) and the shared filter bar callback.

Called once from create_app. Each page module registers its own callbacks; they all follow the same thin path:
URL query → Filters (layouts.components.filters_from_query) and the viewer's Scope → Store.query → builder.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime

import dash
from dash import Dash, Input, Output, State, html, no_update

from dashboard.i18n import language
from dashboard.settings import Settings
from dashboard.store import Store
from data_access.reference import CATEGORIES, OPDS, districts
from data_access.schema import CHANNELS, STATUSES
from data_access.scope import Filters
from layouts import components as c

log = logging.getLogger(__name__)


def filter_options(lang: str) -> c.FilterOptions:
    """What the filter bar offers, from the reference data (the same lists the store was loaded with)."""
    return c.FilterOptions(
        opd=tuple((code, short) for code, _, short in OPDS),
        category=tuple((code, name_en if lang == "en" else name) for code, name, name_en, _, _ in CATEGORIES),
        district=tuple((d.code, d.name) for d in districts()),
        channel=tuple((ch, ch.replace("_", " ")) for ch in CHANNELS),
        status=tuple((s, s) for s in STATUSES),
    )


def parse_filters(query: Mapping, now: datetime) -> tuple[Filters, c.FilterError | None]:
    """The query's filters; a malformed query gives unfiltered data plus the error to show on the page."""
    try:
        return c.filters_from_query(query or {}, now, filter_options("id").known()), None
    except c.FilterError as exc:
        return Filters(), exc


def page_language(query: Mapping, settings: Settings) -> str:
    raw = query.get("lang") if query else None
    return language(raw[0] if isinstance(raw, list) and raw else raw, settings.language)


def store_down(lang: str, exc: Exception) -> html.Div:
    from dashboard.i18n_pages import t

    log.warning("page data unavailable: %s", exc)
    return c.error_banner(f"{t('store.unavailable', lang)}: {exc}")


class PageData:
    """The store, the version gate and the clock for one callback run."""

    def __init__(self, store: Store, query: Mapping) -> None:
        self.store = store
        self.now = store.now()
        self.filters, self.error = parse_filters(query, self.now)
        self.version = store.version()

    def get(self, fn, scope, filters: Filters | None = None, **kwargs):
        return self.store.query(fn, filters if filters is not None else self.filters, scope, self.version,
                                self.now, **kwargs)


def register(app: Dash, store: Store, settings: Settings) -> None:
    from callbacks import briefing, explorer, opd, report, sla

    for module in (opd, report, briefing, sla, explorer):
        module.register(app, store, settings)

    @app.callback(
        Output(c.FB_LOCATION, "href"),
        Input(c.FB_APPLY, "n_clicks"),
        State(c.FB_CONTEXT, "data"),
        State(c.FB_PERIOD, "value"),
        State(c.FB_DATES, "start_date"),
        State(c.FB_DATES, "end_date"),
        *[State(cid, "value") for cid in c.FB_SELECTS.values()],
        prevent_initial_call=True,
    )
    def apply_filters(n_clicks, context, period, start, end, *selected):
        if not n_clicks:
            return no_update
        return c.query_from_bar(context or {}, period, start, end, dict(zip(c.FB_SELECTS, selected, strict=True)))

    _ = dash  # pages are registered by the page modules with dash.register_page
