"""The surge false-alarm benchmark runs end to end at a tiny size, in-process (figures are printed, never
asserted): its walk of the rule agrees with the wall's query wherever both were asked."""

from __future__ import annotations

import re

from benchmarks import bench_surge_false_alarms as bench

TINY = ["--seeds", "1", "--days", "21", "--sim-days", "2", "--verify-every", "12"]


def test_bench_surge_runs_tiny_and_its_walk_agrees_with_the_query(tmp_path, capsys):
    """One seed, 21 seeded days, 2 quiet simulated days: exit 0 (the walk and surge_alerts agree at every check
    asked of both), a row for the seed with its detection delay, and the results file."""
    assert bench.main([*TINY, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    agreed = re.search(r"The walk agreed with the wall's query at (\d+) of (\d+) checks asked of both\.", out)
    assert agreed and agreed[1] == agreed[2] and int(agreed[2]) >= 5, out  # hours 0, 12, … 48 at least
    row = next(line for line in out.splitlines() if line.startswith("| 0 | "))
    delay = row.split("|")[5].strip()
    assert delay.isdigit() and int(delay) <= bench.MAX_DELAY_HOURS, row
    assert (tmp_path / "results" / "surge_false_alarms.md").read_text(encoding="utf-8").startswith("Command: ")


def test_bench_surge_exits_1_when_its_walk_and_the_query_disagree(tmp_path, monkeypatch, capsys):
    """A walk that sees one alert more than the wall's query at every check: the disagreement is named and main()
    says 1."""
    real = bench.HourlyWalk.alerts
    monkeypatch.setattr(bench.HourlyWalk, "alerts",
                        lambda walk, hour: {**real(walk, hour), ("94.04.01", "jalan"): (9, 1.0, 1e-6)})
    assert bench.main([*TINY, "--out", str(tmp_path)]) == 1
    assert "DISAGREED at seed 0 hour 0" in capsys.readouterr().out
