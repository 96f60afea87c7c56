"""The importer's speed path (batches written on a thread of their own, SQLite's multi-row INSERTs, new ids from
the rowid, memoised cleaning and dates) leaves exactly the store the plain path (ImportOptions(fast=False): one
thread, row-by-row executemany, ids looked up) leaves, on a messy file, its re-import and a changed export."""

from __future__ import annotations

import random
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from data_access.intake.importing import ImportOptions, import_file
from data_access.store.schema import Report, ReportEvent
from tests.store.test_import import HEADER, MAPPING, MESSY_ROWS, read_rejects, write_csv
from tests.support import BACKENDS, NOW

STATUSES = ["Open", "In Progress", "Closed", "Weird", "N/A"]
TYPES = ["Street Light Condition", "Pothole", "Noise", "Water System", "Unknown Service", ""]


def messy_rows(count: int, seed: int) -> list[str]:
    """The hand-written messy rows, then ``count`` generated ones in every date shape and state, with junk, the
    same report twice (near and far apart) and a few that fall in a later batch than their first copy."""
    rng = random.Random(seed)
    rows = list(MESSY_ROWS)
    for i in range(count):
        created = NOW - timedelta(days=rng.uniform(0, 400), seconds=rng.randrange(86400))
        local = created + timedelta(hours=9)
        shape = rng.randrange(5)
        if shape == 0:
            when = local.strftime("%m/%d/%Y %I:%M:%S %p")
        elif shape == 1:
            when = local.strftime("%m/%d/%y %H:%M")
        elif shape == 2:
            when = created.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
        elif shape == 3:
            when = local.strftime("%Y-%m-%d %H:%M:%S.") + str(rng.randrange(10**7)).zfill(7)
        else:
            when = rng.choice(["null", "", "not a date", "13/45/2026 10:00"])
        status = rng.choice(STATUSES)
        closed = ""
        if status == "Closed" or rng.random() < 0.1:
            closed = (local + timedelta(hours=rng.uniform(-5, 300))).strftime("%m/%d/%Y %I:%M:%S %p")
        lat, lon = rng.choice([("-4,5467", "136,8883"), ("-4.55", "136.88"), ("0", "0"), ("", ""), ("136.9", "-4.5"),
                               (f"{-4.5 - rng.random() / 10:.6f}", f"{136.8 + rng.random() / 10:.6f}")])
        key = f"G-{rng.randrange(count // 2)}" if rng.random() < 0.2 else f"G-{i}"  # repeats
        if rng.random() < 0.05:
            key = ""  # a derived id
        text = rng.choice(["Lampu mati", "CafÃ© rusak", '"Lubang\r\nbesar"', "", "N/A"]) + f" {i % 7}"
        rows.append(";".join([key, when, closed, status, rng.choice(TYPES), text, lat, lon,
                              rng.choice(["DOT", "PUPR", "", "Dinas Kesehatan"])]))
        if rng.random() < 0.02:
            rows.append(rng.choice(["Total rows: 9", HEADER, "x;y"]))
    return rows


def snapshot(store) -> tuple[list, list]:
    with store.connect() as conn:
        reports = [tuple(r) for r in conn.execute(select(Report).order_by(Report.id)).all()]
        events = [tuple(r) for r in conn.execute(select(ReportEvent).order_by(ReportEvent.id)).all()]
    return reports, events


def _import(store, workcal, path: Path, mapping: Path, *, fast: bool, assigner, now, batch_size: int):
    options = ImportOptions(source="nyc", mapping=str(mapping), now=now, batch_size=batch_size, fast=fast,
                            rejects=path.with_name(f"{path.stem}.{'fast' if fast else 'plain'}.rejects.csv"))
    return import_file(store, workcal, path, options, assigner=assigner)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("batch_size", [7, 5000])
