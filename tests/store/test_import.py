"""File imports into real stores (SQLite, and PostgreSQL when TEST_DATABASE_URL is set): messy files land or are
rejected with a reason, re-imports add nothing, changes update and leave a timeline, and the wall sees it all."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from data_access.intake.importing import ImportFailed, ImportOptions, import_file
from data_access.queries import headline_kpis, newest_reports
from data_access.rulebook.scope import Filters, Scope
from data_access.rulebook.sla import WIT
from data_access.store.schema import Report, ReportEvent
from tests.support import NOW

MAPPING = """\
[columns]
external_id = "Unique Key"
created_at = "Created Date"
closed_at = "Closed Date"
status = "Status"
category = "Complaint Type"
title = ["Complaint Type", "Descriptor"]
description = "Descriptor"
lat = "Latitude"
lon = "Longitude"
opd = "Agency"

[status]
"Open" = "baru"
"In Progress" = "diproses"
"Closed" = "selesai"

[category]
"Street Light Condition" = "penerangan"
"Pothole" = "jalan"
"Noise" = "ketertiban"
"Water System" = "air_bersih"

[opd]
"DOT" = "DISHUB"

[defaults]
category = "lainnya"
"""

HEADER = "Unique Key;Created Date;Closed Date;Status;Complaint Type;Descriptor;Latitude;Longitude;Agency"
# Semicolons, a BOM, CRLF, a quoted newline, mojibake, comma decimals, 0,0, several date shapes and junk.
MESSY_ROWS = [
    "A-1;11/20/2026 08:15:00 AM;;Open;Street Light Condition;Lampu mati;-4,5467;136,8883;DOT",
    'A-2;2026-11-19T10:00:00+09:00;2026-11-21 10:00:00.1234567;Closed;Pothole;"Lubang besar\r\ndi jalan";0;0;PUPR',
    "A-3;11/18/2026 14:05;11/17/2026 09:00;Closed;Street Light Condition;CafÃ© rusak;;;",
    "A-4;null;;Open;Noise;tanpa tanggal;;;",
    "A-5;12/25/2027 10:00:00 AM;;Open;Noise;masa depan;;;",
    "A-6;01/05/1999 10:00;;Open;Noise;terlalu lama;;;",
    "A-7;11/21/2026 09:00:00 PM;;Weird;Noise;status aneh;;;",
    "Total rows: 9",
    "A-8;11/22/26 7:30;;N/A;Unknown Service;layanan lain;-4.53;136.9;",
    HEADER,
    ";11/22/2026 10:00:00 AM;;Open;Pothole;tanpa nomor;;;",
    "A-9;11/23/2026 12:00:00 AM;;In Progress;Water System;air keruh;-4.55;136.88;",
]
LANDING = {"A-1", "A-2", "A-3", "A-8", "A-9"}  # and one with a derived id
REJECTED_REASONS = ("created_at is missing", "in the future", "before 2000", "'Weird'", "1 fields where",
                    "repeated header")


def write_csv(path: Path, rows: list[str], header: str = HEADER) -> Path:
    path.write_bytes(b"\xef\xbb\xbf" + ("\r\n".join([header, *rows]) + "\r\n").encode("utf-8"))
    return path


@pytest.fixture(autouse=True)
def _release_connections(request):
    """Each test's store gives its pooled connections back when the test ends (a shared PostgreSQL server has
    a limit on clients, and the store fixture lives until the session ends)."""
    engine = request.getfixturevalue("empty_store") if "empty_store" in request.fixturenames else None
    yield
    if engine is not None:
        engine.dispose()


@pytest.fixture
def messy(tmp_path) -> tuple[Path, Path]:
    mapping = tmp_path / "nyc.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    return write_csv(tmp_path / "messy.csv", MESSY_ROWS), mapping


def run(store, workcal, path, mapping=None, *, assigner=None, **options):
    opts = ImportOptions(source=options.pop("source", "nyc"), mapping=str(mapping) if mapping else None,
                         now=options.pop("now", NOW), **options)
    return import_file(store, workcal, path, opts, assigner=assigner)


def identity(summary) -> bool:
    return summary.inserted + summary.updated + summary.unchanged + summary.rejected == summary.read


def read_rejects(path: Path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def reports(store, source="nyc") -> dict[str, dict]:
    with store.connect() as conn:
        rows = conn.execute(select(Report).where(Report.source == source)).mappings().all()
    return {r["external_id"]: dict(r) for r in rows}


def test_messy_csv_lands_or_is_rejected_with_a_reason(empty_store, workcal, messy, assigner):
    """Every record of a messy CSV lands or is in the rejects file with its line, a reason and the original text;
    inserted + updated + unchanged + rejected = read."""
    path, mapping = messy
    summary = run(empty_store, workcal, path, mapping, assigner=assigner)
    assert summary.read == 12 and identity(summary)
    assert (summary.inserted, summary.rejected) == (6, 6)
    assert summary.unmapped_category == 1 and summary.unmapped_category_values == {"Unknown Service": 1}
    assert summary.derived_ids == 1
    landed = reports(empty_store)
    assert LANDING <= set(landed) and len(landed) == 6
    rows = read_rejects(path.with_name("messy.rejects.csv"))
    rejected = [r for r in rows if r["kind"] == "rejected"]
    assert len(rejected) == 6 and all(r["reason"].strip() and r["record"].strip() for r in rows)
    for fragment in REJECTED_REASONS:
        assert any(fragment in r["reason"] for r in rejected), fragment
    # The original record is kept as the file had it (mojibake and all), with the line it starts on.
    by_line = {int(r["line"]): r for r in rows}
    assert by_line[5]["record"].startswith("A-3;") and "CafÃ©" in by_line[5]["record"]
    assert by_line[6]["reason"] == "created_at is missing" and by_line[6]["record"] == MESSY_ROWS[3]
    assert by_line[10]["record"] == "Total rows: 9"


def test_messy_values_are_repaired_and_placed(empty_store, workcal, messy, assigner):
    """Mojibake repaired, comma decimals read, 0,0 lands without a location (outside), day/month decided by the
    column, a closed time before the creation lands with a warning, statuses set the rule book's times."""
    path, mapping = messy
    summary = run(empty_store, workcal, path, mapping, assigner=assigner)
    r = reports(empty_store)
    a1, a2, a3, a8, a9 = (r[k] for k in ("A-1", "A-2", "A-3", "A-8", "A-9"))
    assert a1["created_at"] == datetime(2026, 11, 20, 8, 15, tzinfo=WIT).astimezone(UTC)
    assert (a1["lat"], a1["lon"], a1["district_code"]) == (-4.5467, 136.8883, "94.04.01")
    assert a1["category_code"] == "penerangan" and a1["opd_code"] == "DISHUB" and a1["status"] == "baru"
    assert a1["title"] == "Street Light Condition – Lampu mati"
    assert a1["response_due_at"] is not None and a1["resolution_due_at"] is not None
    assert a2["lat"] is None and a2["district_code"] is None and a2["status"] == "selesai"
    assert a2["resolved_at"] == datetime(2026, 11, 21, 10, 0, 0, 123456, tzinfo=WIT).astimezone(UTC)
    assert a2["first_response_at"] == a2["resolved_at"] and a2["closed_at"] is None
    assert a2["opd_code"] == "PUPR" and a2["description"] == "Lubang besar\ndi jalan"
    assert a3["description"] == "Café rusak" and a3["resolved_at"] == a3["created_at"]
    assert a8["created_at"] == datetime(2026, 11, 22, 7, 30, tzinfo=WIT).astimezone(UTC)
    assert a8["category_code"] == "lainnya" and a8["opd_code"] == "KOMINFO" and a8["status"] == "baru"
    # No response time in the file: answered at a time the source did not give (unknown), not at the import.
    assert a9["status"] == "diproses" and a9["first_response_at"] is None and a9["resolved_at"] is None
    # A-2 (0,0), and A-3 and the unnumbered row without coordinates: every new report that landed without a district
    assert summary.outside == sum(1 for x in r.values() if x["district_code"] is None) == 3
    warnings = [w for w in read_rejects(path.with_name("messy.rejects.csv")) if w["kind"] == "warning"]
    assert any("before created_at" in w["reason"] and w["record"].startswith("A-3;") for w in warnings)


