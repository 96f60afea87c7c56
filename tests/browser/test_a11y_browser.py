"""WCAG 2.2 AA on the pages people read (issue #26 item 4): axe-core finds no serious or critical violation in
Indonesian and English, each page declares its language, and the keyboard reaches every control with a visible
focus. One server and one browser for every page; axe-core comes from the npm registry (`make browser`)."""

from __future__ import annotations

import shutil
import subprocess
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sqlalchemy import select

from data_access.store.engine import make_engine
from data_access.store.schema import Report
from tests.browser.support import CHROMIUM, account, log_in, seeded_store_file, serve_dashboard
from tests.support import REPO

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium")

# Pinned: a new axe release adds rules, and a page should not start failing without a change of ours.
# The Makefile's `browser` target installs the same version.
AXE_VERSION = "4.14.1"
AXE_PREFIX = REPO / ".cache" / "axe"
AXE_SCRIPT = AXE_PREFIX / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
BLOCKING = ("serious", "critical")

# Every page the issue names. "{report}" is a report of the store. /publik/lacak and /publik/lapor come with the
# citizen pages; a path the app does not serve yet (404) is skipped rather than failed.
PAGES = ["/login", "/publik", "/publik/lacak", "/publik/lapor", "/briefing", "/opd/PUPR", "/sla", "/explorer",
         "/report/{report}"]
# What each page shows once it has drawn (its data arrives by callback after the first paint).
READY = {"/briefing": "#briefing-league-table tbody tr", "/opd/PUPR": "#opd-grid .ag-row",
         "/sla": "#sla-heatmap .main-svg", "/explorer": "#explorer-legend .legend-item",
         "/report/{report}": "#report-timeline li"}


def axe_script() -> Path:
    """axe.min.js, installed by `make browser`; a targeted run installs it here the same way."""
    if not AXE_SCRIPT.exists() or f"axe v{AXE_VERSION}" not in AXE_SCRIPT.read_text()[:100]:
        npm = shutil.which("npm")
        if npm is None:
            pytest.skip("npm is missing: axe-core cannot be installed")
        subprocess.run([npm, "install", "--no-save", "--no-audit", "--no-fund", "--prefix", str(AXE_PREFIX),
                        f"axe-core@{AXE_VERSION}"], check=True, capture_output=True, timeout=180)
    return AXE_SCRIPT


@pytest.fixture(scope="module")
def store_file(tmp_path_factory) -> Path:
    return seeded_store_file(tmp_path_factory.mktemp("a11y-browser"), seed=11, days=30, per_day=15.0)


@pytest.fixture(scope="module")
def report_id(store_file) -> int:
    engine = make_engine(f"sqlite:///{store_file}")
    try:
        with engine.connect() as conn:
            return conn.execute(select(Report.id).where(Report.opd_code == "PUPR").order_by(Report.id)).scalar()
    finally:
        engine.dispose()


@pytest.fixture(scope="module")
def server(store_file):
    yield from serve_dashboard(store_file)


@pytest.fixture(scope="module")
def page(browser, server, store_file):
    """One tab, logged in as a pimpinan (every OPD, no personal data); /login and /publik need no login."""
    context = browser.new_context(viewport={"width": 1366, "height": 900}, bypass_csp=True)
    tab = context.new_page()
    log_in(tab, server, *account(store_file, "pimpinan"))
    yield tab
    context.close()


def open_page(page, server: str, path: str, report_id: int, lang: str) -> None:
    url = server + path.format(report=report_id) + ("?lang=en" if lang == "en" else "")
    try:
        urllib.request.urlopen(url, timeout=10).close()
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            pytest.skip(f"{path} is not served by this version")
    except OSError:
        pass
    page.goto(url)
    if path in READY:
        page.wait_for_selector(READY[path], timeout=30_000)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)  # charts finish drawing


def axe_violations(page) -> list[dict]:
    page.add_script_tag(path=str(axe_script()))
    return page.evaluate(
        """async (tags) => {
             const result = await axe.run(document, {runOnly: {type: 'tag', values: tags},
                                                     resultTypes: ['violations']});
             return result.violations.map(v => ({id: v.id, impact: v.impact, count: v.nodes.length,
                                                 targets: v.nodes.slice(0, 4).map(n => n.target.join(' ')),
                                                 summary: v.nodes.length ? v.nodes[0].failureSummary : ''}));
           }""", WCAG_TAGS)


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("path", PAGES)
def test_no_serious_axe_violation_and_language_declared(page, server, report_id, path, lang):
    """axe-core's WCAG 2.2 A/AA rules (contrast ≥ 4.5:1 among them) find nothing serious or critical, and
    <html lang> names the language the page is written in."""
    open_page(page, server, path, report_id, lang)
    violations = axe_violations(page)
    print(path, lang, {v["id"]: (v["impact"], v["count"]) for v in violations})
    assert page.evaluate("document.documentElement.lang") == lang
    blocking = [f"{v['id']} ({v['impact']}, {v['count']}×) at {v['targets']}: {v['summary']}"
                for v in violations if v["impact"] in BLOCKING]
    assert not blocking, "\n".join(blocking)


