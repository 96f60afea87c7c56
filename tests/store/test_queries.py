"""Every query against the plain-Python oracle, on a seeded SQLite store and (in CI) PostgreSQL."""

from __future__ import annotations

import math
from datetime import timedelta

import pandas as pd
import pytest

from data_access import queries
from data_access.rulebook.scope import Filters, Scope
from data_access.store.schema import Report
from tests.support import NOW, oracle

FILTERS = {
    "all": Filters(),
    "two-opds": Filters(opds=("PUPR", "DINKES")),
    "districts-channels": Filters(districts=("94.04.01", "94.04.06"), channels=("sms", "app")),
    "period-categories": Filters(start=NOW - timedelta(days=60), end=NOW - timedelta(days=10),
                                 categories=("jalan", "air_bersih", "banjir")),
    "statuses": Filters(statuses=("diproses", "ditunda")),
}
SCOPES = {
    "wall": Scope.wall(),
    "pupr-head": Scope.opd_head("PUPR"),
    "two-heads": Scope.opd_head("DUKCAPIL", "DLH"),
    "admin": Scope(None, True, "admin"),
}
CASES = [pytest.param(f, Scope.wall(), id=f"{name}-wall") for name, f in FILTERS.items()] + [
    pytest.param(Filters(), s, id=f"all-{name}") for name, s in SCOPES.items() if name != "wall"
] + [pytest.param(FILTERS["two-opds"], SCOPES["pupr-head"], id="two-opds-pupr-head")]


@pytest.fixture(scope="module")
def rows(seeded):
    return oracle.raw(seeded)


def close(a, b, tol=1e-6) -> bool:
    if a is None or (isinstance(a, float) and math.isnan(a)):
        return b is None
    return b is not None and math.isclose(float(a), float(b), rel_tol=tol, abs_tol=1e-3)


def test_seeded_store_is_big_enough_to_mean_something(rows):
    """The seeded store has thousands of reports in every state, so the comparisons below are not vacuous."""
    statuses = {r["status"] for r in rows}
    assert len(rows) > 3000
    assert {"baru", "diproses", "ditunda", "selesai", "ditutup", "ditolak"} <= statuses


@pytest.mark.parametrize("filters,scope", CASES)
def test_headline_kpis_match_oracle(seeded, rows, filters, scope):
    """Headline KPIs equal the oracle's counts, compliance and medians."""
    got = queries.headline_kpis(seeded, filters, scope, NOW).iloc[0].to_dict()
    want = oracle.kpis(rows, filters, scope, NOW)
    for key, value in want.items():
        assert close(got[key], value), (key, got[key], value)


@pytest.mark.parametrize("filters,scope", CASES)
def test_reports_by_district_match_oracle(seeded, rows, filters, scope):
    """Per-district counts, rates per 10,000, medians and last report time equal the oracle's; all 18 are listed."""
    got = queries.reports_by_district(seeded, filters, scope, NOW).set_index("code")
    districts, _, _ = oracle.reference(seeded)
    want = oracle.by_district(rows, districts, filters, scope, NOW)
    assert len(got) == 19 and set(got.index) == set(want)
    for code, w in want.items():
        g = got.loc[code]
        for key in ("open", "overdue", "new_24h", "reports"):
            assert int(g[key]) == w[key], (code, key)
        assert close(g["median_response_hours"], w["median_response_hours"]), code
        assert close(g["per_10k"], w["per_10k"]), code
        assert (pd.isna(g["last_report_at"]) and w["last"] is None) or g["last_report_at"] == w["last"]


