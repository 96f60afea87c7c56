"""The page callbacks benchmark runs end to end on a small store (figures are printed, never asserted)."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from data_access.rulebook.sla import WorkCalendar
from data_access.store.engine import make_engine
from data_access.store.migrate import upgrade
from data_access.store.reference import load_reference
from demo.seed import DemoConfig, seed_demo

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "benchmarks" / "bench_pages.py"
VENV_PYTHON = REPO / ".venv" / "bin" / "python"
NOW = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)
PAGES = ("/briefing: page", "/opd: index table", "/opd/PUPR: page", "/sla: page", "/explorer: map shading",
         "/explorer: map click → district", "/explorer: district panel 94.04.01", "/report/",
         "/briefing: filter bar apply")
EXPORTS = ("export: briefing PDF", "export: briefing XLSX", "export: /opd/PUPR XLSX", "export: /opd/PUPR CSV")


@pytest.fixture(scope="module")
def bench_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bench-pages")
    db = folder / "small.db"
    engine = make_engine(f"sqlite:///{db}", create=True)
    upgrade(engine)
    load_reference(engine)
    seed_demo(engine, WorkCalendar(), DemoConfig(days=30, per_day=30, now=NOW))
    engine.dispose()
    python = str(VENV_PYTHON) if VENV_PYTHON.exists() else sys.executable
    result = subprocess.run([python, str(SCRIPT), "--db", str(db), "--runs", "1", "--out", str(folder)],
                            capture_output=True, text=True, timeout=600, cwd=REPO)
    return result, folder


def test_script_exits_cleanly(bench_run):
    result, _ = bench_run
    assert result.returncode == 0, result.stderr[-3000:]


@pytest.mark.parametrize("name", PAGES + EXPORTS)
def test_a_row_for_each_page_and_export(bench_run, name):
    result, _ = bench_run
    rows = [line for line in result.stdout.splitlines() if line.startswith("| ")]
    assert any(line.startswith(f"| {name}") for line in rows), result.stdout[-3000:]


def test_results_file_is_written_and_every_page_callback_is_covered(bench_run):
    result, folder = bench_run
    files = list((folder / "results").glob("pages_*.md"))
    assert len(files) == 1 and files[0].read_text(encoding="utf-8").startswith("# Page callbacks benchmark")
    assert "Page callbacks without a case" not in result.stdout
