"""The start-up polling benchmark runs end to end on a tiny demo store (figures are printed, never asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "benchmarks" / "bench_first_poll.py"
VENV_PYTHON = REPO / ".venv" / "bin" / "python"


def test_script_runs_serve_and_simulate_and_writes_its_table(tmp_path):
    """Two pollers (a wall screen and an operator who logs in) for 30 s while serve and simulate start."""
    python = str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable
    result = subprocess.run([python, str(SCRIPT), "--days", "3", "--per-day", "10", "--pending", "20", "--pollers",
                             "2", "--seconds", "30", "--order", "together", "--label", "smoke", "--out", str(tmp_path)],
                            capture_output=True, text=True, timeout=300, cwd=REPO)
    assert result.returncode == 0, result.stderr[-3000:]
    rows = [line for line in result.stdout.splitlines() if line.startswith("| 1 | together |")]
    assert len(rows) == 1, result.stdout[-3000:]
    assert (tmp_path / "results" / "first_poll_smoke.md").read_text(encoding="utf-8").startswith("# Wall screens")