def test_reimport_adds_nothing_and_a_changed_status_updates_with_an_event(empty_store, workcal, messy):
    """The same file again inserts 0 and changes nothing; a file where A-1 is now closed updates that report
    (status, times) and writes one status event by impor:nyc; nothing is duplicated."""
    path, mapping = messy
    run(empty_store, workcal, path, mapping)
    with empty_store.connect() as conn:
        events_before = conn.execute(select(func.count()).select_from(ReportEvent)).scalar()
    again = run(empty_store, workcal, path, mapping)
    assert (again.inserted, again.updated, again.unchanged, again.rejected) == (0, 0, 6, 6) and identity(again)
    with empty_store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ReportEvent)).scalar() == events_before
    changed = list(MESSY_ROWS)
    changed[0] = "A-1;11/20/2026 08:15:00 AM;11/22/2026 01:00:00 PM;Closed;Street Light Condition;Lampu mati;;;DOT"
    later = NOW + timedelta(hours=2)
    summary = run(empty_store, workcal, write_csv(path.with_name("changed.csv"), changed), mapping, now=later)
    assert (summary.inserted, summary.updated, summary.unchanged) == (0, 1, 5) and identity(summary)
    a1 = reports(empty_store)["A-1"]
    closed = datetime(2026, 11, 22, 13, 0, tzinfo=WIT).astimezone(UTC)
    assert a1["status"] == "selesai" and a1["resolved_at"] == closed and a1["first_response_at"] == closed
    assert a1["updated_at"] == later
    with empty_store.connect() as conn:
        events = conn.execute(select(ReportEvent).where(ReportEvent.report_id == a1["id"])
                              .order_by(ReportEvent.id)).mappings().all()
        assert conn.execute(select(func.count()).select_from(Report)).scalar() == 6
    assert [(e["from_status"], e["to_status"]) for e in events] == [(None, "baru"), ("baru", "selesai")]
    assert events[-1]["kind"] == "status" and events[-1]["actor"] == "impor:nyc" and events[-1]["at"] == closed
    # The same changed file once more is unchanged.
    assert run(empty_store, workcal, path.with_name("changed.csv"), mapping, now=later).updated == 0


