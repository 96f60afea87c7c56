"""The importer's writer process (data_access/intake/importing/writer_process.py): batches believed new cross the
pipe as bound rows only, and a wrong guess costs a resend, never a lost or doubled record; the process writer leaves the
store the thread writer and the plain path leave; its errors reach the reader; the log it wrote is checkpointed."""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
import sqlite3
import struct
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from data_access.intake.importing import ImportOptions, import_file, writer_process
from data_access.intake.importing.writer_process import ProcessBatchWriter, _portable, goes_slim
from tests.store.test_import import MAPPING, write_csv
from tests.store.test_import_speed_path import messy_rows, snapshot
from tests.support import BACKENDS, NOW

pytestmark = pytest.mark.skipif(not writer_process.available(), reason="the writer process needs fork")


def _row(key: int, status: str = "Open") -> str:
    created = (NOW - timedelta(days=30, minutes=-key)) + timedelta(hours=9)
    closed = (created + timedelta(hours=5)).strftime("%m/%d/%Y %I:%M:%S %p") if status == "Closed" else ""
    return (f"W-{key};{created:%m/%d/%Y %I:%M:%S %p};{closed};{status};Pothole;Lubang {key % 7};"
            f"-4.5{key % 10};136.8{key % 7};DOT")


def _import(store, workcal, path: Path, mapping: Path, *, assigner, now=NOW, **options):
    opts = ImportOptions(source="w", mapping=str(mapping), now=now, batch_size=10,
                         rejects=path.with_name(f"{path.stem}.{len(options)}.{id(store)}.rejects.csv"), **options)
    return import_file(store, workcal, path, opts, assigner=assigner).as_dict()


def _counting_messages(monkeypatch) -> dict[str, int]:
    """How many messages of each kind the writer process answered, and how many batches went slim ("new")."""
    seen = {"need": 0, "done": 0, "sent_new": 0, "sent_full": 0}
    handle, send = ProcessBatchWriter._handle, ProcessBatchWriter._send

    def counted_handle(self, message):
        seen[message[0]] = seen.get(message[0], 0) + 1
        return handle(self, message)

    def counted_send(self, seq, ready, *, full=False):
        seen["sent_new" if goes_slim(ready) and not full else "sent_full"] += 1
        return send(self, seq, ready, full=full)

    monkeypatch.setattr(ProcessBatchWriter, "_handle", counted_handle)
    monkeypatch.setattr(ProcessBatchWriter, "_send", counted_send)
    return seen


@pytest.mark.parametrize("backend", BACKENDS)
def test_known_and_new_batches_in_turn_are_resent_not_lost(backend, make_store, workcal, tmp_path, assigner,
                                                            monkeypatch):
    """A changed export whose stretches of known reports (some changed) and new ones alternate: each known
    stretch after a new one is first sent slim, refused by the writer ("need") and sent again with its
    candidates. The store and the summary equal the plain path's, ids and events included."""
    mapping = tmp_path / "w.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    first = write_csv(tmp_path / "first.csv", [_row(k) for k in range(60)])
    second = write_csv(tmp_path / "second.csv",
                       [_row(k, "Closed" if k % 4 == 0 else "Open") for k in range(0, 30)]
                       + [_row(k) for k in range(200, 240)]
                       + [_row(k, "In Progress" if k % 3 == 0 else "Open") for k in range(30, 60)]
                       + [_row(k) for k in range(300, 330)])
    seen = _counting_messages(monkeypatch)
    stores = {"process": make_store(backend), "plain": make_store(backend)}
    try:
        for path, now in ((first, NOW), (second, NOW + timedelta(hours=2))):
            summaries = {}
            for name, store in stores.items():
                summary = _import(store, workcal, path, mapping, assigner=assigner, now=now, fast=name != "plain")
                summary.pop("seconds")
                summary.pop("rejects_file")
                summaries[name] = summary
            assert summaries["process"] == summaries["plain"]
        assert summaries["process"]["inserted"] == 70 and summaries["process"]["updated"] > 10
        assert snapshot(stores["process"]) == snapshot(stores["plain"])
        # The first batch of the second file and the first known batch after each new stretch were refused.
        assert seen["need"] >= 2
        assert seen["sent_new"] >= 8  # the first file, and the new stretches once the guess came back
        assert seen["done"] == 6 + 13
    finally:
        for store in stores.values():
            store.dispose()


