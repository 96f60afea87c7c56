"""Fault tests: the app under gunicorn against PostgreSQL and Redis servers these tests own and stop themselves.

They never stop the shared PostgreSQL (5432) or Redis (6379): each test starts a private cluster or redis-server
on a free port (tests/support/services.py) and removes it afterwards.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from data_access.accounts import KIOSKS
from data_access.rulebook.sla import WorkCalendar
from data_access.store.engine import make_engine
from data_access.store.migrate import upgrade
from data_access.store.reference import load_reference
from demo.seed import DemoConfig, seed_demo
from tests.support.services import PrivatePostgres, PrivateRedis, postgres_missing

KIOSK_COOKIE = "mimika_kiosk"


def seed_store(url: str, *, days: int = 20, per_day: float = 15.0) -> str:
    """A migrated store with demo reports up to a minute ago; returns a kiosk cookie for wall screens."""
    engine = make_engine(url, create=True)
    try:
        upgrade(engine)
        load_reference(engine)
        seed_demo(engine, WorkCalendar(), DemoConfig(seed=5, days=days, per_day=per_day,
                                                     now=datetime.now(UTC) - timedelta(minutes=1),
                                                     with_events=False))
        return f"{KIOSK_COOKIE}={KIOSKS.add(engine, 'fault-wall')}"
    finally:
        engine.dispose()


@pytest.fixture
def private_postgres():
    reason = postgres_missing()
    if reason:
        pytest.skip(reason)
    server = PrivatePostgres()
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def private_redis():
    server = PrivateRedis()
    try:
        yield server
    finally:
        server.close()


def app_env(database_url: str, redis_url: str | None = None, **extra: str) -> dict:
    """What the server processes get: the store, the cache, and a wall that is not stale for an hour."""
    env = {"DATABASE_URL": database_url, "STALE_AFTER_MINUTES": "600", "REFRESH_SECONDS": "2", "LOG_LEVEL": "INFO",
           "REDIS_URL": redis_url or ""}
    env.update(extra)
    return env