def test_reopen_hold_and_no_walking_back(empty_store, workcal, tmp_path):
    """An import may finish, hold and reopen a report; a dump that still says "baru" does not undo a later
    status; holds recompute due times over the report's holds as ReportWriter does."""
    header = "external_id,created_at,status,category,title"
    path = write_csv(tmp_path / "s.csv", ["X1,2026-11-02 09:00,diproses,jalan,Jalan rusak"], header)
    run(empty_store, workcal, path)
    steps = [("baru", 0, "diproses"), ("ditunda", 1, "ditunda"), ("diproses", 1, "diproses"),
             ("selesai", 1, "selesai"), ("diproses", 1, "diproses")]
    for i, (status, updated, expected) in enumerate(steps):
        write_csv(path, [f"X1,2026-11-02 09:00,{status},jalan,Jalan rusak"], header)
        summary = run(empty_store, workcal, path, now=NOW + timedelta(days=i + 1))
        assert summary.updated == updated, status
        assert reports(empty_store, "nyc")["X1"]["status"] == expected
    x1 = reports(empty_store)["X1"]
    assert x1["resolved_at"] is None and x1["paused_seconds"] == 86400.0
    with empty_store.connect() as conn:
        kinds = conn.execute(select(ReportEvent.from_status, ReportEvent.to_status)
                             .where(ReportEvent.report_id == x1["id"]).order_by(ReportEvent.id)).all()
    assert [tuple(k) for k in kinds] == [(None, "baru"), ("baru", "diproses"), ("diproses", "ditunda"),
                                         ("ditunda", "diproses"), ("diproses", "selesai"), ("selesai", "diproses")]


