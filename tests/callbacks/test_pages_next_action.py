"""#26: each page leads to its next action. The work list opens on what to do first and says which target each row
missed; a report page states each target in words with its due time and no raw code; unknown addresses answer 404
with the friendly page. Through Dash's own endpoint and Flask's test client on the seeded stores."""

from __future__ import annotations

import pytest

from core.formatting import fmt_int, fmt_when
from core.i18n import t
from core.rules import OPEN_STATUSES
from data_access.rulebook.scope import Filters, Scope
from tests.support import NOW, oracle
from tests.support.dash_app import by_id, find, get_app, logged_in, post, render, texts, url

OPD = "PUPR"


@pytest.fixture(scope="module")
def rows(seeded):
    return oracle.raw(seeded)


@pytest.fixture
def app(seeded):
    return get_app(url(seeded), boundaries=False)[0]


def _mine(rows, code=OPD):
    return [r for r in oracle.visible(rows, Filters(), Scope.opd_head(code), period=False)
            if r["created_at"] <= NOW]


def test_work_list_opens_on_first_responses_then_says_which_target(app, rows):
    """The first rows are the open reports overdue for a first response (oldest first), then the other breaches,
    then the ones at risk; each breached row names the target it missed."""
    config = find(render(f"/opd/{OPD}"), "opd-config").data
    grid = post(app, "opd-grid.rowData", {"opd-config.data": config})["opd-grid"]["rowData"]
    by_id = {r["id"]: r for r in rows}
    first = [r for r in _mine(rows) if r["status"] in OPEN_STATUSES and oracle.resp_overdue(r, NOW)]
    assert first, "the seeded PUPR has reports overdue for a first response"
    first.sort(key=lambda r: (r["created_at"], r["id"]))
    assert [g["id"] for g in grid[:len(first)]] == [r["id"] for r in first]
    keys = [g["sla_key"] for g in grid]
    assert keys.index("at_risk") > len(first) if "at_risk" in keys else True
    assert keys == sorted(keys, key=lambda k: k != "breached")  # breached before at risk
    words = {t(f"state.late.{k}") for k in ("response", "resolution", "both")}
    for g in grid:
        r = by_id[g["id"]]
        if g["sla_key"] == "breached":
            response, resolution = oracle.resp_overdue(r, NOW), oracle.res_overdue(r, NOW)
            want = "both" if response and resolution else "response" if response else "resolution"
            assert g["sla_state"] == t(f"state.late.{want}"), g
        else:
            assert g["sla_state"] not in words
    assert {g["sla_state"] for g in grid} >= {t("state.late.both"), t("state.late.resolution")}


def _report_texts(app, report_id, lang="id"):
    config = find(render(f"/report/{report_id}", lang=lang), "report-config").data
    body = post(app, "report-body", {"report-config.data": config})["report-body"]["children"]
    return body, texts(body)


def test_report_page_states_each_target_in_words(app, rows):
    """A report overdue for both targets says "Respons: terlambat, jatuh tempo …" with its due time in WIT; one met on
    time says so; status, channel and priority are words, never the stored codes."""
    late = next(r for r in rows if r["status"] == "baru" and oracle.resp_overdue(r, NOW)
                and oracle.res_overdue(r, NOW))
    body, text = _report_texts(app, late["id"])
    assert (t("report.sla.line", target="Respons", state="terlambat", due=fmt_when(late["response_due_at"]))
            in text)
    assert f"Penyelesaian: terlambat, jatuh tempo {fmt_when(late['resolution_due_at'])}" in text
    met = next(r for r in rows if r["status"] == "ditutup" and r["channel"] == "call_center"
               and oracle.outcome(r, "response", NOW) == "met" and oracle.outcome(r, "resolution", NOW) == "met")
    body, text = _report_texts(app, met["id"])
    assert "Respons: tepat waktu, jatuh tempo" in text and "Penyelesaian: tepat waktu" in text
    for key, want in (("status", "Ditutup"), ("channel", t("channel.call_center"))):
        assert by_id(body, f"report-field-{key}")["children"] == want, key
    assert "call_center" not in text and "ditutup →" not in text
    _, english = _report_texts(app, late["id"], "en")
    assert "Response: overdue, due" in english and "Resolution: overdue, due" in english


