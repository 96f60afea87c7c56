"""The live simulator: a store that keeps living like Mimika's, on a simulated clock.

New reports arrive at the demo's own volume with its weekly and daily rhythm (``expected_per_hour``, the
same that seed-demo uses), and every open report, seeded or new, moves along the same course as in the
seeded history (``planned_steps`` / ``remaining_steps``: each OPD's speed, remote districts slower). So
arrivals and closures balance over a day, the backlog stays where it was and the late OPDs stay late.

The clock: the simulated time starts at ``start`` (default: now) and runs ``speed`` times as fast as the wall
clock. Every time written is simulated time. At speed 1 (the live demo) it is the wall clock; at a higher
speed it runs ahead of the wall clock and stamps future times, so speeds above 1 are for tests and
benchmarks whose readers ask the store at the simulator's clock (``Simulator.now``), not for a live wall.
"""

from __future__ import annotations

import heapq
import itertools
import math
import random
import time as walltime
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from data_access.intake.bulk_load import SIMULATOR_SOURCE
from data_access.intake.writer import InvalidTransition, ReportWriter, sweep_pending
from data_access.rulebook.sla import WorkCalendar
from data_access.store.heartbeat import BEAT_EVERY, beat
from data_access.store.reference import CATEGORIES, districts
from data_access.store.schema import OPEN_STATUSES, Report, Reporter
from demo.seed import (
    WEEKLY_RHYTHM,
    DemoConfig,
    DemoGenerator,
    category_weights,
    expected_per_hour,
    planned_steps,
    remaining_steps,
)
from demo.text import NOTES

CATCH_UP_LIMIT = timedelta(days=7)
MIMIKA_PER_DAY = DemoConfig.per_day  # seed-demo's volume at the end of its period: about 41 reports a day
MAX_SPEED = 10_000
_CLOSING_WINDOW = timedelta(hours=96)  # a selesai report not closed within this stays selesai (demo.py)


def catch_up_start(engine: Engine, now: datetime | None = None) -> datetime | None:
    """Where a catching-up simulator starts: the store's last change when it lies in the past (at most
    ``CATCH_UP_LIMIT`` back); None when the store is empty or already up to date."""
    now = now or datetime.now(UTC)
    with engine.connect() as conn:
        newest = conn.execute(select(func.max(Report.updated_at))).scalar()
    if newest is None:
        return None
    newest = newest if newest.tzinfo else newest.replace(tzinfo=UTC)  # the store's times are UTC
    if newest >= now - timedelta(seconds=1):
        return None
    return max(newest, now - CATCH_UP_LIMIT)


def per_day_for_rate(rate_per_minute: float) -> float:
    """The ``per_day`` that gives ``rate_per_minute`` reports a minute on average over a week."""
    return rate_per_minute * 24 * 60 * len(WEEKLY_RHYTHM) / sum(WEEKLY_RHYTHM)


MAX_SURGE_FACTOR = 1000.0


@dataclass(frozen=True)
class Surge:
    """A district × category whose rate is multiplied by ``factor`` for as long as the simulator runs (demos of
    the wall's surge alert, and its tests)."""

    district: str  # code
    category: str
    factor: float


def parse_surge(text: str) -> Surge:
    """``"DISTRICT:CATEGORY:FACTOR"`` (the district by code or name, the category by code) → a Surge; ValueError
    naming what is wrong."""
    parts = (text or "").rsplit(":", 2)
    if len(parts) != 3:
        raise ValueError(f"expected DISTRICT:CATEGORY:FACTOR, not {text!r}")
    place, category, factor_text = (p.strip() for p in parts)
    wanted = " ".join(place.replace("-", " ").split()).casefold()
    found = [d for d in districts() if wanted in (d.code, " ".join(d.name.replace("-", " ").split()).casefold())]
    if not found:
        raise ValueError(f"no district {place!r} (give its code, e.g. 94.04.01, or its name)")
    codes = [c[0] for c in CATEGORIES]
    if category not in codes:
        raise ValueError(f"no category {category!r} (one of: {', '.join(codes)})")
    try:
        factor = float(factor_text)
    except ValueError:
        raise ValueError(f"the factor {factor_text!r} is not a number") from None
    if not (math.isfinite(factor) and 1 < factor <= MAX_SURGE_FACTOR):
        raise ValueError(f"the factor must be above 1 and at most {MAX_SURGE_FACTOR:g}, not {factor_text}")
    return Surge(found[0].code, category, factor)


@dataclass
class Advance:
    """What one step of the simulated clock did."""

    until: datetime
    created: list[Report] = field(default_factory=list)
    moved: int = 0
    finished: int = 0  # moved out of the open statuses (selesai, ditolak, diarsipkan)


