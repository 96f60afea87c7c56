"""The soak runs end to end at a tiny size: a few simulated minutes across WIT midnight, every figure printed."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
SCRIPT = REPO / "benchmarks" / "bench_soak.py"
FIGURES = ("setup", "simulated time measured", "requests", "latency p50 / p95 / max",
           "errors (not 200/204) / tracebacks in the logs", "'store unavailable' / 'stale' banners",
           "store versions shown / WIT day turns / reports the simulator wrote", "DB queries per store change",
           "DB queries by query", "cache fallbacks / store errors", "web workers' memory after warm-up / end",
           "background worker's memory after warm-up / end", "memory per process (warm-up → end)",
           "WIT midnights on the observing screen", "simulator restarts", "load average (1/5/15 min)")


def test_bench_soak_runs_a_few_simulated_minutes_across_midnight(tmp_path):
    """bench_soak.py: 2 workers, the background worker (with Redis when TEST_REDIS_URL is set), the simulator and
    2 screens for 2 simulated hours at 80x, starting 80 minutes before WIT midnight: exit 0, a row per figure, no
    errors, and the observing screen's "new today" turned over at midnight. The clock is fixed before the servers
    start (they read it from their environment), so servers slow to start shift the observed 90 seconds later:
    midnight, 60 wall seconds after the clock's start, stays inside them for servers up to a minute later than
    --startup-seconds (a loaded machine took more than the 40 s a one-hour soak allowed)."""
    command = [sys.executable, str(SCRIPT), "--simulated-hours", "2", "--speed", "80", "--screens", "2",
               "--workers", "2", "--warmup", "3", "--startup-seconds", "40", "--minutes-before-midnight", "80",
               "--seed-days", "5", "--per-day", "150", "--out", str(tmp_path)]
    if os.environ.get("TEST_REDIS_URL"):
        command += ["--redis-url", os.environ["TEST_REDIS_URL"]]
    env = {k: v for k, v in os.environ.items() if k != "BENCH_DATABASE_URL"}  # a fresh SQLite store
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=400)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("Command: ")
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    for figure in FIGURES:
        assert any(line.startswith(f"| {figure} |") for line in rows), figure
    errors = next(line for line in rows if line.startswith("| errors (not 200/204) / tracebacks"))
    assert "| 0 / 0 |" in errors, errors
    midnight = next(line for line in rows if line.startswith("| WIT midnights on the observing screen |"))
    assert midnight.endswith("| yes |"), midnight
    assert list((tmp_path / "results").glob("soak_sqlite_2h_2x2.md"))
