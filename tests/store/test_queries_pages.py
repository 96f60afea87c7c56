"""The decision queries (briefing, OPD, SLA pages) against the plain-Python oracle, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from data_access import queries
from data_access.queries.flow import DEFAULT_BINS
from data_access.queries.report_lists import MAX_LIST_ROWS
from data_access.rulebook.scope import Filters, Scope
from tests.store.test_queries import CASES, close
from tests.support import NOW, oracle, oracle_pages

REPORTER_COLUMNS = {"reporter_id", "reporter_name", "reporter_phone", "reporter_email", "reporter_nik", "phone",
                    "email", "nik"}


@pytest.fixture(scope="module")
def rows(seeded):
    return oracle.raw(seeded)


@pytest.fixture(scope="module")
def opds(seeded):
    return oracle.reference(seeded)[2]


@pytest.mark.parametrize("filters,scope", CASES)
def test_compliance_by_opd_matches_oracle(seeded, rows, opds, filters, scope):
    """Per-OPD compliance, samples, medians, backlog and the ranked flag equal the oracle's; ranks follow compliance."""
    got = queries.compliance_by_opd(seeded, filters, scope, NOW).set_index("opd_code")
    want = oracle_pages.compliance_by_opd(rows, opds, filters, scope, NOW)
    assert set(got.index) == set(want)
    for code, w in want.items():
        g = got.loc[code]
        for key, value in w.items():
            if key == "ranked":
                assert bool(g[key]) == value, code
            else:
                assert close(g[key], value), (code, key, g[key], value)
    # Ranks are the regency's, whatever part of the league the viewer sees (#22 item 3): 1..n over every OPD.
    regency = queries.compliance_by_opd(seeded, replace(filters, opds=()), Scope.wall(), NOW).set_index("opd_code")
    ranked = regency[regency["ranked"]].sort_values("rank")
    assert list(ranked["rank"]) == list(range(1, len(ranked) + 1))
    assert list(ranked["resolution_compliance_pct"]) == sorted(ranked["resolution_compliance_pct"], reverse=True)
    assert regency[~regency["ranked"]]["rank"].isna().all()
    for code in got.index:
        assert (pd.isna(got.loc[code, "rank"]) and pd.isna(regency.loc[code, "rank"])) or \
            got.loc[code, "rank"] == regency.loc[code, "rank"], code
    assert (got["ranked_of"] == len(ranked)).all()


def test_compliance_by_opd_leaves_small_samples_unranked(seeded, opds):
    """With a huge minimum sample nobody is ranked, yet every OPD is still listed."""
    got = queries.compliance_by_opd(seeded, Filters(), Scope.wall(), NOW, min_sample=10**6)
    assert sorted(got["opd_code"]) == sorted(opds)  # every OPD, once (not just "more than ten rows")
    assert not got["ranked"].any() and got["rank"].isna().all()


@pytest.mark.parametrize("filters,scope", CASES)
def test_compliance_by_opd_category_matches_oracle(seeded, rows, filters, scope):
    """Compliance per (OPD, category) equals the oracle's, pair by pair."""
    got = queries.compliance_by_opd_category(seeded, filters, scope, NOW)
    want = oracle_pages.compliance_by_opd_category(rows, filters, scope, NOW)
    assert {(r.opd_code, r.category_code) for r in got.itertuples()} == set(want)
    for r in got.itertuples():
        w = want[(r.opd_code, r.category_code)]
        for key, value in w.items():
            assert close(getattr(r, key), value), (r.opd_code, r.category_code, key)


