"""Redis away: the app falls back to its in-process cache and lock, says so once, keeps serving; back: uses it."""

from __future__ import annotations

import json
import logging
import threading
import time
import uuid

import redis
from flask import Flask
from flask_caching import Cache

from core.settings import Settings
from dashboard.cache import cache_config
from data_access.queries import cache as qc
from data_access.queries.cache import QueryCache
from tests.faults.conftest import app_env, seed_store
from tests.support.services import Gunicorn, WallScreen, http_get, wait_for, wall_request


def _cache(tmp_path, redis_url: str) -> tuple[QueryCache, str]:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'none.db'}", redis_url=redis_url)
    config = cache_config(settings)
    prefix = f"mimika-fault-{uuid.uuid4().hex[:8]}:"
    config["CACHE_KEY_PREFIX"] = prefix
    return QueryCache(settings, Cache(Flask(__name__), config=config)), prefix


def _redis_keys(url: str, prefix: str) -> list[bytes]:
    return redis.Redis.from_url(url).keys(f"{prefix}*")


def test_query_cache_falls_back_while_redis_is_away(tmp_path, private_redis, caplog, monkeypatch):
    """Redis stopped: values are still cached (in-process), single flight still holds (in-process lock), one
    warning in the log however many look-ups; Redis started: the shared cache is used again, said once."""
    monkeypatch.setattr(qc, "REDIS_RETRY_SECONDS", 0.5)
    cache, prefix = _cache(tmp_path, private_redis.url)
    assert cache.memo(("k", 0), lambda: "shared") == "shared"
    assert _redis_keys(private_redis.url, prefix), "with Redis up the value lives in Redis"

    private_redis.stop()
    caplog.set_level(logging.WARNING, logger="data_access.queries.cache")
    runs = []

    def slow():
        runs.append(1)
        time.sleep(0.3)
        return {"open": 7}

    results = []
    threads = [threading.Thread(target=lambda: results.append(cache.memo(("k", 1), slow))) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert results == [{"open": 7}] * 20
    assert len(runs) == 1, "the in-process lock keeps single flight while Redis is away"
    for i in range(50):  # many look-ups, past several retry periods: still one warning
        assert cache.memo(("k", 1), slow) == {"open": 7}
        if i % 10 == 0:
            time.sleep(0.2)
    assert len(runs) == 1
    warnings = [r for r in caplog.records if "redis unavailable" in r.getMessage()]
    assert len(warnings) == 1, [r.getMessage() for r in caplog.records]
    assert cache.redis_available is False

    private_redis.start()
    time.sleep(0.6)  # one retry period
    assert cache.memo(("k", 2), lambda: "after") == "after"
    assert cache.redis_available is True
    assert any(b"m:" in key for key in _redis_keys(private_redis.url, prefix)), "back in Redis after the outage"
    assert [r.getMessage() for r in caplog.records if "redis is back" in r.getMessage()] != []
    assert len([r for r in caplog.records if "redis unavailable" in r.getMessage()]) == 1


def test_a_worker_that_fell_back_computes_into_redis_once_it_is_back(tmp_path, private_redis):
    """Two workers fell back; Redis returns and one of them (its /healthz) sees it: the other, asked for a value
    it must compute, asks Redis first and puts the value there at once — not into its own cache until its retry
    period is over (what made the gunicorn test below fail one run in five)."""
    first, prefix = _cache(tmp_path, private_redis.url)
    second = QueryCache(first.settings, first.cache)
    private_redis.stop()
    for cache in (first, second):
        assert cache.memo(("k", 1), lambda: "away") == "away"
        assert cache.redis_available is False
    private_redis.start()
    assert first.ping_redis() is True
    assert second.memo(("k", 2), lambda: "back") == "back"
    assert second.redis_available is True
    assert _redis_keys(private_redis.url, prefix), "computed after Redis returned: stored in Redis"
    assert first.memo(("k", 2), lambda: "again") == "back", "the other worker reads it from Redis"


def test_app_keeps_serving_while_redis_is_away(tmp_path, private_redis):
    """gunicorn with 2 workers and REDIS_URL: Redis stopped, the wall still gets new numbers and /healthz says
    "degraded" with 200; Redis started, /healthz is "ok" and the panels are cached in Redis again."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    cookie = seed_store(url)
    server = Gunicorn(app_env(url, private_redis.url), workers=2)
    try:
        request = wall_request(server.port, cookie)
        screen = WallScreen(server.port, cookie, request)
        wait_for(lambda: screen.tick().status == 200, 30, what="the wall's first numbers")
        client = redis.Redis.from_url(private_redis.url)
        assert client.keys("mimika:*"), "panels and queries cached in Redis"

        private_redis.stop()
        before = screen.state["version"]
        _write_report(url)
        wait_for(lambda: screen.tick().status == 200 and screen.state["version"] != before, 30, every=0.3,
                 what="new numbers with Redis away")
        assert screen.state["stale"] is None
        assert all(t.status in (200, 204) for t in screen.ticks), [(t.status, t.error) for t in screen.ticks]
        status, body = http_get(server.port, "/healthz")
        health = json.loads(body)
        assert status == 200 and health["status"] == "degraded" and health["cache"]["ok"] is False

        private_redis.start()
        wait_for(lambda: json.loads(http_get(server.port, "/healthz")[1])["status"] == "ok", 30,
                 what="healthz ok again")
        before = screen.state["version"]
        _write_report(url)
        wait_for(lambda: screen.tick().status == 200 and screen.state["version"] != before, 30, every=0.3,
                 what="new numbers with Redis back")
        wait_for(lambda: redis.Redis.from_url(private_redis.url).keys("mimika:*"), 10, what="Redis used again")
        log = server.log_text()
        # Each worker says it once (and once that it is back), not once per request.
        assert 1 <= log.count("redis unavailable") <= 2, log[-3000:]
        assert "Traceback" not in log, server.log_tail()
    finally:
        server.close()


def _write_report(url: str) -> None:
    from datetime import UTC, datetime

    from sqlalchemy.orm import Session

    from data_access.intake.writer import ReportWriter
    from data_access.rulebook.sla import WorkCalendar
    from data_access.store.engine import make_engine

    engine = make_engine(url)
    with Session(engine) as session, session.begin():
        ReportWriter(engine, WorkCalendar()).create(session, category_code="jalan", title="Jalan berlubang",
                                                    created_at=datetime.now(UTC), district_code="94.04.16")
    engine.dispose()
