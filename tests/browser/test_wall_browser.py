"""The wall in headless Chromium against the real app (a subprocess) on a freshly seeded SQLite store."""

from __future__ import annotations

import re
import shutil
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from core.formatting import fmt_int
from data_access.intake.writer import ReportWriter
from data_access.rulebook.sla import WorkCalendar
from data_access.store.engine import make_engine
from data_access.store.migrate import upgrade
from data_access.store.reference import load_reference
from data_access.store.schema import OPEN_STATUSES, Report, Reporter
from demo.seed import DemoConfig, seed_demo
from tests.browser.support import CHROMIUM, kiosk_path, serve_dashboard
from tests.support import OUTPUT

REFRESH_SECONDS = 2


@pytest.fixture(scope="module")
def server(store_file):
    """The dashboard in a subprocess, refreshing every 2 s."""
    WallPage.kiosk = kiosk_path(store_file, "browser-wall")  # a wall screen is a kiosk, not a person
    yield from serve_dashboard(store_file, REFRESH_SECONDS=str(REFRESH_SECONDS), STALE_AFTER_MINUTES="30")

WITHIN_MS = (REFRESH_SECONDS + 5) * 1000
SCREENSHOTS = OUTPUT / "screenshots"
PANELS = ("wall-panel-kpis", "wall-panel-map", "wall-panel-sla", "wall-panel-opd", "wall-panel-ticker",
          "wall-map", "wall-tilegrid", "wall-sla-overdue", "wall-sla-trend", "wall-opd-backlog", "wall-opd-flow",
          "wall-ticker", "wall-equity")
KPI_IDS = ("kpi-new-today", "kpi-open", "kpi-overdue-response", "kpi-overdue-resolution", "kpi-at-risk",
           "kpi-response-compliance", "kpi-median-response")
# Static files come from disk, not the store: they cannot carry personal data, and they are megabytes.
STATIC = re.compile(r"/_dash-component-suites/|/assets/|favicon")

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium")


@pytest.fixture(scope="module")
def store_file(tmp_path_factory) -> Path:
    """A fresh SQLite store with a month of demo reports ending now, plus one report made this minute."""
    path = tmp_path_factory.mktemp("wall-browser") / "mimika.db"
    engine = make_engine(f"sqlite:///{path}", create=True)
    upgrade(engine)
    load_reference(engine)
    now = datetime.now(timezone.utc)
    seed_demo(engine, WorkCalendar(), DemoConfig(seed=5, days=30, per_day=30.0, now=now - timedelta(minutes=1)))
    with Session(engine) as session, session.begin():  # so the wall starts fresh, not stale, at any hour
        ReportWriter(engine, WorkCalendar()).create(session, category_code="air_bersih", created_at=now,
                                                    title="Air PDAM tidak mengalir sejak pagi",
                                                    district_code="94.04.16")
    engine.dispose()
    return path


@pytest.fixture(scope="module")
def engine(store_file):
    eng = make_engine(f"sqlite:///{store_file}")
    yield eng
    eng.dispose()





def open_count(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Report).where(Report.status.in_(OPEN_STATUSES))
                            ).scalar_one()


class WallPage:
    """A wall in a browser tab that remembers console errors and every dynamic response body it received."""

    kiosk: str | None = None

    def __init__(self, browser, url: str, width: int, height: int) -> None:
        # Playwright's wait_for_function evals its predicate, which the pages' CSP forbids;
        # tests/browser/test_csp_browser.py checks the policy itself.
        self.page = browser.new_page(viewport={"width": width, "height": height}, bypass_csp=True)
        self.errors: list[str] = []
        self.responses = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("response", lambda r: self.responses.append(r) if not STATIC.search(r.url) else None)
        if self.kiosk:  # the screen's cookie first (the kiosk link), then the wall address under test
            self.page.goto(url.split("/", 3)[0] + "//" + url.split("/", 3)[2] + self.kiosk)
        self.page.goto(url)
        self.page.wait_for_function("document.querySelectorAll('#wall-tilegrid .wall-tile').length > 0",
                                    timeout=20_000)

    def text(self, element_id: str) -> str:
        return self.page.inner_text(f"#{element_id}")

    def wait_text(self, element_id: str, want: str, timeout: int = WITHIN_MS) -> None:
        self.page.wait_for_function("([id, want]) => (document.getElementById(id) || {}).innerText === want",
                                    arg=[element_id, want], timeout=timeout)

    def bodies(self) -> list[str]:
        out = []
        for response in self.responses:
            try:
                out.append(response.body().decode("utf-8", "replace"))
            except Exception:  # redirects and evicted bodies have none
                continue
        return out

    def close(self) -> None:
        self.page.close()


