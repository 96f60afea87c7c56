"""The decision pages through Dash's own endpoint on the seeded stores, with the numbers reconciled to the oracle."""

from __future__ import annotations

import base64
import csv as csv_module
import io
import re
from datetime import timedelta

import pytest

from callbacks.url_filters import FilterError, filters_from_query
from core.formatting import fmt_dec, fmt_int, fmt_pct
from core.rules import OPEN_STATUSES
from data_access.rulebook.scope import Filters, Scope
from data_access.store.schema import Reporter
from layouts import components as c
from tests.support import NOW, oracle, oracle_pages
from tests.support.dash_app import by_id, find, get_app, post, render, sheet_table, texts, url

OPD_QUERY = {"period": "month", "category": "jalan,air_bersih,drainase"}


@pytest.fixture(scope="module")
def rows(seeded):
    return oracle.raw(seeded)


@pytest.fixture
def app(seeded):
    return get_app(url(seeded), boundaries=False)[0]


def config_of(path: str, config_id: str, **query) -> dict:
    return find(render(path, **query), config_id).data


# ------------------------------------------------------------------------------------------- filters from the URL


def test_filters_from_query_reads_periods_and_codes():
    """week/month/quarter start at WIT midnight; custom dates include the end day; codes split on commas."""
    f = filters_from_query({"period": "week", "opd": "PUPR,DINKES", "status": ["baru", "diproses"]}, NOW)
    assert f.start.isoformat() == "2026-11-17T00:00:00+09:00" and f.end is None
    assert f.opds == ("PUPR", "DINKES") and f.statuses == ("baru", "diproses")
    f = filters_from_query({"period": "custom", "start": "2026-10-01", "end": "2026-10-31"}, NOW)
    assert (f.end - f.start) == timedelta(days=31)
    assert filters_from_query({}, NOW) == Filters()


@pytest.mark.parametrize("query,needle,needle_en", [
    ({"period": "fortnight"}, "fortnight", "fortnight"),
    ({"period": "custom", "start": "2026-02-30", "end": "2026-03-01"}, "2026-02-30", "2026-02-30"),
    ({"period": "custom", "start": "2026-10-01"}, "start dan end", "start and end"),
    ({"period": "custom", "start": "2026-10-05", "end": "2026-10-01"}, "2026-10-01", "2026-10-01"),
    ({"period": "custom", "start": "2027-01-01", "end": "2027-01-02"}, "di luar jangkauan", "out of range"),
    ({"opd": "PUPR;DROP TABLE"}, "PUPR;DROP TABLE", "PUPR;DROP TABLE"),
    ({"district": "99.99.99"}, "99.99.99", "99.99.99"),
])
def test_filters_from_query_explains_malformed_values(query, needle, needle_en):
    """Every malformed value gives a FilterError whose message names it (in Indonesian and in English)."""
    known = {"district": {"94.04.01"}}
    with pytest.raises(FilterError) as caught:
        filters_from_query(query, NOW, known)
    assert needle in str(caught.value) and str(caught.value) == caught.value.text("id")
    english = caught.value.text("en")
    assert english != str(caught.value) and needle_en in english


def test_filter_bar_writes_the_query_back():
    """Applying the bar keeps other query keys (lang, hours) and writes the choices as comma lists."""
    href = c.query_from_bar({"path": "/sla", "query": {"lang": "en", "hours": "72", "opd": "DLH"}}, "quarter", None,
                            None, {"opd": ["PUPR", "DINKES"], "category": [], "district": None})
    assert href == "/sla?lang=en&hours=72&period=quarter&opd=PUPR%2CDINKES"
    href = c.query_from_bar({"path": "/briefing", "query": {}}, "", "2026-10-01", "2026-10-31T00:00:00", {})
    assert href == "/briefing?period=custom&start=2026-10-01&end=2026-10-31"


def test_bad_filter_shows_a_message_not_a_traceback(app):
    """A malformed URL renders the page with a clear message in the page's language."""
    page = render("/briefing", period="custom", start="2026-13-01", end="2026-13-02", lang="en")
    assert "Invalid date '2026-13-01'" in texts(page)
    assert "Traceback" not in texts(page)


# ------------------------------------------------------------------------------------------- /opd


