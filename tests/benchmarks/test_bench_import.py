"""The import benchmark runs end to end at a small size (figures are printed, never asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "benchmarks" / "bench_import.py"
VENV_PYTHON = REPO / ".venv" / "bin" / "python"


def test_bench_import_runs_small_and_prints_its_figures(tmp_path):
    """bench_import.py generates 2,000 rows, imports them into fresh SQLite stores (writer process, writer
    thread, plain path), exits 0 and prints rows/s, the writer's CPU and peak RSS; every generated row lands."""
    python = VENV_PYTHON if VENV_PYTHON.exists() else Path(sys.executable)
    done = subprocess.run([str(python), str(SCRIPT), "--rows", "2000", "--runs", "1", "--out", str(tmp_path)],
                          cwd=REPO, env=dict(os.environ), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("Command: ")
    for figure in ("| rows/s (median of 1) |", "| peak RSS (max of runs) |", "| rows per CPU second",
                   "| writer as a thread (writer_process=False), rows/s", "| speed path ÷ plain path"):
        assert figure in done.stdout, figure
    assert "read 2,000, inserted 2,000, rejected 0" in done.stdout
    assert (tmp_path / "results" / "import_2000.md").exists()
    writer = next(line for line in done.stdout.splitlines() if line.startswith("| CPU µs per row, writer's process"))
    assert float(writer.split("|")[2]) > 0  # the writer process's own CPU time came back to the reader
