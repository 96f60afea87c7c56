"""A citizen's loop in headless Chromium against the real app: the report form walked with the keyboard alone (Tab,
typing, arrow keys, Enter), its token followed on /publik/lacak, and /publik, /publik/lapor and /publik/lacak
looked at on a desktop and a 390 × 844 phone (screenshots in test-output/screenshots/)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser.support import CHROMIUM, seeded_store_file, serve_dashboard
from tests.support import OUTPUT

SCREENSHOTS = OUTPUT / "screenshots"
PHONE_TYPED = "0812 7777 3333"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium")


@pytest.fixture(scope="module")
def store_file(tmp_path_factory) -> Path:
    return seeded_store_file(tmp_path_factory.mktemp("citizen-browser"), seed=8, days=370, per_day=2.0)


@pytest.fixture(scope="module")
def server(store_file):
    yield from serve_dashboard(store_file)


def tab_to(page, element_id: str, limit: int = 40) -> int:
    """Press Tab until the element with ``element_id`` has the focus; how many presses it took."""
    for presses in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == element_id:
            return presses
    pytest.fail(f"#{element_id} never got the focus in {limit} presses of Tab")


def focus_outline(page) -> str:
    return page.evaluate("getComputedStyle(document.activeElement).outlineStyle")


def test_a_report_filed_by_keyboard_alone_is_then_found_by_its_token(browser, server):
    ctx = browser.new_context(viewport={"width": 1920, "height": 1080})
    try:
        page = ctx.new_page()
        errors = []
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(server + "/publik")
        # From /publik to the form by keyboard: its "Laporkan masalah" link.
        for _ in range(30):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.getAttribute('href')") == "/publik/lapor":
                break
        else:
            pytest.fail("the link to /publik/lapor was not reached with Tab")
        assert focus_outline(page) == "solid"  # the focus is visible
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert page.url.endswith("/publik/lapor")

        tab_to(page, "category")
        page.keyboard.press("ArrowDown")  # the first kind of problem
        assert page.evaluate("document.getElementById('category').value") != ""
        page.keyboard.press("Tab")
        page.keyboard.type(f"Lampu jalan padam di depan sekolah, telepon saya {PHONE_TYPED}")
        page.keyboard.press("Tab")
        page.keyboard.press("ArrowDown")  # the first district
        assert page.evaluate("document.getElementById('district').value") != ""
        page.keyboard.press("Tab")
        page.keyboard.type("Jl. Budi Utomo dekat SD Inpres")
        tab_to(page, "name")
        page.keyboard.type("Yosina Warip")
        page.keyboard.press("Tab")
        page.keyboard.type(PHONE_TYPED)
        tab_to(page, "anonymous")
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.type") == "submit" and focus_outline(page) == "solid"
        with page.expect_navigation():
            page.keyboard.press("Enter")
        token = page.locator("#filed-token").inner_text().strip()
        assert len(token) >= 20 and page.locator("h1").inner_text() == "Laporan terkirim"

        # The filed page's own link, by keyboard, and then the look-up form by keyboard as a returning citizen.
        for _ in range(20):
            page.keyboard.press("Tab")
            if page.evaluate("document.activeElement.classList.contains('action')"):
                break
        with page.expect_navigation():
            page.keyboard.press("Enter")
        assert "Baru" in page.locator("#hasil").inner_text()
        page.goto(server + "/publik/lacak")
        tab_to(page, "token")
        page.keyboard.type(token)
        with page.expect_navigation():
            page.keyboard.press("Enter")
        found = page.locator("#hasil").inner_text()
        assert "Lampu jalan padam di depan sekolah" in found and "Belum: batas waktu belum lewat" in found
        body = page.locator("body").inner_text()
        for personal in ("Yosina", "Warip", "7777", "3333"):
            assert personal not in body, personal
        assert not errors, errors
    finally:
        ctx.close()


@pytest.mark.parametrize(("width", "height", "suffix"), [(1920, 1080, "1920"), (390, 844, "phone")])
def test_the_citizen_pages_fit_a_desktop_and_a_phone(browser, server, width, height, suffix):
    """Nothing runs off the side; on the phone the trend chart drawn for phones is the one shown, and no y-axis
    label is cut at the left edge; the page's sections are one link away."""
    ctx = browser.new_context(viewport={"width": width, "height": height}, device_scale_factor=1)
    try:
        page = ctx.new_page()
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.goto(server + "/publik/lapor")
        page.fill("#description", "Air bersih tidak mengalir tiga hari")
        page.select_option("#category", index=1)
        page.select_option("#district", index=1)
        with page.expect_navigation():
            page.click("button[type=submit]")
        token = page.locator("#filed-token").inner_text().strip()
        for path, name in (("/publik", "publik"), ("/publik/lapor", "publik_lapor"),
                           (f"/publik/lacak?token={token}", "publik_lacak")):
            assert page.goto(server + path).status == 200, path
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{path}: {overflow}px run off the side at {width}px"
            page.screenshot(path=str(SCREENSHOTS / f"citizen_{name}_{suffix}.png"), full_page=True)
        page.goto(server + "/publik")
        shown = page.locator("svg.trend.narrow" if width < 700 else "svg.trend.wide")
        hidden = page.locator("svg.trend.wide" if width < 700 else "svg.trend.narrow")
        assert shown.is_visible() and not hidden.is_visible()
        cut = shown.evaluate("svg => [...svg.querySelectorAll('text[text-anchor=end]')]"
                             ".filter(t => t.getBBox().x < 0).map(t => t.textContent)")
        assert cut == [], cut
        labels = shown.evaluate("svg => [...svg.querySelectorAll('text[text-anchor=end]')].map(t => t.textContent)")
        assert labels[0] == "0" and len(labels) >= 3
        page.click("nav.toc a[href='#distrik']")
        assert page.evaluate("location.hash") == "#distrik"
    finally:
        ctx.close()
