"""Remembered whole days (data_access/queries/settled_days.py) never change an answer: after every kind of write the
wall's window figures equal those of an engine that remembers nothing, and only the days that changed are
computed again."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from sqlalchemy import case, event, func, or_, select, text, update
from sqlalchemy.orm import Session

from data_access.intake.writer import ReportWriter
from data_access.queries import (
    breaches_over_time,
    headline_kpis,
    opd_workload,
    overdue_by_opd,
    reports_by_district,
)
from data_access.queries.equity import location_equity
from data_access.queries.settled_days import DayPart, day_start, next_period, settled_days, split_days
from data_access.rulebook.rules import is_counted, judged_within, met, missed
from data_access.rulebook.scope import Filters, Scope, where
from data_access.rulebook.sla import WIT
from data_access.store.engine import make_engine
from data_access.store.schema import Report
from demo.seed import DemoConfig, seed_demo
from tests.support import BACKENDS, NOW

pytestmark = pytest.mark.slow  # seconds of CPU a test: scheduled first (tests/conftest.py)

WALL = (Filters(), Scope.wall())
ONE_OPD = (Filters(), Scope(frozenset({"PUPR"}), False, "opd"))
PERIOD = (Filters(start=NOW - timedelta(days=20, hours=5), end=NOW - timedelta(days=2, hours=3)), Scope.wall())


def _answers(engine, now=NOW) -> list[pd.DataFrame]:
    out = []
    for filters, scope in (WALL, ONE_OPD, PERIOD):
        out.append(headline_kpis(engine, filters, scope, now))
        out.append(reports_by_district(engine, filters, scope, now, last_seen_days=61))
        for by in ("opd", "district"):
            out.append(breaches_over_time(engine, filters, scope, now, days=28, by=by))
        out.append(overdue_by_opd(engine, filters, scope, now).sort_values(["opd_code", "bucket"])
                   .reset_index(drop=True))
        out.append(opd_workload(engine, filters, scope, now, days=7))
    return out


def _assert_same_as_fresh(engine, now=NOW) -> None:
    remembered = _answers(engine, now)
    fresh_engine = make_engine(engine.url.render_as_string(hide_password=False))
    try:
        fresh = _answers(fresh_engine, now)
    finally:
        fresh_engine.dispose()
    for got, want in zip(remembered, fresh, strict=True):
        pd.testing.assert_frame_equal(got, want)


DEMO = DemoConfig(seed=5, days=45, per_day=12.0, now=NOW)


@pytest.fixture(params=BACKENDS)
def store(request, make_store):
    engine = make_store(request.param, demo=DEMO)
    _answers(engine)  # every whole day of every window remembered
    return engine


@pytest.fixture(params=BACKENDS)
def cold_store(request, make_store):
    """A store nothing has been asked of yet."""
    return make_store(request.param, demo=DEMO)


def _computed(engine) -> int:
    return settled_days(engine).computed


def test_split_days_covers_the_window_exactly():
    start, end = datetime(2026, 11, 1, 3, 30, tzinfo=UTC), datetime(2026, 11, 5, 20, 0, tzinfo=UTC)
    days, edges = split_days(start, end)
    pieces = sorted([(day_start(d), day_start(d + timedelta(days=1))) for d in days] + edges)
    assert pieces[0][0] == start and pieces[-1][1] == end
    assert all(a[1] == b[0] for a, b in zip(pieces, pieces[1:], strict=False))  # no gap, no overlap
    assert all(day_start(d).astimezone(WIT).hour == 0 for d in days) and len(days) == 4
    midnight = day_start(days[0])
    assert split_days(midnight, midnight + timedelta(days=2)) == ([days[0], days[1]], [])
    assert split_days(midnight + timedelta(hours=1), midnight + timedelta(hours=5)) == (
        [], [(midnight + timedelta(hours=1), midnight + timedelta(hours=5))])


def _statements(engine, ask) -> int:
    """How many SQL statements ``ask(engine)`` sends."""
    sent = []

    def count(*_):
        sent.append(1)

    event.listen(engine, "before_cursor_execute", count)
    try:
        ask(engine)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    return len(sent)


def test_a_cold_window_is_read_in_a_few_statements_whatever_its_length(cold_store):
    """Days missing together are read together: a cold headline sends the same handful of statements for a window
    of a week, of 30 days or of 45 (one per part, not one per day and part: 120 and more for 30 days)."""
    sent = []
    for days in (7, 30, 45):
        engine = make_engine(cold_store.url.render_as_string(hide_password=False))
        try:
            sent.append(_statements(engine, lambda e, days=days: headline_kpis(
                e, Filters(start=NOW - timedelta(days=days, hours=3), end=NOW), Scope.wall(), NOW)))
        finally:
            engine.dispose()
    assert sent[0] == sent[1] == sent[2] <= 25, sent


def test_days_read_together_equal_days_read_one_by_one(cold_store, monkeypatch):
    """Every remembered part read for a run of days in one statement gives each day what its own statement over
    that day gives: the answers of a cold engine equal those of one that reads every day (and month) alone."""
    def answers(engine):
        equity = location_equity(engine, Filters(), Scope.wall(), NOW)
        return [*_answers(engine), equity.sides, equity.trend]

    def ask(engine_answers):
        engine = make_engine(cold_store.url.render_as_string(hide_password=False))
        try:
            return engine_answers(engine)
        finally:
            engine.dispose()

    together = ask(answers)
    with monkeypatch.context() as patch:
        patch.setattr(DayPart, "by_day", lambda part, conn, run, grain="day": [
            part.over(conn, day_start(d), day_start(next_period(d, grain))) for d in run])
        alone = ask(answers)
    for got, want in zip(together, alone, strict=True):
        pd.testing.assert_frame_equal(got, want)


def test_the_clock_moving_changes_nothing_remembered(store):
    """What is remembered holds no ``now``: later in the day, the next day, a week on — the same answers as an
    engine that remembers nothing (due times pass, reports age, breaches fall due)."""
    for later in (timedelta(hours=3), timedelta(days=1, hours=2), timedelta(days=7)):
        _assert_same_as_fresh(store, NOW + later)


def test_nothing_changed_nothing_computed(store):
    before = _computed(store)
    _assert_same_as_fresh(store)
    assert _computed(store) == before


def test_a_backdated_new_report_recomputes_its_day_only(store, workcal):
    before = _computed(store)
    with Session(store) as session:  # an Open311 post or an import of an old record: created ten days ago
        ReportWriter(store, workcal).create(session, category_code="jalan", title="Jalan rusak",
                                            created_at=NOW - timedelta(days=10), district_code="94.04.09")
        session.commit()
    _assert_same_as_fresh(store)
    # that one day (and its due days) again, for each remembered part of each view; never the rest
    recomputed = _computed(store) - before
    assert 0 < recomputed <= before / 10, (recomputed, before)


def test_a_state_change_written_with_a_past_time_is_seen(store, workcal):
    """The simulator catching up writes transitions at past times, below the store's newest updated_at: the
    event it writes is what marks the day."""
    with Session(store) as session:
        report = session.scalars(select(Report).where(
            Report.status == "diproses", Report.created_at < NOW - timedelta(days=5),
            Report.created_at > NOW - timedelta(days=15)).limit(1)).one()
        newest = session.scalar(select(Report.updated_at).order_by(Report.updated_at.desc()).limit(1))
        at = max(report.updated_at, report.created_at) + timedelta(minutes=1)
        assert at < newest
        ReportWriter(store, workcal).transition(session, report, "selesai", at)
        session.commit()
    _assert_same_as_fresh(store)


def test_a_direct_update_that_stamps_updated_at_is_seen(store):
    with store.begin() as conn:
        report_id = conn.execute(select(Report.id).where(
            Report.resolved_at.is_not(None), Report.created_at < NOW - timedelta(days=3),
            Report.created_at > NOW - timedelta(days=12)).limit(1)).scalar_one()
        conn.execute(update(Report).where(Report.id == report_id).values(
            resolved_at=Report.created_at, status="selesai", updated_at=NOW + timedelta(seconds=1)))
    _assert_same_as_fresh(store)


def test_a_row_inserted_straight_into_the_table_is_seen(store):
    with store.begin() as conn:
        row = conn.execute(select(Report.category_code, Report.opd_code, Report.district_code).limit(1)).one()
        conn.execute(Report.__table__.insert().values(
            source="sms", external_id="direct-1", channel="sms", category_code=row.category_code,
            opd_code=row.opd_code, district_code=row.district_code, title="Langsung", status="selesai",
            created_at=NOW - timedelta(days=7), first_response_at=NOW - timedelta(days=7) + timedelta(hours=2),
            resolved_at=NOW - timedelta(days=6), response_due_at=NOW - timedelta(days=6),
            resolution_due_at=NOW - timedelta(days=1), updated_at=NOW - timedelta(days=6)))
    _assert_same_as_fresh(store)


def test_a_reset_store_is_forgotten(store, workcal):
    with store.begin() as conn:
        for table in ("report_event", "report", "reporter"):
            conn.execute(text(f"DELETE FROM {table}"))
    seed_demo(store, workcal, DemoConfig(seed=6, days=30, per_day=8.0, now=NOW))
    _assert_same_as_fresh(store)


def test_an_unannounced_change_heals_within_the_age_limit(store, monkeypatch):
    """A hand-made UPDATE that neither stamps updated_at nor writes an event: no day is reused past MAX_AGE."""
    with store.begin() as conn:
        conn.execute(update(Report).where(Report.created_at < NOW - timedelta(days=4),
                                          Report.created_at > NOW - timedelta(days=9))
                     .values(district_code=None))
    monkeypatch.setattr("data_access.queries.settled_days.MAX_AGE_SECONDS", 0)
    _assert_same_as_fresh(store)


def test_a_hold_that_ends_moves_the_due_times_and_is_seen(store, workcal):
    """Leaving ``ditunda`` recomputes the due times over the hold: the breach days of the old and the new due
    times both come out right."""
    writer = ReportWriter(store, workcal)
    with Session(store) as session:
        report = session.scalars(select(Report).where(
            Report.status == "diproses", Report.created_at < NOW - timedelta(days=12),
            Report.created_at > NOW - timedelta(days=20)).limit(1)).one()
        start = max(report.updated_at, report.created_at) + timedelta(minutes=5)
        writer.transition(session, report, "ditunda", start)
        session.commit()
        _assert_same_as_fresh(store)
        writer.transition(session, report, "diproses", start + timedelta(days=3))
        session.commit()
    _assert_same_as_fresh(store)


def test_a_late_answer_in_a_passed_day_is_seen(store, workcal):
    """A report silent past a due time of a passed day is answered: its breach stays, counted as late."""
    writer = ReportWriter(store, workcal)
    with Session(store) as session:
        report = writer.create(session, category_code="jalan", title="Jalan rusak", created_at=NOW - timedelta(days=9))
        session.commit()
        assert report.response_due_at < NOW - timedelta(days=2)
        _assert_same_as_fresh(store)  # remembered while silent
        writer.transition(session, report, "diverifikasi", NOW - timedelta(hours=1))
        session.commit()
    _assert_same_as_fresh(store)


def test_compliance_equals_the_rule_book_with_finished_reports_lacking_a_resolution_time(store):
    """Remembered due days and today's part add up to exactly the rule book's met and missed over the targets
    judged in the window (rules.judged_within), finished reports without a resolution time among them."""
    with store.begin() as conn:
        row = conn.execute(select(Report.category_code, Report.opd_code, Report.district_code).limit(1)).one()
        for i, status in enumerate(("selesai", "ditutup", "selesai")):
            conn.execute(Report.__table__.insert().values(
                source="sms", external_id=f"no-resolution-{i}", channel="sms", category_code=row.category_code,
                opd_code=row.opd_code, district_code=row.district_code, title="Tanpa waktu selesai", status=status,
                created_at=NOW - timedelta(days=5 + i), response_due_at=NOW - timedelta(days=4 + i),
                resolution_due_at=NOW - timedelta(days=1) if i < 2 else NOW + timedelta(days=3),
                closed_at=NOW - timedelta(days=1) if status == "ditutup" else None, updated_at=NOW))
    got = headline_kpis(store, Filters(), Scope.wall(), NOW).iloc[0]
    for kind in ("response", "resolution"):
        window = where(Filters(), Scope.wall(), is_counted(), judged_within(kind, NOW - timedelta(days=30), NOW))
        with store.connect() as conn:
            want = conn.execute(select(*[func.count(case((condition, 1))).label(name) for name, condition in (
                ("met", met(kind)), ("sample", or_(met(kind), missed(kind, NOW))))]).where(window)).one()
        assert want.sample > 0
        assert got[f"{kind}_sample"] == want.sample
        assert got[f"{kind}_compliance_pct"] == pytest.approx(100.0 * want.met / want.sample)


def test_raw_times_read_as_the_store_type_reads_them():
    """open_state reads whole columns of raw times; each is the instant UTCDateTime gives for the same value:
    SQLite's text as the store writes it, ISO text with a zone or a T (rows written straight into the table),
    PostgreSQL's microseconds since 1970, NULL as NaT."""
    from datetime import UTC, datetime

    import numpy as np

    from data_access.queries.open_reports import _moments
    from data_access.store.types import UTCDateTime

    texts = ("2026-11-22 10:00:00.123456", "2026-11-22T10:00:00+09:00", "2026-11-22 23:59:59", None,
             "2026-02-28T23:00:00.5-01:00")
    got = _moments(texts, text=True)
    for value, moment in zip(texts, got, strict=True):
        expected = UTCDateTime().process_result_value(value, None)
        if expected is None:
            assert np.isnat(moment)
        else:
            assert moment == np.datetime64(expected.astimezone(UTC).replace(tzinfo=None), "ns"), value
    instant = datetime(2026, 11, 22, 1, 2, 3, 456789, tzinfo=UTC)
    micros = int((instant - datetime(1970, 1, 1, tzinfo=UTC)).total_seconds() * 1_000_000)
    got = _moments((micros, np.iinfo(np.int64).min), text=False)
    assert got[0] == np.datetime64(instant.replace(tzinfo=None), "ns") and np.isnat(got[1])
