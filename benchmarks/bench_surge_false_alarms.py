#!/usr/bin/env python
"""Does the surge rule cry wolf? False-alarm episodes in 30 quiet simulated days, and how soon an injected surge
is raised, over several seeds.

For each seed: a demo store (seed-demo's code, no incidents) of ``--days`` days up to NOW; a copy of it is run on
by the simulator for ``--sim-days`` days without any surge, and the rule is asked at every ``--every`` hours of them
(``HourlyWalk``: the rule book's functions on counts taken in one read; at every ``--verify-every`` hours and at the
start of every episode the wall's own query, ``surge_alerts``, is asked too and must agree, else the script exits 1).
An episode is a cell in alert at consecutive checks. A second copy runs with ``--surge`` (the simulator's
injection, as the tests use it) hour by hour until the rule raises the surged cell: its detection delay.

    .venv/bin/python benchmarks/bench_surge_false_alarms.py                       # 8 seeds, 60 days, 30 simulated
    .venv/bin/python benchmarks/bench_surge_false_alarms.py --seeds 1 --days 21 --sim-days 2 --out /tmp/b  # tiny

Prints a Markdown table, also written to ``<out>/results/surge_false_alarms.md``. A script that prints figures,
not a timed test; tests/benchmarks/test_bench_surge.py runs it tiny.
"""

from __future__ import annotations

import argparse
import math
import shlex
import shutil
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as `python benchmarks/bench_surge_false_alarms.py` from anywhere
    sys.path.insert(0, str(REPO))

import numpy as np  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from benchmarks.bench_common import loadavg, log, publish  # noqa: E402
from core.rules import NO_DISTRICT  # noqa: E402
from data_access.queries import surge_alerts  # noqa: E402
from data_access.rulebook import surge  # noqa: E402
from data_access.rulebook.scope import Filters, Scope  # noqa: E402
from data_access.rulebook.sla import WIT, WorkCalendar  # noqa: E402
from data_access.store.engine import make_engine  # noqa: E402
from data_access.store.migrate import upgrade  # noqa: E402
from data_access.store.reference import load_reference  # noqa: E402
from data_access.store.schema import Report  # noqa: E402
from demo.seed import DemoConfig, seed_demo  # noqa: E402
from demo.simulator import Simulator, parse_surge  # noqa: E402

NOW = datetime(2026, 11, 23, 0, 30, tzinfo=UTC)  # a Monday, 09:30 WIT (the tests' clock)
SURGE = "Mimika Baru:air_bersih:8"  # the tests' injection
MAX_DELAY_HOURS = 48


@dataclass
class Episode:
    cell: tuple[str, str]
    start: int  # hours after NOW of its first alerting check
    checks: int
    observed: int
    expected: float
    p_value: float


@dataclass
class SeedResult:
    seed: int
    reports: int
    episodes: list[Episode] = field(default_factory=list)
    delay: int | None = None  # hours until the injected surge was raised; None: not within MAX_DELAY_HOURS
    verified: int = 0  # checks where the walk was compared with the wall's query
    disagree: list[int] = field(default_factory=list)  # hours where they differed
    seconds: float = 0.0


Alerts = dict[tuple[str, str], tuple[int, float, float]]  # cell → (observed, expected, p_value)


def alerting(engine, at: datetime) -> Alerts:
    """The wall's own query at ``at``."""
    alerts = surge_alerts(engine, Filters(), Scope.wall(), at)
    return {(r.district_code, r.category_code): (int(r.observed), float(r.expected), float(r.p_value))
            for r in alerts.itertuples()}


