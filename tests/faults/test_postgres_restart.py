"""PostgreSQL stopped and started again under a polling wall: stale banner, last numbers kept, recovery at once."""

from __future__ import annotations

import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from tests.faults.conftest import app_env, seed_store
from tests.support.services import Gunicorn, WallScreen, http_get, wait_for, wall_request

SCREENS = 6


def _tick_all(screens: list[WallScreen]):
    with ThreadPoolExecutor(len(screens)) as pool:
        return list(pool.map(lambda s: s.tick(), screens))


def _health_by_worker(port: int, pids: list[int], rounds: int = 200) -> dict[int, int]:
    """/healthz on fresh connections, in parallel, until every worker answered (or ``rounds`` requests)."""
    seen: dict[int, int] = {}
    lock = threading.Lock()

    def one(_):
        status, body = http_get(port, "/healthz")
        with lock:
            pid = json.loads(body)["pid"]
            seen.setdefault(pid, status)
            if status != 200:
                seen[pid] = status
        return status

    statuses = []
    with ThreadPoolExecutor(8) as pool:
        for _ in range(rounds // 8):
            statuses += list(pool.map(one, range(8)))
            if set(pids) <= set(seen):
                break
    assert all(s == 200 for s in statuses), statuses
    return seen


def test_wall_survives_a_postgres_restart(private_postgres, private_redis):
    """Store stopped: every screen shows the stale banner and keeps its numbers (no 5xx), /healthz says 503;
    store back: each screen's first refresh recovers and every gunicorn worker answers again (pre-ping)."""
    cookie = seed_store(private_postgres.url)
    server = Gunicorn(app_env(private_postgres.url, private_redis.url), workers=2)
    try:
        request = wall_request(server.port, cookie)
        screens = [WallScreen(server.port, cookie, request) for _ in range(SCREENS)]
        # A screen that asks while another computes the panels gets 204 and asks again next tick (by design).
        wait_for(lambda: _tick_all(screens) and all(s.state and s.state.get("version") for s in screens), 60,
                 every=0.3, what="every screen showing numbers")
        assert all(t.status in (200, 204) for s in screens for t in s.ticks), [
            (t.status, t.error) for s in screens for t in s.ticks if t.status not in (200, 204)]
        good = {id(s): s.state["version"] for s in screens}
        workers = server.worker_pids()
        _health_by_worker(server.port, workers)  # every worker has its pool open before the outage

        private_postgres.stop()
        outage = [_tick_all(screens) for _ in range(3)]
        for round_ in outage:
            assert all(t.status in (200, 204) for t in round_), [(t.status, t.error) for t in round_]
        for screen in screens:
            assert screen.state["stale"] == "unavailable"
            assert screen.state["version"] == good[id(screen)]  # the last good numbers stay on the screen
        banners = [t for t in outage[0] if t.status == 200]
        assert banners and not any(t.kpis for t in banners), "an outage must not send numbers"
        status, body = http_get(server.port, "/healthz")
        assert status == 503 and json.loads(body)["status"] == "unavailable"

        private_postgres.start()
        back = _tick_all(screens)
        assert all(t.status == 200 and t.stale is None for t in back), [(t.status, t.stale, t.error) for t in back]
        seen = _health_by_worker(server.port, workers)
        assert set(workers) <= set(seen), f"workers that never answered after the restart: {set(workers) - set(seen)}"
        assert server.worker_pids() == workers  # nobody had to be restarted to recover

        log = server.log_text()
        assert "Traceback" not in log, server.log_tail()
        # A new report after the restart reaches every screen: the store is really used again, not a cache.
        from datetime import UTC, datetime

        from sqlalchemy.orm import Session

        from data_access.intake.writer import ReportWriter
        from data_access.rulebook.sla import WorkCalendar
        from data_access.store.engine import make_engine

        engine = make_engine(private_postgres.url)
        with Session(engine) as session, session.begin():
            ReportWriter(engine, WorkCalendar()).create(session, category_code="jalan", title="Jalan rusak",
                                                        created_at=datetime.now(UTC), district_code="94.04.16")
        engine.dispose()

        def all_current() -> bool:
            _tick_all(screens)
            time.sleep(0.3)
            return all(s.state["version"] != good[id(s)] and s.state["stale"] is None for s in screens)

        wait_for(all_current, 30, every=0, what="the new report on every screen")
    finally:
        server.close()
