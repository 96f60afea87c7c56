"""The demo's own incident is a surge, and the seeded store is quiet once it is over (the session's seeded stores,
both backends)."""

from __future__ import annotations

from datetime import timedelta

from data_access.queries import surge_alerts
from data_access.rulebook.scope import Filters, Scope
from demo.seed import TIMIKA
from tests.support import NOW


def _cells(engine, at, scope: Scope | None = None, filters: Filters | None = None) -> set:
    alerts = surge_alerts(engine, filters or Filters(), scope or Scope.wall(), at)
    return set(zip(alerts["district_code"], alerts["category_code"], strict=True))


def test_the_water_outage_in_timika_is_raised_in_each_of_its_districts(seeded):
    """Nine days before NOW, on the third day of seed-demo's "air mati Timika" (12 days ago, 4 days), clean water is
    in surge in the three Timika districts, and nothing else is."""
    cells = _cells(seeded, NOW - timedelta(days=9))
    assert {(code, "air_bersih") for code in TIMIKA} <= cells
    assert {category for _, category in cells} == {"air_bersih"}


def test_nothing_in_surge_at_now(seeded):
    """A week after the outage the store is back to its usual rates: no alert."""
    assert _cells(seeded, NOW) == set()


def test_the_scope_and_filters_narrow_the_alerts(seeded):
    """An OPD that does not handle water sees no water surge; a district filter keeps only its own cell."""
    at = NOW - timedelta(days=9)
    assert _cells(seeded, at, Scope.opd_head("DINKES")) == set()
    assert _cells(seeded, at, filters=Filters(districts=("94.04.16",))) == {("94.04.16", "air_bersih")}