def test_opd_head_page_matches_oracle(app, seeded, rows):
    """/opd/PUPR with filters: tiles equal the oracle's KPIs for the PUPR scope, the grid lists exactly the
    oracle's overdue and at-risk open reports, worst first."""
    scope = Scope.opd_head("PUPR")
    filters = filters_from_query(OPD_QUERY, NOW)
    out = post(app, "opd-tiles.children", {"opd-config.data": config_of("/opd/PUPR", "opd-config", **OPD_QUERY)})
    want = oracle.kpis(rows, filters, scope, NOW)
    tiles = out["opd-tiles"]["children"]
    assert by_id(tiles, "opd-kpi-open")["children"] == fmt_int(want["open"])
    assert by_id(tiles, "opd-kpi-overdue")["children"] == fmt_int(want["overdue"])
    assert by_id(tiles, "opd-kpi-at_risk")["children"] == fmt_int(want["at_risk"])
    assert by_id(tiles, "opd-kpi-response_compliance")["children"] == fmt_pct(want["response_compliance_pct"])
    assert by_id(tiles, "opd-kpi-median_response")["children"] == fmt_dec(want["median_response_hours"])
    grid = out["opd-grid"]["rowData"]
    expected = oracle_pages.report_list(rows, filters, scope, NOW, ("breached", "at_risk"), True)
    assert [r["id"] for r in grid] == [i for i, _ in expected] and grid
    assert {r["sla_key"] for r in grid} <= {"breached", "at_risk"}
    assert all(r["opd"] == "PUPR" for r in grid)
    assert out["opd-list-count"]["children"] == f"{len(expected)} laporan"


def test_opd_exports_are_the_grid(app, seeded, rows):
    """The XLSX and CSV downloads hold the same reports as the grid, and no reporter data."""
    from openpyxl import load_workbook

    config = config_of("/opd/PUPR", "opd-config", **OPD_QUERY)
    ids = [i for i, _ in oracle_pages.report_list(rows, filters_from_query(OPD_QUERY, NOW), Scope.opd_head("PUPR"),
                                                  NOW, ("breached", "at_risk"), True)]
    assert ids  # else both files could be empty and still "equal the grid"
    xlsx = post(app, "opd-download", {"opd-export-xlsx.n_clicks": 1}, {"opd-config.data": config},
                triggered="opd-export-xlsx.n_clicks")["opd-download"]["data"]
    sheet = load_workbook(io.BytesIO(base64.b64decode(xlsx["content"]))).active
    assert [r[0] for r in sheet_table(sheet)[1]] == ids
    context = [r[0] for r in sheet.iter_rows(max_row=3, values_only=True)]
    assert context[0].startswith("Periode: ") and "Dinas Pekerjaan Umum" in context[1]
    assert context[2].startswith("Data per ")
    csv = post(app, "opd-download", {"opd-export-csv.n_clicks": 1}, {"opd-config.data": config},
               triggered="opd-export-csv.n_clicks")["opd-download"]["data"]
    assert csv["filename"].endswith(".csv")
    assert [int(r[0]) for r in list(csv_module.reader(io.StringIO(csv["content"])))[1:]] == ids
    names = _reporter_names(seeded)
    assert names  # the seeded store has reporters whose names could leak
    assert not any(name in csv["content"] for name in names)


def test_opd_index_lists_every_opd_with_oracle_backlog(app, seeded, rows):
    """/opd shows all OPDs; backlog and overdue per OPD equal the oracle's workload."""
    out = post(app, "opd-index-table", {"opd-index-config.data": {"query": {}, "lang": "id"}})
    table = out["opd-index-table"]["children"]
    _, _, opds = oracle.reference(seeded)
    want = oracle.workload(rows, opds, Filters(), Scope.wall(), NOW)
    for code, w in want.items():
        row = by_id(table, f"opd-row-{code}")
        cells = [texts(cell) for cell in row["children"]]
        assert cells[2] == fmt_int(w["backlog"]) and cells[3] == fmt_int(w["overdue"]), code


def test_unknown_opd_says_so(app):
    """An unknown OPD code renders a clear message, not an empty page."""
    assert "tidak dikenal" in texts(render("/opd/NOPE"))


# ------------------------------------------------------------------------------------------- /report


def _reporter_names(engine) -> set[str]:
    from sqlalchemy import select

    with engine.connect() as conn:
        return {n for (n,) in conn.execute(select(Reporter.name).where(Reporter.name.is_not(None)).limit(500))
                if n and len(n) > 5}


