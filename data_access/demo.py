"""A believable Mimika for demos, tests and benchmarks: two years of complaints and their timelines.

Volume follows population with under-reporting in districts reached only by river, sea or air; OPDs differ
in how fast they answer (some chronically late); there is a weekly and daily rhythm and two incidents
(a flood week on the coast, a water outage in Timika). Timelines are cut at ``now``: what has not
happened yet leaves the report open in the state it reached.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from faker import Faker
from sqlalchemy import Engine, func, insert, select
from sqlalchemy.orm import Session

from data_access.demo_text import DESCRIPTION, NOTES, TITLES
from data_access.ingest import compute_due_times
from data_access.reference import CATEGORIES, REPORTING_PROPENSITY_DEFAULT, districts, policies_from_store, villages
from data_access.schema import Report, Reporter, ReportEvent
from data_access.sla import WIT, WorkCalendar

Progress = Callable[[int, int], None]

REMOTE_SLOWDOWN = {"jalan": 1.0, "sungai": 1.6, "laut": 1.8, "udara": 2.2}
CHANNEL_WEIGHTS = {  # (road-reachable, remote)
    "app": (30, 6), "whatsapp": (25, 18), "call_center": (12, 22), "sms": (7, 28), "walk_in": (10, 20),
    "lapor": (11, 4), "web": (5, 2),
}
CATEGORY_WEIGHTS = {
    "jalan": 14, "air_bersih": 10, "drainase": 6, "kesehatan": 9, "gawat_darurat": 3, "pendidikan": 7, "sampah": 9,
    "adminduk": 10, "ketertiban": 5, "banjir": 2, "kebakaran": 1, "penerangan": 5, "transportasi": 4, "bansos": 5,
    "dana_kampung": 3, "perumahan": 3, "perlindungan_anak": 1, "telekomunikasi": 3, "ketenagakerjaan": 2,
    "harga_pasar": 3, "pertanian": 2, "perikanan": 2,
}
REMOTE_CATEGORY_BOOST = {"kesehatan": 2.0, "pendidikan": 2.0, "telekomunikasi": 2.5, "transportasi": 2.0,
                         "perikanan": 3.0, "dana_kampung": 2.0, "sampah": 0.2, "penerangan": 0.2, "adminduk": 0.6}
# Median hours to first response and fraction of the resolution target used, per OPD (1.0 = exactly on time).
OPD_SPEED = {
    "DINKES": (5, 0.6), "RSUD": (0.4, 0.5), "DISDIKBUD": (30, 1.3), "PUPR": (20, 1.4), "PERKIM": (40, 1.2),
    "DLH": (6, 0.8), "DISHUB": (16, 0.9), "DUKCAPIL": (4, 0.5), "DINSOS": (26, 1.1), "BPBD": (0.5, 0.6),
    "SATPOLPP": (1.5, 0.7), "DAMKAR": (0.2, 0.3), "KOMINFO": (10, 1.0), "DPMK": (30, 1.2), "DP3A": (2, 0.6),
    "DISNAKER": (20, 0.9), "DISPERINDAG": (12, 0.8), "DISTAN": (24, 0.9), "DISKAN": (28, 1.0),
}
HOURLY_RHYTHM = [1, 0.5, 0.3, 0.3, 0.4, 1, 2, 4, 6, 7, 7, 6, 5, 5, 5, 4.5, 4, 4, 5, 5.5, 5, 4, 3, 2]  # WIT hours
WEEKLY_RHYTHM = [1.1, 1.05, 1.0, 1.0, 0.95, 0.7, 0.55]  # Monday first
COAST = ("94.04.03", "94.04.08", "94.04.04", "94.04.07", "94.04.05", "94.04.17")
TIMIKA = ("94.04.01", "94.04.16", "94.04.13")


@dataclass(frozen=True)
class Incident:
    name: str
    category: str
    districts: tuple[str, ...]
    days_ago: int
    length_days: int
    extra_per_day: float


@dataclass
class DemoConfig:
    seed: int = 7
    days: int = 730
    per_day: float = 45.0  # average reports a day at the end of the period
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    with_events: bool = True  # benchmarks at a million reports may skip the timelines, which no aggregate reads
    incidents: tuple[Incident, ...] = (
        Incident("banjir pesisir", "banjir", COAST, 63, 7, 0.5),
        Incident("air mati Timika", "air_bersih", TIMIKA, 12, 4, 0.45),
    )


@dataclass
class Batch:
    reports: list[dict]
    events: list[dict]
    reporters: list[dict]


class DemoGenerator:
    def __init__(self, config: DemoConfig, workcal: WorkCalendar, policies: dict, first_report_id: int = 1,
                 first_reporter_id: int = 1, first_event_id: int = 1) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.fake = Faker("id_ID")
        self.fake.seed_instance(config.seed)
        self.workcal = workcal
        self.policies = policies
        self.default_opd = {code: opd for code, _, _, opd, _ in CATEGORIES}
        self.next_report_id, self.next_reporter_id, self.next_event_id = first_report_id, first_reporter_id, \
            first_event_id
        self.districts = list(districts())
        self.villages_by_district: dict[str, list] = {}
        for v in villages():
            self.villages_by_district.setdefault(v.district_code, []).append(v)
        weights = [d.population * REPORTING_PROPENSITY_DEFAULT[d.access] for d in self.districts]
        total = sum(weights)
        self.district_share = [w / total for w in weights]

    # --- how many, when, where -------------------------------------------------------------------------
    def expected_total(self) -> int:
        days = self.config.days
        return int(sum(self._day_volume(i, days) for i in range(days)) * 1.03)

    def _day_volume(self, i: int, days: int) -> float:
        growth = 0.6 + 0.4 * (i / max(days - 1, 1))  # reporting grows as the app becomes known
        return self.config.per_day * growth

    def batches(self, size: int = 5000) -> Iterator[Batch]:
        batch = Batch([], [], [])
        now = self.config.now
        start_day = (now.astimezone(WIT) - timedelta(days=self.config.days - 1)).date()
        for i in range(self.config.days):
            day = start_day + timedelta(days=i)
            expected = self._day_volume(i, self.config.days) * WEEKLY_RHYTHM[day.weekday()]
            days_ago = self.config.days - 1 - i
            for district_index in range(len(self.districts)):
                mean = expected * self.district_share[district_index]
                self._emit_day(batch, day, self.districts[district_index], None, self._poisson(mean), now)
            for incident in self.config.incidents:
                if incident.days_ago - incident.length_days < days_ago <= incident.days_ago:
                    for code in incident.districts:
                        d = next(x for x in self.districts if x.code == code)
                        weight = 3 if code in TIMIKA else 1
                        mean = expected * incident.extra_per_day * weight / len(incident.districts)
                        self._emit_day(batch, day, d, incident.category, self._poisson(mean), now)
            if len(batch.reports) >= size:
                yield batch
                batch = Batch([], [], [])
        if batch.reports:
            yield batch

    def _poisson(self, mean: float) -> int:
        if mean > 30:
            return max(0, int(round(self.rng.gauss(mean, math.sqrt(mean)))))
        limit, k, p = math.exp(-mean), 0, 1.0
        while True:
            p *= self.rng.random()
            if p <= limit:
                return k
            k += 1

    def _emit_day(self, batch: Batch, day, district, category: str | None, n: int, now: datetime) -> None:
        for _ in range(n):
            hour = self.rng.choices(range(24), HOURLY_RHYTHM)[0]
            local = datetime(day.year, day.month, day.day, hour, self.rng.randrange(60), self.rng.randrange(60),
                             tzinfo=WIT)
            created = local.astimezone(UTC)
            if created > now:
                continue
            self._emit_report(batch, created, district, category or self._category(district), now)

    def _category(self, district) -> str:
        remote = district.access != "jalan"
        codes = list(CATEGORY_WEIGHTS)
        weights = [CATEGORY_WEIGHTS[c] * (REMOTE_CATEGORY_BOOST.get(c, 1.0) if remote else 1.0) for c in codes]
        if district.code in COAST:
            weights[codes.index("banjir")] *= 2
        return self.rng.choices(codes, weights)[0]

    # --- one report ---------------------------------------------------------------------------------------
    def _emit_report(self, batch: Batch, created: datetime, district, category: str, now: datetime) -> None:
        rng = self.rng
        remote = district.access != "jalan"
        channel = rng.choices(list(CHANNEL_WEIGHTS), [w[1 if remote else 0] for w in CHANNEL_WEIGHTS.values()])[0]
        village = rng.choice(self.villages_by_district[district.code])
        lat = lon = None
        district_code, village_code = district.code, village.code
        if channel in ("app", "whatsapp", "web") or rng.random() < 0.3:
            lat = round(village.label_lat + rng.uniform(-0.004, 0.004), 6)
            lon = round(village.label_lon + rng.uniform(-0.004, 0.004), 6)
        elif rng.random() < 0.15:  # an SMS with no place named: the report has no location at all
            district_code = village_code = None
        if district_code and rng.random() < 0.004:  # sent from a boat off the coast: outside the regency
            lat, lon, district_code, village_code = round(rng.uniform(-5.3, -5.1), 5), round(
                rng.uniform(135.5, 137.5), 5), None, None
        rid = self.next_report_id
        self.next_report_id += 1
        reporter_id = None
        if rng.random() < 0.85:
            reporter_id = self.next_reporter_id
            self.next_reporter_id += 1
            batch.reporters.append({
                "id": reporter_id, "name": self.fake.name(), "phone": self.fake.phone_number(),
                "email": self.fake.email() if rng.random() < 0.3 else None,
                "nik": "9109" + "".join(str(rng.randrange(10)) for _ in range(12)) if rng.random() < 0.6 else None,
            })
        opd = self.default_opd[category]
        policy = self.policies[category]
        title = rng.choice(TITLES[category]).format(v=village.name, d=district.name)
        events, status, pauses = self._timeline(created, opd, policy, district.access, now)
        due = compute_due_times(policy, created, self.workcal, [p for p in pauses if p[1] is not None])
        first_response = next((e["at"] for e in events[1:]), None)
        resolved = next((e["at"] for e in events if e["to_status"] == "selesai"), None)
        closed = next((e["at"] for e in events if e["to_status"] == "ditutup"), None)
        batch.reports.append({
            "id": rid, "source": "demo", "external_id": f"DEMO-{rid}", "channel": channel, "category_code": category,
            "opd_code": opd, "district_code": district_code, "village_code": village_code, "lat": lat, "lon": lon,
            "title": title, "description": DESCRIPTION.format(n=rng.randint(1, 30), v=village.name, d=district.name),
            "status": status, "priority": "darurat" if policy.calendar == "24x7" else "normal",
            "reporter_id": reporter_id, "created_at": created, "first_response_at": first_response,
            "resolved_at": resolved, "closed_at": closed, "response_due_at": due.response_due_at,
            "resolution_due_at": due.resolution_due_at,
            "paused_seconds": sum((b - a).total_seconds() for a, b in pauses if b is not None),
            "updated_at": events[-1]["at"],
        })
        previous = None
        for e in events:
            batch.events.append({"id": self.next_event_id, "report_id": rid, "at": e["at"], "kind": "status",
                                 "from_status": previous, "to_status": e["to_status"], "opd_code": opd,
                                 "actor": e["actor"], "note": e["note"]})
            self.next_event_id += 1
            previous = e["to_status"]

    def _timeline(self, created: datetime, opd: str, policy, access: str, now: datetime):
        """The report's life as it would unfold, cut at ``now``: (events, status now, pauses)."""
        rng = self.rng
        response_median, resolution_share = OPD_SPEED[opd]
        slow = REMOTE_SLOWDOWN[access]
        steps: list[tuple[datetime, str]] = []
        t = created + timedelta(hours=rng.lognormvariate(math.log(response_median * slow), 0.9))
        steps.append((t, "diverifikasi"))
        fate = rng.random()
        if fate < 0.04:
            steps.append((t + timedelta(hours=rng.uniform(0.5, 24)), "ditolak"))
        elif fate < 0.06:
            steps.append((t + timedelta(hours=rng.uniform(0.5, 24)), "diarsipkan"))
        else:
            t = t + timedelta(hours=rng.uniform(0.2, 8) * slow)
            steps.append((t, "didisposisikan"))
            t = t + timedelta(hours=rng.lognormvariate(math.log(6 * slow), 0.8))
            steps.append((t, "diproses"))
            target_due = compute_due_times(policy, created, self.workcal).resolution_due_at
            allowed = (target_due - created).total_seconds()
            share = rng.lognormvariate(math.log(resolution_share * slow * 0.8), 0.6)
            done = created + timedelta(seconds=max(allowed * share, (t - created).total_seconds() + 3600))
            if rng.random() < 0.07:  # waiting for budget or material: the clock stops
                pause_start = t + (done - t) * rng.uniform(0.2, 0.6)
                pause = timedelta(days=rng.uniform(1, 10))
                steps.append((pause_start, "ditunda"))
                steps.append((pause_start + pause, "diproses"))
                done += pause
            steps.append((done, "selesai"))
            if rng.random() < 0.75:
                steps.append((done + timedelta(hours=rng.uniform(4, 96)), "ditutup"))
        events = [{"at": created, "to_status": "baru", "actor": "sistem", "note": "Laporan masuk"}]
        pauses: list[tuple[datetime, datetime | None]] = []
        for at, status in steps:
            if at > now:
                break
            events.append({"at": at, "to_status": status, "actor": f"petugas {opd.lower()}", "note": NOTES[status]})
            if status == "ditunda":
                pauses.append((at, None))
            elif pauses and pauses[-1][1] is None:
                pauses[-1] = (pauses[-1][0], at)
        return events, events[-1]["to_status"], pauses


