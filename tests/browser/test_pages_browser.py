"""The decision pages in headless Chromium against the real app (a subprocess) on a freshly seeded SQLite store."""

from __future__ import annotations

import io
import re
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from data_access.store.engine import make_engine
from data_access.store.schema import OPEN_STATUSES, Report
from tests.browser.support import CHROMIUM, account, log_in, seeded_store_file, serve_dashboard
from tests.support import OUTPUT
from tests.support.dash_app import sheet_table

SCREENSHOTS = OUTPUT / "screenshots"
DOWNLOADS = OUTPUT / "downloads"

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium")


@pytest.fixture(scope="module")
def store_file(tmp_path_factory) -> Path:
    return seeded_store_file(tmp_path_factory.mktemp("pages-browser"), seed=7, days=120)


@pytest.fixture(scope="module")
def engine(store_file):
    eng = make_engine(f"sqlite:///{store_file}")
    yield eng
    eng.dispose()





@pytest.fixture(scope="module")
def server(store_file):
    """The dashboard in a subprocess; its tabs log in as a pimpinan (every OPD, no personal data)."""
    Tab.credentials = account(store_file, "pimpinan")
    yield from serve_dashboard(store_file)


NOT_FOUND_CONSOLE = "Failed to load resource: the server responded with a status of 404 (NOT FOUND)"


class Tab:
    """A page in a browser tab that remembers console errors."""

    credentials: tuple[str, str] | None = None

    def __init__(self, browser, url: str, ready: str, width: int = 1920, height: int = 1080,
                 credentials: tuple[str, str] | None = None) -> None:
        # Playwright's wait_for_function evals its predicate, which the pages' CSP forbids;
        # tests/browser/test_csp_browser.py checks the policy itself.
        self.context = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True,
                                           bypass_csp=True)
        self.page = self.context.new_page()
        credentials = credentials or self.credentials
        if credentials:
            log_in(self.page, url.split("/", 3)[0] + "//" + url.split("/", 3)[2], *credentials)
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        # Chrome's console line for a failed load names no address: the answers say which
        self.page.on("response", lambda r: self.errors.append(f"HTTP {r.status} {r.url}") if r.status >= 400 else None)
        self.response = self.page.goto(url)
        self.page.wait_for_selector(ready, timeout=20_000)
        self.page.wait_for_timeout(800)  # charts finish drawing

    def screenshot(self, name: str) -> None:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SCREENSHOTS / f"{name}_1920.png"), full_page=False)

    def download(self, button: str) -> Path:
        DOWNLOADS.mkdir(parents=True, exist_ok=True)
        # A file is built in a child process within the app's own limit (callbacks/export_runner.py, 60 s): the
        # test waits that long and more, since it checks the file, not how fast a loaded machine builds it.
        with self.page.expect_download(timeout=90_000) as info:
            self.page.click(button)
        target = DOWNLOADS / info.value.suggested_filename
        info.value.save_as(str(target))
        return target

    def close(self) -> None:
        self.context.close()


def grid_ids(tab: Tab, grid: str) -> list[int]:
    """The report numbers in the order the grid shows them (after sorting and filtering), from the grid's API."""
    return tab.page.evaluate(
        """(grid) => { const ids = [];
                       dash_ag_grid.getApi(grid).forEachNodeAfterFilterAndSort(n => ids.push(n.data.id));
                       return ids; }""", grid)


