"""WIT midnight on an unchanged store: the wall's "new today" turns over although no report arrived."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from core.formatting import fmt_int
from data_access.queries import headline_kpis
from data_access.rulebook.scope import Filters, Scope
from layouts import wall
from tests.callbacks.test_wall_callbacks import _props, _url, tick
from tests.support import NOW
from tests.support.dash_app import get_app

MIDNIGHT = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 2026-11-24 00:00 WIT, the first after the seeded NOW


def test_new_today_turns_over_at_wit_midnight_without_a_store_change(seeded):
    """A tick at 23:59:30 WIT shows the day's count; the tick at 00:00:30 on the same store version is not a 204
    and shows 0 (not the panels built a minute before, which are yesterday's)."""
    assert NOW < MIDNIGHT - timedelta(hours=1)
    moments = [MIDNIGHT - timedelta(seconds=30)]
    app, _ = get_app(_url(seeded), clock=lambda: moments[-1])
    before = headline_kpis(seeded, Filters(), Scope.wall(), moments[0]).iloc[0]["new_today"]
    assert before > 0
    first = _props(tick(app))
    assert first["kpi-new-today"]["children"] == fmt_int(before)
    moments.append(MIDNIGHT + timedelta(seconds=30))
    response = tick(app, state=first[wall.STATE]["data"], n=2)
    assert response.status_code == 200, "a new WIT day is a change even when the store is not"
    after = _props(response)
    assert after[wall.STATE]["data"]["version"] == first[wall.STATE]["data"]["version"]
    assert after["kpi-new-today"]["children"] == "0"
