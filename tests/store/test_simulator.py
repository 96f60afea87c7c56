"""The simulator keeps a seeded store in a steady state: one simulated day leaves the backlog where it was."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from data_access import queries
from data_access.rulebook.scope import Filters, Scope
from data_access.rulebook.sla import WIT
from data_access.store.schema import OPEN_STATUSES, Report, ReportEvent
from demo.seed import DemoConfig, expected_on_day, seed_demo
from demo.simulator import CATCH_UP_LIMIT, MIMIKA_PER_DAY, Simulator, catch_up_start, per_day_for_rate
from tests.support import BACKENDS, NOW

pytestmark = pytest.mark.slow  # seconds of CPU a test: scheduled first (tests/conftest.py)

PER_DAY = 40.0
FINISHED = ("selesai", "ditolak", "diarsipkan")


def _open(engine, at, opd=None) -> int:
    query = select(func.count()).select_from(Report).where(Report.status.in_(OPEN_STATUSES), Report.created_at <= at)
    if opd:
        query = query.where(Report.opd_code == opd)
    with engine.connect() as conn:
        return conn.execute(query).scalar_one()


def _finished_per_day(engine, since, until) -> float:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(ReportEvent).where(
            ReportEvent.kind == "status", ReportEvent.to_status.in_(FINISHED),
            ReportEvent.from_status.in_(OPEN_STATUSES), ReportEvent.at > since, ReportEvent.at <= until)
        ).scalar_one() / ((until - since) / timedelta(days=1))


@pytest.fixture(scope="module", params=BACKENDS)
def simulated_day(request, make_store, workcal):
    """150 seeded days up to NOW, then one simulated day hour by hour: (store, hourly backlog, simulator)."""
    engine = make_store(request.param, demo=DemoConfig(seed=11, days=150, per_day=PER_DAY, now=NOW))
    sim = Simulator(engine, workcal, per_day=PER_DAY, seed=3, start=NOW)
    hourly = [_wall(engine, NOW)]
    for hour in range(1, 25):
        sim.advance_to(NOW + timedelta(hours=hour))
        hourly.append(_wall(engine, NOW + timedelta(hours=hour)))
    return engine, hourly, sim


def _wall(engine, at) -> tuple[int, int]:
    """The wall's open and resolution-overdue counts at ``at``."""
    kpis = queries.headline_kpis(engine, Filters(), Scope.wall(), at).iloc[0]
    return int(kpis["open"]), int(kpis["overdue_resolution"])


def test_backlog_stays_within_ten_percent_over_a_day(simulated_day):
    """Every simulated hour's open backlog (as the wall counts it) is within ±10 % of where the seeded store left
    it; the resolution-overdue count, smaller and lumpier (due times pass in bunches at office hours), stays
    within ±20 % (the old simulator halved it within minutes)."""
    _, hourly, _ = simulated_day
    (start, start_overdue), *_ = hourly
    assert start > 300 and start_overdue > 50
    assert all(abs(n - start) <= 0.1 * start for n, _ in hourly), hourly
    assert all(abs(late - start_overdue) <= 0.2 * start_overdue for _, late in hourly), hourly


def test_inflow_and_closures_match_the_seeded_days(simulated_day):
    """The simulated day's arrivals are about the demo's volume for that weekday, and its closures about the
    seeded daily average (one day is a small sample: a factor of 1.6 either way)."""
    engine, _, _ = simulated_day
    end = NOW + timedelta(days=1)
    with engine.connect() as conn:
        arrived = conn.execute(select(func.count()).select_from(Report)
                               .where(Report.source == "simulator")).scalar_one()
    expected = sum(expected_on_day(PER_DAY, (NOW + timedelta(hours=h)).astimezone(WIT).date()) / 24
                   for h in range(24))
    assert expected / 1.6 <= arrived <= expected * 1.6
    seeded_out = _finished_per_day(engine, NOW - timedelta(days=28), NOW)
    assert seeded_out / 1.6 <= _finished_per_day(engine, NOW, end) <= seeded_out * 1.6


