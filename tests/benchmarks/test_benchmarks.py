"""The query benchmark runs end to end at a small size (figures are printed, never asserted)."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

from benchmarks import bench_queries

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "benchmarks" / "bench_queries.py"
VENV_PYTHON = REPO / ".venv" / "bin" / "python"
QUERIES = (
    "headline_kpis", "headline_kpis [PUPR]", "reports_by_district", "reports_by_village",
    "breaches_over_time by=opd", "breaches_over_time by=category", "opd_workload", "opd_workload [PUPR]",
    "overdue_by_opd", "newest_reports", "report_detail", "store_version",
)


def test_bench_queries_runs_small_and_prints_a_row_per_query(tmp_path):
    """bench_queries.py builds a 3,000-report SQLite store in tmp_path, exits 0 and prints every query's row."""
    python = VENV_PYTHON if VENV_PYTHON.exists() else Path(sys.executable)
    env = {k: v for k, v in os.environ.items() if k != "BENCH_DATABASE_URL"}  # never touch the shared bench DB
    done = subprocess.run([str(python), str(SCRIPT), "--reports", "3000", "--runs", "2", "--out", str(tmp_path)],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]  # 1 when the baseline and a query disagree
    assert "The answers are checked against the query's: all agree." in done.stdout
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ") and "| sqlite |" in line]
    for query in QUERIES:
        assert any(line.startswith(f"| {query} |") or line.startswith(f"| {query} id=") for line in rows), query
    assert done.stdout.startswith("Command: ")
    assert (tmp_path / "data" / "bench_3000.db").exists()
    assert (tmp_path / "results" / "queries_3000.md").read_text(encoding="utf-8").count("| sqlite |") == len(QUERIES)


def test_bench_queries_exits_1_when_the_baseline_and_a_query_disagree(tmp_path, monkeypatch):
    """A baseline that counts one at-risk report more than the query: the disagreement is listed and main() says 1."""
    real_cases = bench_queries.cases

    def one_off(report_id):
        out = real_cases(report_id)
        kpis = out[0]

        def naive(frames):
            answer = kpis.naive(frames)
            return {**answer, "at_risk": answer["at_risk"] + 1}

        return [dataclasses.replace(kpis, naive=naive), *out[1:]]

    monkeypatch.setattr(bench_queries, "cases", one_off)
    assert bench_queries.main(["--reports", "300", "--runs", "1", "--out", str(tmp_path), "--only", "sqlite"]) == 1
    written = (tmp_path / "results" / "queries_300.md").read_text(encoding="utf-8")
    assert "Baseline and query disagree" in written
    assert "- sqlite headline_kpis: at_risk: query" in written