def test_report_without_reporter_says_why_the_panel_is_empty():
    """The personal-data panel of a report that came without a reporter says why it is empty; one with a reporter
    does not."""
    from layouts import report as page

    assert t("report.no_reporter") in texts(page.reporter_panel({"anonymous": False}, "id"))
    shown = texts(page.reporter_panel({"anonymous": False, "reporter_name": "Yakob"}, "id"))
    assert "Yakob" in shown and t("report.no_reporter") not in shown


@pytest.mark.parametrize("path", ["/does-not-exist", "/report/99999999", "/report/abc", "/opd/BOGUS",
                                  "/opd/PUPR/extra", "/404"])
def test_unknown_addresses_answer_404_with_the_friendly_page(app, path):
    """Each kind of unknown address answers HTTP 404, and the body is still the app (which draws the friendly
    page), not a bare error."""
    response = logged_in(app).get(path)
    assert response.status_code == 404, path
    assert 'id="react-entry-point"' in response.get_data(as_text=True)


def test_the_browsers_favicon_is_not_a_dead_link(app):
    """Browsers ask every page's /favicon.ico, logged in or not: it leads to Dash's icon, not to the 404 page."""
    client = app.server.test_client()
    response = client.get("/favicon.ico", follow_redirects=True)
    assert response.status_code == 200 and response.mimetype.startswith("image/"), response.status


def test_known_addresses_still_answer_200(app, rows):
    """The pages, an existing report and a known OPD (any case) answer 200."""
    client = logged_in(app)
    for path in ("/", "/wall", "/sla", "/explorer", "/briefing", "/opd", f"/opd/{OPD}", "/opd/pupr",
                 f"/report/{rows[0]['id']}"):
        assert client.get(path).status_code == 200, path


def test_opd_pages_speak_the_briefings_dates_and_name_the_viewers_opd(app, seeded, rows):
    """The work list's weekly chart names weeks as the briefing does ("21–27 Sep"); an OPD user's /opd names their
    OPD, not "Semua OPD"; a chosen period changes the table's inflow and closures (headers say so), as the
    oracle counts them."""
    from data_access.accounts import Viewer
    from tests.support.dash_app import as_viewer

    config = find(render(f"/opd/{OPD}"), "opd-config").data
    flow = post(app, "opd-tiles.children", {"opd-config.data": config})["opd-flow"]["figure"]
    weeks = flow["data"][0]["x"]
    assert weeks and not any("-W" in w for w in weeks) and all("–" in w for w in weeks)
    head = Viewer("test-opd-pupr", "opd", frozenset({OPD}))
    with as_viewer(head):
        from dash import page_registry
        layout = page_registry["opd"]["layout"]()
    assert "Semua OPD" not in texts(layout) and "Dinas Pekerjaan Umum" in texts(layout)
    _, _, opds = oracle.reference(seeded)
    from callbacks.url_filters import filters_from_query

    query = {"period": "quarter"}
    want = oracle.workload(rows, opds, filters_from_query(query, NOW), Scope.wall(), NOW)
    table = post(app, "opd-index-table", {"opd-index-config.data": {"query": query, "lang": "id"}})
    table = table["opd-index-table"]["children"]
    assert "Masuk dalam periode" in texts(table)
    week = oracle.workload(rows, opds, Filters(), Scope.wall(), NOW)
    assert sum(w["inflow"] for w in want.values()) > sum(w["inflow"] for w in week.values())
    for code, w in want.items():
        cells = [texts(cell) for cell in by_id(table, f"opd-row-{code}")["children"]]
        assert cells[-2:] == [fmt_int(w["inflow"]), fmt_int(w["closed"])], code


