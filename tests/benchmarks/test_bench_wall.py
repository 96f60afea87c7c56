"""The wall benchmark runs end to end at a tiny size (figures are printed, never asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from data_access.rulebook.sla import WorkCalendar
from data_access.store.engine import make_engine
from data_access.store.migrate import upgrade
from data_access.store.reference import load_reference
from demo.seed import DemoConfig, seed_demo

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "benchmarks" / "bench_wall.py"
VENV_PYTHON = REPO / ".venv" / "bin" / "python"
CHROMIUM = Path("/usr/bin/chromium")
FIGURES = (
    "refresh cold (fresh app + cache, new version)",
    "refresh warm, same version (204 path)",
    "refresh warm, new version (queries rerun)",
    "refresh warm, version already cached (builders only)",
    "store version query alone",
    "screens: latency p50 / p95 / max",
    "screens: requests",
    "screens: store changes",
    "screens: DB queries per store change",
    "screens: thundering herd",
    "screens: start-up (cold cache, all screens load)",
    "single-flight: latency p50 / p95 / max",
    "single-flight: DB queries per store change",
    "single-flight: thundering herd",
    "bytes: refresh after one new report",
    "bytes: initial page load (HTML, layout, page with polygons, first refresh)",
    "bytes: static files named in the HTML (JS, CSS)",
    "browser heap growth",
    "load average (1/5/15 min)",
)
HEAP_FIGURES = (
    "bytes: page load seen by the browser (all resources)",
    "browser heap after 10 refreshes",
    "browser heap after N refreshes",
)


def test_bench_wall_runs_tiny_and_prints_every_figure(tmp_path):
    """bench_wall.py on a ~300-report store, 3 screens for 5 s, 11 browser refreshes (the fewest that give the heap
    a second reading): exit 0, the command first, one table row per figure, the same table in
    out/results/wall_<N>.md, and with Chromium the heap rows filled (a reading after 10 and after 11 refreshes, and
    a growth figure). One test, not two on one module fixture: xdist ran that fixture once per worker that drew
    one of them. A child process, as a person runs it: this is the smoke run of the script's command line."""
    db = tmp_path / "tiny.db"
    engine = make_engine(f"sqlite:///{db}", create=True)
    upgrade(engine)
    load_reference(engine)
    seed_demo(engine, WorkCalendar(), DemoConfig(seed=3, days=20, per_day=15.0,
                                                 now=datetime.now(UTC) - timedelta(minutes=1), with_events=False))
    engine.dispose()
    python = VENV_PYTHON if VENV_PYTHON.exists() else Path(sys.executable)
    command = [str(python), str(SCRIPT), "--db", str(db), "--screens", "3", "--seconds", "5", "--refreshes", "11",
               "--runs", "2", "--write-every", "1.5", "--out", str(tmp_path / "out")]
    if not CHROMIUM.exists():
        command.append("--no-browser")
    done = subprocess.run(command, cwd=REPO, env=dict(os.environ), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("Command: ")
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    for figure in FIGURES:
        assert any(line.startswith(f"| {figure} |") for line in rows), figure
    written = list((tmp_path / "out" / "results").glob("wall_*.md"))
    assert len(written) == 1
    assert written[0].read_text(encoding="utf-8").count("\n| ") == len(rows)
    if CHROMIUM.exists():  # without it the script says why in the growth row; the rows above are still there
        for figure in HEAP_FIGURES:
            assert any(line.startswith(f"| {figure} |") for line in rows), figure
        growth = next(line for line in rows if line.startswith("| browser heap growth |"))
        assert "%" in growth and "not measured" not in growth