def test_late_opds_stay_late(simulated_day):
    """PUPR still holds the largest backlog after the day, about as large as before; Dukcapil's stays small."""
    engine, _, _ = simulated_day
    end = NOW + timedelta(days=1)
    with engine.connect() as conn:
        largest = conn.execute(select(Report.opd_code).where(Report.status.in_(OPEN_STATUSES))
                               .group_by(Report.opd_code).order_by(func.count().desc()).limit(1)).scalar_one()
    assert largest == "PUPR"
    assert abs(_open(engine, end, "PUPR") - _open(engine, NOW, "PUPR")) <= 0.15 * _open(engine, NOW, "PUPR")
    assert _open(engine, end, "DUKCAPIL") * 5 < _open(engine, end, "PUPR")


def test_simulated_reports_are_written_like_any_other(simulated_day):
    """The simulator's reports carry due times, a priority that fits the category and simulated times only."""
    engine, _, sim = simulated_day
    with engine.connect() as conn:
        rows = conn.execute(select(Report.category_code, Report.priority, Report.response_due_at, Report.created_at,
                                   Report.updated_at, Report.description).where(Report.source == "simulator")).all()
        newest_event = conn.execute(select(func.max(ReportEvent.at))).scalar_one()
    assert rows and all(r.response_due_at is not None for r in rows)
    assert all(NOW < r.created_at <= r.updated_at <= sim.now for r in rows)
    assert newest_event <= sim.now == NOW + timedelta(days=1)
    emergencies = [r for r in rows if r.category_code in ("kebakaran", "gawat_darurat", "banjir")]
    assert emergencies and all(r.priority in ("darurat", "tinggi") for r in emergencies), emergencies
    assert all("{" not in r.description for r in rows)


def test_default_volume_is_mimika_and_rate_converts():
    """The default is seed-demo's own volume, not a stress test; --rate R gives R a minute over a week."""
    assert MIMIKA_PER_DAY == DemoConfig.per_day
    week = sum(expected_on_day(per_day_for_rate(1.0), NOW.date() + timedelta(days=d)) for d in range(7))
    assert week == pytest.approx(7 * 24 * 60)


def test_catch_up_fills_the_time_since_the_store_was_left(empty_store, workcal):
    """A store seeded a day ago is first simulated up to now (make demo the next morning shows last night's
    reports); a start further back is cut at seven days."""
    now = datetime.now(UTC)
    seed_demo(empty_store, workcal, DemoConfig(seed=5, days=10, per_day=30.0, now=now - timedelta(days=1)))
    with empty_store.connect() as conn:  # the demo's night is quiet: its last write may be an hour before its now
        last_change = conn.execute(select(func.max(Report.updated_at))).scalar_one()
    start = catch_up_start(empty_store, now)
    assert start == last_change and start <= now - timedelta(days=1)
    assert catch_up_start(empty_store, now + timedelta(days=30)) == now + timedelta(days=30) - CATCH_UP_LIMIT
    sim = Simulator(empty_store, workcal, per_day=30.0, seed=1, start=start)
    done = sim.catch_up()
    assert datetime.now(UTC) - sim.now < timedelta(seconds=5) and done.created and done.moved
    with empty_store.connect() as conn:
        newest = conn.execute(select(func.max(Report.created_at)).where(Report.source == "simulator")).scalar_one()
    assert start < newest <= sim.now


def test_weekly_bars_keep_their_shape(simulated_day):
    """After the simulated day the briefing's current week (Monday and a morning) shows fewer resolved than half
    of any full week before it; the old simulator's 1.3-day week outdid every full week."""
    engine, _, _ = simulated_day
    weekly = queries.inflow_vs_resolved_weekly(engine, Filters(), Scope.wall(), NOW + timedelta(days=1), weeks=6)
    full, current = weekly.iloc[:-1], weekly.iloc[-1]
    assert current["resolved"] < full["resolved"].min() / 2 and current["inflow"] < full["inflow"].min() / 2
