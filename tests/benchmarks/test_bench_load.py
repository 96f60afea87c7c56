"""The load benchmark runs end to end at a tiny size: real gunicorn, the background worker, /metrics read."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "benchmarks" / "bench_load.py"
FIGURES = ("setup", "measured", "requests", "latency p50 / p95 / max", "errors (not 200/204)",
           "'store unavailable' banners", "store changes", "DB queries per store change",
           "DB queries by query", "cache fallbacks (Redis away) / store errors",
           "SQL statements a second (all)", "cache look-ups a second", "web memory after warm-up / end / peak",
           "web memory growth", "background worker memory after warm-up / end", "load average (1/5/15 min)")


def test_bench_load_runs_tiny_and_prints_every_figure(tmp_path):
    """bench_load.py with 2 workers and 3 screens for a few seconds (Redis when TEST_REDIS_URL is set): exit 0,
    a row per figure, no errors, and the queries per change read from /metrics."""
    command = [sys.executable, str(SCRIPT), "--screens", "3", "--workers", "2", "--seconds", "8", "--warmup", "4",
               "--write-every", "1", "--seed-days", "10", "--per-day", "15", "--out", str(tmp_path)]
    if os.environ.get("TEST_REDIS_URL"):
        command += ["--redis-url", os.environ["TEST_REDIS_URL"]]
    env = {k: v for k, v in os.environ.items() if k != "BENCH_DATABASE_URL"}  # a fresh SQLite store
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("Command: ")
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    for figure in FIGURES:
        assert any(line.startswith(f"| {figure} |") for line in rows), figure
    errors = next(line for line in rows if line.startswith("| errors (not 200/204) |"))
    assert "| 0 |" in errors, errors
    per_change = next(line for line in rows if line.startswith("| DB queries per store change |"))
    assert "nan" not in per_change, per_change
    assert list((tmp_path / "results").glob("load_sqlite_3x2.md"))
