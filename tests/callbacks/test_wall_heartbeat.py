"""The stale banner at Mimika's real volume: a quiet night with a live heartbeat is calm, a dead feed is not.

Each test is run on SQLite and PostgreSQL (the seeded stores), through the wall's refresh endpoint and /healthz,
with the clock two hours past the newest report (stale_after: 30 minutes). The seeded store has the heartbeat
table (migration 0005); each test starts and ends with it empty.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from dashboard.worker import heartbeat_job
from data_access.queries.version import store_times
from data_access.store.engine import make_engine
from data_access.store.heartbeat import beat, heartbeat, last_beat
from layouts import wall
from tests.callbacks.test_wall_callbacks import _props, _url, tick
from tests.support import NOW
from tests.support.dash_app import get_app

QUIET = NOW + timedelta(hours=2)  # two hours without a report: "old" by the newest report alone


@pytest.fixture
def with_heartbeat(seeded):
    """The seeded store with its heartbeat table empty, and emptied again afterwards."""
    def empty() -> None:
        with seeded.begin() as conn:
            conn.execute(heartbeat.delete())

    empty()
    try:
        yield seeded
    finally:
        empty()
        seeded.dispose()


def _wall_and_health(engine):
    app, _ = get_app(_url(engine), clock=lambda: QUIET)
    props = _props(tick(app))
    health = app.server.test_client().get("/healthz").get_json()
    return props, health


def test_quiet_store_with_a_live_heartbeat_shows_no_banner(with_heartbeat):
    """No report for two hours but the worker beat a minute ago: no banner, the data time shows the newest report
    calmly, and /healthz says not stale, with the heartbeat's age."""
    assert beat(with_heartbeat, "worker", QUIET - timedelta(minutes=1)) is True
    props, health = _wall_and_health(with_heartbeat)
    assert props[wall.STALE]["hidden"] is True
    assert props[wall.STATE]["data"]["stale"] is None
    newest, _ = store_times(with_heartbeat)
    assert props[wall.DATA_TIME]["children"] == wall.data_time_text(newest, "id")
    assert health["stale"] is False and health["stale_reason"] is None
    assert health["store"]["heartbeat_age_seconds"] == 60.0


def test_dead_heartbeat_shows_the_banner(with_heartbeat):
    """The writers' last beat is 40 minutes old and no report came for two hours: the banner says the feed
    stopped, with the time of the last data; /healthz agrees."""
    beat(with_heartbeat, "worker", QUIET - timedelta(minutes=40))
    beat(with_heartbeat, "simulator", QUIET - timedelta(minutes=50))
    props, health = _wall_and_health(with_heartbeat)
    assert props[wall.STALE]["hidden"] is False
    assert props[wall.STATE]["data"]["stale"] == "pipeline"
    assert props[wall.STALE]["children"].startswith("⚠ Aliran data terhenti")
    assert "Data terakhir: " in props[wall.STALE]["children"]
    assert health["stale"] is True and health["stale_reason"] == "pipeline"


def test_no_beat_at_all_is_a_dead_feed(with_heartbeat):
    """A store with the table but no writer ever beating (no worker deployed): quiet means stale, as before."""
    props, health = _wall_and_health(with_heartbeat)
    assert props[wall.STATE]["data"]["stale"] == "pipeline"
    assert health["stale_reason"] == "pipeline"


def test_without_the_table_the_newest_report_decides(with_heartbeat):
    """A store not yet upgraded to 0005: beat() says False, the wall judges by the newest report alone ("old")."""
    heartbeat.drop(with_heartbeat)
    try:
        assert beat(with_heartbeat, "worker", QUIET) is False
        assert last_beat(with_heartbeat).known is False
        props, health = _wall_and_health(with_heartbeat)
        assert props[wall.STATE]["data"]["stale"] == "old"
        assert health["stale_reason"] == "old"
    finally:
        heartbeat.create(with_heartbeat)


def test_worker_job_beats_and_beats_replace(with_heartbeat):
    """The worker's heartbeat job writes its row; a later beat of the same writer replaces it (one row each)."""
    from core.settings import Settings

    heartbeat_job(Settings(database_url=_url(with_heartbeat))).run()
    beat(with_heartbeat, "simulator", QUIET)
    beat(with_heartbeat, "simulator", QUIET + timedelta(minutes=1))
    with with_heartbeat.connect() as conn:
        rows = dict(conn.execute(select(heartbeat.c.name, heartbeat.c.beat_at)).all())
    assert set(rows) == {"worker", "simulator"}
    assert rows["simulator"] == QUIET + timedelta(minutes=1)
    assert last_beat(with_heartbeat).at == max(rows.values())


def test_unreachable_store_shows_the_banner_despite_a_live_heartbeat(with_heartbeat, tmp_path):
    """The worker beat a minute ago, then the store goes out of reach: the banner says the data cannot be reached
    (a heartbeat never hides an unreachable store)."""
    beat(with_heartbeat, "worker", QUIET - timedelta(minutes=1))
    app, query_cache = get_app(_url(with_heartbeat), clock=lambda: QUIET)
    state = _props(tick(app))[wall.STATE]["data"]
    assert state["stale"] is None
    gone = (f"sqlite:///{tmp_path / 'gone.db'}" if with_heartbeat.dialect.name == "sqlite"
            else "postgresql://127.0.0.1:1/gone")
    query_cache.engine = make_engine(gone)  # the guard keeps its own engine: the screen stays logged in
    try:
        props = _props(tick(app, state=state, n=2))
    finally:
        query_cache.engine.dispose()
    assert props[wall.STATE]["data"]["stale"] == "unavailable"
    assert props[wall.STALE]["hidden"] is False
