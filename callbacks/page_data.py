"""What every page callback shares: the viewer's language, the filters from the URL, the reference lists from
the store, and one helper that registers a page's refresh with its plumbing (store outage, version gate).

Each page module declares what it shows; the path is always the same and thin:
URL query → Filters (callbacks.url_filters) and the viewer's Scope → QueryCache.query → builder in layouts/.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime

import dash
from dash import Dash, Input, Output, State, html, no_update
from dash.exceptions import PreventUpdate
from flask import has_request_context, request

from callbacks.url_filters import FilterError, filters_from_query
from callbacks.viewer import current_scope
from core.i18n import channel_label, language, status_label, t
from core.settings import Settings
from data_access import queries
from data_access.queries.cache import QueryCache
from data_access.rulebook.scope import Filters, Scope
from data_access.store.engine import QueryTimeout, StoreUnavailable, query_deadline
from data_access.store.schema import CHANNELS, STATUSES
from layouts import components as c

log = logging.getLogger(__name__)


def reference(query_cache: QueryCache, version: str | None = None, now: datetime | None = None
              ) -> queries.ReferenceLists:
    """The OPDs, categories and districts in the store, cached with the store version."""
    version = version if version is not None else query_cache.version()
    return query_cache.query(queries.reference_lists, Filters(), Scope.wall(), version,
                             now if now is not None else query_cache.now())


def filter_options(lists: queries.ReferenceLists, lang: str, scope: Scope | None = None) -> c.FilterOptions:
    """What the filter bar offers and the URL accepts: the store's reference lists, in the page's language;
    an OPD user is offered their own OPDs only."""
    return c.FilterOptions(
        opd=tuple((code, short) for code, _, short in lists.opds if scope is None or scope.may_see_opd(code)),
        category=tuple((code, name_en if lang == "en" else name) for code, name, name_en, _ in lists.categories),
        district=tuple((code, name) for code, name, *_ in lists.districts),
        channel=tuple((ch, channel_label(ch, lang)) for ch in CHANNELS),
        status=tuple((s, status_label(s, lang)) for s in STATUSES),
    )


def parse_filters(query: Mapping, now: datetime, lists: queries.ReferenceLists
                  ) -> tuple[Filters, FilterError | None]:
    """The query's filters; a malformed query gives unfiltered data plus the error to show on the page."""
    try:
        return filters_from_query(query or {}, now, filter_options(lists, "id").known()), None
    except FilterError as exc:
        return Filters(), exc


def page_language(query: Mapping, settings: Settings) -> str:
    raw = query.get("lang") if query else None
    return language(raw[0] if isinstance(raw, list) and raw else raw, settings.language)


def routed_path() -> str | None:
    """The pathname the browser asked Dash pages to render, from the routing request itself.

    Dash pages merges query keys into path variables (``/opd/PUPR?code=DINKES`` arrives as ``code="DINKES"``);
    the path must decide, so page layouts read their path segment from here.
    """
    if not has_request_context():
        return None
    body = request.get_json(silent=True, cache=True)
    if not isinstance(body, dict):
        return None
    for item in body.get("inputs") or []:
        if isinstance(item, dict) and item.get("id") == "_pages_location" and item.get("property") == "pathname":
            value = item.get("value")
            return value if isinstance(value, str) else None
    return None


def path_segment(prefix: str, given: object) -> tuple[str, FilterError | None]:
    """The segment after ``prefix`` in the routed path (``given`` outside a routing request), and an error to
    show when the query also named it (a conflicting or repeated key)."""
    path = routed_path()
    segment = path[len(prefix):].split("/")[0] if path and path.startswith(prefix) else None
    if segment is None:
        segment = given if isinstance(given, str) else ""
        conflict = not isinstance(given, str)
    else:
        conflict = given != segment
    return segment, FilterError("filter.err.path_key", field=prefix.strip("/")) if conflict else None


def client_address() -> str:
    return (request.remote_addr or "?")[:64] if has_request_context() else "-"


def store_down(lang: str, exc: Exception) -> html.Div:
    """The page says the store is unreachable; the why (a file path, a host name) goes to the operator's log."""
    log.warning("page data unavailable: %s", exc)
    return c.error_banner(t("store.unavailable", lang))


