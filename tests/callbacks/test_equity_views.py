"""#25 item 3: the location-equity figure shows the same value wherever it appears — the wall, the briefing and its
PDF, /publik and the monthly Laporan Kinerja (PDF and XLSX) — and that value is the independent oracle's count.

A store of its own holds only reports created and due in November 2026 before the fixed clock (Monday 23 November,
09:30 WIT), so the wall's 30 days, the briefing's default period, /publik's 30 days and the month of November all
judge the same targets."""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
from datetime import datetime, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access.intake.writer import ReportWriter
from data_access.queries.equity import location_equity
from data_access.rulebook.scope import Filters, Scope
from data_access.store.schema import District
from layouts import equity
from tests.callbacks.test_pages_callbacks import config_of
from tests.callbacks.test_wall_callbacks import tick
from tests.support import BACKENDS, NOW, oracle, oracle_pages
from tests.support.dash_app import get_app, post, texts, url

WIT_NOV = [datetime.fromisoformat(f"2026-11-0{d}T09:00:00+09:00") for d in (2, 3, 4, 5, 6)]
# (district, how many, answered within the hour, answered eight days late; the rest never answered)
PLAN = (("94.04.01", 14, 12, 2), ("94.04.09", 10, 8, 2),  # Mimika Baru, Kuala Kencana: road
        ("94.04.02", 6, 3, 1), ("94.04.04", 6, 3, 2),  # Agimuga (air), Mimika Barat (river): remote
        (None, 3, 1, 0))  # no district: on neither side


@pytest.fixture(scope="module", params=BACKENDS)
def store(request, make_store, workcal):
    engine = make_store(request.param)
    writer = ReportWriter(engine, workcal)
    with Session(engine) as session:
        n = 0
        for district, count, quick, late in PLAN:
            for i in range(count):
                created = WIT_NOV[n % len(WIT_NOV)] + timedelta(minutes=n)
                n += 1
                report = writer.create(session, category_code="jalan", title=f"Jalan rusak {n}", created_at=created,
                                       district_code=district)
                if i < quick:
                    writer.transition(session, report, "diverifikasi", created + timedelta(hours=1))
                elif i < quick + late:
                    writer.transition(session, report, "diverifikasi", created + timedelta(days=8))
        session.commit()
    return engine


@pytest.fixture(scope="module")
def expected(store):
    """The figure as the query gives it, checked against the oracle, and its texts as every view prints them."""
    figure = location_equity(store, Filters(), Scope.wall(), NOW)
    with store.connect() as conn:
        access = dict(conn.execute(select(District.code, District.access)).all())
    want = oracle_pages.location_equity(oracle.raw(store), access, Filters(), Scope.wall(), NOW)
    assert (want["remote"]["met"], want["remote"]["n"], want["road"]["met"], want["road"]["n"]) == (6, 12, 20, 24)
    assert figure.side("remote")["response_sample"] == 12 and figure.side("road")["response_met"] == 20
    assert figure.gap_pp == pytest.approx(want["gap_pp"]) == pytest.approx(50.0 - 100 * 20 / 24)
    assert figure.small  # 12 remote targets: below the minimum of 20, so marked
    x = equity.texts(figure, "id")
    return {"gap": x["gap"], "remote": x["remote"]["pct"], "road": x["road"]["pct"], "remote_n": "n = 12",
            "road_n": "n = 24", "median": x["remote"]["median"]}


def _assert_shows(text: str, expected: dict, where: str) -> None:
    assert expected["gap"] == "−33,3 poin", expected
    for key in ("gap", "remote", "road", "remote_n", "road_n"):
        assert expected[key] in text, (where, key, expected[key], text[:3000])


def _pdf_text(data: bytes, tmp_path, name: str) -> str:
    path = tmp_path / name
    path.write_bytes(data)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils is not installed")
def test_the_same_equity_figure_on_every_view(store, expected, tmp_path):
    """Wall band, briefing panel, briefing PDF, /publik, monthly report PDF and XLSX: one value, the oracle's."""
    app = get_app(url(store), boundaries=False)[0]

    wall = tick(app).get_json()["response"]["wall-equity"]["children"]
    _assert_shows(texts(wall), expected, "wall")
    assert "sampel kecil" in texts(wall)  # marked, not hidden

    config = config_of("/briefing", "briefing-config")
    briefing = post(app, "briefing-equity", {"briefing-config.data": config})["briefing-equity"]["children"]
    _assert_shows(texts(briefing), expected, "briefing")
    assert expected["median"] in texts(briefing)

    out = post(app, "briefing-download", {"briefing-export-pdf.n_clicks": 1}, {"briefing-config.data": config},
               triggered="briefing-export-pdf.n_clicks")["briefing-download"]["data"]
    _assert_shows(_pdf_text(base64.b64decode(out["content"]), tmp_path, "briefing.pdf"), expected, "briefing PDF")

    page = app.server.test_client().get("/publik").get_data(as_text=True)
    _assert_shows(page, expected, "/publik")

    def monthly(kind: str) -> bytes:
        button = f"briefing-monthly-{kind}.n_clicks"
        out = post(app, "briefing-monthly-download", {button: 1},
                   {"briefing-month.value": "2026-11", "briefing-config.data": config}, triggered=button)
        return base64.b64decode(out["briefing-monthly-download"]["data"]["content"])

    _assert_shows(_pdf_text(monthly("pdf"), tmp_path, "monthly.pdf"), expected, "monthly PDF")
    book = load_workbook(io.BytesIO(monthly("xlsx")))
    sheet = " ".join(str(v) for row in book["Respons di setiap distrik"].iter_rows(values_only=True) for v in row)
    _assert_shows(sheet, expected, "monthly XLSX")
    summary = {row[0]: row[1] for row in book["Ringkasan"].iter_rows(values_only=True)} if "Ringkasan" in \
        book.sheetnames else {}
    if summary:
        assert summary["Selisih respons tepat waktu, terpencil − jalan darat (poin)"] == pytest.approx(-33.3)