# What can take the keyboard's focus, in the tab order.
FOCUSABLE = ("a[href], button:not([disabled]), input:not([disabled]):not([type=hidden]), select:not([disabled]), "
             "textarea:not([disabled]), summary, [tabindex]:not([tabindex='-1'])")


def visible_controls(page) -> list[str]:
    """Numbers each visible control in the tab order (data-a11y-control) and returns the numbers."""
    return page.evaluate(
        """(selector) => Array.from(document.querySelectorAll(selector)).filter(el => {
               const box = el.getBoundingClientRect(), style = getComputedStyle(el);
               return box.width > 0 && box.height > 0 && style.visibility !== 'hidden' && !el.closest('[inert]')
                      && el.tabIndex >= 0;
           }).map((el, i) => { el.dataset.a11yControl = String(i); return String(i); })""", FOCUSABLE)


def focused(page) -> dict | None:
    """The focused element, the controls its focus stands for, and whether the focus shows (an outline, or a ring
    drawn with a box-shadow, on the element or the widget around it).

    A focus stands for more than its element where a widget keeps one tab stop: a grid (AG Grid) is entered with
    Tab and walked with the arrow keys, a radio group is one stop whose other radios the arrows choose, and Dash's
    dropdown has a hidden stand-in (aria-hidden, transparent) that hands the focus to its button."""
    return page.evaluate(
        """() => {
             const el = document.activeElement;
             if (!el || el === document.body) return null;
             const numbered = (root) => Array.from(root.querySelectorAll('[data-a11y-control]'))
                                             .map(n => n.dataset.a11yControl);
             const covered = el.dataset.a11yControl ? [el.dataset.a11yControl] : [];
             const grid = el.closest('[role=grid], [role=treegrid]');
             if (grid) covered.push(...numbered(grid));
             if (el.type === 'radio' && el.name) {
               document.querySelectorAll(`input[type=radio][name="${el.name}"]`).forEach(r => {
                 if (r.dataset.a11yControl) covered.push(r.dataset.a11yControl); });
             }
             if (el.parentElement) {
               el.parentElement.querySelectorAll(':scope > [aria-hidden=true][data-a11y-control]').forEach(
                 n => covered.push(n.dataset.a11yControl));
             }
             const visible = (node) => {
               const s = getComputedStyle(node);
               return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== 'none';
             };
             let shown = visible(el);
             // Dropdowns, date pickers and grid cells show the focus on the box around the focused element.
             for (let node = el.parentElement, up = 0; !shown && node && up < 4; node = node.parentElement, up++) {
               shown = node.matches(':focus-within') && visible(node);
             }
             return {covered, tag: el.tagName, id: el.id, shown, classes: String(el.className).slice(0, 80),
                     text: (el.innerText || el.value || el.getAttribute('aria-label') || '').slice(0, 40)};
           }""")


def walk(page, key: str, controls: set[str], reached: set[str], hidden: list[dict]) -> None:
    """Presses ``key`` from the top (Tab) or the bottom (Shift+Tab) until every control had the focus."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    for _ in range(len(controls) + 20):
        page.keyboard.press(key)
        now = focused(page)
        if now is None:
            continue
        reached.update(now["covered"])
        if not now["shown"]:
            hidden.append({key: now[key] for key in ("tag", "id", "text", "classes")})
        if reached >= controls:
            return


@pytest.mark.parametrize("path", PAGES)
def test_keyboard_reaches_every_control_with_visible_focus(page, server, report_id, path):
    """Tabbing through the page lands on every visible control, each showing where the focus is. AG Grid hands
    Tab from its rows to its page buttons and skips its page-size picker, which Shift+Tab reaches: the walk goes
    forward, then back for what it missed."""
    open_page(page, server, path, report_id, "id")
    controls = set(visible_controls(page))
    assert controls, "a page with nothing to operate"
    reached: set[str] = set()
    hidden: list[dict] = []
    walk(page, "Tab", controls, reached, hidden)
    if not reached >= controls:
        walk(page, "Shift+Tab", controls, reached, hidden)
    missed = page.evaluate(
        """(numbers) => numbers.map(n => document.querySelector(`[data-a11y-control="${n}"]`))
                              .map(el => el.tagName + '#' + el.id + ' '
                                         + (el.innerText || el.outerHTML).slice(0, 80))""",
        sorted(controls - reached, key=int))
    assert not missed, missed
    assert not hidden, hidden


def test_keyboard_opens_a_report_from_the_work_list(page, server, report_id):
    """The work list's rows are reachable without a mouse: Tab into the grid, arrow down to the first report
    number, Enter opens its page."""
    open_page(page, server, "/opd/PUPR", report_id, "id")
    page.evaluate("document.activeElement && document.activeElement.blur()")
    for _ in range(60):
        page.keyboard.press("Tab")
        if page.evaluate("!!document.activeElement.closest('#opd-grid [role=treegrid], #opd-grid [role=grid]')"):
            break
    else:
        pytest.fail("Tab never reached the work list")
    for _ in range(6):
        if page.evaluate("!!document.activeElement.closest('.ag-row .ag-cell[col-id=id]')"):
            break
        page.keyboard.press("ArrowDown")
    first = page.evaluate("document.activeElement.innerText.trim()")
    assert first.startswith("#"), first
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.split("?")[0].endswith(f"/report/{first[1:]}")
