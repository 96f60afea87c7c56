"""The exports benchmark runs end to end on a small store (figures are printed, never asserted)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "benchmarks" / "bench_exports.py"
VENV_PYTHON = REPO / ".venv" / "bin" / "python"
EXPORTS = ("briefing PDF", "briefing XLSX", "/opd/PUPR work list XLSX", "/opd/PUPR work list CSV")
PERIODS = ("10 years (3,660 days)", "month", "10 years + 1 day", "starts 1999-12-31", "ends tomorrow")


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    """bench_exports.py building its own 300-report store, one repeat, two exports between the memory readings."""
    folder = tmp_path_factory.mktemp("bench-exports")
    python = str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable
    result = subprocess.run([python, str(SCRIPT), "--reports", "300", "--repeats", "1", "--memory-exports", "2",
                             "--data", str(folder / "data"), "--out", str(folder)],
                            capture_output=True, text=True, timeout=600, cwd=REPO)
    return result, folder


def test_script_exits_cleanly(bench_run):
    result, _ = bench_run
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.parametrize("period", PERIODS)
@pytest.mark.parametrize("export", EXPORTS)
def test_a_row_for_each_export_and_period(bench_run, export, period):
    result, _ = bench_run
    rows = [line for line in result.stdout.splitlines() if line.startswith(f"| {export} | {period} |")]
    assert len(rows) == 1, result.stdout[-3000:]
    if "1999" in period or "tomorrow" in period or "+ 1 day" in period:
        assert "refused: “Ekspor tidak dibuat:" in rows[0]


def test_results_name_the_memory_figure_and_cover_every_download(bench_run):
    result, folder = bench_run
    files = list((folder / "results").glob("exports_*.md"))
    assert len(files) == 1 and files[0].read_text(encoding="utf-8").startswith("# Exports benchmark")
    assert "Resident memory (VmRSS)" in result.stdout
    assert "Download callbacks without a case" not in result.stdout
    assert (folder / "data" / "bench_300.db").exists()  # the store is kept for the next run