class HourlyWalk:
    """The rule at every whole hour from ``origin`` to ``origin + hours``, its counts taken in one read of the
    reports: each cell's reports per hour (``origin`` + (b − 1) h, ``origin`` + b h], summed over the windows the
    SQL counts (data_access/queries/surges.py); then the rule book's own functions. 720 checks cost about as much
    as a dozen queries; ``agrees`` compares a check with the query."""

    def __init__(self, engine, origin: datetime, hours: int) -> None:
        self.origin, self.hours = origin, hours
        self.lo = -24 * (7 * surge.BASELINE_WEEKS + 1) - 1  # the earliest hour any check reads
        with engine.connect() as conn:
            self.first = conn.execute(select(func.min(Report.created_at))).scalar()
            rows = conn.execute(select(Report.created_at, Report.district_code, Report.category_code)
                                .where(Report.created_at > origin + timedelta(hours=self.lo),
                                       Report.created_at <= origin + timedelta(hours=hours))).all()
        if self.first is not None and self.first.tzinfo is None:
            self.first = self.first.replace(tzinfo=UTC)  # the store's times are UTC
        self.cells = sorted({(d or NO_DISTRICT, c) for _, d, c in rows})
        index = {cell: i for i, cell in enumerate(self.cells)}
        counts = np.zeros((len(self.cells), hours - self.lo + 1))
        for created, district, category in rows:
            created = created if created.tzinfo else created.replace(tzinfo=UTC)
            hour = math.ceil((created - origin) / timedelta(hours=1))
            counts[index[(district or NO_DISTRICT, category)], hour - self.lo] += 1
        self.cumulative = np.concatenate([np.zeros((len(self.cells), 1)), counts.cumsum(axis=1)], axis=1)

    def _between(self, after: int, upto: int) -> np.ndarray:
        """Each cell's reports created after ``origin + after`` hours, up to ``origin + upto`` hours."""
        return self.cumulative[:, upto - self.lo + 1] - self.cumulative[:, after - self.lo + 1]

    def alerts(self, hour: int) -> Alerts:
        now = self.origin + timedelta(hours=hour)
        weeks = surge.weeks_with_history(now, self.first)
        if weeks == 0 or not self.cells:
            return {}
        day, week = 24, 24 * 7
        observed = self._between(hour - day, hour)
        history = self._between(hour - day - week * weeks, hour - day)
        matching = sum(self._between(hour - week * k - day, hour - week * k) for k in range(1, weeks + 1))
        level = self._between(hour - day - 24 * surge.LEVEL_DAYS, hour - day)
        total = int(history.sum())
        share = surge.profile_share(int(matching.sum()), total, weeks)
        lift = surge.level_factor(int(level.sum()), total, weeks)
        watched = int(((history + observed) > 0).sum())
        out = {}
        for i in np.nonzero(observed >= surge.MIN_OBSERVED)[0]:
            seen, expected = int(observed[i]), surge.expected_count(int(history[i]), share, lift)
            if surge.is_surge(seen, expected, watched):
                out[self.cells[i]] = (seen, expected, surge.chance_anywhere(seen, expected, watched))
        return out

    def agrees(self, engine, hour: int) -> bool:
        """The walk and the wall's query flag the same cells with the same counts at ``origin + hour`` hours."""
        mine, query = self.alerts(hour), alerting(engine, self.origin + timedelta(hours=hour))
        return mine.keys() == query.keys() and all(
            mine[c][0] == query[c][0] and math.isclose(mine[c][1], query[c][1], rel_tol=1e-9) for c in mine)


def episodes(walk: HourlyWalk, every: int = 1) -> list[Episode]:
    """The alert episodes over the walk's checks at origin, origin + every, … origin + hours."""
    done, running = [], {}
    for hour in range(0, walk.hours + 1, every):
        now = walk.alerts(hour)
        for cell in list(running):
            if cell not in now:
                done.append(running.pop(cell))
        for cell, (observed, expected, p) in now.items():
            if cell in running:
                running[cell].checks += 1
            else:
                running[cell] = Episode(cell, hour, 1, observed, expected, p)
    return sorted(done + list(running.values()), key=lambda e: e.start)


def detection_delay(engine, workcal: WorkCalendar, seed: int) -> int | None:
    injected = parse_surge(SURGE)
    sim = Simulator(engine, workcal, seed=seed, start=NOW, surges=(injected,))
    for hour in range(1, MAX_DELAY_HOURS + 1):
        sim.advance_to(NOW + timedelta(hours=hour))
        if (injected.district, injected.category) in alerting(engine, sim.now):
            return hour
    return None