def test_report_page_shows_timeline_and_never_personal_data(app, seeded, rows):
    """/report/<id> shows the report and every timeline event; the reporter's name, phone and NIK never appear."""
    from sqlalchemy import select

    report = next(r for r in rows if r["reporter_id"] is not None and r["status"] == "ditutup")
    with seeded.connect() as conn:
        person = conn.execute(select(Reporter).where(Reporter.id == report["reporter_id"])).one()
    out = post(app, "report-body", {"report-config.data": config_of(f"/report/{report['id']}", "report-config")})
    body = out["report-body"]["children"]
    text = texts(body)
    assert report["title"] in text
    assert len(by_id(body, "report-timeline")["children"]) >= 3
    assert person.name and person.phone  # at least these two are there to leak
    for value in (person.name, person.phone, person.nik, person.email):
        assert not value or value not in str(out)


@pytest.mark.parametrize("raw,needle", [("999999999", "tidak ditemukan"), ("abc", "bukan nomor")])
def test_unknown_report_says_so(app, raw, needle):
    """Unknown or malformed report ids give a clear message."""
    out = post(app, "report-body", {"report-config.data": config_of(f"/report/{raw}", "report-config")})
    assert needle in texts(out["report-body"]["children"])


# ------------------------------------------------------------------------------------------- /briefing

BRIEFING_QUERY = {"period": "quarter", "channel": "app,whatsapp,sms"}


def test_briefing_matches_oracle(app, seeded, rows):
    """/briefing with filters: the comparison tiles, league table and oldest reports equal the oracle's."""
    filters = filters_from_query(BRIEFING_QUERY, NOW)
    config = config_of("/briefing", "briefing-config", **BRIEFING_QUERY)
    out = post(app, "briefing-compare", {"briefing-config.data": config})
    want = oracle_pages.period_comparison(rows, filters, Scope.wall(), NOW)
    tiles = out["briefing-compare"]["children"]
    assert by_id(tiles, "briefing-reports")["children"] == fmt_int(want["reports"][0])
    assert by_id(tiles, "briefing-response_compliance_pct")["children"] == fmt_pct(want["response_compliance_pct"][0])
    assert by_id(tiles, "briefing-median_resolution_hours")["children"] == fmt_dec(want["median_resolution_hours"][0])
    league = out["briefing-league"]["children"]
    body_rows = league["props"]["children"][1]["props"]["children"]
    _, _, opds = oracle.reference(seeded)
    compliance = oracle_pages.compliance_by_opd(rows, opds, filters, Scope.wall(), NOW)
    assert len(body_rows) == len(compliance)
    ranked = [r for r in body_rows if r["props"].get("className") != "row-unranked"]
    assert len(ranked) == sum(1 for v in compliance.values() if v["ranked"])
    for r in body_rows:
        cells = [texts(cell) for cell in r["props"]["children"]]
        code = next(k for k in compliance if _short(k) == cells[1])
        want_pct, want_n = compliance[code]["resolution_compliance_pct"], compliance[code]["resolution_sample"]
        withheld = compliance[code]["overdue"] > want_n  # sitting on reports: no percentage (README rule book)
        assert cells[2].startswith("–" if withheld or not want_n else fmt_pct(want_pct)), cells
        assert f"n = {fmt_int(want_n)}" in cells[2]  # the sample beside the percentage, always
        assert cells[3] == fmt_int(compliance[code]["overdue"])  # and the overdue count right after it
    oldest = texts(out["briefing-oldest"]["children"])
    first = oracle_pages.oldest_open(rows, filters, Scope.wall(), NOW, 15)[0]
    assert f"#{first}" in oldest


def _short(code: str) -> str:
    from data_access.store.reference import OPDS

    return next(short for c_, _, short in OPDS if c_ == code)


