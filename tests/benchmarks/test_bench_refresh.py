"""The wall-refresh benchmark runs end to end at a small size (figures are printed, never asserted)."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest

from benchmarks.bench_refresh import build_copies, wall_query_set
from benchmarks.bench_wall import QUERY_SET

REPO = Path(__file__).resolve().parents[2]
VENV_PYTHON = REPO / ".venv" / "bin" / "python"
WALL_QUERIES = ("headline_kpis", "reports_by_district", "overdue_by_opd", "breaches_over_time", "opd_workload",
                "newest_reports", "recent_report_points", "measure_targets", "headline_kpis", "headline_kpis",
                "surge_alerts", "location_equity")


def test_the_timed_set_is_the_walls_own():
    """The calls are recorded from callbacks.wall.run_queries: the wall's twelve queries with its arguments
    (two of them the headline figures a day and a week back)."""
    calls = wall_query_set()
    assert len(calls) == QUERY_SET
    assert tuple(c.name for c in calls) == WALL_QUERIES
    assert {c.name: c.kwargs for c in calls}["breaches_over_time"] == {"days": 28}
    assert [c.back for c in calls[8:10]] == [timedelta(days=1), timedelta(days=7)]


def test_bench_refresh_times_every_wall_query_and_the_full_set(tmp_path):
    """On a 3,000-report SQLite store (built by bench_queries.py): a row per wall query, the full-set total and
    the first refresh on a fresh engine."""
    python = VENV_PYTHON if VENV_PYTHON.exists() else Path(sys.executable)
    env = {k: v for k, v in os.environ.items() if k != "BENCH_DATABASE_URL"}
    built = subprocess.run([str(python), str(REPO / "benchmarks" / "bench_queries.py"), "--reports", "3000",
                            "--build-only", "--only", "sqlite", "--out", str(tmp_path)],
                           cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stderr[-3000:]
    store = tmp_path / "data" / "bench_3000.db"
    done = subprocess.run([str(python), str(REPO / "benchmarks" / "bench_refresh.py"), str(store), "--runs", "2",
                           "--cold-runs", "2", "--out", str(tmp_path), "--name", "refresh_small"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    for query in WALL_QUERIES:
        assert f"| {query} |" in done.stdout, query
    assert "| **full set, one refresh** |" in done.stdout
    assert "| **full set, first refresh (fresh engine)** |" in done.stdout
    assert "Load average" in (tmp_path / "results" / "refresh_small.md").read_text(encoding="utf-8")


def test_the_bulk_builder_only_builds_into_a_bench_database():
    """--build-from drops and recreates its target: it refuses any database whose name lacks "bench"."""
    with pytest.raises(SystemExit, match="bench"):
        build_copies("postgresql://127.0.0.1:5432/mimika", "postgresql://127.0.0.1:5432/other", 2)