def test_speed_path_and_plain_path_leave_the_same_store(backend, batch_size, make_store, workcal, tmp_path,
                                                         assigner):
    """Fast and plain imports of the same messy file, then of a changed export of it, give the same summaries,
    the same rejects files and identical report and report_event rows (ids included)."""
    mapping = tmp_path / "nyc.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    first = write_csv(tmp_path / "messy.csv", messy_rows(600, seed=3))
    changed = messy_rows(600, seed=3)
    for i in range(len(MESSY_ROWS), len(changed), 5):
        changed[i] = changed[i].replace(";Open;", ";Closed;").replace(";In Progress;", ";Open;")
    second = write_csv(tmp_path / "changed.csv", changed)
    stores = {fast: make_store(backend) for fast in (True, False)}
    try:
        for round_, (path, now) in enumerate(((first, NOW), (first, NOW), (second, NOW + timedelta(hours=3)))):
            summaries = {fast: _import(store, workcal, path, mapping, fast=fast, assigner=assigner, now=now,
                                       batch_size=batch_size).as_dict() for fast, store in stores.items()}
            for summary in summaries.values():
                summary.pop("seconds")
                summary.pop("rejects_file")
            assert summaries[True] == summaries[False]
            summary = summaries[True]
            assert summary["read"] > 600 and summary["rejected"] > 0 and summary["warnings"] > 0
            if round_ == 0:
                assert summary["inserted"] > 300
            else:  # the re-import, and the changed export: every report is known by now
                assert summary["inserted"] == 0
            if round_ == 2:
                # Fewer than the rows changed: a copy without a time, or older than one the store has, loses
                # to the newest copy of that record (upsert.Version), as in the first import.
                assert summary["updated"] > 10
            rejects = {fast: read_rejects(path.with_name(f"{path.stem}.{'fast' if fast else 'plain'}.rejects.csv"))
                       for fast in stores}
            assert rejects[True] == rejects[False] and rejects[True]
            assert snapshot(stores[True]) == snapshot(stores[False])
        reports, events = snapshot(stores[True])
        assert len(reports) > 300 and len(events) > len(reports)
    finally:
        for store in stores.values():
            store.dispose()


def test_a_failing_batch_stops_both_paths_at_the_same_place(make_store, workcal, tmp_path):
    """When the store refuses a batch (here a trigger), the speed path raises the store's error like the plain
    path, with the batches before it committed and none after it written, although its reader had gone ahead."""
    header = "external_id,created_at,status,category,title"
    rows = [f"K{i},2026-11-{1 + i % 20:02d} 09:{i % 60:02d},baru,jalan,Jalan rusak {i}" for i in range(1000)]
    path = write_csv(tmp_path / "k.csv", rows, header)
    stores = {fast: make_store("sqlite") for fast in (True, False)}
    try:
        for fast, store in stores.items():
            with store.begin() as conn:
                conn.exec_driver_sql("CREATE TRIGGER refuse_k555 BEFORE INSERT ON report WHEN NEW.external_id = "
                                     "'K555' BEGIN SELECT RAISE(ABORT, 'K555 is refused'); END")
            options = ImportOptions(source="k", now=NOW, batch_size=100, fast=fast)
            with pytest.raises(IntegrityError, match="K555 is refused"):  # the store's own error, not a wrapper
                import_file(store, workcal, path, options)
        reports, events = snapshot(stores[True])
        assert len(reports) == 500 and len(events) == 500  # batches 1-5 of 100; the sixth held K555
        assert snapshot(stores[True]) == snapshot(stores[False])
    finally:
        for store in stores.values():
            store.dispose()


def test_new_ids_are_looked_up_when_other_rows_came_between(make_store, workcal, tmp_path):
    """The speed path takes a batch's ids as the n largest when its first and last rows hold them; a row of another
    source written in between (here by a trigger) makes it look them up, and every timeline stays its report's."""
    header = "external_id,created_at,status,category,title"
    rows = [f"K{i},2026-11-{1 + i // 60:02d} 09:{i % 60:02d},diproses,jalan,Jalan rusak {i}" for i in range(300)]
    path = write_csv(tmp_path / "k.csv", rows, header)
    columns = ("channel, category_code, opd_code, district_code, village_code, lat, lon, title, description, "
               "status, priority, created_at, first_response_at, resolved_at, closed_at, response_due_at, "
               "resolution_due_at, paused_seconds, updated_at")
    stores = {fast: make_store("sqlite") for fast in (True, False)}
    try:
        for fast, store in stores.items():
            with store.begin() as conn:
                conn.exec_driver_sql(
                    f"CREATE TRIGGER twin AFTER INSERT ON report WHEN NEW.source = 'k' AND NEW.external_id = 'K150' "
                    f"BEGIN INSERT INTO report (source, external_id, {columns}) SELECT 'other', 'twin', "
                    f"{', '.join('NEW.' + c.strip() for c in columns.split(','))}; END")
            summary = import_file(store, workcal, path, ImportOptions(source="k", now=NOW, batch_size=100,
                                                                      fast=fast))
            assert summary.inserted == 300
        reports, events = snapshot(stores[True])
        assert snapshot(stores[True]) == snapshot(stores[False])
        with stores[True].connect() as conn:
            # Each report's "baru" event is at its own creation time (every row of the file has another).
            wrong = conn.exec_driver_sql(
                "SELECT count(*) FROM report_event e JOIN report r ON r.id = e.report_id "
                "WHERE r.source != 'k' OR (e.to_status = 'baru' AND e.at != r.created_at)").scalar()
            per_report = conn.exec_driver_sql(
                "SELECT count(*) FROM report r WHERE r.source = 'k' AND "
                "(SELECT count(*) FROM report_event e WHERE e.report_id = r.id) != 2").scalar()
        assert len(reports) == 301 and len(events) == 600 and wrong == 0 and per_report == 0
    finally:
        for store in stores.values():
            store.dispose()
