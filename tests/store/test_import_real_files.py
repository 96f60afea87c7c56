"""#24 item 2: the importer is right on files others export (SQLite, and PostgreSQL when TEST_DATABASE_URL is set).

An optional time it cannot read warns instead of rejecting (a San Francisco Open311 dump whose objects repeat
keys), SP4N-LAPOR!'s status list and agency names land where they belong, the newest copy of a record wins
whatever the file's order, and a re-import (of the same file or an older export) changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from data_access.rulebook.sla import WIT
from data_access.store.schema import Report, ReportEvent
from tests.store.test_import import identity, read_rejects, reports, run, write_csv
from tests.support import NOW


@pytest.fixture(autouse=True)
def _release_connections(request):
    engine = request.getfixturevalue("empty_store") if "empty_store" in request.fixturenames else None
    yield
    if engine is not None:
        engine.dispose()


def snapshot(store) -> tuple[list, list]:
    with store.connect() as conn:
        rows = [tuple(r) for r in conn.execute(select(Report).order_by(Report.id)).all()]
        events = [tuple(r) for r in conn.execute(select(ReportEvent).order_by(ReportEvent.id)).all()]
    return rows, events


def test_an_unreadable_optional_time_warns_and_the_record_lands(empty_store, workcal, tmp_path):
    """A San Francisco-style dump: objects repeat keys and the value that wins for updated_datetime is "true".
    Every record whose creation time, status and service are fine lands (its update time unknown, with a
    warning); only a missing or unreadable creation time rejects."""
    good = []
    for i in range(6):
        good.append(
            f'{{"service_request_id": "SF-{i}", "status": "{"closed" if i % 2 else "open"}", '
            f'"service_name": "Pothole", "requested_datetime": "2026-11-0{i + 1}T09:00:00Z", '
            f'"updated_datetime": "2026-11-1{i}T09:00:00Z", "updated_datetime": "true", '
            f'"lat": -4.55, "long": 136.88}}')
    bad = ['{"service_request_id": "SF-x", "status": "open", "service_name": "Pothole", '
           '"requested_datetime": "true", "requested_datetime": "true"}',
           '{"service_request_id": "SF-y", "status": "open", "service_name": "Pothole"}']
    path = tmp_path / "sf.json"
    path.write_text("[" + ",\n".join(good + bad) + "]", encoding="utf-8")
    summary = run(empty_store, workcal, path, source="open311-sf")
    assert (summary.read, summary.inserted, summary.rejected) == (8, 6, 2) and identity(summary)
    landed = reports(empty_store, "open311-sf")
    assert set(landed) == {f"SF-{i}" for i in range(6)}
    # The update time is unknown: a closed request's resolution is not made up from it, nor from the import.
    assert landed["SF-1"]["status"] == "selesai" and landed["SF-1"]["resolved_at"] is None
    assert landed["SF-0"]["created_at"] == datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    rows = read_rejects(tmp_path / "sf.rejects.csv")
    warned = [r for r in rows if r["kind"] == "warning" and "updated_at: not a date: 'true'" in r["reason"]]
    assert len(warned) == 6
    rejected = sorted(r["reason"] for r in rows if r["kind"] == "rejected")
    assert rejected == ["created_at is missing", "created_at: not a date: 'true'"]
    # The same dump again changes nothing.
    before = snapshot(empty_store)
    again = run(empty_store, workcal, path, source="open311-sf", now=NOW + timedelta(hours=1))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 6) and snapshot(empty_store) == before


LAPOR_HEADER = "Tracking ID,Tanggal Laporan,Tanggal Update,Judul Laporan,Kategori,Status,Instansi Terdisposisi"
# (LAPOR!'s status, ours) — LAPOR!'s admin pages and exports: verification, forwarding, follow-up, finishing, and
# the admin's other actions (hold, not this government's, archive).
LAPOR_STATUSES = [
    ("Menunggu Verifikasi", "baru"), ("Belum Terverifikasi", "baru"), ("Terverifikasi", "diverifikasi"),
    ("Diteruskan", "didisposisikan"), ("Didisposisikan", "didisposisikan"), ("Dalam Proses", "diproses"),
    ("Proses", "diproses"), ("Ditindaklanjuti", "diproses"), ("Tunda", "ditunda"), ("Selesai", "selesai"),
    ("Ditutup", "ditutup"), ("Ditolak", "ditolak"), ("Bukan Wewenang", "ditolak"), ("Diarsipkan", "diarsipkan"),
]
# (the agency as LAPOR! writes it, our OPD): full and short names, with the regency's name, in any case.
LAPOR_AGENCIES = [
    ("RSUD Mimika", "RSUD"), ("Rumah Sakit Umum Daerah Mimika", "RSUD"), ("rsud kabupaten mimika", "RSUD"),
    ("Dinas Kesehatan Kabupaten Mimika", "DINKES"), ("DINKES", "DINKES"), ("Satpol PP Kab. Mimika", "SATPOLPP"),
    ("Dinas Pekerjaan Umum dan Penataan Ruang", "PUPR"), ("PUPR Mimika", "PUPR"), ("dishub", "DISHUB"),
    ("Badan Penanggulangan Bencana Daerah Kabupaten Mimika", "BPBD"), ("Pemkab Mimika - Dinas Sosial", "DINSOS"),
    ("Disnakertrans Mimika", "DISNAKER"), ("DP3A", "DP3A"), ("Dinas Lingkungan Hidup", "DLH"),
]


def test_lapor_statuses_and_agency_names(empty_store, workcal, tmp_path):
    """A LAPOR!-style CSV (the preset guessed from its header): every status of LAPOR!'s list lands as ours, and
    each agency name, full or short, with or without "Kabupaten Mimika", reaches its OPD — not the category's."""
    rows = []
    for i, (status, _) in enumerate(LAPOR_STATUSES):
        agency = LAPOR_AGENCIES[i % len(LAPOR_AGENCIES)][0]
        rows.append(f'L{i},0{1 + i % 9}/11/2026 08:00,1{i % 9}/11/2026 09:00,Laporan {i},Lainnya,{status},"{agency}"')
    for j, (agency, _) in enumerate(LAPOR_AGENCIES):
        rows.append(f'A{j},02/11/2026 08:00,,Laporan,Lainnya,Proses,"{agency}"')
    path = write_csv(tmp_path / "lapor.csv", rows, LAPOR_HEADER)
    summary = run(empty_store, workcal, path, source="lapor")
    assert summary.mapping == "preset:lapor"
    assert (summary.rejected, summary.unmapped_opd) == (0, 0), read_rejects(tmp_path / "lapor.rejects.csv")
    landed = reports(empty_store, "lapor")
    assert {f"L{i}": landed[f"L{i}"]["status"] for i in range(len(LAPOR_STATUSES))} == {
        f"L{i}": ours for i, (_, ours) in enumerate(LAPOR_STATUSES)}
    assert {landed[f"A{j}"]["opd_code"] for j in range(len(LAPOR_AGENCIES))} == {o for _, o in LAPOR_AGENCIES}
    for j, (agency, opd) in enumerate(LAPOR_AGENCIES):
        assert landed[f"A{j}"]["opd_code"] == opd, agency
    assert landed["L1"]["created_at"] == datetime(2026, 11, 2, 8, 0, tzinfo=WIT).astimezone(UTC)  # day first