def test_opd_index_and_detail_pages(browser, server, engine):
    """/opd lists every OPD; /opd/PUPR shows tiles, a sortable grid and downloadable XLSX/CSV, with no errors."""
    tab = Tab(browser, server + "/opd", "#opd-row-PUPR")
    assert tab.page.locator(".page-table tbody tr").count() == 19
    tab.screenshot("opd")
    assert not tab.errors, tab.errors
    tab.close()

    for query, shot in (("", "opd_pupr"), ("?period=month&category=air_bersih,jalan", "opd_pupr_filtered"),
                        ("?lang=en&period=week", "opd_pupr_en")):
        tab = Tab(browser, server + "/opd/PUPR" + query, "#opd-grid .ag-row")
        with engine.connect() as conn:
            open_pupr = conn.execute(select(Report.id).where(Report.opd_code == "PUPR",
                                                             Report.status.in_(OPEN_STATUSES))).all()
        if not query:
            assert tab.page.inner_text("#opd-kpi-open") == f"{len(open_pupr):,}".replace(",", ".")
        tab.screenshot(shot)
        assert not tab.errors, tab.errors
        tab.close()

    tab = Tab(browser, server + "/opd/PUPR", "#opd-grid .ag-row")
    before = grid_ids(tab, "opd-grid")
    tab.page.click("#opd-grid .ag-header-cell[col-id='id']")
    tab.page.wait_for_timeout(400)
    ascending = grid_ids(tab, "opd-grid")
    assert len(ascending) > 1 and ascending == sorted(ascending) and ascending != before
    tab.page.click("#opd-grid .ag-header-cell[col-id='id']")
    tab.page.wait_for_timeout(400)
    descending = grid_ids(tab, "opd-grid")
    sort_state = tab.page.get_attribute("#opd-grid .ag-header-cell[col-id='id']", "aria-sort")
    assert descending == sorted(descending, reverse=True), (sort_state, descending[:10])
    xlsx = tab.download("#opd-export-xlsx")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(xlsx.read_bytes())).active
    ids = [row[0] for row in sheet_table(sheet)[1]]
    assert ids and all(isinstance(i, int) for i in ids)
    import csv

    table = list(csv.reader(io.StringIO(tab.download("#opd-export-csv").read_text())))
    assert table[0][0] == "No." and [int(r[0]) for r in table[1:]] == ids
    assert not tab.errors, tab.errors
    tab.close()

    tab = Tab(browser, server + "/opd/NOPE", "#opd-unknown")
    assert "NOPE" in tab.page.inner_text("#opd-unknown")
    tab.close()


def pdf_pages(data: bytes) -> int:
    """Pages in a PDF: pdfinfo when installed, else the page objects (fpdf2 writes them uncompressed)."""
    import re
    import shutil

    if shutil.which("pdfinfo"):
        out = subprocess.run(["pdfinfo", "-"], input=data, capture_output=True, check=True).stdout.decode()
        return int(re.search(r"Pages:\s+(\d+)", out).group(1))
    return len(re.findall(rb"/Type\s*/Page\b", data))


def test_report_page_shows_timeline_without_personal_data(browser, server, engine):
    """/report/<id> shows the report and its timeline, no reporter data; unknown ids say so."""
    with engine.connect() as conn:
        report_id = conn.execute(select(Report.id).where(Report.reporter_id.is_not(None)).limit(1)).scalar_one()
    tab = Tab(browser, f"{server}/report/{report_id}", "#report-timeline li")
    tab.screenshot("report")
    assert not tab.errors, tab.errors
    tab.close()
    tab = Tab(browser, f"{server}/report/999999999?lang=en", "#report-message")
    assert "999999999" in tab.page.inner_text("#report-message")
    tab.close()


def test_briefing_page_and_exports(browser, server):
    """/briefing renders without errors with and without filters; XLSX reads back and the PDF has pages."""
    for query, shot in (("", "briefing"), ("?period=quarter&district=94.04.01,94.04.02", "briefing_filtered")):
        tab = Tab(browser, server + "/briefing" + query, "#briefing-league-table tbody tr")
        tab.screenshot(shot)
        assert not tab.errors, tab.errors
        tab.close()
    tab = Tab(browser, server + "/briefing", "#briefing-league-table tbody tr")
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(tab.download("#briefing-export-xlsx").read_bytes()))
    assert len(book.sheetnames) == 8  # the location-equity sheet first, the six tables, the surge alerts
    league = book["OPD"]
    shown = tab.page.locator("#briefing-league-table tbody tr").count()
    assert len(sheet_table(league)[1]) == shown == 19
    first_open = tab.page.inner_text("#briefing-league-table tbody tr:first-child td:nth-child(7)")
    headers, rows = sheet_table(league)
    backlog = headers.index("Terbuka")  # the page's "Terbuka" column, by its header
    assert first_open == f"{rows[0][backlog]:,}".replace(",", ".")
    assert not tab.errors, tab.errors
    tab.close()


# Rows of the briefing's tables, and how many each must show in full.
BRIEFING_TABLES = {"#briefing-districts-table": 19, "#briefing-league-table": 19, "#briefing-oldest-table": 15,
                   "#briefing-categories-table": 10}