@pytest.mark.parametrize("personal", [False, True], ids=["public", "personal"])
@pytest.mark.parametrize("filters", [FILTERS["all"], FILTERS["districts-channels"]], ids=["all", "two-districts"])
def test_reports_by_village_match_oracle_with_suppression(seeded, rows, filters, personal):
    """Village counts equal the oracle's; small counts are hidden unless the scope may see personal data."""
    scope = Scope(None, True, "admin") if personal else Scope.wall()
    got = queries.reports_by_village(seeded, filters, scope, NOW, suppress_below=5).set_index("code")
    _, villages, _ = oracle.reference(seeded)
    want = oracle.by_village(rows, villages, filters, scope, NOW, 5, personal)
    assert set(got.index) == set(want)
    for code, (n, o, suppressed) in want.items():
        g = got.loc[code]
        assert (None if pd.isna(g["reports"]) else int(g["reports"])) == n, code
        assert (None if pd.isna(g["open"]) else int(g["open"])) == o, code
        assert bool(g["suppressed"]) == suppressed
    if not personal and not filters.districts:
        assert got["suppressed"].any(), "the demo has small villages; none was suppressed"


@pytest.mark.parametrize("by", ["opd", "category", "district"])
@pytest.mark.parametrize("filters,scope", CASES[:3] + CASES[-1:])
def test_breaches_over_time_match_oracle(seeded, rows, filters, scope, by):
    """Breaches per WIT day, group and kind equal the oracle's."""
    got = queries.breaches_over_time(seeded, filters, scope, NOW, days=28, by=by)
    got_counts = {(r.date, None if pd.isna(r.group) else r.group, r.kind): r.breaches for r in got.itertuples()}
    assert got_counts == dict(oracle.breaches(rows, filters, scope, NOW, 28, by))


def test_breaches_reject_unknown_grouping(seeded):
    """Grouping by something unknown is a clear error, not SQL injection or a silent default."""
    with pytest.raises(ValueError, match="cannot group"):
        queries.breaches_over_time(seeded, Filters(), Scope.wall(), NOW, by="reporter")


@pytest.mark.parametrize("filters,scope", CASES)
def test_opd_workload_matches_oracle(seeded, rows, filters, scope):
    """Backlog by age bucket, overdue, inflow and closures per OPD equal the oracle's, worst first."""
    got = queries.opd_workload(seeded, filters, scope, NOW).set_index("opd_code")
    _, _, opds = oracle.reference(seeded)
    want = oracle.workload(rows, opds, filters, scope, NOW)
    assert set(got.index) == set(want)
    for code, w in want.items():
        for key in ("backlog", "age_0_1", "age_1_3", "age_3_7", "age_7_14", "age_14p", "overdue", "inflow", "closed"):
            assert int(got.loc[code, key]) == w[key], (code, key)
    overdue = list(got["overdue"])
    assert overdue == sorted(overdue, reverse=True)


@pytest.mark.parametrize("filters,scope", CASES)
def test_overdue_by_opd_matches_oracle(seeded, rows, filters, scope):
    """Overdue reports per OPD and lateness bucket equal the oracle's."""
    got = queries.overdue_by_opd(seeded, filters, scope, NOW)
    assert {(r.opd_code, r.bucket): r.reports for r in got.itertuples()} == dict(
        oracle.overdue_by_opd(rows, filters, scope, NOW))


@pytest.mark.parametrize("filters,scope", CASES)
def test_newest_reports_match_oracle_and_carry_no_personal_data(seeded, rows, filters, scope):
    """The ticker's reports are the newest visible ones, and no column could hold personal data."""
    got = queries.newest_reports(seeded, filters, scope, NOW, limit=25)
    assert list(got["id"]) == oracle.newest(rows, filters, scope, NOW, 25)
    assert not {"reporter_id", "name", "phone", "email", "nik", "reporter_name"} & set(got.columns)


def test_scope_never_leaks_another_opds_rows(seeded):
    """An OPD head sees only their OPD's reports in every query, even when filtering for another OPD."""
    scope = Scope.opd_head("DUKCAPIL")
    asking_for_other = Filters(opds=("PUPR",))
    assert queries.headline_kpis(seeded, asking_for_other, scope, NOW).iloc[0]["open"] == 0
    assert set(queries.opd_workload(seeded, Filters(), scope, NOW)["opd_code"]) == {"DUKCAPIL"}
    assert set(queries.newest_reports(seeded, Filters(), scope, NOW, 200)["opd_code"]) == {"DUKCAPIL"}
    assert set(queries.overdue_by_opd(seeded, Filters(), scope, NOW)["opd_code"]) == {"DUKCAPIL"}
    assert queries.reports_by_district(seeded, asking_for_other, scope, NOW)["reports"].sum() == 0
    assert set(queries.breaches_over_time(seeded, Filters(), scope, NOW)["group"]) == {"DUKCAPIL"}
    nobody = Scope(frozenset(), False, "nobody")
    assert queries.headline_kpis(seeded, Filters(), nobody, NOW).iloc[0]["open"] == 0