def test_dry_run_writes_nothing(empty_store, workcal, messy):
    """--dry-run reads, checks and counts exactly like an import, but the store and the folder stay untouched."""
    path, mapping = messy
    summary = run(empty_store, workcal, path, mapping, dry_run=True)
    assert (summary.read, summary.inserted, summary.rejected) == (12, 6, 6) and summary.dry_run
    with empty_store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Report)).scalar() == 0
        assert conn.execute(select(func.count()).select_from(ReportEvent)).scalar() == 0
    assert not path.with_name("messy.rejects.csv").exists()


def test_the_wall_sees_imported_reports_at_once(empty_store, workcal, tmp_path, assigner):
    """Right after an import the wall's queries count the reports: new today, open, overdue, the ticker."""
    header = "external_id,created_at,status,category,title,lat,lon"
    today = (NOW - timedelta(minutes=20)).astimezone(WIT).strftime("%Y-%m-%d %H:%M")
    old = "2026-10-01 09:00"
    rows = [f"T{i},{today},baru,sampah,Sampah menumpuk,-4.546,136.888" for i in range(3)]
    rows += [f"O{i},{old},diproses,jalan,Jalan berlubang,," for i in range(2)]
    summary = run(empty_store, workcal, write_csv(tmp_path / "w.csv", rows, header), assigner=assigner)
    assert summary.inserted == 5
    kpis = headline_kpis(empty_store, Filters(), Scope.wall(), NOW).iloc[0]
    assert int(kpis["new_today"]) == 3 and int(kpis["open"]) == 5
    assert int(kpis["overdue"]) == 2  # created in October, unresolved: past their resolution due time
    ticker = newest_reports(empty_store, Filters(), Scope.wall(), NOW)
    assert set(ticker["title"]) == {"Sampah menumpuk", "Jalan berlubang"} and len(ticker) == 5
    assert set(ticker[ticker["title"] == "Sampah menumpuk"]["district_code"]) == {"94.04.01"}


def test_open311_json_wrapper_with_duplicate_keys(empty_store, workcal, tmp_path):
    """Open311 JSON in a wrapper object, with a duplicate key (the last non-empty value wins, with a warning),
    nested objects, nulls, a non-object element (rejected), and the Open311 preset guessed from the format."""
    body = """{"meta": {"count": 3}, "service_requests": [
      {"service_request_id": "638344", "status": "open", "status": "closed", "service_name": "Pothole",
       "description": "Lubang", "requested_datetime": "2026-11-10T09:00:00-00:00",
       "updated_datetime": "2026-11-12T09:00:00Z", "lat": -4.546, "long": 136.888, "address": null},
      {"service_request_id": 638345, "status": "open", "service_name": "Something New",
       "requested_datetime": "2026-11-11 10:00:00.5", "lat": 0, "long": 0, "attributes": {"x": 1}},
      "junk"
    ]}"""
    path = tmp_path / "requests.json"
    path.write_text(body, encoding="utf-8")
    summary = run(empty_store, workcal, path, source="open311")
    assert (summary.read, summary.inserted, summary.rejected) == (3, 2, 1) and identity(summary)
    assert summary.format == "open311-json" and summary.mapping == "preset:open311"
    r = reports(empty_store, "open311")
    assert r["638344"]["status"] == "selesai" and r["638344"]["category_code"] == "jalan"
    assert r["638344"]["resolved_at"] == datetime(2026, 11, 12, 9, 0, tzinfo=UTC)
    assert r["638345"]["category_code"] == "lainnya" and r["638345"]["lat"] is None
    assert r["638345"]["created_at"] == datetime(2026, 11, 11, 10, 0, 0, 500000, tzinfo=WIT).astimezone(UTC)
    rows = read_rejects(tmp_path / "requests.rejects.csv")
    assert any(w["kind"] == "warning" and "duplicate key 'status'" in w["reason"] for w in rows)
    assert any(w["kind"] == "rejected" and w["reason"] == "not an object" and w["record"] == '"junk"' for w in rows)