DUP_HEADER = "external_id,created_at,updated_at,closed_at,status,category,title"
CLOSED = "R1,2026-11-01 09:00,2026-11-05 09:00,2026-11-05 09:00,selesai,jalan,Jalan"
STALE = "R1,2026-11-01 09:00,2026-11-03 09:00,,diproses,jalan,Jalan"
UNTIMED = "R1,2026-11-01 09:00,,,baru,jalan,Jalan"
SAME_TIME_EARLIER = "R1,2026-11-01 09:00,2026-11-05 09:00,,diproses,jalan,Jalan"
OTHER = "R2,2026-11-01 10:00,2026-11-02 10:00,,diproses,jalan,Jalan"


@pytest.mark.parametrize("batch_size", [1, 5000])
@pytest.mark.parametrize("order", ["newest first", "newest last"])
def test_the_newest_copy_wins_whatever_the_order(empty_store, workcal, tmp_path, batch_size, order):
    """One id four times: closed on the 5th, in progress on the 3rd, with no update time, and in progress on the
    5th (the same time, an earlier status). The closed copy wins in either order and batching: the report ends
    closed at its time and never reopens; a re-import of the file changes nothing at all."""
    copies = [CLOSED, STALE, UNTIMED, SAME_TIME_EARLIER]
    rows = [OTHER, *(copies if order == "newest first" else copies[::-1])]
    path = write_csv(tmp_path / "dup.csv", rows, DUP_HEADER)
    summary = run(empty_store, workcal, path, batch_size=batch_size)
    assert summary.read == 5 and summary.inserted == 2 and identity(summary)
    r1 = reports(empty_store)["R1"]
    closed = datetime(2026, 11, 5, 9, 0, tzinfo=WIT).astimezone(UTC)
    assert (r1["status"], r1["resolved_at"]) == ("selesai", closed)
    with empty_store.connect() as conn:
        last = conn.execute(select(ReportEvent.to_status, ReportEvent.at).where(ReportEvent.report_id == r1["id"])
                            .order_by(ReportEvent.at.desc(), ReportEvent.id.desc())).first()
    assert tuple(last) == ("selesai", closed)
    before = snapshot(empty_store)
    again = run(empty_store, workcal, path, batch_size=batch_size, now=NOW + timedelta(hours=2))
    assert (again.inserted, again.updated, again.unchanged) == (0, 0, 5) and identity(again)
    assert snapshot(empty_store) == before


