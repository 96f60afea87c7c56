"""Opt-in pytest plugin: each test's CPU seconds, for finding where a run's time goes on a shared machine.

    CPU_OUT=/tmp/cpu.tsv .venv/bin/python -m pytest -p tests.support.cpu_time -n 4 --dist worksteal

appends one line per test (node id, wall seconds, CPU seconds) to CPU_OUT. The CPU is this process's and its
children's that were waited for (servers and scripts a test starts and stops), setup and teardown included; wall
times depend on what else the machine runs, CPU seconds much less.
"""

from __future__ import annotations

import os
import resource
import time

import pytest


def _cpu() -> float:
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item, nextitem):
    wall, cpu = time.monotonic(), _cpu()
    yield
    with open(os.environ["CPU_OUT"], "a", encoding="utf-8") as out:
        out.write(f"{item.nodeid}\t{time.monotonic() - wall:.2f}\t{_cpu() - cpu:.2f}\n")