ROWS_SEEN = """(selector) => {
  const rows = [...document.querySelectorAll(selector + ' tbody tr')];
  const problems = [];
  for (const row of rows) {
    row.scrollIntoView({block: 'center'});
    const r = row.getBoundingClientRect();
    const x = r.left + Math.min(20, r.width / 2), y = r.top + r.height / 2;
    if (r.height <= 0 || r.top < 0 || r.bottom > window.innerHeight || r.right > window.innerWidth + 1)
      problems.push(['outside the window', row.innerText.slice(0, 40)]);
    else if (!row.contains(document.elementFromPoint(x, y)))
      problems.push(['covered', row.innerText.slice(0, 40)]);
    for (let el = row.parentElement; el && !el.classList.contains('page-root'); el = el.parentElement) {
      const style = getComputedStyle(el);
      const clips = ['auto', 'scroll', 'hidden', 'clip'];
      if (clips.includes(style.overflowY) || clips.includes(style.overflowX)) {
        const box = el.getBoundingClientRect();
        if (r.top < box.top - 1 || r.bottom > box.bottom + 1 || el.scrollHeight > el.clientHeight + 1)
          problems.push(['cut by an inner scroll box', el.className, row.innerText.slice(0, 40)]);
      }
    }
  }
  return {rows: rows.length, problems};
}"""


@pytest.mark.parametrize("width,height", [(1920, 1080), (3840, 2160)])
def test_briefing_tables_hide_no_row_behind_an_inner_scroll(browser, server, width, height):
    """Every row of the districts (18, then "Tanpa lokasi"), the OPD league (19), the oldest reports and the categories
    is in the page:
    scrolled to, it lies inside the window, nothing covers it, and no box with its own scroll bar cuts it."""
    tab = Tab(browser, server + "/briefing", "#briefing-league-table tbody tr", width, height)
    for selector, want in BRIEFING_TABLES.items():
        seen = tab.page.evaluate(ROWS_SEEN, selector)
        assert seen["rows"] == want and not seen["problems"], (selector, seen)
    agimuga = tab.page.locator("#briefing-districts-table tr", has_text="Agimuga")
    assert agimuga.count() == 1 and agimuga.inner_text().startswith("◆")
    assert tab.page.get_by_text("Kategori terbanyak", exact=True).count() == 1
    labels = tab.page.locator(".flow-label").all_inner_texts()
    assert len(labels) == 12 and not any("-W" in label for label in labels)
    week = re.compile(r"\d{1,2}( \w{3})?–\d{1,2} \w{3}( \*)?")  # '7–13 Sep', '28 Sep–4 Okt', '30 Nov–6 Des *'
    assert all(week.fullmatch(label.replace("\n", " ")) for label in labels), labels
    tab.page.evaluate("document.querySelector('.page-root').scrollTo(0, 0)")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=str(SCREENSHOTS / f"briefing_{width}x{height}.png"))
    assert not tab.errors, tab.errors
    tab.close()


PANELS_APART = """() => {
  const panels = [...document.querySelectorAll('.page-main .page-panel')].filter(p => p.offsetParent !== null);
  const box = el => el.getBoundingClientRect();
  const problems = [];
  panels.forEach((a, i) => panels.slice(i + 1).forEach(b => {
    const p = box(a), q = box(b);
    if (p.left < q.right - 1 && q.left < p.right - 1 && p.top < q.bottom - 1 && q.top < p.bottom - 1)
      problems.push(['overlap', a.innerText.slice(0, 30), b.innerText.slice(0, 30)]);
  }));
  for (const panel of panels) {
    const p = box(panel);
    for (const el of panel.querySelectorAll('*')) {
      const r = box(el);
      if (r.width && (r.right > p.right + 1 || r.left < p.left - 1 || r.bottom > p.bottom + 1))
        { problems.push(['runs out of its panel', panel.innerText.slice(0, 30), el.className.toString()]); break; }
    }
  }
  return {panels: panels.length, problems, width: document.documentElement.scrollWidth};
}"""