def test_open311_xml_with_namespaces_and_nil(empty_store, workcal, tmp_path):
    """Open311 XML with a default namespace, xsi:nil and an empty element lands; a request without a date is
    rejected with its record number and the original XML."""
    body = """<?xml version="1.0" encoding="utf-8"?>
<service_requests xmlns="http://open311.org/v2" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <request>
    <service_request_id>X-1</service_request_id><status>open</status>
    <service_name>Street Light Out</service_name><description>Lampu mati di depan pasar</description>
    <requested_datetime>2026-11-20T19:00:00+09:00</requested_datetime>
    <updated_datetime xsi:nil="true"/><lat>-4.55</lat><long>136.89</long><address></address>
  </request>
  <request>
    <service_request_id>X-2</service_request_id><status>closed</status><service_name>Flooding</service_name>
    <requested_datetime xsi:nil="true"/>
  </request>
</service_requests>"""
    path = tmp_path / "requests.xml"
    path.write_text(body, encoding="utf-8")
    summary = run(empty_store, workcal, path, source="open311")
    assert (summary.read, summary.inserted, summary.rejected) == (2, 1, 1)
    x1 = reports(empty_store, "open311")["X-1"]
    assert x1["category_code"] == "penerangan" and x1["title"] == "Street Light Out"
    assert x1["created_at"] == datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
    rejected = read_rejects(tmp_path / "requests.rejects.csv")
    assert rejected[0]["line"] == "2" and "created_at is missing" in rejected[0]["reason"]
    assert "<ns0:service_request_id>X-2</ns0:service_request_id>" in rejected[0]["record"]


def test_xlsx_export_of_sp4n_lapor(empty_store, workcal, tmp_path):
    """An SP4N-LAPOR! XLSX (date cells, day-first text dates, numeric tracking ids) with the lapor preset
    guessed from its header: statuses, categories, agencies and the lapor channel."""
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Laporan SP4N-LAPOR! Kabupaten Mimika"])  # a title row and a blank row above the header
    sheet.append([])
    book_rows = [
        ["Tracking ID", "Tanggal Laporan", "Judul Laporan", "Isi Laporan", "Kategori", "Status",
         "Instansi Terdisposisi", "Tanggal Selesai", "Latitude", "Longitude"],
        [5123456.0, datetime(2026, 11, 2, 9, 30), "Jalan rusak", "Jalan ke Kwamki berlubang", "Infrastruktur",
         "Selesai", "Dinas Pekerjaan Umum dan Penataan Ruang Kabupaten Mimika", "13/11/2026 10:00", -4.53, 136.87],
        ["5123457", "03/11/2026 08:00", "Puskesmas tutup", None, "Kesehatan", "Proses", "Dinas Kesehatan",
         None, None, None],
        ["5123458", "04/11/2026 08:00", "Lainnya", "Sesuatu", "Kategori Baru", "Belum Terverifikasi", "BPN",
         None, "N/A", "N/A"],
    ]
    for row in book_rows:
        sheet.append(row)
    sheet.append([None] * 10)
    path = tmp_path / "lapor.xlsx"
    book.save(path)
    summary = run(empty_store, workcal, path, source="lapor")
    assert summary.mapping == "preset:lapor" and (summary.inserted, summary.rejected) == (3, 0)
    assert identity(summary)
    r = reports(empty_store, "lapor")
    first = r["5123456"]
    assert first["created_at"] == datetime(2026, 11, 2, 9, 30, tzinfo=WIT).astimezone(UTC)
    assert first["status"] == "selesai" and first["opd_code"] == "PUPR" and first["channel"] == "lapor"
    assert first["resolved_at"] == datetime(2026, 11, 13, 10, 0, tzinfo=WIT).astimezone(UTC)
    assert r["5123457"]["created_at"] == datetime(2026, 11, 3, 8, 0, tzinfo=WIT).astimezone(UTC)
    assert r["5123457"]["opd_code"] == "DINKES" and r["5123457"]["status"] == "diproses"
    assert r["5123458"]["category_code"] == "lainnya" and summary.unmapped_opd == 1