@dataclass
class Simulator:
    engine: Engine
    workcal: WorkCalendar
    per_day: float = MIMIKA_PER_DAY  # seed-demo's --per-day: the weekly rhythm makes weekends quieter
    seed: int | None = None
    assigner: object | None = None
    start: datetime | None = None  # the simulated clock starts here (default now)
    surges: tuple[Surge, ...] = ()

    def __post_init__(self) -> None:
        if not (self.per_day > 0 and math.isfinite(self.per_day)):
            raise ValueError("per_day must be a positive number")
        seed = self.seed if self.seed is not None else random.SystemRandom().randrange(2**31)
        self.now = (self.start or datetime.now(UTC)).astimezone(UTC)
        self.writer = ReportWriter(self.engine, self.workcal, self.assigner)
        # The demo's generator writes what a citizen sends (place, texts, priority) and keeps the random stream.
        self.generator = DemoGenerator(DemoConfig(seed=seed, days=1, per_day=self.per_day, now=self.now),
                                       self.workcal, self.writer.policies)
        self.rng = self.generator.rng
        self.access = {d.code: d.access for d in districts()}
        self._queue: list[tuple[datetime, int, int, str, str]] = []  # (at, order, report id, from, to)
        self._order = itertools.count()
        self._planned: set[int] = set()
        with Session(self.engine) as session:
            self._outside_after = session.execute(select(func.coalesce(func.max(Report.id), 0))).scalar_one()
            self._plan_store(session, self.now, only_new=False)
        self._next_arrival = self._arrival_after(self.now)
        # Each surge adds a stream of its own: (factor - 1) times the cell's usual share of the demo's rhythm.
        self._surge_streams = [(surge, self._surge_scale(surge)) for surge in self.surges]
        self._next_surge = [self._arrival_after(self.now, scale) for _, scale in self._surge_streams]
        self._next_rescan = self.now + timedelta(hours=1)

    # --- the plan ------------------------------------------------------------------------------------------
    def _plan_store(self, session: Session, now: datetime, *, only_new: bool) -> None:
        """Give every open report (and every selesai one that may still be closed) the rest of its course.

        With ``only_new``, only reports that other writers (an import, the API) added since the start."""
        query = (select(Report.id, Report.status, Report.created_at, Report.updated_at, Report.opd_code,
                        Report.category_code, Report.district_code)
                 .where(Report.created_at <= now)
                 .where(Report.status.in_(OPEN_STATUSES)
                        | ((Report.status == "selesai") & (Report.resolved_at > now - _CLOSING_WINDOW)))
                 .order_by(Report.id))
        if only_new:  # the simulator's own reports are planned already
            query = query.where(Report.id > self._outside_after,
                                Report.source.is_(None) | (Report.source != SIMULATOR_SOURCE))
        for row in session.execute(query):
            if row.id in self._planned:
                continue
            self._schedule(row.id, row.status, remaining_steps(
                self.rng, row.status, row.created_at, min(row.updated_at or row.created_at, now), now,
                row.opd_code, self.writer.policies[row.category_code], self.access.get(row.district_code, "jalan"),
                self.workcal))

    def _schedule(self, report_id: int, status: str, steps: list[tuple[datetime, str]]) -> None:
        self._planned.add(report_id)
        for at, to_status in steps:
            heapq.heappush(self._queue, (at, next(self._order), report_id, status, to_status))
            status = to_status

    def _surge_scale(self, surge: Surge) -> float:
        generator = self.generator
        index = next(i for i, d in enumerate(generator.districts) if d.code == surge.district)
        weights = category_weights(generator.districts[index])
        return (surge.factor - 1) * generator.district_share[index] * weights[surge.category] / sum(weights.values())

    def _arrival_after(self, t: datetime, scale: float = 1.0) -> datetime:
        """The next arrival of a Poisson stream whose rate follows the demo's rhythm hour by hour (times
        ``scale``)."""
        need = self.rng.expovariate(1.0)
        while True:
            hour_end = t.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)  # WIT is whole hours off
            rate = expected_per_hour(self.per_day, t) * scale / 3600  # reports a second
            room = rate * (hour_end - t).total_seconds()
            if need <= room:
                return t + timedelta(seconds=need / rate)
            need -= room
            t = hour_end

    # --- the clock -----------------------------------------------------------------------------------------
    def advance_to(self, until: datetime) -> Advance:
        """Let simulated time run to ``until``: the arrivals and the state changes due by then, in time order."""
        result = Advance(until)
        if until <= self.now:
            return result
        with Session(self.engine, expire_on_commit=False) as session, session.begin():
            while True:
                event_at = self._queue[0][0] if self._queue else None
                surge_at = min(self._next_surge, default=None)
                if surge_at is not None and surge_at <= until and surge_at <= self._next_arrival and (
                        event_at is None or surge_at <= event_at):
                    i = self._next_surge.index(surge_at)
                    surge, scale = self._surge_streams[i]
                    result.created.append(self._new_report(session, surge_at, surge))
                    self._next_surge[i] = self._arrival_after(surge_at, scale)
                elif self._next_arrival <= until and (event_at is None or self._next_arrival <= event_at):
                    result.created.append(self._new_report(session, self._next_arrival))
                    self._next_arrival = self._arrival_after(self._next_arrival)
                elif event_at is not None and event_at <= until:
                    at, _, report_id, from_status, to_status = heapq.heappop(self._queue)
                    if self._apply(session, report_id, from_status, to_status, at):
                        result.moved += 1
                        result.finished += from_status in OPEN_STATUSES and to_status not in OPEN_STATUSES
                else:
                    break
            if until >= self._next_rescan:
                session.flush()
                self._plan_store(session, until, only_new=True)
                self._next_rescan = until + timedelta(hours=1)
        self.now = until
        sweep_pending(self.engine, self.workcal, self.assigner, now=until)
        return result

    def _new_report(self, session: Session, created: datetime, surge: Surge | None = None) -> Report:
        generator = self.generator
        if surge is None:
            district = self.rng.choices(generator.districts, generator.district_share)[0]
            category = generator.category_for(district)
        else:
            district, category = next(d for d in generator.districts if d.code == surge.district), surge.category
        fields = generator.report_fields(district, category)
        reporter_fields = fields.pop("reporter")
        reporter = Reporter(**reporter_fields) if reporter_fields else None
        report = self.writer.create(session, category_code=category, created_at=created, source=SIMULATOR_SOURCE,
                                    external_id=f"SIM-{self.rng.getrandbits(64):016x}", reporter=reporter, **fields)
        self._schedule(report.id, "baru", planned_steps(self.rng, created, report.opd_code,
                                                        self.writer.policies[category],
                                                        self.access.get(report.district_code, "jalan"), self.workcal))
        return report

    def _apply(self, session: Session, report_id: int, from_status: str, to_status: str, at: datetime) -> bool:
        report = session.get(Report, report_id)
        if report is None:
            return False
        if report.status != from_status:
            # Someone else (an operator, the API) moved it meanwhile: drop the old plan, carry on from where it is.
            self._queue = [e for e in self._queue if e[2] != report_id]
            heapq.heapify(self._queue)
            self._schedule(report_id, report.status, remaining_steps(
                self.rng, report.status, report.created_at, min(report.updated_at, at), at, report.opd_code,
                self.writer.policies[report.category_code], self.access.get(report.district_code, "jalan"),
                self.workcal))
            return False
        try:
            self.writer.transition(session, report, to_status, max(at, report.created_at),
                                   actor=f"petugas {report.opd_code.lower()}", note=NOTES[to_status])
        except InvalidTransition:
            return False
        return True

    def catch_up(self) -> Advance:
        """Run the simulated clock as fast as it goes up to the wall clock, then return what happened: a store
        left alone since yesterday gets last night's and this morning's reports, as if the simulator had run."""
        total = Advance(self.now)
        while (target := datetime.now(UTC)) - self.now > timedelta(seconds=1):
            step = self.advance_to(min(target, self.now + timedelta(hours=1)))
            total.until, total.moved, total.finished = step.until, total.moved + step.moved, \
                total.finished + step.finished
            total.created += step.created
        return total

    def open_count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(select(func.count()).select_from(Report)
                                .where(Report.status.in_(OPEN_STATUSES), Report.created_at <= self.now)).scalar_one()

    def run(self, *, speed: float = 1.0, duration: float | None = None, tick_seconds: float | None = None,
            report: Callable[[Advance], None] | None = None, clock: Callable[[], datetime] | None = None) -> None:
        """Run for ``duration`` wall seconds (None: until interrupted), ``speed`` simulated seconds each.

        ``clock``: follow this clock instead (the app's SIMULATED_CLOCK, core/clock.py), so the times written are
        the web processes' "now" too; ``speed`` is then the clock's own."""
        if not (1 <= speed <= MAX_SPEED):
            raise ValueError(f"speed must be between 1 and {MAX_SPEED}")
        tick = tick_seconds if tick_seconds is not None else (2.0 if speed == 1 and clock is None else 0.25)
        origin, started = self.now, walltime.monotonic()
        beaten = None
        while True:
            elapsed = walltime.monotonic() - started
            if duration is not None:
                elapsed = min(elapsed, duration)
            target = clock() if clock is not None else origin + timedelta(seconds=elapsed * speed)
            while self.now < target:  # an hour at a time at most: short transactions, a line per hour
                step = self.advance_to(min(target, self.now + timedelta(hours=1)))
                if report:
                    report(step)
            if beaten is None or self.now - beaten >= BEAT_EVERY:  # the wall: a quiet night is not a dead feed
                beat(self.engine, "simulator", self.now)
                beaten = self.now
            if duration is not None and elapsed >= duration:
                return
            walltime.sleep(tick if duration is None else min(tick, max(duration - elapsed, 0.0)))
