"""Issue #23 item 9: every page refresh runs under a time limit (PAGE_QUERY_SECONDS), its queries stopped in the
database (SQLite: the progress handler; PostgreSQL: statement_timeout), and a refresh stopped there says so on the
page ("narrow the period or the filters") instead of holding a server thread for as long as the store needs.

The limit is set tiny here so that the test is fast and the stop real: the store's own queries are interrupted."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from flask_caching import Cache

from core.i18n import WIT, t
from core.settings import Settings, SettingsError
from dashboard.app import create_app
from dashboard.cache import cache_config
from data_access.queries.cache import QueryCache
from layouts import briefing, explorer, opd, sla
from tests.support import NOW
from tests.support.dash_app import logged_in, post, texts, url

TODAY = NOW.astimezone(WIT).date()
TEN_YEARS = {"period": "custom", "start": (TODAY - timedelta(days=3659)).isoformat(), "end": TODAY.isoformat(),
             "opd": "PUPR,DINKES", "channel": "web,whatsapp"}
TINY = 0.002  # seconds: past after the first statement or two, long before any of these refreshes could finish


def app_with_limit(store, seconds: float | None):
    """The real app on ``store`` with PAGE_QUERY_SECONDS = ``seconds`` (the default when None)."""
    extra = {} if seconds is None else {"page_query_seconds": seconds}
    settings = Settings(database_url=url(store), boundaries_districts=None, **extra)
    cache = Cache(config=cache_config(settings))
    query_cache = QueryCache(settings, cache, clock=lambda: NOW)
    app = create_app(settings, query_cache=query_cache)
    cache.init_app(app.server)
    return app


# (refresh output, inputs, page status) for each page's refresh; the explorer's district panel is a refresh too
REFRESHES = {
    "briefing": (f"{briefing.PERIOD}.children", {f"{briefing.CONFIG}.data": {"lang": "id", "query": TEN_YEARS},
                                                  f"{briefing.INTERVAL}.n_intervals": 1}, briefing.STATUS),
    "opd index": (f"{opd.INDEX_TABLE}.children", {f"{opd.INDEX_CONFIG}.data": {"lang": "id", "query": TEN_YEARS}},
                  opd.INDEX_STATUS),
    "opd detail": (f"{opd.TILES}.children", {f"{opd.CONFIG}.data": {"lang": "id", "code": "PUPR", "query": TEN_YEARS},
                                             f"{opd.INTERVAL}.n_intervals": 1}, opd.STATUS),
    "sla": (f"{sla.HEATMAP}.figure", {f"{sla.CONFIG}.data": {"lang": "id", "query": TEN_YEARS},
                                      f"{sla.KIND}.value": "resolution", f"{sla.HOURS}.value": 24}, sla.STATUS),
    "explorer map": (f"{explorer.DISTRICTS}.hideout", {f"{explorer.CONFIG}.data": {"lang": "id", "query": TEN_YEARS},
                                                       f"{explorer.MEASURE}.value": "open"}, explorer.STATUS),
    "explorer panel": (f"{explorer.PANEL}.children", {f"{explorer.PICK}.value": "94.04.01",
                                                       f"{explorer.CONFIG}.data": {"lang": "id", "query": TEN_YEARS}},
                       explorer.PANEL),
}


def message_of(out: dict, status: str) -> str:
    return texts(out[status]["children"]) if status in out else ""


@pytest.mark.parametrize("name", REFRESHES)
def test_item9_a_refresh_past_its_time_limit_is_stopped_and_says_why(seeded, fresh_page_registry, name):
    """Ten years with filters under a 2 ms limit: the answer comes at once, with the Indonesian message that tells
    to narrow the period or the filters, and no figures (the page keeps what it showed)."""
    app = app_with_limit(seeded, TINY)
    output, inputs, status = REFRESHES[name]
    started = time.monotonic()
    out = post(app, output, inputs, client=logged_in(app))
    took = time.monotonic() - started
    said = message_of(out, status)
    assert said == t("page.timeout", "id"), out
    assert "persempit" in said
    if status != explorer.PANEL:  # the figures are left as they were, not emptied
        assert output.split(".")[0] not in out
    assert took < 5, took


def test_item9_the_store_answers_the_next_refresh_in_full(seeded, fresh_page_registry):
    """The limit belongs to the refresh, not to the connection: after one stopped on a tiny limit, the same store
    gives a refresh under the default limit its figures (no message)."""
    stopped = app_with_limit(seeded, TINY)
    output, inputs, status = REFRESHES["opd detail"]
    assert message_of(post(stopped, output, inputs, client=logged_in(stopped)), status) == t("page.timeout", "id")
    month = {**inputs, f"{opd.CONFIG}.data": {"lang": "id", "code": "PUPR", "query": {"period": "month"}}}
    app = app_with_limit(seeded, None)
    out = post(app, output, month, client=logged_in(app))
    assert message_of(out, status) == "" and output.split(".")[0] in out


def test_item9_the_limit_is_read_from_page_query_seconds(monkeypatch):
    """PAGE_QUERY_SECONDS sets the limit (default 8 s, the exports' budget); nonsense stops the start-up."""
    monkeypatch.delenv("PAGE_QUERY_SECONDS", raising=False)
    assert Settings.from_env().page_query_seconds == 8.0
    monkeypatch.setenv("PAGE_QUERY_SECONDS", "0.5")
    assert Settings.from_env().page_query_seconds == 0.5
    for bad in ("0", "-1", "nan", "inf", "ten"):
        monkeypatch.setenv("PAGE_QUERY_SECONDS", bad)
        with pytest.raises(SettingsError, match="PAGE_QUERY_SECONDS"):
            Settings.from_env()
