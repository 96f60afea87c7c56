"""Logins, an OPD head's own pages and a wall kiosk, in headless Chromium against the real app (a subprocess)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from data_access import accounts
from data_access.store.engine import make_engine
from data_access.store.schema import Report
from tests.browser.support import CHROMIUM, account, log_in, seeded_store_file, serve_dashboard
from tests.support import OUTPUT

SCREENSHOTS = OUTPUT / "screenshots"
DOWNLOADS = OUTPUT / "downloads"
REFRESH_SECONDS = 2

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium")


@pytest.fixture(scope="module")
def store_file(tmp_path_factory) -> Path:
    return seeded_store_file(tmp_path_factory.mktemp("access-browser"), seed=5, days=60)


@pytest.fixture(scope="module")
def server(store_file):
    yield from serve_dashboard(store_file, REFRESH_SECONDS=str(REFRESH_SECONDS))


@pytest.fixture
def context(browser):
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080}, accept_downloads=True, bypass_csp=True)
    yield ctx
    ctx.close()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))


def test_login_and_logout(context, server, store_file):
    """The plain form logs a pimpinan in (landing on the briefing); a GET of /logout only shows its form; the
    navigation's "Keluar" (a POST with the session's token) ends the session: the next page asks for a login, and
    so does a copy of the old session cookie (issue #23 item 6)."""
    page = context.new_page()
    page.goto(server + "/briefing")
    assert "/login" in page.url
    shot(page, "login_1920")
    name, password = account(store_file, "pimpinan")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", "salah-sekali")
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "salah" in page.inner_text(".error")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.wait_for_selector("#briefing-league-table tbody tr", timeout=20_000)
    assert urlsplit(page.url).path == "/briefing", page.url  # not merely "/briefing" somewhere, as in ?next=
    session_cookie = next(c for c in context.cookies() if c["name"] == "mimika_session")
    page.goto(server + "/logout")  # a link cannot log anyone out: the page asks with a form
    assert page.locator("form[action='/logout'] button[type=submit]").count() == 1
    page.goto(server + "/sla")
    page.wait_for_selector("#nav-logout", timeout=20_000)
    assert "/login" not in page.url
    with page.expect_navigation():
        page.click("#nav-logout")
    assert "/login" in page.url
    page.goto(server + "/sla")
    assert "/login" in page.url
    context.add_cookies([session_cookie])  # the cookie as it was before the logout, copied back
    page.goto(server + "/briefing")
    assert "/login" in page.url


def test_opd_head_sees_only_their_opd(context, server, store_file):
    """An OPD head (PUPR) lands on /opd/PUPR; another OPD's page says "bukan OPD Anda"; the CSV holds only
    PUPR's reports; the wall counts only PUPR's open reports."""
    page = context.new_page()
    log_in(page, server, *account(store_file, "opd", ("PUPR",)))
    assert page.url.endswith("/opd/PUPR")
    page.wait_for_selector("#opd-grid .ag-row", timeout=20_000)
    page.wait_for_timeout(800)
    shot(page, "opd_head_pupr_1920")
    with page.expect_download(timeout=30_000) as info:
        page.click("#opd-export-csv")
    DOWNLOADS.mkdir(parents=True, exist_ok=True)
    target = DOWNLOADS / "opd_head_pupr.csv"
    info.value.save_as(str(target))
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    ids = [int(next(iter(row.values()))) for row in rows]  # the first column is the report number
    engine = make_engine(f"sqlite:///{store_file}")
    with engine.connect() as conn:
        holders = set(conn.execute(select(Report.opd_code).where(Report.id.in_(ids))).scalars()) if ids else set()
        pupr_open = conn.execute(select(Report.id).where(Report.opd_code == "PUPR", Report.status.in_(
            ("baru", "diverifikasi", "didisposisikan", "diproses", "ditunda")))).all()
    engine.dispose()
    assert holders <= {"PUPR"}
    page.goto(server + "/opd/DINKES")
    page.wait_for_selector("#opd-not-yours", timeout=20_000)
    assert "Bukan OPD Anda" in page.inner_text("#opd-not-yours")
    assert page.locator("#opd-grid").count() == 0
    shot(page, "opd_head_not_yours_1920")
    page.goto(server + "/wall")
    page.wait_for_function("/[0-9]/.test((document.getElementById('kpi-open') || {}).innerText || '')",
                           timeout=20_000)
    assert page.inner_text("#kpi-open").replace(".", "").strip() == str(len(pupr_open))
    shot(page, "opd_head_wall_1920")


def test_kiosk_opens_the_wall_only_and_says_when_revoked(context, server, store_file):
    """A kiosk link opens the wall; /briefing sends it back to the wall; after `kiosk revoke` the next refresh
    shows "akses dicabut" (no blank screen, no error page)."""
    engine = make_engine(f"sqlite:///{store_file}")
    token = accounts.KIOSKS.add(engine, "browser-kiosk")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(f"{server}/wall?kiosk={token}")
    assert "kiosk=" not in page.url
    page.wait_for_function("document.querySelectorAll('#wall-tilegrid .wall-tile').length > 0", timeout=20_000)
    page.goto(server + "/briefing")
    assert page.url.rstrip("/").endswith("/wall")
    page.wait_for_function("document.querySelectorAll('#wall-tilegrid .wall-tile').length > 0", timeout=20_000)
    accounts.KIOSKS.revoke(engine, "browser-kiosk")
    engine.dispose()
    page.wait_for_function("(document.getElementById('wall-stale') || {}).innerText && "
                           "document.getElementById('wall-stale').innerText.includes('Akses dicabut')",
                           timeout=(REFRESH_SECONDS + 3) * 1000)
    shot(page, "kiosk_revoked_1920")
    assert page.locator("#wall-tilegrid").count() == 1  # the wall stays, it does not go blank
    assert not errors, errors


@pytest.mark.parametrize(("width", "height", "name"), [(1920, 1080, "publik_1920"), (390, 844, "publik_phone")])
def test_public_page_without_login_on_desktop_and_phone(browser, server, width, height, name):
    """/publik opens without logging in, in Indonesian; on a 390 px phone nothing runs off the side (tables turn
    into one card per row), and the open-data links answer."""
    ctx = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1, bypass_csp=True)
    try:
        page = ctx.new_page()
        response = page.goto(server + "/publik")
        assert response.status == 200 and page.url.endswith("/publik")
        assert page.locator("h1").inner_text().startswith("Data publik")
        assert page.locator("table").count() >= 3 and page.locator("#ringkasan .tile").count() == 4
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"{overflow}px run off the side at {width}px"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
        for link in ("/publik/data.csv", "/publik/data.json"):
            assert page.request.get(server + link).status == 200
        page.click("text=English")
        assert page.locator("h1").inner_text().startswith("Public data")
    finally:
        ctx.close()


