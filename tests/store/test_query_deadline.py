"""query_deadline: the database itself stops a query that runs past its caller's deadline (SQLite and PostgreSQL)."""

from __future__ import annotations

import time

import pytest
from flask_caching import Cache
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from core.settings import Settings
from dashboard.cache import cache_config
from data_access.queries.cache import QueryCache
from data_access.rulebook.scope import Filters, Scope
from data_access.store.engine import QueryTimeout, deadline_passed, query_deadline
from tests.support import NOW


def slow_sql(engine) -> str:
    """A query that takes far longer than any deadline below (minutes), touching no table."""
    if engine.dialect.name == "postgresql":
        # pg_sleep answers a cancel at once; a generate_series count first fills a tuplestore on disk and was seen
        # taking 5 s to notice the timeout on a loaded machine
        return "SELECT pg_sleep(600)"
    return ("WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000000000) "
            "SELECT count(*) FROM n")


def run_slow(engine, *_args):
    with engine.connect() as conn:
        return conn.execute(text(slow_sql(engine))).scalar_one()


def test_a_query_past_its_deadline_is_stopped_by_the_database(empty_store):
    """Inside query_deadline(0.3) a minutes-long query fails within about the deadline; the same engine then
    answers as usual outside the block (a pooled connection keeps no limit)."""
    started = time.monotonic()
    # SQLite's progress handler: "interrupted"; PostgreSQL: "canceling statement due to statement timeout".
    with pytest.raises(OperationalError, match="interrupted|statement timeout"), query_deadline(0.3):
        run_slow(empty_store)
    assert 0.25 <= time.monotonic() - started < 5  # it ran until the deadline (0.3 s), not failing at once
    assert not deadline_passed()
    with empty_store.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM report")).scalar_one() == 0


def test_the_query_cache_says_timeout_not_store_unavailable(empty_store):
    """A query stopped at its deadline reaches the caller as QueryTimeout (the store is fine) and caches nothing."""
    url = empty_store.url.render_as_string(hide_password=False)
    settings = Settings(database_url=url, boundaries_districts=None)
    cache = Cache(config=cache_config(settings))
    from flask import Flask

    cache.init_app(Flask(__name__))
    query_cache = QueryCache(settings, cache, clock=lambda: NOW)
    try:
        with pytest.raises(QueryTimeout), query_deadline(0.3):
            query_cache.query(run_slow, Filters(), Scope.wall(), "v1", NOW)
        assert query_cache.query_count == 0
    finally:
        query_cache.engine.dispose()


def test_item9_many_short_statements_past_the_deadline_are_stopped_too(empty_store):
    """A query made of many short statements (one per day of ten years) is stopped at the deadline as well: a
    statement is not started once the deadline passed. SQLite's progress handler never meets a statement that
    short, and PostgreSQL's timeout (at least 1 ms) lets it finish."""
    started = time.monotonic()
    ran = 0
    with pytest.raises(OperationalError, match="interrupted"), query_deadline(0.3), empty_store.connect() as conn:
        while time.monotonic() - started < 10:
            conn.execute(text("SELECT 1")).scalar_one()
            ran += 1
            time.sleep(0.01)  # the Python work between two statements: most of such a query's time
    # Statements ran until the deadline (a handful at least, however loaded the machine), then none was started.
    assert 0.25 <= time.monotonic() - started < 3 and ran >= 3
    with empty_store.connect() as conn:  # the connection and the pool are fine afterwards
        assert conn.execute(text("SELECT count(*) FROM report")).scalar_one() == 0