@pytest.mark.parametrize("filters,scope", CASES)
def test_inflow_vs_resolved_weekly_matches_oracle(seeded, rows, filters, scope):
    """Inflow and resolutions per ISO week in WIT equal the oracle's; weeks run Monday to Sunday without gaps."""
    got = queries.inflow_vs_resolved_weekly(seeded, filters, scope, NOW, weeks=12)
    want = oracle_pages.weekly(rows, filters, scope, NOW, 12)
    got_map = {r.week_start: (r.inflow, r.resolved) for r in got.itertuples() if (r.inflow, r.resolved) != (0, 0)}
    assert got_map == {w: v for w, v in want.items() if v != (0, 0)}
    starts = pd.to_datetime(got["week_start"])
    assert (starts.dt.day_of_week == 0).all() and (starts.diff().dropna() == pd.Timedelta(days=7)).all()
    if not filters.start:
        assert len(got) == 12 and got["week"].iloc[-1] == "2026-W48"


@pytest.mark.parametrize("filters,scope", CASES)
def test_top_categories_match_oracle(seeded, rows, filters, scope):
    """The busiest categories of the period, with open and overdue counts, equal the oracle's in order."""
    got = queries.top_categories(seeded, filters, scope, NOW, limit=8)
    want = oracle_pages.top_categories(rows, filters, scope, NOW, 8)
    assert [(r.category_code, r.reports, r.open, r.overdue) for r in got.itertuples()] == want


@pytest.mark.parametrize("filters,scope", CASES)
def test_oldest_open_reports_match_oracle(seeded, rows, filters, scope):
    """The longest-waiting open reports come out oldest first, as in the oracle."""
    got = queries.oldest_open_reports(seeded, filters, scope, NOW, limit=15)
    assert list(got["id"]) == oracle_pages.oldest_open(rows, filters, scope, NOW, 15)
    assert not REPORTER_COLUMNS & set(got.columns)


@pytest.mark.parametrize("filters,scope", CASES)
def test_report_list_matches_oracle(seeded, rows, filters, scope):
    """The bounded list has the oracle's reports, order and SLA state; ages are correct; no personal data."""
    got = queries.report_list(seeded, filters, scope, NOW)
    want = oracle_pages.report_list(rows, filters, scope, NOW)
    assert len(got) <= MAX_LIST_ROWS
    assert list(zip(got["id"], got["sla_state"], strict=True)) == want
    by_id = {r["id"]: r for r in rows}
    for r in got.head(50).itertuples():
        assert close(r.age_days, (NOW - by_id[r.id]["created_at"]).total_seconds() / 86400)
    assert not REPORTER_COLUMNS & set(got.columns)


@pytest.mark.parametrize("states", [("breached", "at_risk"), ("at_risk",), ("on_time",)])
def test_report_list_state_and_open_filters_match_oracle(seeded, rows, states):
    """Asking for some SLA states of open reports gives exactly the oracle's ones."""
    scope = Scope.opd_head("PUPR")
    got = queries.report_list(seeded, Filters(), scope, NOW, states=states, open_only=True)
    assert list(zip(got["id"], got["sla_state"], strict=True)) == oracle_pages.report_list(
        rows, Filters(), scope, NOW, states, True)
    assert len(got) > 0


def test_report_list_rejects_unknown_state(seeded):
    """An unknown SLA state is a clear error."""
    with pytest.raises(ValueError, match="unknown SLA state"):
        queries.report_list(seeded, Filters(), Scope.wall(), NOW, states=("late",))


@pytest.mark.parametrize("hours", [6, 24, 72])
@pytest.mark.parametrize("filters,scope", CASES[:2] + CASES[-2:])
def test_due_within_matches_oracle(seeded, rows, filters, scope, hours):
    """Reports due in the next N hours, which due time and how long is left, equal the oracle's."""
    got = queries.due_within(seeded, filters, scope, NOW, hours=hours)
    assert list(zip(got["id"], got["due_kind"], strict=True)) == oracle_pages.due_within(rows, filters, scope, NOW,
                                                                                         hours)
    assert ((got["hours_left"] >= 0) & (got["hours_left"] < hours)).all()