@pytest.mark.parametrize("width,height", [(1920, 1080), (3840, 2160)], ids=["1920", "3840"])
def test_wall_fills_the_screen_without_errors(browser, server, engine, width, height):
    """At full HD and 4K: no console errors, no scrollbars, every panel and KPI, 18 tiles, kpi-open = store count."""
    wall = WallPage(browser, server + "/", width, height)
    try:
        wall.wait_text("kpi-open", fmt_int(open_count(engine)))
        wall.page.wait_for_timeout(1500)  # charts and map settle
        sizes = wall.page.evaluate("[document.documentElement.scrollWidth, window.innerWidth, "
                                   "document.documentElement.scrollHeight, window.innerHeight]")
        assert sizes[0] <= sizes[1] and sizes[2] <= sizes[3], sizes
        for element_id in PANELS + KPI_IDS:
            box = wall.page.locator(f"#{element_id}").bounding_box()
            assert box and box["width"] > 0 and box["height"] > 0, element_id
            assert box["x"] >= 0 and box["y"] >= 0 and box["x"] + box["width"] <= width + 0.5 \
                and box["y"] + box["height"] <= height + 0.5, (element_id, box)
        assert wall.page.locator("#wall-tilegrid .wall-tile").count() == 19  # the 18 districts and "Tanpa lokasi"
        assert wall.page.locator("#wall-districts, #wall-map .leaflet-overlay-pane path").count() >= 18
        for kpi in KPI_IDS:
            assert re.fullmatch(r"[0-9.]+(,[0-9])?%?|–", wall.text(kpi)), (kpi, wall.text(kpi))
        assert wall.page.locator(".wall-graph .main-svg").count() >= 4
        assert wall.page.is_hidden("#wall-stale")
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        wall.page.screenshot(path=str(SCREENSHOTS / f"wall_{width}.png"))
        assert not wall.errors, wall.errors
    finally:
        wall.close()


def test_new_report_appears_and_store_loss_shows_stale(browser, server, engine, store_file):
    """A new report reaches the ticker and kpi-open within refresh + 5 s; moving the store away shows the stale
    banner, moving it back clears it; no reporter name or phone reaches the page."""
    wall = WallPage(browser, server + "/wall", 1920, 1080)
    try:
        wall.wait_text("kpi-open", fmt_int(open_count(engine)))
        # Five digits: a run of nine or more would be masked as a phone number on the wall (core/contact_masking.py).
        title = f"Uji dinding {int(time.time()) % 100_000}: lampu jalan padam"
        secret_name, secret_phone = "Yohana Rahasia Mote", "+62 811 4000 9911"
        writer = ReportWriter(engine, WorkCalendar())
        with Session(engine) as session, session.begin():
            writer.create(session, category_code="penerangan", title=title, created_at=datetime.now(timezone.utc),
                          channel="whatsapp", district_code="94.04.01", lat=-4.55, lon=136.88,
                          reporter=Reporter(name=secret_name, phone=secret_phone))
        wall.page.wait_for_function("t => document.getElementById('wall-ticker').innerText.includes(t)",
                                    arg=title[:40], timeout=WITHIN_MS)
        # Highlighted for its first minute (a class and a fading animation, started as far in as it is old).
        fresh = wall.page.locator("#wall-ticker li.ticker-new", has_text=title[:40])
        assert fresh.count() == 1
        assert fresh.evaluate("e => getComputedStyle(e).animationName") == "ticker-new"
        shown = fmt_int(open_count(engine))
        wall.wait_text("kpi-open", shown)

        # The WAL and shared-memory files stay: the server's open connections keep using them.
        moved = store_file.with_name("moved-away.db")
        shutil.move(store_file, moved)
        try:
            wall.page.wait_for_selector("#wall-stale", state="visible", timeout=WITHIN_MS)
            banner = wall.text("wall-stale")
            assert "tidak dapat diambil" in banner and "WIT" in banner
            assert wall.text("kpi-open") == shown  # the last numbers stay
        finally:
            shutil.move(moved, store_file)
        wall.page.wait_for_selector("#wall-stale", state="hidden", timeout=WITHIN_MS)

        bodies = "\n".join(wall.bodies())
        assert "kpi-open" in bodies  # the refresh responses were captured
        with engine.connect() as conn:
            people = conn.execute(select(Reporter.name, Reporter.phone)).all()
        assert (secret_name, secret_phone) in people
        leaked = [value for person in people for value in person if value and value in bodies]
        assert not leaked, leaked[:5]
        assert not wall.errors, wall.errors
    finally:
        wall.close()



def _rgb(hex_colour: str) -> str:
    h = hex_colour.lstrip("#")
    return "rgb({}, {}, {})".format(*(int(h[i:i + 2], 16) for i in (0, 2, 4)))


def _overlaps(boxes: list[dict]) -> list[tuple[dict, dict]]:
    return [(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1:]
            if a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]]