def test_briefing_districts_rank_and_mark_remote(app, seeded, rows):
    """Districts are listed by reports per 10,000 residents; remote districts carry the mark; the reports without a
    district come last, so the rows add up to the store's open and overdue counts (#22 item 4)."""
    out = post(app, "briefing-districts", {"briefing-config.data": config_of("/briefing", "briefing-config")})
    table = out["briefing-districts"]["children"]
    body_rows = table["props"]["children"][1]["props"]["children"]
    assert len(body_rows) == 19 and texts(body_rows[-1]["props"]["children"][0]) == "Tanpa lokasi"
    open_column = [texts(r["props"]["children"][5]) for r in body_rows]
    assert sum(int(v.replace(".", "")) for v in open_column) == sum(1 for r in rows if r["status"] in OPEN_STATUSES)
    districts, _, _ = oracle.reference(seeded)
    want = oracle.by_district(rows, districts, Filters(), Scope.wall(), NOW)
    rates = [float(texts(r["props"]["children"][3]).replace(".", "").replace(",", ".")) for r in body_rows[:-1]
             if texts(r["props"]["children"][3]) != "–"]
    assert rates == sorted(rates, reverse=True)
    assert max(rates) == pytest.approx(max(v["per_10k"] or 0 for k, v in want.items() if k != "luar"), abs=0.05)
    assert any(texts(r["props"]["children"][0]).startswith("◆ ") for r in body_rows)


def test_briefing_exports_xlsx_sheets_and_pdf(app, seeded, rows):
    """XLSX: one sheet per table, the league numbers equal the oracle's; PDF: Indonesian, at least one page."""
    from openpyxl import load_workbook

    config = config_of("/briefing", "briefing-config", **BRIEFING_QUERY)
    xlsx = post(app, "briefing-download", {"briefing-export-xlsx.n_clicks": 1}, {"briefing-config.data": config},
                triggered="briefing-export-xlsx.n_clicks")["briefing-download"]["data"]
    book = load_workbook(io.BytesIO(base64.b64decode(xlsx["content"])))
    assert len(book.sheetnames) == 7  # the six tables and the surge alerts
    filters = filters_from_query(BRIEFING_QUERY, NOW)
    _, _, opds = oracle.reference(seeded)
    compliance = oracle_pages.compliance_by_opd(rows, opds, filters, Scope.wall(), NOW)
    league = sheet_table(book["OPD"])[1]
    assert sorted(row[1] for row in league) == sorted(_short(k) for k in compliance)  # every OPD, once
    for row in league:
        code = next(k for k in compliance if _short(k) == row[1])
        assert row[3] == compliance[code]["resolution_sample"]
        want = compliance[code]["resolution_compliance_pct"]
        assert (row[2] is None and want is None) or row[2] == pytest.approx(round(want, 1))
    pdf = post(app, "briefing-download", {"briefing-export-pdf.n_clicks": 1}, {"briefing-config.data": config},
               triggered="briefing-export-pdf.n_clicks")["briefing-download"]["data"]
    data = base64.b64decode(pdf["content"])
    assert data.startswith(b"%PDF") and 2 <= len(re.findall(rb"/Type\s*/Page\b", data)) <= 4
    assert pdf["filename"] == "briefing_mimika_20261123.pdf"  # the WIT day of the period's end (09:30 WIT)


def test_briefing_league_shows_every_percentage_with_its_sample(app):
    """No percentage in the league without its n; small samples are marked; every row shows its overdue count."""
    out = post(app, "briefing-league", {"briefing-config.data": config_of("/briefing", "briefing-config")})
    table = out["briefing-league"]["children"]
    head, body = table["props"]["children"]
    columns = [texts(th) for th in head["props"]["children"]["props"]["children"]]
    assert columns[3] == "Terlambat" and "%" in columns[2]
    small = 0
    for tr in body["props"]["children"]:
        for cell in (texts(td) for td in tr["props"]["children"]):
            if "%" in cell:
                assert "n = " in cell or "dari " in cell, cell
            small += "sampel kecil" in cell
    assert small > 0  # the demo has OPDs below the ranking minimum


def test_briefing_weeks_are_dates_and_categories_appear_once(app):
    """Weeks read '16–22 Nov' (not '2026-W47'); the page has one 'Kategori terbanyak' panel."""
    out = post(app, "briefing-weekly", {"briefing-config.data": config_of("/briefing", "briefing-config")})
    labels = texts(out["briefing-weekly"]["children"])
    assert "16–22 Nov" in labels and "-W" not in labels
    assert "26 Okt–1 Nov" in labels  # a week across two months
    page = render("/briefing")
    assert texts(page).count("Kategori terbanyak") == 1


def _monthly(app, month, kind="xlsx", client=None):
    button = f"briefing-monthly-{kind}.n_clicks"
    out = post(app, "briefing-monthly-download", {button: 1},
               {"briefing-month.value": month, "briefing-config.data": config_of("/briefing", "briefing-config")},
               triggered=button, client=client)
    return {key: value.get("data", value.get("children")) for key, value in out.items()}


