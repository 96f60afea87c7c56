#!/usr/bin/env python
"""Does the simulator keep a seeded store in a steady state? The open backlog per simulated hour, and the
simulated days' inflow and closures against the seeded daily averages.

Seeds a fresh demo store (seed-demo's code), runs the simulator on its simulated clock from the seed's ``now``
hour by hour, and prints a Markdown table that is also written to ``<out>/results/simulator.md``.

    .venv/bin/python benchmarks/bench_simulator.py                        # 730 days at 45 a day, one day
    .venv/bin/python benchmarks/bench_simulator.py --sim-days 7           # a simulated week
    .venv/bin/python benchmarks/bench_simulator.py --days 60 --per-day 20 --out /tmp/bench   # small

This is a script that prints figures, not a timed test; tests/benchmarks/test_bench_simulator.py runs it small.
``BENCH_DATABASE_URL`` (a database whose name contains "bench") runs it on PostgreSQL instead of SQLite.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as `python benchmarks/bench_simulator.py` from anywhere
    sys.path.insert(0, str(REPO))

from sqlalchemy import func, select  # noqa: E402

from benchmarks.bench_common import publish  # noqa: E402
from data_access.queries import headline_kpis, inflow_vs_resolved_weekly  # noqa: E402
from data_access.rulebook.scope import Filters, Scope  # noqa: E402
from data_access.rulebook.sla import WIT, WorkCalendar  # noqa: E402
from data_access.store.engine import make_engine  # noqa: E402
from data_access.store.migrate import upgrade  # noqa: E402
from data_access.store.reference import load_reference  # noqa: E402
from data_access.store.schema import OPEN_STATUSES, Report, ReportEvent  # noqa: E402
from demo.seed import DemoConfig, expected_on_day, seed_demo  # noqa: E402
from demo.simulator import Simulator  # noqa: E402

NOW = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)  # a Monday, 09:30 WIT (the tests' clock)
FINISHED = ("selesai", "ditolak", "diarsipkan")  # leaving the open statuses
WINDOW_DAYS = 28


def open_by_opd(engine) -> dict[str, int]:
    with engine.connect() as conn:
        rows = conn.execute(select(Report.opd_code, func.count()).where(Report.status.in_(OPEN_STATUSES))
                            .group_by(Report.opd_code).order_by(func.count().desc())).all()
    return dict(rows)


def daily_averages(engine, now: datetime, days: int = WINDOW_DAYS) -> tuple[float, float]:
    """Reports in and reports out of the open statuses a day, over the ``days`` before ``now``."""
    since = now - timedelta(days=days)
    with engine.connect() as conn:
        inflow = conn.execute(select(func.count()).select_from(Report)
                              .where(Report.created_at > since, Report.created_at <= now)).scalar_one()
        out = conn.execute(select(func.count()).select_from(ReportEvent)
                           .where(ReportEvent.kind == "status", ReportEvent.to_status.in_(FINISHED),
                                  ReportEvent.from_status.in_(OPEN_STATUSES),
                                  ReportEvent.at > since, ReportEvent.at <= now)).scalar_one()
    return inflow / days, out / days


def wall_figures(engine, now: datetime) -> tuple[int, int]:
    """The wall's own open and resolution-overdue counts at ``now`` (the same query the wall runs)."""
    kpis = headline_kpis(engine, Filters(), Scope.wall(), now).iloc[0]
    return int(kpis["open"]), int(kpis["overdue_resolution"])