def run_seed(seed: int, args, data: Path, workcal: WorkCalendar) -> SeedResult:
    started = time.perf_counter()
    base = data / f"surge_seed{seed}.db"
    for leftover in data.glob(f"surge_seed{seed}*"):
        leftover.unlink()
    engine = make_engine(f"sqlite:///{base}", create=True)
    upgrade(engine)
    load_reference(engine)
    written = seed_demo(engine, workcal, DemoConfig(seed=seed, days=args.days, per_day=args.per_day, now=NOW,
                                                    incidents=()))
    with engine.connect() as conn:  # everything in the main file, so a file copy is the whole store
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    result = SeedResult(seed, written)
    for name, quiet in (("quiet", True), ("surged", False)):
        path = data / f"surge_seed{seed}_{name}.db"
        shutil.copyfile(base, path)
        engine = make_engine(f"sqlite:///{path}")
        if quiet:
            sim = Simulator(engine, workcal, seed=seed, start=NOW)
            for day in range(1, args.sim_days + 1):  # the rule reads only creation times: ask afterwards
                sim.advance_to(NOW + timedelta(days=day))
            walk = HourlyWalk(engine, NOW, 24 * args.sim_days)
            result.episodes = episodes(walk, args.every)
            asked = sorted({*range(0, walk.hours + 1, args.verify_every), *(e.start for e in result.episodes)})
            result.disagree = [hour for hour in asked if not walk.agrees(engine, hour)]
            result.verified = len(asked)
        else:
            result.delay = detection_delay(engine, workcal, seed)
        engine.dispose()
    result.seconds = time.perf_counter() - started
    log(f"seed {seed}: {len(result.episodes)} episode(s), delay {result.delay} h, {result.seconds:.1f} s")
    return result


def report(results: list[SeedResult], args) -> str:
    counts = [len(r.episodes) for r in results]
    disagree = [f"seed {r.seed} hour {h}" for r in results for h in r.disagree]
    delays = [r.delay for r in results]
    lines = [f"Command: {shlex.join(['python', *sys.argv])}", "",
             f"Per seed: a {args.days}-day demo store (no incidents, --per-day {args.per_day:g}) up to "
             f"{NOW.astimezone(WIT):%Y-%m-%d %H:%M} WIT, then {args.sim_days} quiet simulated days asked every "
             f"{args.every} h with the wall's query (surge_alerts); and the same store with the simulator's "
             f"--surge \"{SURGE}\" asked hourly until it is raised (at most {MAX_DELAY_HOURS} h). Load average at "
             f"the end: {loadavg()}.", "",
             "| seed | reports seeded | false-alarm episodes | alerting checks | detection delay (h) | seconds |",
             "|---:|---:|---:|---:|---:|---:|"]
    lines += [f"| {r.seed} | {r.reports:,} | {len(r.episodes)} | {sum(e.checks for e in r.episodes)} | "
              f"{'—' if r.delay is None else r.delay} | {r.seconds:.1f} |" for r in results]
    found = [d for d in delays if d is not None]
    lines += ["", f"False-alarm episodes in {args.sim_days} days: median {statistics.median(counts):g}, "
              f"max {max(counts)}, total {sum(counts)} over {len(results)} seeds; seeds above one: "
              f"{sum(c > 1 for c in counts)}.",
              "Detection delay of the injected surge: "
              + (f"median {statistics.median(found):g} h, max {max(found)} h" if found else "never")
              + f"; not raised within {MAX_DELAY_HOURS} h: {sum(d is None for d in delays)} seed(s).",
              f"The walk agreed with the wall's query at {sum(r.verified for r in results) - len(disagree)} of "
              f"{sum(r.verified for r in results)} checks asked of both"
              + (f"; DISAGREED at {', '.join(disagree)}." if disagree else "."), "",
              "| seed | cell | first alert (WIT) | checks | observed | expected | p |",
              "|---:|---|---|---:|---:|---:|---:|"]
    lines += [f"| {r.seed} | {e.cell[0]} · {e.cell[1]} | "
              f"{(NOW + timedelta(hours=e.start)).astimezone(WIT):%a %d %b %H:%M} | {e.checks} "
              f"| {e.observed} | {e.expected:.2f} | {e.p_value:.2g} |"
              for r in results for e in r.episodes]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=8, help="seeds 0 … N-1 (default 8)")
    parser.add_argument("--days", type=int, default=60, help="seeded history in days (default 60)")
    parser.add_argument("--per-day", type=float, default=45.0, help="seed-demo's --per-day and the simulator's")
    parser.add_argument("--sim-days", type=int, default=30, help="quiet simulated days (default 30)")
    parser.add_argument("--every", type=int, default=1, help="hours between checks (default 1)")
    parser.add_argument("--verify-every", type=int, default=6,
                        help="hours between the checks also asked of the wall's query (and every episode's first)")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks", help="results/ and data/ go here")
    args = parser.parse_args(argv)
    data = args.out / "data"
    data.mkdir(parents=True, exist_ok=True)
    workcal = WorkCalendar()
    results = [run_seed(seed, args, data, workcal) for seed in range(args.seeds)]
    publish(args.out, "surge_false_alarms", report(results, args))
    return 1 if any(r.disagree for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