def test_an_older_export_changes_nothing(empty_store, workcal, tmp_path):
    """After the newer export, an older one (each report a step behind, one still open, one reopened the day
    before it closed) neither reopens nor walks back anything, writes no event and leaves updated_at."""
    newer = write_csv(tmp_path / "newer.csv", [
        CLOSED, "R2,2026-11-01 10:00,2026-11-04 10:00,,ditunda,jalan,Jalan",
        "R3,2026-11-01 11:00,2026-11-06 11:00,2026-11-06 11:00,ditutup,jalan,Jalan"], DUP_HEADER)
    older = write_csv(tmp_path / "older.csv", [
        STALE, "R2,2026-11-01 10:00,2026-11-02 10:00,,diproses,jalan,Jalan",
        "R3,2026-11-01 11:00,2026-11-05 11:00,2026-11-05 11:00,selesai,jalan,Jalan"], DUP_HEADER)
    run(empty_store, workcal, newer)
    before = snapshot(empty_store)
    summary = run(empty_store, workcal, older, now=NOW + timedelta(hours=3))
    assert (summary.inserted, summary.updated, summary.unchanged) == (0, 0, 3)
    assert snapshot(empty_store) == before
    assert {k: v["status"] for k, v in reports(empty_store).items()} == {
        "R1": "selesai", "R2": "ditunda", "R3": "ditutup"}
    # A newer export still moves them on.
    reopened = write_csv(tmp_path / "later.csv", [
        "R1,2026-11-01 09:00,2026-11-07 09:00,,diproses,jalan,Jalan"], DUP_HEADER)
    later = NOW + timedelta(hours=4)
    assert run(empty_store, workcal, reopened, now=later).updated == 1
    r1 = reports(empty_store)["R1"]
    assert r1["status"] == "diproses" and r1["resolved_at"] is None and r1["updated_at"] == later


def test_reimport_of_a_messy_file_is_a_no_op(empty_store, workcal, tmp_path):
    """The whole of a file with duplicates, untimed rows, holds and finished reports imported twice: the second
    run says 0 updated and leaves every report and event row as it was."""
    rows = [CLOSED, STALE, OTHER, UNTIMED,
            "R3,2026-11-01 11:00,,,ditunda,jalan,Jalan", "R3,2026-11-01 11:00,,,diproses,jalan,Jalan",
            "R4,2026-11-01 12:00,2026-11-02 12:00,2026-11-02 12:00,ditutup,jalan,Jalan",
            "R4,2026-11-01 12:00,2026-11-02 12:00,2026-11-02 12:00,selesai,jalan,Jalan",
            "R5,2026-11-01 13:00,,,ditolak,jalan,Jalan"]
    path = write_csv(tmp_path / "m.csv", rows, DUP_HEADER)
    first = run(empty_store, workcal, path, batch_size=2)
    assert first.inserted == 5 and identity(first)
    before = snapshot(empty_store)
    for batch_size in (2, 5000):
        again = run(empty_store, workcal, path, batch_size=batch_size, now=NOW + timedelta(days=1))
        assert (again.inserted, again.updated) == (0, 0) and identity(again)
        assert snapshot(empty_store) == before
    assert reports(empty_store)["R4"]["status"] == "ditutup"  # same time: the later status in the flow


def test_dry_run_agrees_with_the_import_on_copies(empty_store, workcal, tmp_path):
    """A dry run classifies copies across batches as the import then does."""
    path = write_csv(tmp_path / "d.csv", [CLOSED, OTHER, STALE, UNTIMED], DUP_HEADER)
    dry = run(empty_store, workcal, path, batch_size=1, dry_run=True)
    real = run(empty_store, workcal, path, batch_size=1)
    assert (dry.inserted, dry.updated, dry.unchanged) == (real.inserted, real.updated, real.unchanged) == (2, 0, 2)