def test_process_writer_and_thread_writer_leave_the_same_store(make_store, workcal, tmp_path, assigner):
    """The messy file, its re-import and a changed export, through the writer process and the writer thread."""
    mapping = tmp_path / "nyc.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    rows = messy_rows(400, seed=5)
    first = write_csv(tmp_path / "messy.csv", rows)
    changed = [r.replace(";Open;", ";Closed;") if i % 3 == 0 else r for i, r in enumerate(rows)]
    second = write_csv(tmp_path / "changed.csv", changed)
    stores = {process: make_store("sqlite") for process in (True, False)}
    try:
        for path, now in ((first, NOW), (first, NOW), (second, NOW + timedelta(hours=1))):
            summaries = {}
            for process, store in stores.items():
                summary = _import(store, workcal, path, mapping, assigner=assigner, now=now,
                                  writer_process=process)
                summary.pop("seconds")
                summary.pop("rejects_file")
                summaries[process] = summary
            assert summaries[True] == summaries[False]
        assert summaries[True]["updated"] > 0
        assert snapshot(stores[True]) == snapshot(stores[False])
    finally:
        for store in stores.values():
            store.dispose()


def _wal_frames(db: Path) -> tuple[int, int]:
    """(frames in the write-ahead log, frames copied back into the database), from the wal-index (-shm) file:
    mxFrame in the index header, nBackfill in the checkpoint information after its two copies. Read without
    SQLite, which would checkpoint on opening."""
    head = (db.with_name(db.name + "-shm")).read_bytes()[:100]
    (max_frame,) = struct.unpack_from("=I", head, 16)
    (backfilled,) = struct.unpack_from("=I", head, 96)
    return max_frame, backfilled


def test_the_log_the_import_wrote_is_checkpointed_when_it_ends(make_store, workcal, tmp_path, assigner):
    """While the import runs, checkpoints are rarer (WAL_PAGES_PER_CHECKPOINT); when it ends, the writer copies
    the log back itself, so a web request's next commit does not pay for it. A reader (the wall) stays connected
    throughout, so closing the last connection is not what checkpoints."""
    mapping = tmp_path / "w.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    path = write_csv(tmp_path / "w.csv", [_row(k) for k in range(300)])
    store = make_store("sqlite")
    db = Path(store.url.database)
    wall = sqlite3.connect(db)
    try:
        wall.execute("SELECT count(*) FROM report").fetchone()
        summary = _import(store, workcal, path, mapping, assigner=assigner)
        assert summary["inserted"] == 300
        max_frame, backfilled = _wal_frames(db)
        assert max_frame > 0 and backfilled == max_frame
        assert wall.execute("SELECT count(*) FROM report").fetchone()[0] >= 300
    finally:
        wall.close()
        store.dispose()


class _Unpicklable(Exception):
    def __init__(self) -> None:
        super().__init__("the store said no")
        self.callback = lambda: None


def test_an_error_that_does_not_pickle_reaches_the_reader_as_text():
    try:
        raise _Unpicklable()
    except _Unpicklable as exc:
        portable = _portable(exc)
    assert isinstance(portable, RuntimeError)
    assert "the store said no" in str(portable) and "Traceback" in str(portable)
    assert pickle.loads(pickle.dumps(portable)).args == portable.args
    plain = ValueError("K555 is refused")
    assert _portable(plain) is plain


def test_a_writer_killed_halfway_stops_the_import_and_a_rerun_completes_it(make_store, workcal, tmp_path, assigner):
    """The writer process killed while batches wait for it (the OOM killer, say): the reader neither hangs nor
    carries on, it raises; what was committed is whole batches; the rerun ends with the store one run leaves."""
    mapping = tmp_path / "nyc.toml"
    mapping.write_text(MAPPING, encoding="utf-8")
    path = write_csv(tmp_path / "w.csv", [_row(k) for k in range(3000)])
    store, single = make_store("sqlite"), make_store("sqlite")
    killed = []

    def kill_the_writer(read: int, _position: int, _size: int) -> None:
        if read >= 1500 and not killed:
            writer = next(p for p in multiprocessing.active_children() if p.name == "import-writer")
            os.kill(writer.pid, signal.SIGKILL)
            killed.append(writer.pid)

    interval = sys.getswitchinterval()
    try:
        options = ImportOptions(source="w", mapping=str(mapping), now=NOW, batch_size=100,
                                rejects=tmp_path / "w.rejects.csv")
        with pytest.raises(writer_process.WriterStopped, match="stopped"):
            import_file(store, workcal, path, options, assigner=assigner, progress=kill_the_writer)
        assert killed
        assert sys.getswitchinterval() == interval  # the sender's shorter interval is given back
        with store.connect() as conn:
            landed = conn.exec_driver_sql("SELECT count(*) FROM report").scalar()
            timelines = conn.exec_driver_sql("SELECT count(DISTINCT report_id) FROM report_event").scalar()
        assert 0 < landed < 3000 and landed % 100 == 0 and timelines == landed
        again = import_file(store, workcal, path, options, assigner=assigner).as_dict()
        assert again["inserted"] == 3000 - landed and again["unchanged"] == landed
        import_file(single, workcal, path, options, assigner=assigner)
        assert snapshot(store) == snapshot(single)
        assert sys.getswitchinterval() == interval
    finally:
        store.dispose()
        single.dispose()