@pytest.mark.parametrize("kind", ["response", "resolution"])
@pytest.mark.parametrize("filters,scope", CASES)
def test_time_distribution_matches_oracle(seeded, rows, filters, scope, kind):
    """Histogram counts per bin, computed in SQL with CASE, equal the oracle's."""
    bins = DEFAULT_BINS[kind]
    got = queries.time_distribution(seeded, filters, scope, NOW, kind=kind)
    assert list(got["reports"]) == oracle_pages.time_distribution(rows, filters, scope, NOW, kind, bins)
    assert len(got) == len(bins)


def test_time_distribution_rejects_bad_arguments(seeded):
    """Unknown kinds and unordered bins are clear errors."""
    with pytest.raises(ValueError, match="kind"):
        queries.time_distribution(seeded, Filters(), Scope.wall(), NOW, kind="closure")
    with pytest.raises(ValueError, match="bins"):
        queries.time_distribution(seeded, Filters(), Scope.wall(), NOW, bins=(5, 1))


@pytest.mark.parametrize("filters,scope", CASES)
def test_period_comparison_matches_oracle(seeded, rows, filters, scope):
    """This period and the same-length one before give the oracle's figures and the right change."""
    got = queries.period_comparison(seeded, filters, scope, NOW).set_index("measure")
    want = oracle_pages.period_comparison(rows, filters, scope, NOW)
    for measure, (current, previous) in want.items():
        assert close(got.loc[measure, "current"], current), measure
        assert close(got.loc[measure, "previous"], previous), measure
        if current is not None and previous is not None:
            assert close(got.loc[measure, "change"], current - previous)
    row = got.iloc[0]
    assert row["end"] - row["start"] == row["start"] - row["previous_start"]


def test_decision_queries_never_leak_another_opds_rows(seeded):
    """An OPD head asking for another OPD's rows gets nothing from any decision query."""
    scope = Scope.opd_head("DUKCAPIL")
    other = Filters(opds=("PUPR",))
    assert set(queries.compliance_by_opd(seeded, Filters(), scope, NOW)["opd_code"]) == {"DUKCAPIL"}
    assert queries.compliance_by_opd(seeded, other, scope, NOW).empty
    assert set(queries.compliance_by_opd_category(seeded, Filters(), scope, NOW)["opd_code"]) == {"DUKCAPIL"}
    assert queries.inflow_vs_resolved_weekly(seeded, other, scope, NOW)[["inflow", "resolved"]].sum().sum() == 0
    assert queries.top_categories(seeded, other, scope, NOW).empty
    for fn in (queries.oldest_open_reports, queries.report_list, queries.due_within):
        assert set(fn(seeded, Filters(), scope, NOW)["opd_code"]) == {"DUKCAPIL"}, fn  # its own rows, not none
        assert fn(seeded, other, scope, NOW).empty
    assert queries.time_distribution(seeded, other, scope, NOW)["reports"].sum() == 0
    assert queries.period_comparison(seeded, other, scope, NOW).set_index("measure").loc["reports", "current"] == 0
    assert queries.report_list(seeded, Filters(), Scope(frozenset(), False, "nobody"), NOW).empty
    for by in ("category", "district", "opd"):
        assert queries.open_by_group(seeded, other, scope, NOW, by=by).empty
    assert set(queries.open_by_group(seeded, Filters(), scope, NOW, by="opd")["code"]) == {"DUKCAPIL"}


@pytest.mark.parametrize("by", ["category", "district", "opd"])
@pytest.mark.parametrize("filters,scope", CASES)
def test_open_by_group_matches_oracle(seeded, rows, filters, scope, by):
    """Open and overdue reports per category, district or OPD equal the oracle's, largest first."""
    got = queries.open_by_group(seeded, filters, scope, NOW, by=by)
    want = oracle_pages.open_by_group(rows, filters, scope, NOW, by)
    assert {(None if pd.isna(r.code) else r.code): (r.open, r.overdue) for r in got.itertuples()} == want
    assert list(got["open"]) == sorted(got["open"], reverse=True)
    with pytest.raises(ValueError, match="cannot group"):
        queries.open_by_group(seeded, filters, scope, NOW, by="reporter")
