"""The wall's medians (durations read per whole day and remembered, then the median taken in numpy) equal the exact
median over the raw rows.

Reports are written with chosen durations — even and odd counts, ties, tiny and year-long differences, negative
times, districts without answers, reports without a district — and every median is compared with
statistics.median over the rows themselves and with a full sort in the database (common.medians), on SQLite and
PostgreSQL; the remembered window (window_durations) with the one read at once (window_medians).
"""

from __future__ import annotations

import random
import statistics
from datetime import timedelta

import pytest
from sqlalchemy import and_, func, insert, select

from data_access import queries
from data_access.queries.common import _durations_part, medians, medians_of
from data_access.rulebook.rules import is_counted
from data_access.rulebook.scope import Filters, Scope, where
from data_access.store.schema import Report
from data_access.store.sqlfuncs import hours_between
from tests.support import BACKENDS, NOW

START = NOW - timedelta(days=30)
DISTRICTS = ("94.04.01", "94.04.02", "94.04.03", None)
OPDS = {"jalan": "PUPR", "sampah": "DLH", "air_bersih": "PUPR"}


def window_medians(conn, condition, kind: str, *, by_district: bool = False):
    """Exact medians of the hours to the response or to the resolution (``kind``) of the reports meeting
    ``condition``, overall or per district (``code``; None for reports without one), with the sample size ``n``:
    the values read in one statement, nothing remembered (the product's windows use ``window_durations``)."""
    values = _durations_part(lambda lo, hi: condition, kind, by_district).over(conn, None, None)
    return medians_of(values, by_district=by_district)


def _durations(rng: random.Random, n: int) -> list[float]:
    """Hours: ties (whole hours), fractions of seconds, values a microsecond apart, extremes."""
    pool = [0.0, 1.0, 1.0, 1.0, 2.5, 71.999999, 72.0, 72.000001, 719.5, 720.0, 8759.9, 8760.0, 20000.0, -3.0]
    return [rng.choice(pool) if rng.random() < 0.3 else round(rng.expovariate(1 / 40), 6) for _ in range(n)]


def _report(i: int, created, responded_h, resolved_h, status="selesai", district="94.04.01", category="jalan",
            channel="app") -> dict:
    return {"source": "test", "external_id": f"M-{i}", "channel": channel, "category_code": category,
            "opd_code": OPDS[category], "district_code": district, "title": f"median {i}", "status": status,
            "created_at": created,
            "first_response_at": None if responded_h is None else created + timedelta(hours=responded_h),
            "resolved_at": None if resolved_h is None else created + timedelta(hours=resolved_h),
            "updated_at": created}


@pytest.fixture(scope="module", params=BACKENDS)
def store(request, make_store):
    """400 reports in the window (and some outside it) with chosen durations, written straight to the store."""
    engine = make_store(request.param)
    rng = random.Random(7)
    rows = []
    for i, (responded, resolved) in enumerate(zip(_durations(rng, 400), _durations(rng, 400), strict=True)):
        created = START + timedelta(seconds=rng.randrange(0, 29 * 86400), microseconds=rng.randrange(10**6))
        rows.append(_report(
            i, created, None if rng.random() < 0.15 else responded,
            None if rng.random() < 0.3 else max(resolved, responded),
            status=rng.choice(("selesai", "ditutup", "diproses", "ditolak", "diarsipkan")),
            district=rng.choice(DISTRICTS[:2] + (None,)),  # 94.04.03 gets no answered report in the window
            category=rng.choice(tuple(OPDS)), channel=rng.choice(("app", "sms"))))
    rows.append(_report(1000, START + timedelta(days=2), None, None, district="94.04.03"))  # no answer yet
    rows.append(_report(1001, START - timedelta(days=3), 5.0, 9.0, district="94.04.03"))  # before the window
    with engine.begin() as conn:
        conn.execute(insert(Report), rows)
    return engine


def _raw(engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(
            Report.created_at, Report.first_response_at, Report.resolved_at, Report.status, Report.opd_code,
            Report.district_code, Report.channel))]


def _hours(later, earlier) -> float | None:
    return None if later is None else (later - earlier).total_seconds() / 3600


def _took(r: dict, kind: str) -> float | None:
    done = (r["first_response_at"] or r["resolved_at"]) if kind == "response" else r["resolved_at"]
    return _hours(done, r["created_at"])