def test_monthly_report_from_the_briefing_in_the_viewers_scope(app):
    """The month picked on /briefing gives laporan_kinerja_mimika_YYYY-MM.{xlsx,pdf}: every OPD for the Bupati,
    only their own for an OPD user; a month not begun says so and sends nothing."""
    from openpyxl import load_workbook

    from tests.support.dash_app import client_as

    out = _monthly(app, "2026-10")
    assert out["briefing-monthly-download"]["filename"] == "laporan_kinerja_mimika_2026-10.xlsx"
    book = load_workbook(io.BytesIO(base64.b64decode(out["briefing-monthly-download"]["content"])))
    assert len(sheet_table(book["Per OPD"])[1]) == 19
    pdf = _monthly(app, "2026-10", "pdf")["briefing-monthly-download"]
    assert pdf["filename"] == "laporan_kinerja_mimika_2026-10.pdf"
    assert base64.b64decode(pdf["content"]).startswith(b"%PDF")
    mine = _monthly(app, "2026-10", client=client_as(app, "opd", ("PUPR",)))
    book = load_workbook(io.BytesIO(base64.b64decode(mine["briefing-monthly-download"]["content"])))
    assert [row[1] for row in sheet_table(book["Per OPD"])[1]] == ["PUPR"]
    refused = _monthly(app, "2026-12")
    assert "briefing-monthly-download" not in refused
    assert "tidak bisa dilaporkan" in texts(refused["briefing-monthly-status"])


# ------------------------------------------------------------------------------------------- /sla


@pytest.mark.parametrize("hours", [24, 72])
def test_sla_page_matches_oracle(app, seeded, rows, hours):
    """/sla with filters: the due-soon grid and both distributions equal the oracle's."""
    query = {"period": "month", "opd": "PUPR,DINKES,DUKCAPIL"}
    filters = filters_from_query(query, NOW)
    out = post(app, "sla-heatmap", {"sla-config.data": config_of("/sla", "sla-config", **query),
                                    "sla-kind.value": "response", "sla-hours.value": hours})
    assert [r["id"] for r in out["sla-due-grid"]["rowData"]] == [
        i for i, _ in oracle_pages.due_within(rows, filters, Scope.wall(), NOW, hours)]
    from data_access.queries.flow import DEFAULT_BINS

    for kind in ("response", "resolution"):
        figure = out[f"sla-dist-{kind}"]["figure"]
        assert figure["data"][0]["y"] == oracle_pages.time_distribution(rows, filters, Scope.wall(), NOW, kind,
                                                                         DEFAULT_BINS[kind])
    lines = out["sla-breaches"]["figure"]["data"]
    want_breaches = oracle.breaches(rows, filters, Scope.wall(), NOW, 28, "opd")
    assert [len(line["x"]) for line in lines] == [28, 28]
    for line in lines:
        kind = "response" if line["name"] == "respons" else "resolution"
        assert sum(line["y"]) == sum(n for (_, _, k), n in want_breaches.items() if k == kind)
    heat, small = out["sla-heatmap"]["figure"]["data"]
    pairs = oracle_pages.compliance_by_opd_category(rows, filters, Scope.wall(), NOW)
    first = heat["x"].index("Respons tepat waktu %")  # the chosen target's column comes first
    assert first == 0
    # Coloured only with a sample the league would rank; the small ones are grey (the second trace), never 100 %.
    painted = sum(1 for row in heat["z"] if row[first] is not None)
    assert painted == sum(1 for v in pairs.values() if v["response_compliance_pct"] is not None
                          and v["response_sample"] >= 20) > 0
    grey = sum(1 for row, text in zip(small["z"], small["text"], strict=True) if row[first] is not None
               and text[first] not in ("–", ""))
    # Each trace writes only its own cells: no text is drawn twice.
    assert all(not (a and b) for ra, rb in zip(heat["text"], small["text"], strict=True)
               for a, b in zip(ra, rb, strict=True))
    assert grey == sum(1 for v in pairs.values() if 0 < v["response_sample"] < 20)
    # Every OPD of the filter has its rows (one per category, named with it), judged or not.
    assert len({label.split(" · ")[0] for label in heat["y"]}) == 3 and len(heat["y"]) == len(set(heat["y"]))
    assert "Nov" not in str(lines[0]["x"][:1]) and all(" " in tick for tick in
                                                       out["sla-breaches"]["figure"]["layout"]["xaxis"]["ticktext"])
    assert lines[0]["line"]["color"] != lines[1]["line"]["color"]
    assert lines[0]["line"]["dash"] != lines[1]["line"]["dash"]


