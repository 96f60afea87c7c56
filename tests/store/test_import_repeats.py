"""#24 item 2: a file that lists one report more than once. Only its newest copy is written (the newest update
time; without times, or at the same time, the status later in the flow), wherever the copies fall in the file
and whatever the batch size; importing the same file again, or an older export, changes nothing: 0 updated, no
new events, updated_at as it was. On SQLite and PostgreSQL (the store fixtures)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from data_access.intake.importing import ImportOptions, import_file
from data_access.store.schema import Report, ReportEvent
from tests.support import NOW

HEADER = "external_id,created_at,updated_at,status,category,title"


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def run(store, workcal, path: Path, batch_size: int, now=NOW):
    return import_file(store, workcal, path, ImportOptions(source="dup", now=now, batch_size=batch_size))


def state(store) -> tuple[dict, int]:
    """Each report's (status, updated_at), and the number of events."""
    with store.connect() as conn:
        rows = {ext: (status, updated) for ext, status, updated in conn.execute(
            select(Report.external_id, Report.status, Report.updated_at).where(Report.source == "dup"))}
        events = conn.execute(select(func.count()).select_from(ReportEvent)).scalar()
    return rows, events


@pytest.fixture(autouse=True)
def _release_connections(request):
    engine = request.getfixturevalue("empty_store")
    yield
    engine.dispose()


# Untimed copies of U1 and U2 in both orders, apart from each other so that small batches split them; T1 has a
# stale copy (older update time, open) after its newest one; filler rows between them.
UNTIMED = ["U1,2026-11-01 09:00,,selesai,jalan,Jalan rusak", "U2,2026-11-01 10:00,,diproses,jalan,Lampu",
           "F1,2026-11-02 09:00,,baru,jalan,Lain", "F2,2026-11-02 10:00,,baru,jalan,Lain",
           "U1,2026-11-01 09:00,,diproses,jalan,Jalan rusak", "U2,2026-11-01 10:00,,selesai,jalan,Lampu"]
TIMED = ["T1,2026-11-01 08:00,2026-11-05 10:00,selesai,jalan,Got", "F3,2026-11-03 09:00,,baru,jalan,Lain",
         "T1,2026-11-01 08:00,2026-11-03 10:00,diproses,jalan,Got",
         "T2,2026-11-01 08:30,2026-11-02 10:00,diproses,jalan,Got",
         "T2,2026-11-01 08:30,2026-11-04 10:00,ditutup,jalan,Got",
         "T3,2026-11-01 08:40,2026-11-04 10:00,selesai,jalan,Got",
         "T3,2026-11-01 08:40,2026-11-04 10:00,diproses,jalan,Got"]


@pytest.mark.parametrize("batch_size", [1, 2, 5000])
def test_only_the_newest_copy_is_written_and_a_reimport_changes_nothing(empty_store, workcal, tmp_path, batch_size):
    path = write_csv(tmp_path / "dup.csv", UNTIMED + TIMED)
    first = run(empty_store, workcal, path, batch_size)
    assert (first.read, first.inserted, first.updated, first.superseded) == (13, 8, 0, 5)
    rows, events = state(empty_store)
    statuses = {ext: status for ext, (status, _) in rows.items()}
    # untimed: the later status in the flow, in either order; timed: the newest time (a stale copy loses); the
    # same time: the later status in the flow
    assert statuses == {"U1": "selesai", "U2": "selesai", "T1": "selesai", "T2": "ditutup", "T3": "selesai",
                        "F1": "baru", "F2": "baru", "F3": "baru"}
    again = run(empty_store, workcal, path, batch_size, now=NOW + timedelta(hours=1))
    assert (again.read, again.inserted, again.updated, again.unchanged) == (13, 0, 0, 13)
    assert state(empty_store) == (rows, events)


def test_an_older_export_changes_nothing(empty_store, workcal, tmp_path):
    """The newest export first, then an older one of the same reports (older update times, earlier statuses):
    nothing moves."""
    newest = write_csv(tmp_path / "newest.csv", ["T1,2026-11-01 08:00,2026-11-05 10:00,selesai,jalan,Got",
                                                 "T2,2026-11-01 08:30,2026-11-04 10:00,diproses,jalan,Got"])
    older = write_csv(tmp_path / "older.csv", ["T1,2026-11-01 08:00,2026-11-03 10:00,diproses,jalan,Got",
                                               "T1,2026-11-01 08:00,2026-11-02 10:00,diverifikasi,jalan,Got",
                                               "T2,2026-11-01 08:30,2026-11-02 10:00,baru,jalan,Got"])
    assert run(empty_store, workcal, newest, 1).inserted == 2
    before = state(empty_store)
    summary = run(empty_store, workcal, older, 1, now=NOW + timedelta(hours=1))
    assert (summary.updated, summary.unchanged, summary.superseded) == (0, 3, 1)
    assert state(empty_store) == before