def test_operator_sees_one_reporter_once_without_a_render_loop(context, server, store_file):
    """An operator opens a report with a named reporter: the contact shows, the page renders once (no React error
    re-mounting it, which re-ran the routing callback ~13 times a second and logged a view each time), and one
    access-log row records the view."""
    from data_access.store.schema import AccessLog, Reporter

    engine = make_engine(f"sqlite:///{store_file}")
    with engine.connect() as conn:
        report_id = conn.execute(select(Report.id).join(Reporter, Reporter.id == Report.reporter_id).where(
            Report.anonymous.is_(False), Reporter.name.is_not(None)).order_by(Report.id).limit(1)).scalar_one()
    page = context.new_page()
    log_in(page, server, *account(store_file, "operator"))
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    calls: list[str] = []  # the outputs of each callback request the report page makes
    # By its referrer (the app's policy is same-origin): the wall the log-in lands on may still send its first
    # refresh while the report page is being opened.
    page.on("request", lambda r: calls.append(r.post_data_json["output"])
            if "_dash-update-component" in r.url and f"/report/{report_id}" in r.headers.get("referer", "")
            else None)
    with engine.connect() as conn:
        before = conn.execute(select(AccessLog.id).where(AccessLog.action == "personal_view",
                                                         AccessLog.target == f"report:{report_id}")).all()
    page.goto(f"{server}/report/{report_id}")
    page.wait_for_selector("#report-field-reporter_name", timeout=20_000)
    page.wait_for_timeout(2500)
    with engine.connect() as conn:
        after = conn.execute(select(AccessLog.id).where(AccessLog.action == "personal_view",
                                                        AccessLog.target == f"report:{report_id}")).all()
    engine.dispose()
    assert not errors, errors[:3]
    # The report's body (which logs the view) runs once. Dash's own page router may see the location twice while the
    # first answer is slow (a loaded machine), never more: a render loop ran it about 13 times a second.
    assert calls.count("report-body.children") == 1, calls
    routing = [c for c in calls if "_pages_content.children" in c]
    assert 1 <= len(routing) <= 2 and len(calls) == len(routing) + 1, calls
    assert len(after) - len(before) == 1
