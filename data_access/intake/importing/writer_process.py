"""The import's writer in a process of its own, so that reading and translating the next batch runs on one core
while the store's work on this one runs on the other.

Why a process and not a thread: both halves of an import are mostly Python (the reader parsing and translating,
the writer binding parameters and SQLite's own work between them), and a thread of the same interpreter only runs
while the other waits for the GIL: as a thread the writer spends over a third of its time waiting for the GIL,
the two halves taking turns instead of overlapping.

What crosses the pipe is kept slim, because pickling is not free (a batch's full candidates cost about 30 µs a
row to dump and load). A batch the reader believes new — the reader guesses from the last batch the writer
answered for, as ReportUpserter.prepare does — goes as its bound report rows and timelines only
(``("new", seq, rows, events, outside)``). The writer looks it up in its own transaction; if any of it is in
the store, it writes nothing, answers ``("need", seq)`` and ignores everything until the reader sends that batch
again with its candidates (``("full", seq, candidates)``), followed by every later batch already sent, as
candidates too. A re-import, an update or a rerun after a crash thus costs one extra send per change of guess.

Order and durability are those of writing in one thread: batches are written and committed one after the
other, in file order, each in its own transaction, and each is looked up after the one before has committed. At
most ``depth + 1`` batches are in flight, so memory stays bounded. An error in the writer stops the import at the
next batch handed over, and is raised in the reader's process; the writer ignores Ctrl-C and finishes the
batches it was given, as the thread did; it exits when the reader's end of the pipe closes (the reader killed).
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import queue
import signal
import sys
import threading
import time
import traceback
from collections import deque
from dataclasses import replace
from multiprocessing.reduction import ForkingPickler

from sqlalchemy import event

from data_access.intake.importing.pipeline import SparseCollection, shorten_switch_interval
from data_access.intake.importing.translate import Candidate
from data_access.intake.importing.upsert import BatchResult, Prepared, ReportUpserter

# While the import runs, SQLite copies the write-ahead log back into the database every this many pages instead of
# every 1,000: the index pages each batch touches again are copied once per 64 MiB of log, not once per batch
# (benchmarks/bench_import.py: the commits' share of the writer's time about halved). The log is checkpointed
# when the import ends.
WAL_PAGES_PER_CHECKPOINT = 16_384
_PR_SET_PDEATHSIG = 1


class WriterStopped(RuntimeError):
    """The writer process ended without saying why (killed, or out of memory)."""


def available() -> bool:
    """The writer process is forked, so that it starts in milliseconds with everything the reader has loaded."""
    return "fork" in multiprocessing.get_all_start_methods()


def goes_slim(ready: Prepared) -> bool:
    """A batch prepared as wholly new crosses as bound rows only."""
    return bool(ready.fresh) and len(ready.fresh) == len(ready.batch)


def _slim(c: Candidate) -> Candidate:
    # What the writer needs of a candidate is what the store gets; the raw record and its warnings stay here.
    return replace(c, raw=None, warnings=[])


class ProcessBatchWriter:
    """``submit`` prepared batches, then ``close``; each batch's BatchResult goes to ``on_result``, in order."""

    # Two batches may wait while one is written: the halves cost about the same, and a batch that takes one of
    # them longer than the other (a checkpoint, a burst of unseen times of day) is absorbed instead of idling
    # both (benchmarks/bench_import.py: waits of 1.5-2.2 s a side at depth 1, 0.5-0.9 s at depth 2).
    DEPTH = 2

    def __init__(self, upserter: ReportUpserter, on_result, *, depth: int = DEPTH) -> None:
        self._upserter = upserter
        self._on_result = on_result
        self._depth = max(1, depth)
        self._inflight: deque[tuple[int, Prepared]] = deque()
        self._seq = 0
        self._error: BaseException | None = None
        self._failed = False
        self.writer_cpu_seconds: float | None = None  # the writer process's CPU time, once closed (benchmarks)
        # No connection of the reader's may cross the fork: SQLite's locks are kept per process, and a pooled
        # connection used by both would be two writers on one handle.
        upserter.engine.dispose()
        context = multiprocessing.get_context("fork")
        self._pipe, child_end = context.Pipe(duplex=True)
        self._process = context.Process(target=_serve, args=(upserter, child_end, os.getpid()), name="import-writer",
                                        daemon=True)
        self._process.start()
        child_end.close()
        self._sender = _Sender(self._pipe)

    # -- the reader's side -------------------------------------------------------------------------------------
    def submit(self, ready: Prepared) -> None:
        self._drain()
        self._raise_error()
        if self._failed:
            raise RuntimeError("the import's writer has stopped")
        self._seq += 1
        self._send(self._seq, ready)
        self._inflight.append((self._seq, ready))
        while len(self._inflight) > self._depth and not self._failed:
            self._handle(self._recv())
        self._raise_error()

    def close(self) -> None:
        """Wait until every batch handed over is written; raise the writer's error, if any."""
        if self._process is None:
            return
        try:
            # Every answer first: a "need" among them sends batches again, which must reach the writer before
            # it is told to stop.
            while self._inflight and not self._failed:
                self._handle(self._recv())
            self._sender.put(("close",))
            message = self._recv()
            while message[0] != "closed":  # after an error the writer answers nothing more but this
                message = self._recv()
            self.writer_cpu_seconds = message[1]
        except (BrokenPipeError, ConnectionResetError):
            if self._error is None and not self._failed:
                self._error = self._stopped()
        except WriterStopped as exc:
            if self._error is None and not self._failed:
                self._error = exc
        finally:
            self._sender.stop()
            self._pipe.close()
            self._process.join()
            self._process = None
        self._raise_error()

    def _send(self, seq: int, ready: Prepared, *, full: bool = False) -> None:
        try:
            if goes_slim(ready) and not full:
                self._sender.put(("new", seq, ready.rows, ready.events, ready.outside))
            else:
                self._sender.put(("full", seq, [_slim(c) for c in ready.batch]))
        except (BrokenPipeError, ConnectionResetError, EOFError, OSError):
            raise self._stopped() from None

    def _recv(self) -> tuple:
        try:
            return self._pipe.recv()
        except (EOFError, ConnectionResetError, OSError):
            raise self._stopped() from None

    def _stopped(self) -> WriterStopped:
        code = self._process.exitcode if self._process is not None else None
        return WriterStopped(f"the import's writer process stopped (exit code {code})")

    def _drain(self) -> None:
        while self._inflight and self._pipe.poll():
            self._handle(self._recv())

    def _handle(self, message: tuple) -> None:
        kind, seq = message[0], message[1]
        if kind == "done":
            done, _ = self._inflight.popleft()
            assert done == seq, (done, seq)
            self._upserter._last_all_new = message[3]  # the next prepare's guess, as in one thread
            self._on_result(message[2])
        elif kind == "need":
            # Written nothing of batch ``seq``: send it and every later one again, with their candidates.
            self._upserter._last_all_new = False
            for later, ready in self._inflight:
                self._send(later, ready, full=True)
        elif kind == "error":
            self._inflight.clear()
            self._error, self._failed = message[2], True

    def _raise_error(self) -> None:
        if self._error is not None:
            error, self._error = self._error, None
            raise error