def _exact(values) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def _in_window(r, filters: Filters, scope: Scope, counted: bool) -> bool:
    return (START <= r["created_at"] < NOW and (not counted or r["status"] not in ("ditolak", "diarsipkan"))
            and (scope.opds is None or r["opd_code"] in scope.opds)
            and (not filters.districts or r["district_code"] in filters.districts)
            and (not filters.channels or r["channel"] in filters.channels)
            and (not filters.opds or r["opd_code"] in filters.opds))


CASES = [
    pytest.param(Filters(), Scope.wall(), id="wall"),
    pytest.param(Filters(), Scope.opd_head("PUPR"), id="pupr-head"),
    pytest.param(Filters(districts=("94.04.02",), channels=("sms",)), Scope.wall(), id="district-channel"),
    pytest.param(Filters(opds=("DLH",)), Scope.opd_head("DLH", "PUPR"), id="dlh-of-two-heads"),
    pytest.param(Filters(opds=("DLH",)), Scope.opd_head("PUPR"), id="nothing-in-scope"),
]


def test_the_data_is_made_to_break_a_careless_median(store):
    """Odd and even samples, ties, values a hair apart and negative ones are really in the window."""
    rows = [r for r in _raw(store) if START <= r["created_at"] < NOW]
    took = [_took(r, "response") for r in rows]
    assert len(set(took)) < len([t for t in took if t is not None])  # ties
    assert {72.0, 720.0, 8760.0} <= {round(t, 6) for t in took if t is not None}
    assert min(t for t in took if t is not None) < 0


@pytest.mark.parametrize("kind", ["response", "resolution"])
@pytest.mark.parametrize(("filters", "scope"), CASES)
def test_window_median_is_the_exact_median(store, filters, scope, kind):
    """Overall: equal to statistics.median over the raw rows and to a full sort in the database."""
    expected = _exact(_took(r, kind) for r in _raw(store) if _in_window(r, filters, scope, counted=True))
    condition = where(filters, scope, is_counted(), Report.created_at >= START, Report.created_at < NOW)
    done = func.coalesce(Report.first_response_at, Report.resolved_at) if kind == "response" else Report.resolved_at
    with store.connect() as conn:
        got = window_medians(conn, condition, kind)
        sorted_in_db = medians(conn, select(hours_between(done, Report.created_at).label("hours")).where(
            and_(condition, done.is_not(None))), "hours")
    if expected is None:
        assert got.empty and sorted_in_db.empty
        return
    assert got["hours"].iloc[0] == pytest.approx(expected, abs=1e-6)
    assert got["hours"].iloc[0] == pytest.approx(sorted_in_db["hours"].iloc[0], rel=1e-12, abs=1e-9)
    assert int(got["n"].iloc[0]) == int(sorted_in_db["n"].iloc[0])


@pytest.mark.parametrize(("filters", "scope"), CASES)
def test_district_medians_are_exact_and_leave_out_districts_without_answers(store, filters, scope):
    """Per district (and for reports without one): the exact median; a district with no answer has none."""
    rows = [r for r in _raw(store) if _in_window(r, filters, scope, counted=False)]
    with store.connect() as conn:
        got = window_medians(conn, where(filters, scope, Report.created_at >= START, Report.created_at < NOW),
                             "response", by_district=True)
    got = {code if isinstance(code, str) else None: (hours, n) for code, hours, n in got.itertuples(index=False)}
    expected = {}
    for code in DISTRICTS:
        took = [_took(r, "response") for r in rows if r["district_code"] == code]
        if any(t is not None for t in took):
            expected[code] = (_exact(took), sum(t is not None for t in took))
    assert set(got) == set(expected)
    assert "94.04.03" not in got
    for code, (hours, n) in expected.items():
        assert got[code][0] == pytest.approx(hours, abs=1e-6), code
        assert got[code][1] == n, code


