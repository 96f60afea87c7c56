"""The location-equity figure (data_access/queries/equity.py) against the plain-Python oracle, on SQLite and
PostgreSQL: both sides' response on time with its samples, their medians, the gap and its twelve weekly gaps."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from data_access.queries.equity import location_equity
from data_access.rulebook.scope import Filters, Scope
from data_access.store.schema import District
from tests.store.test_queries import CASES, close
from tests.support import NOW, oracle, oracle_pages


@pytest.fixture(scope="module")
def rows(seeded):
    return oracle.raw(seeded)


@pytest.fixture(scope="module")
def access(seeded):
    with seeded.connect() as conn:
        return dict(conn.execute(select(District.code, District.access)).all())


@pytest.mark.parametrize("filters,scope", CASES)
def test_location_equity_matches_oracle(seeded, rows, access, filters, scope):
    """Each side's met, sample, unknown, on-time %, median and its n, the gap in points, the small-sample mark and
    every week's gap equal the oracle's count from the raw rows."""
    got = location_equity(seeded, filters, scope, NOW)
    want = oracle_pages.location_equity(rows, access, filters, scope, NOW)
    for side in ("remote", "road"):
        g, w = got.side(side), want[side]
        assert (g["response_met"], g["response_sample"], g["response_unknown"], g["median_response_n"]) == (
            w["met"], w["n"], w["unknown"], w["median_n"]), side
        assert close(g["response_compliance_pct"], w["pct"]) and close(g["median_response_hours"], w["median"]), side
    assert close(got.gap_pp, want["gap_pp"]) and got.small == want["small"]
    assert list(got.trend["week_start"]) == [w["week_start"] for w in want["trend"]]
    for g, w in zip(got.trend.to_dict("records"), want["trend"], strict=True):
        assert (g["remote_n"], g["road_n"]) == (w["remote_n"], w["road_n"]), w["week_start"]
        assert close(g["gap_pp"], w["gap_pp"]) and close(g["remote_pct"], w["remote_pct"]), w["week_start"]


def test_the_seeded_store_has_both_sides_and_a_gap(seeded):
    """The demo store gives both sides a sample and a gap, so the agreement above is not one of empty figures."""
    got = location_equity(seeded, Filters(), Scope.wall(), NOW)
    assert got.side("remote")["response_sample"] > 0 and got.side("road")["response_sample"] > 0
    assert got.gap_pp is not None and len(got.trend) == 12 and got.trend["week_start"].iloc[-1] == "2026-11-23"