class _Sender:
    """The reader's sends, on a thread of their own. A batch is about 1.7 MB pickled and the socket between the
    processes holds about 200 kB: sent from the reader's thread, the send would return only once the writer had
    finished the batch before and read most of this one, so the reader would wait on the writer after all. The
    thread waits in one write call, without the GIL.
    Messages are pickled in the caller's thread (what is put may change afterwards) and sent in order."""

    def __init__(self, pipe) -> None:
        self._pipe = pipe
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._error: BaseException | None = None
        # The thread takes the GIL three times a send (woken, between the length and the bytes, after them) while
        # the reader's thread translates: with the interpreter's 5 ms switch interval the writer would wait for them.
        self._switch_interval = shorten_switch_interval()
        self._thread = threading.Thread(target=self._loop, name="import-writer-sender", daemon=True)
        self._thread.start()

    def put(self, message: tuple) -> None:
        """Queue ``message``; raises the error an earlier send met (the writer gone)."""
        if self._error is not None:
            raise self._error
        self._queue.put(ForkingPickler.dumps(message))

    def _loop(self) -> None:
        while True:
            data = self._queue.get()
            if data is None:
                return
            if self._error is None:
                try:
                    self._pipe.send_bytes(data)
                except BaseException as exc:  # noqa: BLE001 - raised in the reader's thread at its next put
                    self._error = exc

    def stop(self) -> None:
        """Wait until everything queued is sent (or a send failed)."""
        self._queue.put(None)
        self._thread.join()
        sys.setswitchinterval(self._switch_interval)


