"""The surge rule does not cry wolf: a store without a surge raises at most one alert in 30 days, asked every hour,
for several seeds (issue 25: "the same store without the surge raises at most one alert in 30 simulated days").

The rule is walked hour by hour in one read of the store (benchmarks/bench_surge_false_alarms.py's ``HourlyWalk``:
the rule book's own functions on counts of the same windows), and the wall's query must agree with the walk at
every other day's check and wherever the walk raised an alert. The SQL itself is checked against a raw count on
both backends in tests/callbacks/test_surge_alerts.py; this is about the rule on the demo's own rates, so SQLite
only. benchmarks/bench_surge_false_alarms.py gives the figure for eight simulated seeds."""

from __future__ import annotations

from datetime import timedelta

import pytest

from benchmarks.bench_surge_false_alarms import HourlyWalk, episodes
from demo.seed import DemoConfig
from demo.simulator import Simulator
from tests.callbacks.test_surge_alerts import DEMO as SURGE_TESTS_DEMO
from tests.support import NOW

DAYS = 30
VERIFY_EVERY = 48  # hours


def _quiet_month(engine, origin) -> list:
    """The alert episodes of the 30 days from ``origin``, after checking the walk against the wall's query."""
    walk = HourlyWalk(engine, origin, 24 * DAYS)
    found = episodes(walk)
    for hour in sorted({*range(0, walk.hours + 1, VERIFY_EVERY), *(e.start for e in found)}):
        assert walk.agrees(engine, hour), f"the walk and surge_alerts differ {hour} h after {origin}"
    return found


@pytest.mark.slow  # 30 simulated days of arrivals and their timelines: seconds of CPU
def test_the_same_store_as_the_surge_tests_simulated_for_thirty_days(make_store, workcal):
    """The 60-day demo store of tests/callbacks/test_surge_alerts.py and its simulator without the surge, run for
    30 simulated days: at most one alert episode (a cell alerting at consecutive hourly checks)."""
    engine = make_store("sqlite", demo=SURGE_TESTS_DEMO)
    sim = Simulator(engine, workcal, seed=4, start=NOW)
    for day in range(1, DAYS + 1):  # the counts read only creation times: the hours can be asked afterwards
        sim.advance_to(NOW + timedelta(days=day))
    found = _quiet_month(engine, NOW)
    assert len(found) <= 1, found


@pytest.mark.parametrize("seed", range(6))
def test_the_last_thirty_of_ninety_seeded_days(make_store, seed):
    """Seed-demo's 90 days without incidents (its volume growing by two thirds meanwhile: the level factor's work),
    six seeds: at most one alert episode in the last 30 days of each."""
    engine = make_store("sqlite", demo=DemoConfig(seed=seed, days=90, per_day=45.0, now=NOW, incidents=(),
                                                  with_events=False))  # the rule reads only creation times
    found = _quiet_month(engine, NOW - timedelta(days=DAYS))
    assert len(found) <= 1, found
