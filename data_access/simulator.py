"""The live simulator: new reports arrive and open ones move through their states, in real time."""

from __future__ import annotations

import random
import time as walltime
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from data_access.demo import CATEGORY_WEIGHTS, DESCRIPTION, TITLES
from data_access.ingest import ReportWriter, sweep_pending
from data_access.reference import REPORTING_PROPENSITY_DEFAULT, districts, villages
from data_access.schema import OPEN_STATUSES, Report, Reporter
from data_access.sla import WorkCalendar

# Where an open report goes next in the simulation (the likeliest step first).
NEXT_STEP = {
    "baru": ("diverifikasi", "diverifikasi", "diverifikasi", "ditolak"),
    "diverifikasi": ("didisposisikan",),
    "didisposisikan": ("diproses",),
    "diproses": ("selesai", "selesai", "selesai", "ditunda"),
    "ditunda": ("diproses",),
}


@dataclass
class Simulator:
    engine: Engine
    workcal: WorkCalendar
    rate_per_minute: float = 6.0
    seed: int | None = None
    assigner: object | None = None
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.writer = ReportWriter(self.engine, self.workcal, self.assigner)
        from faker import Faker

        self.fake = Faker("id_ID")
        self.districts = list(districts())
        self.weights = [d.population * REPORTING_PROPENSITY_DEFAULT[d.access] for d in self.districts]
        self.villages: dict[str, list] = {}
        for v in villages():
            self.villages.setdefault(v.district_code, []).append(v)

    def step(self, seconds: float) -> tuple[int, int]:
        """Advance ``seconds`` of simulated traffic; returns (reports created, reports moved)."""
        now = self.clock()
        arrivals = sum(1 for _ in range(int(seconds * 10)) if self.rng.random() < self.rate_per_minute / 600)
        with Session(self.engine) as session, session.begin():
            # The reports to move are chosen first: SQLite takes its one write lock at a transaction's first write,
            # so everything read before the new reports' inserts is read without holding it. Chosen after them (with
            # ORDER BY random() over every open report), the 1M store's step held the lock ~2 s of every 2.
            candidates = self._pick(session, now, max(1, arrivals * 2 if arrivals else self.rng.randint(0, 2)))
            for _ in range(arrivals):
                self._new_report(session, now)
            moved = self._advance(session, now, candidates)
        sweep_pending(self.engine, self.workcal, self.assigner, now=now)
        return arrivals, moved

    def _new_report(self, session: Session, now: datetime) -> Report:
        rng = self.rng
        district = rng.choices(self.districts, self.weights)[0]
        village = rng.choice(self.villages[district.code])
        category = rng.choices(list(CATEGORY_WEIGHTS), list(CATEGORY_WEIGHTS.values()))[0]
        reporter = Reporter(name=self.fake.name(), phone=self.fake.phone_number(),
                            nik="9109" + "".join(str(rng.randrange(10)) for _ in range(12)))
        return self.writer.create(
            session, category_code=category, created_at=now, channel=rng.choice(("app", "whatsapp", "sms",
                                                                                 "call_center", "web")),
            source="simulator", external_id=f"SIM-{now.timestamp():.6f}-{rng.randrange(10**6)}",
            title=rng.choice(TITLES[category]).format(v=village.name, d=district.name),
            description=DESCRIPTION.format(n=rng.randint(1, 10), v=village.name, d=district.name),
            lat=round(village.label_lat + rng.uniform(-0.003, 0.003), 6),
            lon=round(village.label_lon + rng.uniform(-0.003, 0.003), 6),
            district_code=district.code, village_code=village.code, reporter=reporter,
        )

    def _pick(self, session: Session, now: datetime, how_many: int) -> list[Report]:
        """``how_many`` open reports from a random place in the store: those at or after a random id, wrapping to
        the start — a walk along the primary key, not a sort of every open report by random()."""
        # Two statements: SQLite answers a lone min() or max() from the index, both at once by a full scan.
        low, high = session.scalar(select(func.min(Report.id))), session.scalar(select(func.max(Report.id)))
        if high is None:
            return []
        pivot = self.rng.randint(low, high)
        open_now = select(Report).where(Report.status.in_(OPEN_STATUSES), Report.created_at <= now)
        found = list(session.scalars(open_now.where(Report.id >= pivot).order_by(Report.id).limit(how_many)))
        if len(found) < how_many:
            found += session.scalars(open_now.where(Report.id < pivot).order_by(Report.id)
                                     .limit(how_many - len(found))).all()
        return found

    def _advance(self, session: Session, now: datetime, candidates: list[Report]) -> int:
        for report in candidates:
            to_status = self.rng.choice(NEXT_STEP[report.status])
            self.writer.transition(session, report, to_status, max(now, report.created_at), actor="simulator")
        return len(candidates)

    def run(self, *, tick_seconds: float = 2.0, duration: float | None = None,
            report: Callable[[int, int], None] | None = None) -> None:
        started = walltime.monotonic()
        while duration is None or walltime.monotonic() - started < duration:
            created, moved = self.step(tick_seconds)
            if report:
                report(created, moved)
            walltime.sleep(tick_seconds)