def simulate(engine, start: datetime, hours: int, per_day: float, seed: int):
    """Run ``hours`` simulated hours from ``start``: rows of (time, open, overdue, new, finished)."""
    sim = Simulator(engine, WorkCalendar(), per_day=per_day, seed=seed, start=start)
    rows = [(start, *wall_figures(engine, start), 0, 0)]
    for hour in range(1, hours + 1):
        step = sim.advance_to(start + timedelta(hours=hour))
        rows.append((step.until, *wall_figures(engine, step.until), len(step.created), step.finished))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=730, help="seeded history in days (default 730)")
    parser.add_argument("--per-day", type=float, default=45.0, help="seed-demo's --per-day and the simulator's")
    parser.add_argument("--sim-days", type=int, default=1, help="simulated days (default 1)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks", help="results/ and data/ go here")
    args = parser.parse_args(argv)

    url = os.environ.get("BENCH_DATABASE_URL")
    if url and "bench" not in url.rsplit("/", 1)[-1]:
        parser.error("BENCH_DATABASE_URL must name a database whose name contains 'bench' (its reports are replaced)")
    if not url:
        path = args.out / "data" / "bench_simulator.db"
        path.parent.mkdir(parents=True, exist_ok=True)
        for leftover in path.parent.glob(path.name + "*"):
            leftover.unlink()
        url = f"sqlite:///{path}"
    engine = make_engine(url, create=True)
    upgrade(engine)
    load_reference(engine)
    started = time.perf_counter()
    written = seed_demo(engine, WorkCalendar(), DemoConfig(seed=args.seed, days=args.days, per_day=args.per_day,
                                                           now=NOW), replace=True)
    seeded_seconds = time.perf_counter() - started
    seeded_in, seeded_out = daily_averages(engine, NOW)

    by_opd_start = open_by_opd(engine)
    started = time.perf_counter()
    rows = simulate(engine, NOW, 24 * args.sim_days, args.per_day, args.seed)
    sim_seconds = time.perf_counter() - started
    backlog = [r[1] for r in rows]
    start_open = backlog[0]
    worst = max(abs(b - start_open) for b in backlog) / start_open * 100 if start_open else 0.0

    lines = [f"Command: {shlex.join([Path(sys.executable).name, *sys.argv])}", "",
             f"Store: {engine.url.render_as_string(hide_password=True)} ({engine.dialect.name}), {written:,} reports "
             f"seeded in {seeded_seconds:.1f} s: {args.days} days at --per-day {args.per_day:g} up to "
             f"{NOW.astimezone(WIT):%Y-%m-%d %H:%M} WIT; then {args.sim_days} simulated day(s) in {sim_seconds:.1f} s "
             f"of wall time.", "",
             f"Seeded daily averages over the last {WINDOW_DAYS} days: {seeded_in:.1f} reports in, "
             f"{seeded_out:.1f} out of the open statuses (selesai, ditolak, diarsipkan).", "",
             "| simulated hour (WIT) | open | resolution overdue | new | finished |", "|---|---:|---:|---:|---:|"]
    lines += [f"| {at.astimezone(WIT):%a %Y-%m-%d %H:%M} | {n:,} | {late:,} | {new} | {done} |"
              for at, n, late, new, done in rows]
    lines += ["", "| simulated day (WIT) | expected in | in | out |", "|---|---:|---:|---:|"]
    for day in range(args.sim_days):
        part = rows[1 + 24 * day: 1 + 24 * (day + 1)]
        first = part[0][0] - timedelta(hours=1)
        expected = sum(expected_on_day(args.per_day, (first + timedelta(hours=h)).astimezone(WIT).date()) / 24
                       for h in range(24))
        lines.append(f"| {first.astimezone(WIT):%a %d %b %H:%M} + 24 h | {expected:.1f} | "
                     f"{sum(r[3] for r in part)} | {sum(r[4] for r in part)} |")
    overdue = [r[2] for r in rows]
    lines += ["", f"Open backlog: start {start_open:,}, min {min(backlog):,}, max {max(backlog):,}, "
              f"end {backlog[-1]:,} (at most {worst:.1f} % from the start). Resolution overdue: start {overdue[0]:,}, "
              f"min {min(overdue):,}, max {max(overdue):,}, end {overdue[-1]:,}."]
    end = rows[-1][0]
    lines += ["", "| OPD (largest backlog first) | open at the start | open at the end |", "|---|---:|---:|"]
    by_opd_end = open_by_opd(engine)
    lines += [f"| {opd} | {by_opd_start.get(opd, 0)} | {n} |" for opd, n in list(by_opd_end.items())[:8]]
    weekly = inflow_vs_resolved_weekly(engine, Filters(), Scope.wall(), end, weeks=6)
    lines += ["", f"Weekly in/out bars at the end (the briefing's query; the last week is {end.astimezone(WIT):%A} "
              "so far):", "", "| week | inflow | resolved |", "|---|---:|---:|"]
    lines += [f"| {w.week} | {w.inflow} | {w.resolved} |" for w in weekly.itertuples()]
    publish(args.out, "simulator", "\n".join(lines) + "\n")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
