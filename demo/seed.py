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
from datetime import UTC, date, datetime, timedelta
from statistics import NormalDist

from faker import Faker
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from data_access.intake import bulk_load
from data_access.rulebook.policies import policies_from_store
from data_access.rulebook.sla import WIT, SlaPolicy, WorkCalendar, due_at
from data_access.rulebook.status_change import SlaClock, arrival, status_change
from data_access.store.reference import CATEGORIES, REPORTING_PROPENSITY_DEFAULT, districts, villages
from demo.text import NOTES, TITLES, describe, priority_for

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
    # Skipping the timelines writes faster, but the rule book reads them (when a hold began, who held a report when
    # a due time passed): without them a held report is never overdue. Only for stores whose figures nobody checks.
    with_events: bool = True
    incidents: tuple[Incident, ...] = (
        Incident("banjir pesisir", "banjir", COAST, 63, 7, 0.5),
        Incident("air mati Timika", "air_bersih", TIMIKA, 12, 4, 0.45),
    )


@dataclass
class Batch:
    reports: list[dict]
    events: list[dict]
    reporters: list[dict]


# --- the rhythm: how many reports, and when ----------------------------------------------------------------
HOUR_SHARE = tuple(w / sum(HOURLY_RHYTHM) for w in HOURLY_RHYTHM)  # of a day's reports, per WIT hour


def expected_on_day(per_day: float, day: date) -> float:
    """Reports expected on ``day`` (a WIT date) when the volume is ``per_day``: quieter at the weekend."""
    return per_day * WEEKLY_RHYTHM[day.weekday()]


def expected_per_hour(per_day: float, at: datetime) -> float:
    """Reports expected in the WIT hour that holds ``at``: the weekly rhythm times the daily one."""
    local = at.astimezone(WIT)
    return expected_on_day(per_day, local.date()) * HOUR_SHARE[local.hour]


def category_weights(district) -> dict[str, float]:
    """How often each category is the subject of a report from ``district`` (relative weights)."""
    remote = district.access != "jalan"
    weights = {c: w * (REMOTE_CATEGORY_BOOST.get(c, 1.0) if remote else 1.0) for c, w in CATEGORY_WEIGHTS.items()}
    if district.code in COAST:
        weights["banjir"] *= 2
    return weights