def test_briefing_print_keeps_panels_apart_in_four_pages(browser, server):
    """In print (A4 landscape, 1032 CSS px wide): no panel overlaps another, nothing runs out of its panel, the
    page is no wider than the paper, and Chromium's own print of it has at most four pages."""
    tab = Tab(browser, server + "/briefing", "#briefing-league-table tbody tr", 1032, 760)
    tab.page.emulate_media(media="print")
    tab.page.wait_for_timeout(500)
    layout = tab.page.evaluate(PANELS_APART)
    assert layout["panels"] >= 6 and not layout["problems"] and layout["width"] <= 1032, layout
    assert tab.page.locator(".page-nav").is_hidden() and tab.page.locator("#briefing-export-pdf").is_hidden()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=str(SCREENSHOTS / "briefing_print_1032.png"), full_page=True)
    tab.close()
    tab = Tab(browser, server + "/briefing", "#briefing-league-table tbody tr")  # printed from a 1920 screen
    printed = tab.page.pdf(print_background=True, prefer_css_page_size=True)
    assert 2 <= pdf_pages(printed) <= 4
    (DOWNLOADS / "briefing_print.pdf").parent.mkdir(parents=True, exist_ok=True)
    (DOWNLOADS / "briefing_print.pdf").write_bytes(printed)
    _pdf_to_png(DOWNLOADS / "briefing_print.pdf", "briefing_print_page")
    assert not tab.errors, tab.errors
    tab.close()


def _pdf_to_png(pdf: Path, stem: str) -> None:
    """Each page as test-output/screenshots/<stem>-N.png, when poppler's pdftoppm is installed (to look at)."""
    import shutil

    if shutil.which("pdftoppm"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        subprocess.run(["pdftoppm", "-r", "110", "-png", str(pdf), str(SCREENSHOTS / stem)], check=True)


def pdf_text(data: bytes) -> str:
    import shutil

    if not shutil.which("pdftotext"):
        pytest.skip("poppler-utils (pdftotext) is not installed")
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True, check=True
                          ).stdout.decode()


def test_briefing_pdf_is_a_short_document(browser, server):
    """The PDF: 2–4 pages named by the WIT day; each page says the data cut-off in WIT and 'Halaman n dari N';
    report numbers are written #11615 (never 11.615); percentages carry one decimal and their n."""
    tab = Tab(browser, server + "/briefing", "#briefing-league-table tbody tr")
    oldest = tab.page.inner_text("#briefing-oldest-table tbody tr:first-child td:first-child")
    path = tab.download("#briefing-export-pdf")
    from datetime import UTC, datetime

    from core.i18n import WIT

    assert path.name == f"briefing_mimika_{datetime.now(UTC).astimezone(WIT):%Y%m%d}.pdf"
    data = path.read_bytes()
    pages = pdf_pages(data)
    assert 2 <= pages <= 4
    text = pdf_text(data)
    for n in range(1, pages + 1):
        assert f"Halaman {n} dari {pages}" in text
    assert len(re.findall(r"Data per \d{2}-\d{2}-\d{4} \d{2}:\d{2} WIT", text)) == pages
    assert oldest.startswith("#") and oldest in text
    assert not re.search(r"#\d{1,3}\.\d{3}", text)  # no thousands separator in a report number
    assert re.search(r"\d+,\d%", text) and not re.search(r"\b100%", text)
    assert "Perlu perhatian" in text and "◆" in text
    _pdf_to_png(path, "briefing_pdf_page")
    assert not tab.errors, tab.errors
    tab.close()


def test_monthly_report_from_the_briefing(browser, server):
    """The monthly report is asked for on /briefing: last month by default, PDF and XLSX named by the WIT month."""
    tab = Tab(browser, server + "/briefing", "#briefing-league-table tbody tr")
    from datetime import UTC, datetime

    from core.i18n import WIT

    today = datetime.now(UTC).astimezone(WIT)
    last = f"{today.year - (today.month == 1)}-{(today.month - 2) % 12 + 1:02d}"
    pdf = tab.download("#briefing-monthly-pdf")
    assert pdf.name == f"laporan_kinerja_mimika_{last}.pdf" and 1 <= pdf_pages(pdf.read_bytes()) <= 4
    text = pdf_text(pdf.read_bytes())
    assert "Laporan Kinerja Pelayanan Publik" in text and "Halaman 1 dari" in text
    _pdf_to_png(pdf, "monthly_pdf_page")
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(tab.download("#briefing-monthly-xlsx").read_bytes()))
    assert "Per OPD" in book.sheetnames and len(sheet_table(book["Per OPD"])[1]) == 19
    assert not tab.errors, tab.errors
    tab.close()


def test_sla_page_with_and_without_filters(browser, server):
    """/sla draws the heatmap, breaches, distributions and the due-soon grid without console errors."""
    for query, shot in (("", "sla"), ("?period=month&opd=PUPR,DINKES&hours=72", "sla_filtered")):
        tab = Tab(browser, server + "/sla" + query, "#sla-heatmap .main-svg")
        try:
            tab.page.wait_for_function("document.querySelector('#sla-due-title').innerText.includes('·')")
        except Exception:
            pytest.fail(f"the SLA page did not fill: {tab.errors}")
        tab.screenshot(shot)
        assert not tab.errors, tab.errors
        tab.close()