# ------------------------------------------------------------------------------------------- /explorer


def test_explorer_panel_matches_oracle_and_suppresses_small_villages(app, seeded, rows):
    """The district panel's figures equal the oracle's; villages with a handful of reports are hidden."""
    query = {"period": "quarter"}
    filters = filters_from_query(query, NOW)
    config = config_of("/explorer", "explorer-config", **query)
    hideout = post(app, "explorer-districts.hideout", {"explorer-config.data": config,
                                                      "explorer-measure.value": "overdue"})
    assert "94.04.01" in hideout["explorer-districts"]["hideout"]
    out = post(app, "explorer-panel", {"explorer-pick.value": "94.04.01"}, {"explorer-config.data": config})
    panel = out["explorer-panel"]["children"]
    districts, villages, _ = oracle.reference(seeded)
    want = oracle.by_district(rows, districts, Filters(filters.start, filters.end, ("94.04.01",)), Scope.wall(),
                              NOW)["94.04.01"]
    assert by_id(panel, "explorer-kpi-reports")["children"] == fmt_int(want["reports"])
    assert by_id(panel, "explorer-kpi-open")["children"] == fmt_int(want["open"])
    assert by_id(panel, "explorer-kpi-median")["children"] == fmt_dec(want["median_response_hours"])
    # Mimika Baru's villages all have enough reports this quarter; some of Jita's have a handful and are hidden.
    hidden_by_district = {}
    for code in ("94.04.01", "94.04.05"):
        panel = post(app, "explorer-panel", {"explorer-pick.value": code}, {"explorer-config.data": config})
        village_rows = by_id(panel["explorer-panel"]["children"], "explorer-villages")["children"][1]["props"][
            "children"]
        expected = oracle.by_village(rows, villages, Filters(filters.start, filters.end, (code,)), Scope.wall(),
                                     NOW, 5, False)
        hidden_by_district[code] = sum(1 for v in expected.values() if v[2])
        assert sum(1 for r in village_rows if "privasi" in texts(r)) == hidden_by_district[code], code
    assert hidden_by_district["94.04.01"] == 0 and hidden_by_district["94.04.05"] > 0, hidden_by_district


def test_map_click_picks_the_district(app):
    """A click on the map selects the clicked feature's district (or the nearest district point)."""
    out = post(app, "explorer-pick.value", {"explorer-districts.clickData": {"properties": {"code": "94.04.05"}}})
    assert out["explorer-pick"]["value"] == "94.04.05"
    out = post(app, "explorer-pick.value", {"explorer-districts.clickData": {"latlng": [-4.63, 137.16]}})
    assert out["explorer-pick"]["value"] == "94.04.01"


# ------------------------------------------------------------------------------------------- language, wiring


@pytest.mark.parametrize("path,config_id", [("/opd/PUPR", "opd-config"), ("/briefing", "briefing-config"),
                                            ("/sla", "sla-config"), ("/explorer", "explorer-config"),
                                            ("/report/1", "report-config"), ("/opd", "opd-index-config")])
def test_pages_speak_english_when_asked(app, path, config_id):
    """?lang=en switches the chrome to English and is carried by the navigation links; Indonesian is the default."""
    english = render(path, lang="en")
    assert find(english, config_id).data["lang"] == "en"
    assert "Regent's briefing" in texts(english) and "Briefing Bupati" not in texts(english)
    assert "Briefing Bupati" in texts(render(path))
    assert find(english, "lang-switch").href.endswith("lang=id")


def test_navigation_carries_filters_between_pages(app):
    """The navigation keeps the filters and language of the page it is on (the wall only gets the language)."""
    import json

    from plotly.utils import PlotlyJSONEncoder

    page = json.dumps(render("/briefing", period="week", opd="PUPR", lang="en"), cls=PlotlyJSONEncoder)
    assert '"/sla?period=week&opd=PUPR&lang=en"' in page
    assert '"/wall?lang=en"' in page