def _poisson(rng: random.Random, mean: float) -> int:
    if mean > 30:
        return max(0, int(round(rng.gauss(mean, math.sqrt(mean)))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


# --- a report's life: what happens after it arrives ----------------------------------------------------------
# Seed-demo and the simulator share these: the seeded history shows each OPD's speed, and the simulator keeps
# every open report (seeded or new) on the same course, so closures match arrivals and late OPDs stay late.
Steps = list[tuple[datetime, str]]
_NORMAL = NormalDist()
_UNKNOWN_OPD_SPEED = (12, 1.0)


def _speed(opd: str | None, access: str | None) -> tuple[float, float, float]:
    response_median, resolution_share = OPD_SPEED.get(opd or "", _UNKNOWN_OPD_SPEED)
    return response_median, resolution_share, REMOTE_SLOWDOWN.get(access or "jalan", 1.0)


def _lognormal_beyond(rng: random.Random, mu: float, sigma: float, beyond: float) -> float:
    """A lognormal draw, given that it exceeds ``beyond`` (a report still waiting is one that takes longer)."""
    if beyond <= 0:
        return rng.lognormvariate(mu, sigma)
    floor = _NORMAL.cdf((math.log(beyond) - mu) / sigma)
    u = min(floor + (1 - floor) * rng.random(), 1 - 1e-12)
    return max(math.exp(mu + sigma * _NORMAL.inv_cdf(u)), beyond)


def _uniform_beyond(rng: random.Random, low: float, high: float, beyond: float) -> float:
    """A uniform draw from [low, high], given that it exceeds ``beyond``; past ``high`` (a report waiting longer
    than the model lets it) the step comes soon."""
    if beyond < high:
        return rng.uniform(max(low, beyond), high)
    return beyond + rng.uniform(0, 0.1 * (high - low))


def _still_waiting(low: float, high: float, elapsed: float) -> float:
    """How likely a uniform [low, high] wait is still running after ``elapsed``."""
    if elapsed <= low:
        return 1.0
    return max(0.0, (high - elapsed) / (high - low))


def _hours(delta: timedelta) -> float:
    return delta.total_seconds() / 3600


def planned_steps(rng: random.Random, created: datetime, opd: str, policy: SlaPolicy, access: str,
                  workcal: WorkCalendar) -> Steps:
    """The whole life of a report arriving at ``created``: (time, status) steps after ``baru``, uncut."""
    response_median, _, slow = _speed(opd, access)
    verified = created + timedelta(hours=rng.lognormvariate(math.log(response_median * slow), 0.9))
    return [(verified, "diverifikasi"), *_after_verification(rng, verified, created, opd, policy, access, workcal)]


def _after_verification(rng, verified: datetime, created: datetime, opd, policy, access, workcal,
                        fate: float | None = None, wait: float | None = None) -> Steps:
    slow = _speed(opd, access)[2]
    fate = rng.random() if fate is None else fate
    if fate < 0.04:
        return [(verified + timedelta(hours=wait if wait is not None else rng.uniform(0.5, 24)), "ditolak")]
    if fate < 0.06:
        return [(verified + timedelta(hours=wait if wait is not None else rng.uniform(0.5, 24)), "diarsipkan")]
    disposed = verified + timedelta(hours=wait if wait is not None else rng.uniform(0.2, 8) * slow)
    processing = disposed + timedelta(hours=rng.lognormvariate(math.log(6 * slow), 0.8))
    return [(disposed, "didisposisikan"), (processing, "diproses"),
            *_resolution(rng, processing, created, opd, policy, access, workcal)]


def _resolution(rng, processing: datetime, created: datetime, opd, policy, access, workcal,
                not_before: datetime | None = None) -> Steps:
    """From ``diproses`` on: maybe a hold, then selesai, then maybe ditutup. With ``not_before``, the report is
    known to be still in progress then."""
    _, resolution_share, slow = _speed(opd, access)
    allowed = (due_at(created, policy.resolution, policy.calendar, workcal) - created).total_seconds()
    mu = math.log(resolution_share * slow * 0.8)
    if not_before is None:
        share = rng.lognormvariate(mu, 0.6)
    else:
        share = _lognormal_beyond(rng, mu, 0.6, (not_before - created).total_seconds() / max(allowed, 1.0))
    done = created + timedelta(seconds=max(allowed * share, (processing - created).total_seconds() + 3600))
    steps: Steps = []
    if rng.random() < 0.07:  # waiting for budget or material: the clock stops
        start = max(processing, not_before or processing)
        pause_start = start + (done - start) * rng.uniform(0.2, 0.6)
        pause = timedelta(days=rng.uniform(1, 10))
        steps += [(pause_start, "ditunda"), (pause_start + pause, "diproses")]
        done += pause
    return [*steps, (done, "selesai"), *_closing(rng, done)]


def _closing(rng, done: datetime) -> Steps:
    if rng.random() < 0.75:
        return [(done + timedelta(hours=rng.uniform(4, 96)), "ditutup")]
    return []


def remaining_steps(rng: random.Random, status: str, created: datetime, since: datetime, now: datetime, opd: str,
                    policy: SlaPolicy, access: str, workcal: WorkCalendar) -> Steps:
    """The rest of the life of a report found in ``status`` (reached at ``since``) at ``now``, drawn from the
    same course as :func:`planned_steps` given that the next step has not come yet: a report that has waited
    long is likelier to wait longer, so the seeded backlog drains at the seeded pace."""
    response_median, _, slow = _speed(opd, access)
    elapsed = max(_hours(now - since), 0.0)
    if status == "baru":
        wait = _lognormal_beyond(rng, math.log(response_median * slow), 0.9, _hours(now - created))
        verified = created + timedelta(hours=wait)
        return [(verified, "diverifikasi"), *_after_verification(rng, verified, created, opd, policy, access,
                                                                 workcal)]
    if status == "diverifikasi":
        # Rejected, archived or passed on: whichever is likelier for a report that has waited ``elapsed``.
        weights = (0.04 * _still_waiting(0.5, 24, elapsed), 0.02 * _still_waiting(0.5, 24, elapsed),
                   0.94 * _still_waiting(0.2 * slow, 8 * slow, elapsed))
        fate = rng.choices((0.0, 0.05, 0.5), weights if sum(weights) else (0, 0, 1))[0]
        wait = (_uniform_beyond(rng, 0.5, 24, elapsed) if fate < 0.06
                else _uniform_beyond(rng, 0.2 * slow, 8 * slow, elapsed))
        return _after_verification(rng, since, created, opd, policy, access, workcal, fate=fate, wait=wait)
    if status == "didisposisikan":
        processing = since + timedelta(hours=_lognormal_beyond(rng, math.log(6 * slow), 0.8, elapsed))
        return [(processing, "diproses"), *_resolution(rng, processing, created, opd, policy, access, workcal)]
    if status == "diproses":
        return _resolution(rng, since, created, opd, policy, access, workcal, not_before=now)
    if status == "ditunda":
        resumed = since + timedelta(days=_uniform_beyond(rng, 1, 10, elapsed / 24))
        # The hold began 20-60 % of the way through the work; the rest follows the resumption.
        part = rng.uniform(0.2, 0.6)
        done = resumed + max((since - created) * (1 - part) / part, timedelta(hours=1))
        return [(resumed, "diproses"), (done, "selesai"), *_closing(rng, done)]
    if status == "selesai":
        waiting = 0.75 * _still_waiting(4, 96, elapsed)
        if rng.random() < waiting / (0.25 + waiting):
            return [(since + timedelta(hours=_uniform_beyond(rng, 4, 96, elapsed)), "ditutup")]
    return []


class DemoGenerator:
    def __init__(self, config: DemoConfig, workcal: WorkCalendar, policies: dict, first_report_id: int = 1,
                 first_reporter_id: int = 1, first_event_id: int = 1) -> None:
        self.config = config
        self.rng = random.Random(config.seed)
        self.text_rng = random.Random(f"demo-text:{config.seed}")
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
        self.start_day = (config.now.astimezone(WIT) - timedelta(days=config.days - 1)).date()

    # --- how many, when, where -------------------------------------------------------------------------
    def report_count(self) -> int:
        """Exactly how many reports :meth:`batches` will yield (the arrivals are drawn per day, twice alike)."""
        return sum(len(self._arrivals(i)) for i in range(self.config.days))

    def _day_volume(self, i: int, days: int) -> float:
        growth = 0.6 + 0.4 * (i / max(days - 1, 1))  # reporting grows as the app becomes known
        return self.config.per_day * growth

    def _arrivals(self, i: int) -> list[tuple[datetime, int, str | None]]:
        """Day ``i``'s reports as (created, district index, incident category or None), up to ``now``.

        Each day draws from a generator of its own, so counting the reports first and writing them afterwards
        gives the same reports: the progress bar knows its total before the first batch."""
        rng = random.Random(f"demo-day:{self.config.seed}:{i}")
        day = self.start_day + timedelta(days=i)
        expected = expected_on_day(self._day_volume(i, self.config.days), day)
        days_ago = self.config.days - 1 - i
        arrivals = []
        for district_index, share in enumerate(self.district_share):
            for _ in range(_poisson(rng, expected * share)):
                arrivals.append((self._time_on(rng, day), district_index, None))
        for incident in self.config.incidents:
            if incident.days_ago - incident.length_days < days_ago <= incident.days_ago:
                for code in incident.districts:
                    district_index = next(k for k, x in enumerate(self.districts) if x.code == code)
                    weight = 3 if code in TIMIKA else 1
                    mean = expected * incident.extra_per_day * weight / len(incident.districts)
                    for _ in range(_poisson(rng, mean)):
                        arrivals.append((self._time_on(rng, day), district_index, incident.category))
        return [a for a in arrivals if a[0] <= self.config.now]

    @staticmethod
    def _time_on(rng: random.Random, day: date) -> datetime:
        hour = rng.choices(range(24), HOUR_SHARE)[0]
        local = datetime(day.year, day.month, day.day, hour, rng.randrange(60), rng.randrange(60), tzinfo=WIT)
        return local.astimezone(UTC)

    def batches(self, size: int = 5000) -> Iterator[Batch]:
        batch = Batch([], [], [])
        now = self.config.now
        for i in range(self.config.days):
            for created, district_index, category in self._arrivals(i):
                district = self.districts[district_index]
                self._emit_report(batch, created, district, category or self.category_for(district), now)
            if len(batch.reports) >= size:
                yield batch
                batch = Batch([], [], [])
        if batch.reports:
            yield batch

    def category_for(self, district) -> str:
        """A category for a report from ``district``: remote districts complain of other things than Timika."""
        weights = category_weights(district)
        return self.rng.choices(list(weights), list(weights.values()))[0]

    # --- one report ---------------------------------------------------------------------------------------
    def report_fields(self, district, category: str) -> dict:
        """What a citizen sends about ``category`` from ``district``: channel, place, title, description,
        priority and the reporter (a dict, or None when anonymous)."""
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
        reporter = None
        if rng.random() < 0.85:
            reporter = {
                "name": self.fake.name(), "phone": self.fake.phone_number(),
                "email": self.fake.email() if rng.random() < 0.3 else None,
                "nik": "9109" + "".join(str(rng.randrange(10)) for _ in range(12)) if rng.random() < 0.6 else None,
            }
        title = rng.choice(TITLES[category]).format(v=village.name, d=district.name)
        # Texts and priorities draw from a generator of their own: changing a sentence leaves the history alone.
        return {
            "channel": channel, "district_code": district_code, "village_code": village_code, "lat": lat, "lon": lon,
            "title": title, "description": describe(self.text_rng, category, village.name, district.name),
            "priority": priority_for(self.text_rng, category), "reporter": reporter,
        }

    def _emit_report(self, batch: Batch, created: datetime, district, category: str, now: datetime) -> None:
        fields = self.report_fields(district, category)
        rid = self.next_report_id
        self.next_report_id += 1
        reporter_id = None
        if fields["reporter"] is not None:
            reporter_id = self.next_reporter_id
            self.next_reporter_id += 1
            batch.reporters.append({"id": reporter_id, **fields["reporter"]})
        opd = self.default_opd[category]
        policy = self.policies[category]
        events = self._timeline(created, opd, policy, district.access, now)
        # The report's times are what the live writer would have stored after each of these steps (the rule book's
        # status_change), not worked out here a second way.
        clock = SlaClock(policy, self.workcal)
        times = arrival(created, clock)
        timeline = [(created, "baru")]
        for e in events[1:]:
            times = status_change(times, e["to_status"], e["at"], timeline=timeline, clock=clock)
            timeline.append((e["at"], e["to_status"]))
        batch.reports.append({
            "id": rid, "source": bulk_load.DEMO_SOURCE, "external_id": f"DEMO-{rid}", "channel": fields["channel"],
            "category_code": category, "opd_code": opd, "district_code": fields["district_code"],
            "village_code": fields["village_code"], "lat": fields["lat"], "lon": fields["lon"],
            "title": fields["title"], "description": fields["description"], "status": times.status,
            "priority": fields["priority"], "reporter_id": reporter_id, "created_at": created,
            "first_response_at": times.first_response_at, "resolved_at": times.resolved_at,
            "closed_at": times.closed_at, "response_due_at": times.response_due_at,
            "resolution_due_at": times.resolution_due_at, "paused_seconds": times.paused_seconds,
            "updated_at": events[-1]["at"],
        })
        previous = None
        for e in events:
            batch.events.append({"id": self.next_event_id, "report_id": rid, "at": e["at"], "kind": "status",
                                 "from_status": previous, "to_status": e["to_status"], "opd_code": opd,
                                 "actor": e["actor"], "note": e["note"]})
            self.next_event_id += 1
            previous = e["to_status"]

    def _timeline(self, created: datetime, opd: str, policy, access: str, now: datetime) -> list[dict]:
        """The report's life as it would unfold, cut at ``now``: its status events, ``baru`` first."""
        steps = planned_steps(self.rng, created, opd, policy, access, self.workcal)
        events = [{"at": created, "to_status": "baru", "actor": "sistem", "note": "Laporan masuk"}]
        for at, status in steps:
            if at > now:
                break
            events.append({"at": at, "to_status": status, "actor": f"petugas {opd.lower()}", "note": NOTES[status]})
        return events


class StoreNotEmpty(RuntimeError):
    pass


def seed_demo(engine: Engine, workcal: WorkCalendar, config: DemoConfig, *, replace: bool = False,
              progress: Progress | None = None) -> int:
    """Fill the store with demo reports. Refuses a store that has reports unless ``replace``."""
    existing = bulk_load.report_count(engine)
    if existing and not replace:
        raise StoreNotEmpty(f"the store already holds {existing} reports; use --replace to start over")
    if existing:
        bulk_load.remove_all_reports(engine)
    with Session(engine) as session:
        policies = policies_from_store(session)
    generator = DemoGenerator(config, workcal, policies)
    total = generator.report_count()
    written = 0
    for batch in generator.batches():
        bulk_load.write_rows(engine, batch.reports, batch.events if config.with_events else [], batch.reporters)
        written += len(batch.reports)
        if progress:
            progress(written, total)
    if progress and written != total:  # cannot happen (counted exactly); a bar must still end at 100 %
        progress(written, written)
    bulk_load.move_id_sequences_past_rows(engine)
    return written
