"""Exports run in a child process: a time limit that really stops them, one at a time per person."""

from __future__ import annotations

import threading
import time

import pytest

from callbacks.export_runner import ExportRefused, ExportRunner


def slow_bytes(seconds: float) -> bytes:
    time.sleep(seconds)
    return b"done"


def broken() -> bytes:
    raise RuntimeError("boom")


def test_an_export_returns_its_bytes():
    """A quick export comes back whole from the child process."""
    assert ExportRunner(timeout_seconds=30).run("bupati", slow_bytes, 0.0) == b"done"


def test_an_export_past_its_time_limit_is_stopped_and_refused():
    """Past the limit the child is stopped (not waited for) and the person gets a reason, not a hang."""
    started = time.monotonic()
    with pytest.raises(ExportRefused) as refused:
        ExportRunner(timeout_seconds=1).run("bupati", slow_bytes, 30)
    assert refused.value.key == "export.timeout"
    assert time.monotonic() - started < 10


def test_a_second_export_of_the_same_person_waits_its_turn():
    """While one export of a person runs, their next is refused; someone else's goes ahead."""
    runner = ExportRunner(timeout_seconds=30)
    first = threading.Thread(target=runner.run, args=("bupati", slow_bytes, 2.0))
    first.start()
    time.sleep(0.5)
    with pytest.raises(ExportRefused) as refused:
        runner.run("bupati", slow_bytes, 0.0)
    assert refused.value.key == "export.busy"
    assert runner.run("sekda", slow_bytes, 0.0) == b"done"
    first.join()
    assert runner.run("bupati", slow_bytes, 0.0) == b"done"


def test_a_failing_export_is_refused_with_a_reason():
    """An exception in the builder reaches the person as "export failed", never a 500."""
    with pytest.raises(ExportRefused) as refused:
        ExportRunner(timeout_seconds=30).run("bupati", broken)
    assert refused.value.key == "export.failed"
