"""Exports run apart from the web process: one at a time per person, in a child process with a time limit.

A briefing PDF draws charts with matplotlib and lays out tables with fpdf2; an unlucky request can keep a core
busy for minutes and leave the server much larger. Building the file in a child process bounds both: the child
is stopped at the time limit, and whatever memory it took is returned when it exits. The queries still run in the
web process (through the cache); only the pure builder — small DataFrames in, bytes out — crosses over.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from data_access.store.engine import QueryTimeout, query_deadline

log = logging.getLogger(__name__)
EXPORT_SECONDS = 60  # the most a file may take to build in its child, far more than a large briefing PDF needs
# The most a whole export may take, its queries and its file: it finishes within this or is refused with a message.
# An export answers within 10 s ("Every input bounded"); the two seconds left are for the answer itself, which on a
# heavily loaded server can take more than one.
EXPORT_BUDGET_SECONDS = 8.0
MIN_BUILD_SECONDS = 1.0  # less than this left after the queries: refused at once, no child started for nothing
# What the export children need, imported once by the forkserver (the clean parent they are forked from) instead of
# by every child, which would otherwise import, before its first row, this module's package (callbacks/, so Dash
# and SQLAlchemy: unpickling _child needs it) and the builders' pandas, openpyxl, matplotlib and fpdf: seconds per
# export, most of an XLSX export's time (benchmarks/bench_exports.py). The forkserver holds them once; the children
# share its pages copy-on-write and exit after each file.
# "__main__" first, as multiprocessing's own default: the forkserver loads the main script once, so a child does not
# run it again (a benchmark or gunicorn script; `python -m dashboard` children never re-run their __main__).
PRELOAD = ("__main__", "callbacks.export_runner", "layouts.briefing", "layouts.exports", "matplotlib.figure",
           "matplotlib.backends.backend_agg", "fpdf", "PIL.Image")


class ExportRefused(Exception):
    """The export was not made; ``key`` names the catalog message that says why."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def _child(build: Callable, args: tuple, conn) -> None:
    try:
        conn.send(("ok", build(*args)))
    except Exception as exc:  # sent back and logged by the parent: a child has no one else to tell
        conn.send(("error", f"{type(exc).__name__}: {exc}"[:500]))
    finally:
        conn.close()


def start_forkserver() -> None:
    """Start the export children's forkserver now, at the server's start: its preloads take seconds, more on a
    busy machine, which the first export would otherwise pay inside its budget.

    The forkserver imports PRELOAD with the server's working directory on sys.path (Python 3.11 does not hand it
    the parent's sys.path before preloading): serve from the project folder, as `make demo` and gunicorn do; from
    elsewhere the preloads are skipped and each child imports what it needs, slower but the same."""
    multiprocessing.get_context("forkserver").set_forkserver_preload(list(PRELOAD))
    from multiprocessing import forkserver

    forkserver.ensure_running()


@dataclass
class Budget:
    """What is left of one export's EXPORT_BUDGET_SECONDS, shared by its queries and its file."""

    deadline: float

    def left(self) -> float:
        return self.deadline - time.monotonic()

    @contextmanager
    def queries(self) -> Iterator[None]:
        """The export's queries, stopped in the database when the budget runs out: ExportRefused("export.timeout")."""
        try:
            with query_deadline(self.left()):
                yield
        except QueryTimeout:
            log.warning("export: queries stopped after %.0f s", EXPORT_BUDGET_SECONDS)
            raise ExportRefused("export.timeout") from None


@dataclass
class ExportRunner:
    timeout_seconds: float = EXPORT_SECONDS

    def __post_init__(self) -> None:
        self._busy: set[str] = set()
        self._lock = threading.Lock()
        # forkserver: a clean, single-threaded parent for every child (forking the threaded web server is unsafe)
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(list(PRELOAD))  # takes effect when the forkserver starts (first export)

    def run(self, who: str, build: Callable, *args) -> bytes:
        """``build(*args)`` in a child process for ``who``; ExportRefused when ``who`` already has an export
        running, when it takes longer than the limit, or when it fails."""
        with self.turn(who):
            return self.build(build, *args)

    @contextmanager
    def turn(self, who: str) -> Iterator[None]:
        """``who``'s one export at a time, its queries included; ExportRefused("export.busy") while another runs."""
        with self._lock:
            if who in self._busy:
                raise ExportRefused("export.busy")
            self._busy.add(who)
        try:
            yield
        finally:
            with self._lock:
                self._busy.discard(who)

    @contextmanager
    def budgeted(self, who: str) -> Iterator[Budget]:
        """``who``'s turn (see ``turn``) with the export's time budget: queries inside ``budget.queries()``, the
        file by ``build(..., seconds=budget.left())``; one within the budget or refused with a message."""
        with self.turn(who):
            yield Budget(time.monotonic() + EXPORT_BUDGET_SECONDS)

    def build(self, build: Callable, *args, seconds: float | None = None) -> bytes:
        """``build(*args)`` in a child process stopped after ``seconds`` (default: the runner's limit)."""
        if seconds is not None and seconds < MIN_BUILD_SECONDS:
            raise ExportRefused("export.timeout")
        limit = self.timeout_seconds if seconds is None else min(seconds, self.timeout_seconds)
        # With ``seconds`` (what is left of an export's budget) starting the child counts too: a fork from the running
        # forkserver takes milliseconds, but on a loaded machine it can take seconds, and right after a server's start
        # it waits for the forkserver's preloads. Without, only the build is limited.
        deadline = time.monotonic() + limit
        receive, send = self._context.Pipe(duplex=False)
        child = self._context.Process(target=_child, args=(build, args, send), daemon=True, name="mimika-export")
        child.start()
        if seconds is None:
            deadline = time.monotonic() + limit
        send.close()
        answered = False
        try:
            if not receive.poll(max(0.0, deadline - time.monotonic())):
                log.warning("export stopped after %.1f s", limit)
                raise ExportRefused("export.timeout")
            status, value = receive.recv()
            answered = True
        except EOFError:
            raise ExportRefused("export.failed") from None
        finally:
            receive.close()
            if answered:
                child.join(0.5)  # a child that sent its file is exiting: let it, rather than kill it on its way out
            if child.is_alive():  # past its limit: killed, not waited for (the person is told at once)
                child.kill()
                child.join(1)
        if status != "ok":
            log.error("export failed: %s", value)
            raise ExportRefused("export.failed")
        return value