def test_explorer_map_and_district_panel(browser, server):
    """/explorer colours the map, and a click on it (or ?focus=) opens that district's panel; no console errors."""
    tab = Tab(browser, server + "/explorer", "#explorer-legend .legend-item")
    tab.page.locator("#explorer-map").click(position={"x": 700, "y": 300})
    tab.page.wait_for_selector("#explorer-trend .main-svg .bars", timeout=15_000)
    tab.screenshot("explorer")
    assert not tab.errors, tab.errors
    tab.close()
    tab = Tab(browser, server + "/explorer?period=quarter&measure=overdue&focus=94.04.02",
              "#explorer-district-name")
    assert "Agimuga" in tab.page.inner_text("#explorer-district-name")
    tab.screenshot("explorer_filtered")
    assert not tab.errors, tab.errors
    tab.close()


def test_filter_bar_writes_the_url_and_bad_filters_say_so(browser, server):
    """Choosing a period and applying puts it in the URL and re-renders; a malformed URL shows a message."""
    tab = Tab(browser, server + "/sla", "#sla-heatmap .main-svg")
    tab.page.click("#fb-period")
    tab.page.get_by_text("90 hari", exact=True).click()
    tab.page.click("#fb-apply")
    tab.page.wait_for_url("**/sla?period=quarter", timeout=10_000)
    tab.page.wait_for_selector("#sla-heatmap .main-svg")
    assert not tab.errors, tab.errors
    tab.close()
    tab = Tab(browser, server + "/briefing?period=custom&start=2026-13-01&end=x", ".page-error")
    assert "2026-13-01" in tab.page.inner_text(".page-error")
    tab.screenshot("briefing_bad_filter")
    assert not tab.errors, tab.errors
    tab.close()


def test_unknown_address_says_so_in_indonesian_with_the_navigation(browser, server):
    """/nope: "Halaman tidak ditemukan" with the page navigation and a way back to the wall; English with ?lang=en."""
    for width, height in ((1920, 1080), (3840, 2160)):
        tab = Tab(browser, server + "/nope", "#not-found-message", width, height)
        assert tab.response.status == 404
        # the page's own answer is the one error a dead link should log
        tab.errors = [e for e in tab.errors if e not in (f"HTTP 404 {server}/nope", NOT_FOUND_CONSOLE)]
        assert tab.page.inner_text("h1") == "Halaman tidak ditemukan"
        assert "/nope" in tab.page.inner_text("#not-found-message")
        assert "404 - Page not found" not in tab.page.content()
        assert tab.page.locator(".page-nav .nav-link").count() == 5
        assert tab.page.get_attribute("#not-found-home", "href") == "/wall"
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        tab.page.screenshot(path=str(SCREENSHOTS / f"not_found_{width}.png"))
        assert not tab.errors, tab.errors
        tab.close()
    tab = Tab(browser, server + "/no/such/page?lang=en", "#not-found-message")
    assert tab.page.inner_text("h1") == "Page not found"
    assert "Regent's briefing" in tab.page.inner_text(".page-nav")
    tab.page.click("#not-found-home")
    tab.page.wait_for_selector("#wall-tilegrid .wall-tile", timeout=20_000)
    assert "lang=en" in tab.page.url
    tab.close()


