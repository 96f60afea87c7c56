"""A quiet night in Chromium: no report for three hours, but the pipeline beats — the wall stays calm.

The store has the heartbeat table (migration 0005, data_access/store/heartbeat.py); `serve`'s own
sweeper beats into it, as the worker does in production. The wall shows "Data terakhir: <time>" and no banner.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.formatting import fmt_when
from data_access.queries.version import store_times
from data_access.rulebook.sla import WorkCalendar
from data_access.store.engine import make_engine
from data_access.store.migrate import upgrade
from data_access.store.reference import load_reference
from demo.seed import DemoConfig, seed_demo
from tests.browser.support import CHROMIUM, kiosk_path, serve_dashboard
from tests.support import OUTPUT

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium")


@pytest.fixture(scope="module")
def quiet_store(tmp_path_factory) -> Path:
    """A month of demo reports ending three hours ago (the store has the heartbeat table, migration 0005)."""
    path = tmp_path_factory.mktemp("wall-quiet") / "mimika.db"
    engine = make_engine(f"sqlite:///{path}", create=True)
    upgrade(engine)
    load_reference(engine)
    seed_demo(engine, WorkCalendar(), DemoConfig(seed=7, days=30, per_day=30.0,
                                                 now=datetime.now(UTC) - timedelta(hours=3), with_events=False))
    engine.dispose()
    return path


@pytest.fixture(scope="module")
def quiet_server(quiet_store):
    yield from serve_dashboard(quiet_store, REFRESH_SECONDS="2", STALE_AFTER_MINUTES="30")


def test_quiet_store_with_a_live_pipeline_shows_the_data_time_calmly(browser, quiet_server, quiet_store):
    """Three hours without a report (stale_after 30 min): "Data terakhir: <newest report's time>" in the status
    line and the stale banner hidden, at 1920×1080."""
    engine = make_engine(f"sqlite:///{quiet_store}")
    try:
        newest, _ = store_times(engine)
    finally:
        engine.dispose()
    # Playwright's wait_for_function evals its predicate, which the pages' CSP forbids;
    # tests/browser/test_csp_browser.py checks the policy itself.
    page = browser.new_page(viewport={"width": 1920, "height": 1080}, bypass_csp=True)
    try:
        page.goto(quiet_server + kiosk_path(quiet_store, "browser-quiet"))
        page.wait_for_function("([want]) => (document.getElementById('wall-data-time') || {}).innerText === want",
                               arg=[fmt_when(newest, lang="id")], timeout=30_000)
        page.wait_for_timeout(5_000)  # two more refreshes: the banner would have come by now
        assert page.is_hidden("#wall-stale")
        assert page.inner_text(".data-time") == f"Data terakhir: {fmt_when(newest, lang='id')}"
        (OUTPUT / "screenshots").mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(OUTPUT / "screenshots" / "wall_quiet_1920.png"))
    finally:
        page.close()