def test_explorer_names_zooms_sorts_and_never_leaves_half_the_page_empty(seeded, rows):
    """The map carries the district names; picking a district zooms to it; the kampung table is sorted by count
    (withheld ones last); before a pick the panel lists every district by open reports, each a link that picks it."""
    from tests.support.dash_app import BOUNDARIES

    app = get_app(url(seeded), boundaries=True)[0]
    layout = render("/explorer")
    labels = find(layout, "explorer-labels")
    assert labels is not None and {f["properties"]["name"] for f in labels.data["features"]} >= {"Mimika Baru"}
    view = post(app, "explorer-map.viewport", {"explorer-pick.value": "94.04.01"})["explorer-map"]["viewport"]
    (south, west), (north, east) = view["bounds"]
    assert north - south < 1.0 and east - west < 1.0 and BOUNDARIES.exists()  # one district, not the regency
    config = find(render("/explorer", period="quarter"), "explorer-config").data
    panel = post(app, "explorer-panel", {"explorer-pick.value": "94.04.05"}, {"explorer-config.data": config})
    village_rows = by_id(panel["explorer-panel"]["children"], "explorer-villages")["children"][1]["props"]["children"]
    counts = [texts(r["props"]["children"][1]) for r in village_rows]
    shown = [int(n.replace(".", "")) for n in counts if n.replace(".", "").isdigit()]
    assert shown == sorted(shown, reverse=True) and len(shown) >= 2
    assert all(not n.replace(".", "").isdigit() for n in counts[len(shown):])  # the withheld ones come last
    overview = post(app, "explorer-panel", {"explorer-pick.value": None}, {"explorer-config.data": config})
    table = by_id(overview["explorer-panel"]["children"], "explorer-overview")
    body = table["children"][1]["props"]["children"]
    opened = [int(texts(r["props"]["children"][1]).replace(".", "")) for r in body]
    assert len(body) >= 18 and opened == sorted(opened, reverse=True)
    first_link = body[0]["props"]["children"][0]["props"]["children"]["props"]["href"]
    assert first_link.startswith("/explorer?") and "focus=" in first_link and "period=quarter" in first_link


def test_work_list_shows_statuses_in_words(app):
    """The grid's status column reads "Baru", "Diproses", never the stored code."""
    config = find(render(f"/opd/{OPD}"), "opd-config").data
    grid = post(app, "opd-grid.rowData", {"opd-config.data": config})["opd-grid"]["rowData"]
    statuses = {g["status"] for g in grid}
    assert statuses and statuses <= {t(f"report_status.{s}") for s in OPEN_STATUSES}
    assert not statuses & set(OPEN_STATUSES)


def test_briefing_documents_name_period_scope_and_cutoff_everywhere(app, tmp_path):
    """Every sheet of the briefing XLSX starts with its period, scope and cut-off, and its name is whole (≤ 31
    characters, the titles as given); every page of the briefing PDF heads with the same three."""
    import base64
    import io
    import shutil
    import subprocess

    from openpyxl import load_workbook

    from tests.support.dash_app import sheet_table
    from tests.support.pdf_layout import assert_every_page_ends_above_its_foot

    config = find(render("/briefing", period="month"), "briefing-config").data
    out = post(app, "briefing-download", {"briefing-export-xlsx.n_clicks": 1}, {"briefing-config.data": config},
               triggered="briefing-export-xlsx.n_clicks")["briefing-download"]["data"]
    book = load_workbook(io.BytesIO(base64.b64decode(out["content"])))
    assert {"Perbandingan periode", "Lonjakan laporan (24 jam)"} <= set(book.sheetnames)
    assert all(len(n) < 31 for n in book.sheetnames), book.sheetnames  # a cut name is exactly 31 long
    for sheet in book:
        period, scope, cutoff = (r[0] for r in sheet.iter_rows(max_row=3, values_only=True))
        assert period.startswith("Periode: ") and period.endswith(" WIT"), sheet.title
        assert scope == "Cakupan: Kabupaten Mimika (semua OPD)" and cutoff.startswith("Data per "), sheet.title
        assert sheet_table(sheet)[0][0], sheet.title
    pdf = post(app, "briefing-download", {"briefing-export-pdf.n_clicks": 1}, {"briefing-config.data": config},
               triggered="briefing-export-pdf.n_clicks")["briefing-download"]["data"]
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler's pdftotext is not installed")
    path = tmp_path / "briefing.pdf"
    path.write_bytes(base64.b64decode(pdf["content"]))
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout
    pages = [p for p in text.split("\f") if p.strip()]
    assert len(pages) == 4
    assert_every_page_ends_above_its_foot(path)
    for page in pages:
        head = page.strip().splitlines()[0]
        assert "Kabupaten Mimika (semua OPD)" in head and " WIT" in head and "Data per " in head, head
    assert "peringkat per 10.000" not in text.lower().replace("\n", " ") or "Warna" in text
