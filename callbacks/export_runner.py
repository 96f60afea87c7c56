"""Exports run apart from the web process: one at a time per person, in a child process with a time limit.

A briefing PDF draws charts with matplotlib and lays out tables with fpdf2; an unlucky request once kept a core
busy for minutes and left the server 1.3 GB larger. Building the file in a child process bounds both: the child
is stopped at the time limit, and whatever memory it took is returned when it exits. The queries still run in the
web process (through the cache); only the pure builder — small DataFrames in, bytes out — crosses over.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)
EXPORT_SECONDS = 60  # the most an export may take; the 1M-report briefing PDF needs about 3 s


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


@dataclass
class ExportRunner:
    timeout_seconds: float = EXPORT_SECONDS

    def __post_init__(self) -> None:
        self._busy: set[str] = set()
        self._lock = threading.Lock()
        # forkserver: a clean, single-threaded parent for every child (forking the threaded web server is unsafe)
        self._context = multiprocessing.get_context("forkserver")

    def run(self, who: str, build: Callable, *args) -> bytes:
        """``build(*args)`` in a child process for ``who``; ExportRefused when ``who`` already has an export
        running, when it takes longer than the limit, or when it fails."""
        with self._lock:
            if who in self._busy:
                raise ExportRefused("export.busy")
            self._busy.add(who)
        try:
            return self._run(build, args)
        finally:
            with self._lock:
                self._busy.discard(who)

    def _run(self, build: Callable, args: tuple) -> bytes:
        receive, send = self._context.Pipe(duplex=False)
        child = self._context.Process(target=_child, args=(build, args, send), daemon=True, name="mimika-export")
        child.start()
        send.close()
        try:
            if not receive.poll(self.timeout_seconds):
                log.warning("export stopped after %s s", self.timeout_seconds)
                raise ExportRefused("export.timeout")
            status, value = receive.recv()
        except EOFError:
            raise ExportRefused("export.failed") from None
        finally:
            receive.close()
            if child.is_alive():
                child.terminate()
            child.join(5)
        if status != "ok":
            log.error("export failed: %s", value)
            raise ExportRefused("export.failed")
        return value