def test_report_detail_shows_personal_data_only_to_allowed_scopes(seeded, rows):
    """Reporter name, phone and NIK come back only with personal-data rights; other OPDs get nothing at all."""
    row = next(r for r in rows if r["reporter_id"] is not None and r["opd_code"] == "PUPR")
    public = queries.report_detail(seeded, row["id"], Scope.opd_head("PUPR"))
    assert public is not None
    detail, timeline = public
    assert not any(k.startswith("reporter_") for k in detail)
    assert list(timeline["to_status"].dropna())[0] == "baru"
    assert timeline["at"].is_monotonic_increasing
    private, _ = queries.report_detail(seeded, row["id"], Scope(None, True, "admin"))
    assert private["reporter_name"]
    assert queries.report_detail(seeded, row["id"], Scope.opd_head("DUKCAPIL")) is None
    assert queries.report_detail(seeded, 10**9, Scope(None, True, "admin")) is None


def test_store_version_changes_when_a_report_changes(empty_store, workcal):
    """The cheap version token moves when a report is written or changes state."""
    from sqlalchemy.orm import Session

    from data_access.intake.writer import ReportWriter

    before = queries.store_version(empty_store)
    writer = ReportWriter(empty_store, workcal)
    with Session(empty_store) as session, session.begin():
        report_id = writer.create(session, category_code="jalan", title="Jalan rusak", created_at=NOW).id
    created = queries.store_version(empty_store)
    with Session(empty_store) as session, session.begin():
        report = session.get(Report, report_id)
        writer.transition(session, report, "diverifikasi", NOW + timedelta(minutes=5))
    assert len({before, created, queries.store_version(empty_store)}) == 3


@pytest.mark.parametrize("filters,scope", CASES[:2] + CASES[-1:])
def test_recent_report_points_are_rounded_and_recent(seeded, rows, filters, scope):
    """Map points are the located reports of the last 24 h, coordinates rounded to 3 decimals in SQL."""
    got = queries.recent_report_points(seeded, filters, scope, NOW, hours=24, limit=5000)
    want = [r for r in oracle.visible(rows, filters, scope)
            if NOW - timedelta(hours=24) < r["created_at"] <= NOW and r["lat"] is not None]
    assert sorted(got["id"]) == sorted(r["id"] for r in want)
    by_id = {r["id"]: r for r in want}
    for row in got.itertuples():
        assert row.lat == pytest.approx(round(by_id[row.id]["lat"], 3), abs=1e-9)
        assert row.lon == pytest.approx(round(by_id[row.id]["lon"], 3), abs=1e-9)
    assert set(got.columns) == {"id", "created_at", "category_code", "lat", "lon"}


def test_last_report_at_looks_back_independently_of_the_period(seeded, rows):
    """A district's last report comes from its own look-back window, not from the chosen period."""
    old_period = Filters(start=NOW - timedelta(days=120), end=NOW - timedelta(days=90))
    got = queries.reports_by_district(seeded, old_period, Scope.wall(), NOW, last_seen_days=7).set_index("code")
    districts, _, _ = oracle.reference(seeded)
    want = oracle.by_district(rows, districts, old_period, Scope.wall(), NOW, last_seen_days=7)
    for code, w in want.items():
        g = got.loc[code, "last_report_at"]
        assert (pd.isna(g) and w["last"] is None) or g == w["last"], code
    assert got["last_report_at"].notna().any() and got["last_report_at"].isna().any()
