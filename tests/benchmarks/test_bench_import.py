"""The import benchmark runs end to end at a small size (figures are printed, never asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from benchmarks import bench_import
from tests.support import BACKENDS

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "benchmarks" / "bench_import.py"
VENV_PYTHON = REPO / ".venv" / "bin" / "python"


def test_bench_import_runs_small_and_prints_its_figures(tmp_path):
    """bench_import.py generates 2,000 rows in random order, imports them into a SQLite store holding 1,000,
    exits 0 and prints rows/s, peak RSS and disk written; every generated row lands and the wall's open count
    equals the SQL count."""
    python = VENV_PYTHON if VENV_PYTHON.exists() else Path(sys.executable)
    done = subprocess.run([str(python), str(SCRIPT), "--rows", "2000", "--preload", "1000", "--runs", "1",
                           "--out", str(tmp_path)],
                          cwd=REPO, env=dict(os.environ), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("Command: ")
    for figure in ("| rows/s (median of 1) |", "| peak RSS (max of runs) |", "| disk written (median",
                   "| disk written ÷ growth"):
        assert figure in done.stdout, figure
    assert "read 2,000, inserted 2,000, rejected 0" in done.stdout
    assert (tmp_path / "results" / "import_2000.md").exists()
    wall = next(line for line in done.stdout.splitlines() if line.startswith("| wall's open count"))
    shown, counted = wall.split("|")[2].split("=")
    assert int(shown.replace(",", "")) == int(counted.replace(",", "")) > 0



@pytest.mark.parametrize("backend", BACKENDS)
def test_the_servers_cpu_is_read_from_the_backends_of_the_store(make_store, backend):
    """On PostgreSQL the benchmark reads the CPU of the server's backends serving the store's database (the floor no
    client work can lower): work done on the server moves it by about that work; SQLite has no server (None)."""
    engine = make_store(backend)
    before = bench_import._server_cpu(engine)
    if backend == "sqlite":
        assert before is None
        return
    with engine.connect() as conn:
        started = time.process_time()
        conn.exec_driver_sql("SELECT count(*) FROM generate_series(1, 4000000)").scalar()
        pid = conn.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        assert time.process_time() - started < 0.1  # the count ran on the server, not in this process
    after = bench_import._server_cpu(engine)
    assert pid in after
    assert sum(after.values()) - sum(before.values()) >= 0.1