def test_timezone_option_and_ambiguous_dates(empty_store, workcal, tmp_path):
    """--timezone sets the zone of times without one; a column where no value decides day/month rejects the
    ambiguous values with a reason naming the [dates] order setting, and takes the unambiguous ones."""
    header = "external_id,created_at,category,title"
    path = write_csv(tmp_path / "amb.csv", ["D1,03/04/2026 10:00,jalan,a", "D2,04/04/2026 10:00,jalan,b"], header)
    summary = run(empty_store, workcal, path, timezone="UTC")
    assert (summary.inserted, summary.rejected) == (1, 1)
    assert reports(empty_store)["D2"]["created_at"] == datetime(2026, 4, 4, 10, 0, tzinfo=UTC)
    reason = read_rejects(tmp_path / "amb.rejects.csv")[0]["reason"]
    assert "ambiguous" in reason and "[dates] order" in reason
    mapping = tmp_path / "dmy.toml"
    mapping.write_text('[columns]\nexternal_id = "external_id"\ncreated_at = "created_at"\ncategory = "category"\n'
                       'title = "title"\n[dates]\norder = "DMY"\n', encoding="utf-8")
    summary = run(empty_store, workcal, path, mapping, timezone="WITA")
    assert (summary.inserted, summary.unchanged) == (1, 1)
    assert reports(empty_store)["D1"]["created_at"] == datetime(2026, 4, 3, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize("problem, fragment", [
    ("missing", "no such file"), ("format", "--format"), ("mapping", "not valid TOML"),
    ("timezone", "not a time zone"), ("column", "no column for created_at"), ("category", "nope"),
])
def test_unusable_input_stops_before_writing(empty_store, workcal, tmp_path, problem, fragment):
    """A missing file, an unknown format, a broken mapping, an unknown zone, a mapping whose date column is not
    in the file, or a mapping to a category the store lacks: ImportFailed naming it, nothing written."""
    path = write_csv(tmp_path / "f.csv", ["1,2026-11-01 10:00,jalan,a"], "external_id,created_at,category,title")
    mapping = tmp_path / "m.toml"
    mapping.write_text('[columns]\ncreated_at = "created_at"\ntitle = "title"\n', encoding="utf-8")
    options = {}
    if problem == "missing":
        path = tmp_path / "nope.csv"
    elif problem == "format":
        options["format"] = "dbf"
    elif problem == "mapping":
        mapping.write_text("[columns\n", encoding="utf-8")
    elif problem == "timezone":
        options["timezone"] = "Mars/Olympus"
    elif problem == "column":
        mapping.write_text('[columns]\ncreated_at = "Tanggal"\ntitle = "title"\n', encoding="utf-8")
    else:
        mapping.write_text('[columns]\ncreated_at = "created_at"\ntitle = "title"\n[category]\n"x" = "nope"\n',
                           encoding="utf-8")
    with pytest.raises(ImportFailed, match=fragment.replace("[", r"\[")):
        run(empty_store, workcal, path, mapping, **options)
    with empty_store.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM report")).scalar() == 0


def test_long_and_odd_values_fit_the_store(empty_store, workcal, tmp_path):
    """A 300-character title and a 100-character id fit the store's columns (PostgreSQL enforces them): the title
    is shortened with an ellipsis, the id keeps its head and a hash of the whole."""
    long_id = "ID-" + "9" * 97
    path = write_csv(tmp_path / "long.csv", [f"{long_id},2026-11-01 10:00,jalan,{'T' * 300}"],
                     "external_id,created_at,category,title")
    assert run(empty_store, workcal, path).inserted == 1
    (ext, report), = reports(empty_store).items()
    assert len(ext) == 64 and ext.startswith("ID-999") and len(report["title"]) == 200
    assert report["title"].endswith("…")
    assert run(empty_store, workcal, path).unchanged == 1


def test_json_summary_counts_are_whole_numbers(empty_store, workcal, messy):
    """The summary dict is JSON-ready with the documented keys."""
    path, mapping = messy
    out = run(empty_store, workcal, path, mapping).as_dict()
    assert {"read", "inserted", "updated", "unchanged", "rejected", "unmapped_category", "warnings"} <= set(out)
    assert json.loads(json.dumps(out)) == out


@pytest.mark.parametrize("batch_size", [1, 5000])
def test_the_same_report_twice_in_one_file(empty_store, workcal, tmp_path, batch_size):
    """A record repeated later in the file (same id, now closed) is one report, closed, whether both copies fall
    in one batch or in two: only the newer copy is written; a plain repeat is unchanged. The counts still add up
    to what was read."""
    header = "external_id,created_at,closed_at,status,category,title"
    rows = ["R1,2026-11-01 09:00,,baru,jalan,Jalan", "R2,2026-11-01 10:00,,baru,jalan,Jalan",
            "R1,2026-11-01 09:00,2026-11-03 09:00,selesai,jalan,Jalan", "R2,2026-11-01 10:00,,baru,jalan,Jalan"]
    summary = run(empty_store, workcal, write_csv(tmp_path / "dup.csv", rows, header), batch_size=batch_size)
    assert (summary.read, summary.inserted, summary.updated, summary.unchanged, summary.superseded) == (4, 2, 0, 2, 2)
    r = reports(empty_store)
    assert len(r) == 2 and r["R1"]["status"] == "selesai"
    with empty_store.connect() as conn:
        assert conn.execute(select(func.count()).select_from(ReportEvent)
                            .where(ReportEvent.report_id == r["R1"]["id"])).scalar() == 2


def test_an_empty_file_is_named(empty_store, workcal, tmp_path):
    """An empty CSV (or one with only blank lines) stops with a clear reason."""
    path = tmp_path / "empty.csv"
    path.write_bytes(b"\xef\xbb\xbf\r\n\r\n")
    with pytest.raises(ImportFailed, match="empty"):
        run(empty_store, workcal, path)


def test_item1_an_imported_description_is_bounded(empty_store, workcal, tmp_path):
    """#23 item 1: a 100,000-character description lands cut to the store's bound, with a warning; the anonymous
    Open311 read of it masks in linear time (tests/unit/test_contact_masking.py)."""
    from data_access.store.schema import DESCRIPTION_MAX

    long_text = "a" * 60_000 + " 0812 3456 7890 " + "1" * 40_000
    body = json.dumps([{"service_request_id": "L-1", "status": "open", "service_name": "Pothole",
                        "description": long_text, "requested_datetime": "2026-11-10T09:00:00+09:00"}])
    path = tmp_path / "long.json"
    path.write_text(body, encoding="utf-8")
    summary = run(empty_store, workcal, path, source="open311")
    assert summary.inserted == 1
    stored = reports(empty_store, "open311")["L-1"]["description"]
    assert len(stored) == DESCRIPTION_MAX and stored.endswith("…")
    rows = read_rejects(tmp_path / "long.rejects.csv")
    assert any(w["kind"] == "warning" and "description cut to" in w["reason"] for w in rows)