class RefreshTooSlow(Exception):
    """A refresh's queries ran past PAGE_QUERY_SECONDS and were stopped in the database; ``banner`` says so."""

    def __init__(self, lang: str, seconds: float) -> None:
        super().__init__(seconds)
        log.warning("page refresh stopped after %.1f s", seconds)
        self.banner = c.error_banner(t("page.timeout", lang))


@contextmanager
def refresh_deadline(query_cache: QueryCache, lang: str) -> Iterator[None]:
    """Every query inside is stopped once the settings' page_query_seconds have passed (the exports' mechanism,
    data_access.store.engine.query_deadline): RefreshTooSlow then, with the message that says to narrow the period or
    the filters. A page's cost grows with what its URL asks for (ten years, many filters): without a limit, a few
    such refreshes in parallel hold server threads for a minute each."""
    seconds = query_cache.settings.page_query_seconds
    try:
        with query_deadline(seconds):
            yield
    except QueryTimeout:
        raise RefreshTooSlow(lang, seconds) from None


class PageData:
    """The store version, the clock, the reference lists and the filters for one callback run."""

    def __init__(self, query_cache: QueryCache, query: Mapping) -> None:
        self.query_cache = query_cache
        self.now = query_cache.now()
        self.version = query_cache.version()
        self.lists = reference(query_cache, self.version, self.now)
        self.filters, self.error = parse_filters(query, self.now, self.lists)

    @property
    def key(self) -> str:
        """What the page shows depends on the store version and, for SLA states, the minute."""
        return f"{self.version}|{self.query_cache.minute(self.now)}"

    def get(self, fn, scope, filters: Filters | None = None, **kwargs):
        return self.query_cache.query(fn, filters if filters is not None else self.filters, scope, self.version,
                                      self.now, **kwargs)


class PageContext:
    """What a page's layout function needs at page load: language, filter options and the filter error."""

    def __init__(self, query_cache: QueryCache, settings: Settings, query: Mapping) -> None:
        self.lang = page_language(query, settings)
        try:
            lists = reference(query_cache)
        except StoreUnavailable:  # the page still renders; its refresh callback shows the outage
            lists = queries.ReferenceLists((), (), ())
        self.lists = lists
        self.options = filter_options(lists, self.lang, current_scope())
        _, self.error = parse_filters(query, query_cache.now(), lists) if lists.opds else (None, None)


Render = Callable[..., Sequence]


def page_config(raw: object) -> dict:
    """A page's config store as the page wrote it ({"lang", "query", …}); junk from the browser becomes the
    defaults and is logged, so a render never meets a list where it expects a mapping."""
    config = dict(raw) if isinstance(raw, dict) else {}
    if not isinstance(raw, dict):
        log.info("page config of unexpected shape %s replaced by defaults", type(raw).__name__)
    config["lang"] = language(config.get("lang"))
    config["query"] = config.get("query") if isinstance(config.get("query"), dict) else {}
    return config


def page_refresh(app: Dash, query_cache: QueryCache, *, outputs: Sequence[Output], status: str, config: str,
                 render: Render, inputs: Sequence[Input] = (), interval: str | None = None) -> None:
    """Register a page's refresh: ``render(data, lang, config, *input_values)`` returns the values of ``outputs``.

    The plumbing is here once: the store being away keeps what is shown and says so in ``status``, and so does a
    refresh stopped at its time limit (refresh_deadline); an interval tick that finds the same store version and
    minute as the last render answers 204 (nothing to send).
    """
    every = [*inputs, *([Input(interval, "n_intervals")] if interval else [])]

    @app.callback(*outputs, Output(status, "children"), Output(c.PAGE_VERSION, "data"),
                  Input(config, "data"), *every, State(c.PAGE_VERSION, "data"))
    def refresh(config_data, *args):
        *values, seen = args
        if interval:
            values = values[:-1]
        config_data = page_config(config_data)
        lang = config_data["lang"]
        try:
            with refresh_deadline(query_cache, lang):
                data = PageData(query_cache, config_data["query"])
                if interval and dash.ctx.triggered_id == interval and seen == data.key:
                    raise PreventUpdate
                shown = render(data, lang, config_data, *values)
        except StoreUnavailable as exc:
            return (*([no_update] * len(outputs)), store_down(lang, exc), no_update)
        except RefreshTooSlow as stopped:  # what is shown stays; the next tick tries again
            return (*([no_update] * len(outputs)), stopped.banner, no_update)
        return (*shown, None, data.key)
