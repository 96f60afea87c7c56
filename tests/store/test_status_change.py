"""#22 item 2, one writer: what a status change does to a report's times is said once (rulebook/status_change.py),
and the live writer, the importer and the demo's history store the same times for the same changes — on SQLite and
PostgreSQL, each against a table written out by hand."""

from __future__ import annotations

import csv
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from data_access.intake import bulk_load
from data_access.intake.importing import ImportOptions, import_file
from data_access.intake.writer import InvalidTransition, ReportWriter
from data_access.rulebook.policies import policies_from_store
from data_access.store.schema import Report
from demo.seed import Batch, DemoConfig, DemoGenerator
from tests.support import NOW

CATEGORY = "ketertiban"  # policy "prioritas": response 4 h, resolution 72 h, 24×7 (due times easy to check by hand)
T0 = NOW - timedelta(days=20)
IMPORTED = T0 + timedelta(hours=300)  # every import runs after every change it reports
H = timedelta(hours=1)

# name: the changes after ``baru`` at T0 as (hours after T0, or None when the source did not say; status), and the
# times every caller must store, in hours after T0: first response, resolved, closed, hours on hold, response due,
# resolution due. "writer: refused" marks a change the SP4N-LAPOR! flow does not allow the live writer; "import
# only" a case only a file can say (a time the source did not give).
CASES = {
    # A hold from 10 to 34 h: after the response fell due (4 h: it stays), before the resolution (72 → 96 h).
    "hold_before_the_due_time": (
        [(1, "diverifikasi"), (2, "didisposisikan"), (10, "ditunda"), (34, "diproses"), (60, "selesai"),
         (70, "ditutup")],
        dict(first_response=1, resolved=60, closed=70, held=24, response_due=4, resolution_due=96), ""),
    # Held at 80 h, after the resolution fell due at 72: the hold hides no breach, the due time does not move.
    "hold_after_the_due_time": (
        [(1, "diverifikasi"), (2, "didisposisikan"), (3, "diproses"), (80, "ditunda"), (90, "diproses"),
         (100, "selesai")],
        dict(first_response=1, resolved=100, closed=None, held=10, response_due=4, resolution_due=72), ""),
    # Still on hold: the hold has not ended, so nothing moves yet; a late first response stays late.
    "still_on_hold": (
        [(6, "diverifikasi"), (7, "didisposisikan"), (8, "ditunda")],
        dict(first_response=6, resolved=None, closed=None, held=0, response_due=4, resolution_due=72), ""),
    # Reopened after its first resolution: the later one stands.
    "reopened_and_resolved_again": (
        [(1, "diverifikasi"), (2, "didisposisikan"), (3, "diproses"), (20, "selesai"), (25, "diproses"),
         (40, "selesai"), (45, "ditutup")],
        dict(first_response=1, resolved=40, closed=45, held=0, response_due=4, resolution_due=72), ""),
    "reopened_and_open": (
        [(1, "diverifikasi"), (2, "didisposisikan"), (3, "diproses"), (20, "selesai"), (25, "diproses")],
        dict(first_response=1, resolved=None, closed=None, held=0, response_due=4, resolution_due=72), ""),
    # A rejection is an answer too.
    "rejected_as_the_first_answer": (
        [(2, "ditolak")],
        dict(first_response=2, resolved=None, closed=None, held=0, response_due=4, resolution_due=72), ""),
    # Closed straight from diproses: closing resolves. The live writer's flow closes only what was resolved.
    "closed_without_a_resolution": (
        [(1, "diverifikasi"), (2, "didisposisikan"), (3, "diproses"), (30, "ditutup")],
        dict(first_response=1, resolved=30, closed=30, held=0, response_due=4, resolution_due=72), "writer: refused"),
    # An import that never says when: answered and resolved at unknown times (never the moment of the import) ...
    "import_without_times": (
        [(None, "diproses"), (None, "selesai")],
        dict(first_response=None, resolved=None, closed=None, held=0, response_due=4, resolution_due=72),
        "import only"),
    # ... and a closing time that comes later is the closing's, not the resolution's; nor is a later move the
    # response.
    "import_without_times_then_closed": (
        [(None, "diproses"), (None, "selesai"), (50, "ditutup")],
        dict(first_response=None, resolved=None, closed=50, held=0, response_due=4, resolution_due=72),
        "import only"),
}
COLUMNS = {"first_response": "first_response_at", "resolved": "resolved_at", "closed": "closed_at",
           "response_due": "response_due_at", "resolution_due": "resolution_due_at"}