@pytest.mark.parametrize("width,height", [(1920, 1080), (3840, 2160)], ids=["1920", "3840"])
def test_every_mark_on_the_map_is_in_the_legend(browser, server, width, height):
    """Each district colour on the map is a legend swatch, the report clusters have their legend entry and never
    overlap, district names are on the map without overlapping, and the ◆ of remote tiles is explained."""
    from layouts import theme

    wall = WallPage(browser, server + "/wall", width, height)
    try:
        wall.page.wait_for_selector("#wall-legend .swatch-cluster", state="attached", timeout=WITHIN_MS * 2)
        wall.page.wait_for_selector("#wall-map .wall-cluster, #wall-map .leaflet-marker-pane .leaflet-interactive",
                                    timeout=WITHIN_MS)
        wall.page.wait_for_timeout(2500)  # the map is fitted, the clusters re-indexed and the names decluttered
        fills = set(wall.page.evaluate(
            "[...document.querySelectorAll('#wall-map .leaflet-overlay-pane path')].map(p => p.getAttribute('fill'))"))
        swatches = set(wall.page.evaluate(
            "[...document.querySelectorAll('#wall-legend .swatch:not(.swatch-nodata):not(.swatch-cluster)')]"
            ".map(s => getComputedStyle(s).backgroundColor)"))
        polygons = {f for f in fills if f.lower() not in (theme.NO_DATA.lower(), theme.POINT_COLOUR.lower())}
        assert polygons and {_rgb(f) for f in polygons} <= swatches, (fills, swatches)
        if theme.POINT_COLOUR.lower() in {f.lower() for f in fills}:  # single reports are orange dots
            assert wall.page.locator("#wall-legend .swatch-point").count() == 1
        if theme.NO_DATA.lower() in {f.lower() for f in fills}:
            assert wall.page.locator("#wall-legend .swatch-nodata").count() == 1
        legend = wall.text("wall-legend")
        assert "24 jam" in legend and "n laporan" in legend
        box = wall.page.locator("#wall-legend .swatch-cluster").bounding_box()
        assert box and box["width"] > 8 and box["height"] > 8, box
        clusters = wall.page.evaluate(
            "[...document.querySelectorAll('#wall-map .wall-cluster')].map(e => e.getBoundingClientRect())"
            ".map(r => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom}))")
        assert clusters and not _overlaps(clusters), clusters
        # Each district's name, or its number (keyed beside the map: tests/browser/test_wall_readable_browser.py)
        labels = wall.page.evaluate(
            "[...document.querySelectorAll('#wall-map .wall-district-label span')]"
            ".filter(e => getComputedStyle(e).visibility === 'visible').map(e => [e.textContent, (r => ({left: r.left,"
            " right: r.right, top: r.top, bottom: r.bottom}))(e.getBoundingClientRect())])")
        assert len(labels) == 18, labels
        assert not _overlaps([box for _, box in labels]), labels
        key = wall.text("wall-tiles-key")
        assert "◆" in key and "terpencil" in key
        assert wall.page.locator("#wall-tilegrid .tile-remote").first.inner_text() == "◆"
        sizes = wall.page.evaluate("[...document.querySelectorAll('#wall-tilegrid .tile-name')]"
                                   ".map(e => getComputedStyle(e).fontSize)")
        assert len(set(sizes)) == 1, sizes  # Tembagapura in the same size as every other name
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        wall.page.screenshot(path=str(SCREENSHOTS / f"wall_map_{width}.png"))
        assert not wall.errors, wall.errors
    finally:
        wall.close()


def test_a_tile_crossing_its_target_changes_state_in_words_not_colour_alone(browser, server, engine):
    """A target set in the store reaches the open wall at its next refresh: the response tile turns from on target
    to off, its line's mark from "✓" to "!", its edge dashed, and it plays the crossing animation."""
    from data_access.targets import clear_target, set_target

    tile, line = "#kpi-response-compliance-tile", "kpi-response-compliance-target"
    wall = WallPage(browser, server + "/wall", 1920, 1080)
    try:
        wall.wait_text("kpi-open", fmt_int(open_count(engine)))
        set_target(engine, "response_compliance_pct", 0, None, "test", datetime.now(timezone.utc))
        wall.page.wait_for_function("id => (document.getElementById(id) || {}).innerText === "
                                    "'✓ sasaran ≥ 0 %'", arg=line, timeout=WITHIN_MS)
        assert "kpi-on" in wall.page.get_attribute(tile, "class")
        set_target(engine, "response_compliance_pct", 100, None, "test", datetime.now(timezone.utc))
        wall.page.wait_for_function("id => ((document.getElementById(id) || {}).innerText || '').startsWith("
                                    "'! sasaran ≥ 100 %')", arg=line, timeout=WITHIN_MS)
        assert "kpi-off" in wall.page.get_attribute(tile, "class")
        style = wall.page.locator(tile).evaluate("e => [getComputedStyle(e).animationName, "
                                                 "getComputedStyle(e).borderTopStyle]")
        assert style == ["kpi-cross-off", "dashed"], style  # a shape (the dashed edge) and words, not colour alone
        assert not wall.errors, wall.errors
    finally:
        clear_target(engine, "response_compliance_pct", None)
        wall.close()