class StoreNotEmpty(RuntimeError):
    pass


def seed_demo(engine: Engine, workcal: WorkCalendar, config: DemoConfig, *, replace: bool = False,
              progress: Progress | None = None) -> int:
    """Fill the store with demo reports. Refuses a store that has reports unless ``replace``."""
    with Session(engine) as session:
        existing = session.execute(select(func.count()).select_from(Report)).scalar_one()
        if existing and not replace:
            raise StoreNotEmpty(f"the store already holds {existing} reports; use --replace to start over")
        if existing:
            session.query(ReportEvent).delete()
            session.query(Report).delete()
            session.query(Reporter).delete()
            session.commit()
        policies = policies_from_store(session)
    generator = DemoGenerator(config, workcal, policies)
    total_expected = generator.expected_total()
    written = 0
    for batch in generator.batches():
        with engine.begin() as conn:
            if batch.reporters:
                conn.execute(insert(Reporter), batch.reporters)
            conn.execute(insert(Report), batch.reports)
            if config.with_events:
                conn.execute(insert(ReportEvent), batch.events)
        written += len(batch.reports)
        if progress:
            progress(written, max(total_expected, written))
    if progress:
        progress(written, written)  # the estimate was only an estimate: end at 100%
    _reset_sequences(engine)
    return written


def _reset_sequences(engine: Engine) -> None:
    """Explicit ids were written; PostgreSQL's identity sequences must move past them."""
    if engine.dialect.name != "postgresql":
        return
    from sqlalchemy import text

    with engine.begin() as conn:
        for table in ("report", "reporter", "report_event"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"))