def at(hours: float | None) -> datetime | None:
    return None if hours is None else T0 + hours * H


def expected_row(expected: dict, status: str) -> dict:
    row = {column: at(expected[name]) for name, column in COLUMNS.items()}
    return {**row, "paused_seconds": expected["held"] * 3600.0, "status": status}


def stored(engine, source: str) -> dict[str, dict]:
    with engine.connect() as conn:
        rows = conn.execute(select(Report.external_id, Report.status, Report.created_at, *(
            getattr(Report, column) for column in (*COLUMNS.values(), "paused_seconds")))
            .where(Report.source == source)).mappings().all()
    return {r["external_id"]: {k: v for k, v in r.items() if k not in ("external_id", "created_at")} for r in rows}


def by_the_writer(engine, workcal, steps) -> dict:
    writer = ReportWriter(engine, workcal)
    with Session(engine) as session, session.begin():
        report = writer.create(session, category_code=CATEGORY, title="Keributan di pasar", created_at=T0)
        for hours, status in steps:
            writer.transition(session, report, status, at(hours), actor="uji")
    return stored(engine, "dashboard")[None]


def by_the_importer(engine, workcal, steps, folder) -> dict[str, dict]:
    """One file per change, as an export read again and again: record NEW arrives in its first status (a new
    report), record OLD arrives as baru at its creation and then moves (updates)."""
    header = ["external_id", "created_at", "updated_at", "status", "category", "title"]
    files = [[("OLD", "baru", T0)]] + [[("OLD", status, at(hours)), ("NEW", status, at(hours))]
                                       for hours, status in steps]
    for i, records in enumerate(files):
        path = folder / f"export-{i}.csv"
        with open(path, "w", newline="", encoding="utf-8") as f:
            out = csv.writer(f)
            out.writerow(header)
            for key, status, when in records:
                out.writerow([key, T0.isoformat(), "" if when is None else when.isoformat(), status, CATEGORY,
                              "Keributan di pasar"])
        summary = import_file(engine, workcal, path, ImportOptions(source="uji", now=IMPORTED + i * H))
        assert summary.rejected == 0, path
    return stored(engine, "uji")


class ScriptedHistory(DemoGenerator):
    """The demo's report writing with a life given here instead of drawn."""

    def __init__(self, steps, workcal, policies) -> None:
        super().__init__(DemoConfig(seed=3, days=1, now=NOW), workcal, policies, first_report_id=1000,
                         first_reporter_id=1000, first_event_id=100_000)
        self.steps = steps

    def _timeline(self, created, opd, policy, access, now):
        return [{"at": created, "to_status": "baru", "actor": "sistem", "note": "Laporan masuk"}] + [
            {"at": at(hours), "to_status": status, "actor": "uji", "note": None} for hours, status in self.steps]


def by_the_demo(engine, workcal, steps) -> dict:
    with Session(engine) as session:
        policies = policies_from_store(session)
    history = ScriptedHistory(steps, workcal, policies)
    batch = Batch([], [], [])
    history._emit_report(batch, T0, history.districts[0], CATEGORY, NOW)
    bulk_load.write_rows(engine, batch.reports, batch.events, batch.reporters)
    bulk_load.move_id_sequences_past_rows(engine)
    return stored(engine, bulk_load.DEMO_SOURCE)["DEMO-1000"]


@pytest.mark.parametrize("case", CASES)
def test_writer_importer_and_demo_store_the_same_times(empty_store, workcal, tmp_path, case):
    """The same changes give the same first response, resolution, closing, time on hold and due times, whoever
    writes them, and those of the table."""
    steps, expected, limits = CASES[case]
    want = expected_row(expected, steps[-1][1])
    imported = by_the_importer(empty_store, workcal, steps, tmp_path)
    assert imported["NEW"] == want, "importer, a new report"
    assert imported["OLD"] == want, "importer, updates"
    if limits == "import only":
        return
    assert by_the_demo(empty_store, workcal, steps) == want, "demo"
    if limits == "writer: refused":
        with pytest.raises(InvalidTransition):
            by_the_writer(empty_store, workcal, steps)
        return
    assert by_the_writer(empty_store, workcal, steps) == want, "writer"
