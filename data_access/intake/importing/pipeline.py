"""Batches written on a thread of their own, so that reading and translating the next batch overlaps the store's
work on this one. Where the platform forks, the import's writer is a process instead (writer_process.py): both
halves are mostly Python, and a thread only runs while the other waits for the GIL. This thread remains the
writer elsewhere, and SparseCollection serves both.

The two halves of an import cost about the same: Python reading and translating records, and the database
inserting rows into the report table's many indexes. SQLite does the latter inside one multi-row statement per
chunk (upsert.ReportUpserter._insert_rows), and Python's sqlite3 module lets go of the GIL for it; PostgreSQL's
driver does while it waits for the server. So on two cores the halves run side by side.

Order and durability are those of writing in the reader's thread: batches are written and committed one after
the other, in file order, each in its own transaction, and a batch is looked up in the store only after the
batch before it has committed (a record repeated in a later batch is compared with what the earlier one wrote).
At most ``depth`` batches wait, so memory stays bounded whatever the file's length. An error in the writer
stops the import at the next batch handed over and is raised in the caller's thread.
"""

from __future__ import annotations

import gc
import queue
import sys
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

Batch = TypeVar("Batch")
_DONE = object()
# When the writer's statement returns, its thread waits for the GIL until the reader's thread lets go, at the
# latest after the interpreter's switch interval (5 ms by default): a fifth of a 1,000-row statement's time. For
# the import's duration the interval is 1 ms, so that wait stays short (benchmarks/bench_import.py).
SWITCH_INTERVAL = 0.001
COLLECT_ROWS = 50_000  # see SparseCollection


def shorten_switch_interval() -> float:
    """Switch threads every SWITCH_INTERVAL at most while an import's second thread runs; returns the interval to
    give back to ``sys.setswitchinterval`` when it stops."""
    previous = sys.getswitchinterval()
    sys.setswitchinterval(min(previous, SWITCH_INTERVAL))
    return previous


class BatchWriter(Generic[Batch]):
    """``submit`` batches, then ``close``; ``write`` is called once per batch, in order, on one thread."""

    def __init__(self, write: Callable[[Batch], None], *, threaded: bool = True, depth: int = 1) -> None:
        self._write = write
        self._error: BaseException | None = None
        self._failed = False  # stays set once a write failed: no later batch is written, as in one thread
        self._thread: threading.Thread | None = None
        self._switch_interval: float | None = None
        if threaded:
            self._switch_interval = shorten_switch_interval()
            self._queue: queue.Queue = queue.Queue(maxsize=max(1, depth))
            self._thread = threading.Thread(target=self._loop, name="import-writer", daemon=True)
            self._thread.start()

    def _loop(self) -> None:
        while True:
            batch = self._queue.get()
            if batch is _DONE:
                return
            if self._failed:
                continue  # drain without writing, so a caller blocked in submit() is released
            try:
                self._write(batch)
            except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
                self._error, self._failed = exc, True

    def _raise_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error

    def submit(self, batch: Batch) -> None:
        if self._thread is None:
            self._write(batch)
            return
        self._raise_error()
        if self._failed:
            raise RuntimeError("the import's writer has stopped")
        self._queue.put(batch)

    def close(self) -> None:
        """Wait until every batch handed over is written; raise the writer's error, if any."""
        if self._thread is not None:
            self._queue.put(_DONE)
            self._thread.join()
            self._thread = None
        if self._switch_interval is not None:
            sys.setswitchinterval(self._switch_interval)
            self._switch_interval = None
        self._raise_error()


class SparseCollection:
    """Python's cycle collector once per COLLECT_ROWS rows instead of every 700 new objects, for the import's
    duration.

    A row makes a dozen container objects (its fields, record, candidate, row tuples), so the collector would
    run every few dozen rows, and its oldest generation walks everything the process holds (the boundaries'
    geometries, pandas, SQLAlchemy): about a third of the reader's time. Collecting the young generations after
    every batch would still walk the batches alive at that moment (the one just read, those waiting for the
    writer): a tenth of the reader's time. Rows are freed by
    their reference counts as soon as they are written; the collector is only there for cycles, so ``rows_done``
    collects the young generations every COLLECT_ROWS rows, and what cycles an import makes stay bounded by
    those; the collector's automatic runs come back when the import ends.
    """

    def __init__(self, enabled: bool = True, every: int | None = None) -> None:
        self._enabled = enabled
        self._every = every or COLLECT_ROWS
        self._rows = 0
        self._was_enabled = False

    def __enter__(self) -> SparseCollection:
        if self._enabled:
            self._was_enabled = gc.isenabled()
            gc.disable()
        return self

    def rows_done(self, rows: int) -> None:
        self._rows += rows
        if self._enabled and self._rows >= self._every:
            self._rows = 0
            gc.collect(1)

    def __exit__(self, *_exc) -> None:
        if self._enabled and self._was_enabled:
            gc.enable()
