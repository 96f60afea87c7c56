"""The simulator benchmark runs end to end at a small size (figures are printed, never asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "benchmarks" / "bench_simulator.py"


def test_bench_simulator_runs_small_and_prints_the_hourly_backlog(tmp_path):
    """bench_simulator.py seeds a small SQLite store in tmp_path, simulates a day and prints 25 hourly rows."""
    env = {k: v for k, v in os.environ.items() if k != "BENCH_DATABASE_URL"}  # never touch the shared bench DB
    done = subprocess.run([sys.executable, str(SCRIPT), "--days", "30", "--per-day", "20", "--out", str(tmp_path)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("Command: ")
    hourly = [line for line in done.stdout.splitlines() if line.startswith("| Mon 2026-11-2")
              or line.startswith("| Tue 2026-11-2")]
    assert len(hourly) == 25
    assert "Open backlog: start" in done.stdout and "Seeded daily averages" in done.stdout
    assert (tmp_path / "results" / "simulator.md").exists()
