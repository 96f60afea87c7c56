"""The import benchmark runs end to end at a small size (figures are printed, never asserted)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

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


@pytest.mark.skipif(not os.environ.get("TEST_DATABASE_URL"), reason="PostgreSQL: TEST_DATABASE_URL not set")
def test_bench_import_on_postgresql_prints_the_servers_cpu_per_row(tmp_path):
    """On PostgreSQL the benchmark also reads the CPU of the server's backends that served the import (the floor
    no client work can lower); it is a positive figure, and every row lands."""
    python = VENV_PYTHON if VENV_PYTHON.exists() else Path(sys.executable)
    done = subprocess.run([str(python), str(SCRIPT), "--rows", "1000", "--preload", "500", "--runs", "1",
                           "--database-url", os.environ["TEST_DATABASE_URL"], "--out", str(tmp_path)],
                          cwd=REPO, env=dict(os.environ), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "read 1,000, inserted 1,000, rejected 0" in done.stdout
    server = re.search(r"^\| CPU µs per row, the PostgreSQL server's backends [^|]*\| ([\d.]+) \|$", done.stdout, re.M)
    assert server is not None, done.stdout
    assert float(server.group(1)) > 0
