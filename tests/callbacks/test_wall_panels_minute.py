"""A screen that reaches a store version after the minute turned reuses that version's panels: no second query set."""

from __future__ import annotations

import json
from datetime import timedelta

from plotly.utils import PlotlyJSONEncoder

from callbacks import wall as wall_callbacks
from tests.support import NOW
from tests.support.dash_app import get_app, url


def test_late_screen_in_the_next_minute_costs_no_queries(seeded, fresh_page_registry):
    """Screen A builds version V's panels at 10:00:59; screen B asks for V at 10:01:01: same panels, 0 queries."""
    moment = {"now": NOW.replace(second=59)}
    app, query_cache = get_app(url(seeded), clock=lambda: moment["now"])
    settings = app.server.config["MIMIKA_SETTINGS"]
    first = wall_callbacks.refresh(query_cache, settings, None, None)
    state = first[wall_callbacks.INDEX[(wall_callbacks.wall.STATE, "data")]]
    assert state["version"]
    queries = query_cache.query_count
    assert queries >= 7
    moment["now"] += timedelta(seconds=2)  # the next minute
    second = wall_callbacks.refresh(query_cache, settings, {"version": "an older one"}, None)
    assert query_cache.query_count == queries
    ticker = wall_callbacks.INDEX[(wall_callbacks.wall.TICKER, "children")]
    assert json.dumps(second[ticker], cls=PlotlyJSONEncoder) == json.dumps(first[ticker], cls=PlotlyJSONEncoder)
    moment["now"] += timedelta(minutes=2)  # two minutes on, a new version would be computed afresh
    assert wall_callbacks.cached_panels(query_cache, state["version"], moment["now"], "id", "open",
                                        wall_callbacks.wall_scope(wall_callbacks.KIOSK.scope())) is None
