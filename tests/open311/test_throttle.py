"""POSTs are bounded: a source past its per-minute limit, or an address guessing keys, gets the spec's error with
429 and Retry-After, and nothing is written; the counts are shared across workers through Redis and kept in the
process while Redis is away. Paths with ``..`` under /open311/ are refused in the spec's format too."""

from __future__ import annotations

import time
from types import SimpleNamespace

import dash
import pytest
from flask_caching import Cache
from sqlalchemy import func, select

from core.rate_limit import RateLimiter
from core.settings import Settings
from dashboard.app import create_app
from dashboard.cache import cache_config
from data_access.intake import api_keys
from data_access.queries.cache import QueryCache
from data_access.store.schema import Report
from tests.open311.conftest import BASE, assert_error, release
from tests.open311.test_post import citizen
from tests.support import NOW
from tests.support.dash_app import url
from tests.support.services import PrivateRedis

LIMIT = 5


@pytest.fixture
def strict_center(empty_store):
    engine = empty_store
    settings = Settings(database_url=url(engine), boundaries_districts=None, open311_posts_per_minute=LIMIT)
    cache = Cache(config=cache_config(settings))
    dash.page_registry.clear()
    app = create_app(settings, query_cache=QueryCache(settings, cache, clock=lambda: NOW))
    cache.init_app(app.server)
    yield app, engine
    dash.page_registry.clear()
    release(app, engine)


def reports(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Report)).scalar_one()


def test_a_source_past_its_limit_gets_429_and_writes_nothing(strict_center, monkeypatch):
    app, engine = strict_center
    client = app.server.test_client()
    key, other = api_keys.API_KEYS.add(engine, "sms-gateway"), api_keys.API_KEYS.add(engine, "wa-gateway")
    # The limiter's clock stands still 20 s into a minute: no minute's edge can open a fresh window mid-test.
    frozen = SimpleNamespace(time=lambda: 1_800_000_000.0 + 20, monotonic=time.monotonic)
    monkeypatch.setattr("core.rate_limit.time", frozen)
    statuses = [client.post(f"{BASE}/requests.json", data={"api_key": key, **citizen()}).status_code
                for _ in range(LIMIT + 1)]
    assert statuses == [200] * LIMIT + [429], statuses
    assert reports(engine) == LIMIT
    refused = client.post(f"{BASE}/requests.xml", data={"api_key": key, **citizen()})
    assert "sms-gateway" in assert_error(refused, 429, "xml")
    assert int(refused.headers["Retry-After"]) == 40  # the rest of the minute
    assert reports(engine) == LIMIT
    # Another source has its own window.
    assert client.post(f"{BASE}/requests.json", data={"api_key": other, **citizen()}).status_code == 200


def test_an_address_guessing_keys_is_stopped_even_with_a_right_key_afterwards(strict_center):
    app, engine = strict_center
    client = app.server.test_client()
    key = api_keys.API_KEYS.add(engine, "app-warga")
    for attempt in range(20):
        assert_error(client.post(f"{BASE}/requests.json", data={"api_key": f"m311_guess{attempt}", **citizen()}),
                     403)
    refused = client.post(f"{BASE}/requests.json", data={"api_key": key, **citizen()})
    assert "wrong api_key" in assert_error(refused, 429)
    assert int(refused.headers["Retry-After"]) == 900
    assert reports(engine) == 0
    # The reads stay open: throttling is for writes.
    assert client.get(f"{BASE}/services.json").status_code == 200


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_dot_dot_paths_under_open311_get_the_spec_error(strict_center, fmt):
    app, _ = strict_center
    client = app.server.test_client()
    for path in (f"{BASE}/../v2/requests.{fmt}", f"{BASE}/requests/..%2F1.{fmt}"):
        assert "bad path" in assert_error(client.get(path), 400, fmt)


def test_the_count_is_shared_through_redis_and_local_while_it_is_away(caplog):
    redis_server = PrivateRedis()
    try:
        worker_a, worker_b = RateLimiter(redis_server.url), RateLimiter(redis_server.url)
        at = 1_800_000_000.0  # the start of a minute: both hits fall in one window
        assert worker_a.hit("post:sms", 60, now=at)[0] == 1
        assert worker_b.hit("post:sms", 60, now=at + 1)[0] == 2
        assert worker_a.count("post:sms", 60, now=at + 2) == 2
        assert worker_a.hit("post:sms", 60, now=at + 60)[0] == 1  # the next window starts again
        redis_server.stop()
        with caplog.at_level("WARNING", logger="core.rate_limit"):
            assert worker_a.hit("post:sms", 60, now=at + 120)[0] == 1
            assert worker_a.hit("post:sms", 60, now=at + 121)[0] == 2
        assert sum("redis unavailable" in r.getMessage() for r in caplog.records) == 1
    finally:
        redis_server.close()


def test_local_counts_stay_bounded():
    limiter = RateLimiter(None, max_keys=100)
    for n in range(1000):
        limiter.hit(f"badkey:10.0.0.{n}", 900, now=1_800_000_000.0 + n)
    assert len(limiter._local) <= 100