# -- the writer's side (the forked process) ---------------------------------------------------------------------
def _serve(upserter: ReportUpserter, pipe, reader_pid: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the reader; the batches it sent are written
    _die_with(reader_pid)
    sqlite = upserter.engine.dialect.name == "sqlite"
    if sqlite:
        event.listen(upserter.engine, "connect", _fewer_checkpoints)
    # Everything inherited is long-lived: kept out of the cycle collector's walks, which the unpickled rows
    # would otherwise trigger every few hundred rows (see pipeline.SparseCollection).
    gc.freeze()
    collector = SparseCollection().__enter__()
    started = time.process_time()
    waiting_for: int | None = None  # after a "need": the batch whose candidates come next
    failed = False
    try:
        while True:
            try:
                message = pipe.recv()
            except (EOFError, OSError):
                return  # the reader is gone
            kind = message[0]
            if kind == "close":
                pipe.send(("closed", time.process_time() - started))
                return
            seq, rows = message[1], len(message[2])
            if failed or (waiting_for is not None and not (kind == "full" and seq == waiting_for)):
                continue
            waiting_for = None
            try:
                if kind == "new":
                    result = upserter.write_new(message[2], message[3], message[4])
                    if result is None:
                        waiting_for = seq
                        pipe.send(("need", seq))
                        continue
                else:
                    result = upserter.write(message[2])
                pipe.send(("done", seq, result, upserter._last_all_new))
            except BaseException as exc:  # noqa: BLE001 - raised again in the reader's process
                failed = True
                pipe.send(("error", seq, _portable(exc)))
            finally:
                message = None  # the batch's rows, freed before the collector looks
                collector.rows_done(rows)
    finally:
        pipe.close()
        if sqlite:
            _checkpoint(upserter.engine)
        upserter.engine.dispose()


def _die_with(reader_pid: int) -> None:
    """A reader killed (SIGKILL, the OOM killer) takes its writer along, as it took its writer thread: a writer
    left alone would still write what the pipe held while a rerun of the import began beside it."""
    if sys.platform.startswith("linux"):
        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if os.getppid() != reader_pid:  # the reader died before the signal was asked for
        os._exit(1)


def _fewer_checkpoints(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA wal_autocheckpoint={WAL_PAGES_PER_CHECKPOINT}")
    cursor.close()


def _checkpoint(engine) -> None:
    """The log the import wrote, copied back without waiting for anyone (PASSIVE): else the next writer's commit,
    a report posted on the web say, would pay for it."""
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
    except Exception:  # noqa: BLE001 - a checkpoint is an optimisation; SQLite's next one does the same work
        pass


def _portable(exc: BaseException) -> BaseException:
    """The writer's error as the reader can unpickle it: itself when it survives the trip, else a RuntimeError
    with its text and traceback."""
    import pickle

    try:
        pickle.loads(pickle.dumps(exc))
        return exc
    except Exception:  # noqa: BLE001 - any error that does not pickle becomes text
        text = "".join(traceback.format_exception(exc))
        return RuntimeError(f"the import's writer failed: {exc!r}\n{text}")


__all__ = ["BatchResult", "ProcessBatchWriter", "WriterStopped", "available"]