def test_explorer_click_follows_in_the_url_with_tooltip_and_outline(browser, server):
    """Hovering a district shows its name and value; a click opens its panel, outlines it and writes ?focus= into the
    URL; ?district=94.04.01 opens Mimika Baru's panel at once."""
    tab = Tab(browser, server + "/explorer?period=month", "#explorer-legend .legend-item")
    box = tab.page.locator("#explorer-map").bounding_box()
    point = {"x": box["x"] + 700, "y": box["y"] + 300}
    tab.page.mouse.move(point["x"], point["y"])
    tab.page.wait_for_selector(".leaflet-tooltip", timeout=5_000)
    tooltip = tab.page.inner_text(".leaflet-tooltip")
    assert "Laporan terbuka" in tooltip, tooltip
    tab.page.mouse.click(point["x"], point["y"])
    tab.page.wait_for_url("**/explorer?period=month&focus=94.04.*", timeout=10_000)
    tab.page.wait_for_selector("#explorer-district-name", timeout=15_000)
    name = tab.page.inner_text("#explorer-district-name").split(" · ")[0]
    assert name == tooltip.splitlines()[0]
    tab.page.wait_for_function(
        "[...document.querySelectorAll('#explorer-map .leaflet-overlay-pane path')]"
        ".some(p => p.getAttribute('stroke') === '#ffffff' && parseFloat(p.getAttribute('stroke-width')) >= 3)",
        timeout=10_000)
    tab.screenshot("explorer_clicked")
    assert not tab.errors, tab.errors
    tab.close()

    tab = Tab(browser, server + "/explorer?district=94.04.01", "#explorer-district-name")
    assert tab.page.inner_text("#explorer-district-name").startswith("Mimika Baru")
    assert "Klik" not in tab.page.inner_text("#explorer-panel")
    tab.screenshot("explorer_district")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.close()
    tab = Tab(browser, server + "/explorer?district=94.04.01", "#explorer-district-name", 3840, 2160)
    tab.page.screenshot(path=str(SCREENSHOTS / "explorer_district_3840.png"))
    assert not tab.errors, tab.errors
    tab.close()


def test_explorer_names_on_the_map_never_cover_each_other(browser, server):
    """Timika's small districts crowd together: the names shown do not meet, most districts are named at the
    regency's view, and a closer zoom names more."""
    tab = Tab(browser, server + "/explorer", "#explorer-map path.leaflet-interactive")
    shown = """() => { const boxes = [...document.querySelectorAll('#explorer-map .district-name')]
        .filter(e => getComputedStyle(e).visibility === 'visible' && e.getBoundingClientRect().width > 0)
        .map(e => e.getBoundingClientRect());
      const meet = boxes.some((a, i) => boxes.slice(i + 1).some(b =>
        a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom));
      return [boxes.length, meet]; }"""
    tab.page.wait_for_timeout(1500)
    count, meet = tab.page.evaluate(shown)
    assert not meet and count >= 10, count
    tab.page.locator("#explorer-map .leaflet-control-zoom-in").dispatch_event("click")
    tab.page.wait_for_timeout(1500)
    closer, meet = tab.page.evaluate(shown)
    assert not meet and closer >= count, (count, closer)
    assert not tab.errors, tab.errors
    tab.close()


def test_opd_grid_names_reports_without_a_district_and_cuts_off_nothing(browser, server, engine):
    """A report outside the regency reads "di luar wilayah", one without a location "tanpa lokasi" — never an empty
    cell; headers and category names wrap instead of ending in "…"."""
    from datetime import UTC, datetime, timedelta

    from sqlalchemy.orm import Session

    from data_access.intake.writer import ReportWriter
    from data_access.rulebook.sla import WorkCalendar

    created = datetime.now(UTC) - timedelta(days=45)  # long overdue: on PUPR's work list
    with Session(engine) as session, session.begin():
        writer = ReportWriter(engine, WorkCalendar())
        writer.create(session, category_code="jalan", title="Uji tanpa lokasi: jalan berlubang", created_at=created)
        writer.create(session, category_code="jalan", title="Uji luar wilayah: jembatan putus", created_at=created,
                      lat=-2.533, lon=140.717)  # Jayapura, outside Mimika
    tab = Tab(browser, server + "/opd/PUPR", "#opd-grid .ag-row")
    rows = tab.page.evaluate("""() => { const out = [];
        dash_ag_grid.getApi('opd-grid').forEachNode(n => out.push([n.data.title, n.data.district])); return out; }""")
    by_title = dict(rows)
    assert by_title["Uji tanpa lokasi: jalan berlubang"] == "tanpa lokasi"
    assert by_title["Uji luar wilayah: jembatan putus"] == "di luar wilayah"
    assert all(isinstance(d, str) and d.strip() for _, d in rows), [r for r in rows if not r[1]]
    cut = tab.page.evaluate("""() => [...document.querySelectorAll(
            '#opd-grid .ag-header-cell-text, #opd-grid .ag-cell[col-id=category], #opd-grid .ag-cell[col-id=district]')]
        .filter(e => e.scrollWidth > e.clientWidth + 1).map(e => e.innerText)""")
    assert not cut, cut
    tab.screenshot("opd_pupr_grid")
    assert not tab.errors, tab.errors
    tab.close()
