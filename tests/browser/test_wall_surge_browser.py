"""The surge banner in headless Chromium: a 60-day demo store whose last 30 hours were simulated with a twentyfold
surge of clean-water reports in Mimika Baru, served for real; at full HD and 4K the banner shows in the header,
within the screen, with its mark and word, no smaller than the header's other text.

Twentyfold, not the eightfold of tests/callbacks/test_surge_alerts.py: this store ends at the wall clock, so its
last 24 hours fall on a different weekday and hour at every run, and an eightfold surge's day (some 14 reports
where about 2 are usual) misses the rule's bar one time in five or so; this test is about the banner, not the rule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from data_access.queries import surge_alerts
from data_access.rulebook.scope import Filters, Scope
from data_access.rulebook.sla import WorkCalendar
from data_access.store.engine import make_engine
from data_access.store.migrate import upgrade
from data_access.store.reference import load_reference
from demo.seed import DemoConfig, seed_demo
from demo.simulator import Simulator, parse_surge
from tests.browser.support import CHROMIUM, kiosk_path, serve_dashboard
from tests.browser.test_wall_browser import SCREENSHOTS, WallPage

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium")


@pytest.fixture(scope="module")
def store_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("wall-surge-browser") / "mimika.db"
    engine = make_engine(f"sqlite:///{path}", create=True)
    upgrade(engine)
    load_reference(engine)
    now = datetime.now(UTC)
    start = now - timedelta(hours=30)
    seed_demo(engine, WorkCalendar(), DemoConfig(seed=5, days=60, per_day=45.0, now=start, incidents=()))
    sim = Simulator(engine, WorkCalendar(), seed=4, start=start, surges=(parse_surge("Mimika Baru:air_bersih:20"),))
    sim.advance_to(now)
    alerts = surge_alerts(engine, Filters(), Scope.wall(), now)
    assert ("94.04.01", "air_bersih") in set(zip(alerts["district_code"], alerts["category_code"], strict=True))
    engine.dispose()
    return path


@pytest.fixture(scope="module")
def server(store_file):
    WallPage.kiosk = kiosk_path(store_file, "browser-wall-surge")
    yield from serve_dashboard(store_file, REFRESH_SECONDS="2", STALE_AFTER_MINUTES="30")


@pytest.mark.parametrize("width,height", [(1920, 1080), (3840, 2160)], ids=["1920", "3840"])
def test_surge_banner_shows_readably_in_the_header(browser, server, width, height):
    wall = WallPage(browser, server + "/", width, height)
    try:
        wall.page.wait_for_selector("#wall-surge", state="visible", timeout=20_000)
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        wall.page.screenshot(path=str(SCREENSHOTS / f"wall_surge_{width}.png"))
        text = wall.text("wall-surge")
        assert "▲" in text and "LONJAKAN" in text.upper() and "Mimika Baru" in text and "Air bersih" in text
        box = wall.page.locator("#wall-surge").bounding_box()
        header = wall.page.locator(".wall-header").bounding_box()
        assert box["x"] >= header["x"] and box["x"] + box["width"] <= header["x"] + header["width"] + 0.5
        assert box["y"] >= header["y"] - 0.5 and box["y"] + box["height"] <= header["y"] + header["height"] + 0.5
        sizes = wall.page.evaluate(
            "['.surge-item', '.surge-word', '.data-time'].map(s => parseFloat(getComputedStyle("
            "document.querySelector(s)).fontSize))")
        assert min(sizes[:2]) >= sizes[2], sizes
        # The item's text is whole: it may wrap onto a second line, but no line is clipped.
        fits = wall.page.evaluate("(() => { const e = document.querySelector('.surge-item'); "
                                  "return [e.scrollHeight, e.clientHeight, e.scrollWidth, e.clientWidth]; })()")
        assert fits[0] <= fits[1] + 1 and fits[2] <= fits[3] + 1, fits
        assert not wall.errors, wall.errors
    finally:
        wall.close()