def test_even_odd_single_and_empty_samples(make_store):
    """Even n (the mean of the middle two, far apart or a hair apart), odd n, n = 1, and none at all."""
    for backend in BACKENDS:
        engine = make_store(backend)
        condition = and_(Report.created_at >= START, Report.created_at < NOW)
        cases = [[1.5, 80.0], [1.5, 80.0, 80.0], [-2.0, 9000.0], [3.25], [71.9999999, 72.0]]
        for i, values in enumerate(cases):
            with engine.begin() as conn:
                conn.execute(Report.__table__.delete())
                if values:
                    conn.execute(insert(Report), [_report(100 * i + j, START + timedelta(hours=1), v, None)
                                                  for j, v in enumerate(values)])
            with engine.connect() as conn:
                got = window_medians(conn, condition, "response")
            assert got["hours"].iloc[0] == pytest.approx(statistics.median(values), abs=1e-6), (backend, values)
            assert int(got["n"].iloc[0]) == len(values)
        with engine.begin() as conn:
            conn.execute(Report.__table__.delete())
        with engine.connect() as conn:
            assert window_medians(conn, condition, "response").empty


@pytest.mark.parametrize(("filters", "scope"), CASES)
def test_the_wall_queries_show_the_exact_medians(store, filters, scope):
    """headline_kpis and reports_by_district carry the same exact medians (the period is the default 30 days)."""
    raw = _raw(store)
    kpis = queries.headline_kpis(store, filters, scope, NOW).iloc[0]
    counted = [r for r in raw if _in_window(r, filters, scope, counted=True)]
    for kind in ("response", "resolution"):
        expected = _exact(_took(r, kind) for r in counted)
        got = kpis[f"median_{kind}_hours"]
        assert (got is None or got != got) if expected is None else got == pytest.approx(expected, abs=1e-6)
    districts = queries.reports_by_district(store, filters, scope, NOW).set_index("code")
    for code in DISTRICTS[:3]:
        took = [_took(r, "response") for r in raw if _in_window(r, filters, scope, counted=False)
                and r["district_code"] == code]
        expected = _exact(took)
        got = districts.loc[code, "median_response_hours"]
        assert (got != got or got is None) if expected is None else got == pytest.approx(expected, abs=1e-6)
    took = [_took(r, "response") for r in raw if _in_window(r, filters, scope, counted=False)
            and r["district_code"] is None]
    if _exact(took) is not None:
        assert districts.loc["luar", "median_response_hours"] == pytest.approx(_exact(took), abs=1e-6)


@pytest.mark.parametrize(("filters", "scope"), CASES)
def test_remembered_days_give_the_medians_read_at_once(store, filters, scope):
    """window_durations (whole days remembered, edges read afresh; asked twice, the second time from memory)
    holds exactly the values window_medians reads in one statement, overall and per district."""
    from data_access.queries.common import medians_of, window_durations
    from data_access.queries.settled_days import settled_days

    end = NOW - timedelta(hours=5, minutes=17)  # partial days at both edges

    def condition_for(lo, hi):
        return where(filters, scope, is_counted(), Report.created_at >= lo, Report.created_at < hi)

    memo = settled_days(store)
    for by_district in (False, True):
        with store.connect() as conn:
            at_once = window_medians(conn, condition_for(START, end), "response", by_district=by_district)
        for attempt in range(2):
            before = memo.computed
            with store.connect() as conn:
                durations = window_durations(store, conn, ("test", filters, scope), condition_for, START, end,
                                             "response", by_district=by_district)
            if attempt:
                assert memo.computed == before  # every whole day came from memory
            got = medians_of(durations, by_district=by_district)
            key = ["code"] if by_district else []
            assert (got.sort_values(key).reset_index(drop=True).to_dict("records") if key else got.to_dict("records")
                    ) == (at_once.sort_values(key).reset_index(drop=True).to_dict("records") if key
                          else at_once.to_dict("records"))


def test_remembered_days_are_bounded_in_bytes(monkeypatch):
    """Days of durations weigh their arrays: past MAX_BYTES the oldest are forgotten, whatever their number."""
    import numpy as np

    from data_access.queries import settled_days as settled

    monkeypatch.setattr(settled, "MAX_BYTES", 100_000)
    memo = settled.SettledDays()
    monkeypatch.setattr(memo, "_catch_up", lambda conn: 0)
    days = [START.date() + timedelta(days=i) for i in range(30)]
    memo.values(None, "w", days, lambda run: [{None: np.zeros(1000)} for _ in run])  # 8 kB a day
    assert memo._bytes <= 100_000
    assert 1 <= len(memo._entries) < 30
    kept = memo.computed
    memo.values(None, "w", days[-5:], lambda run: [{None: np.zeros(1000)} for _ in run])
    assert memo.computed == kept  # the newest days stayed
