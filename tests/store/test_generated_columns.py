"""The columns the database computes for the wall (migration 0004) say what the rule book says, row by row."""

from __future__ import annotations

from sqlalchemy import select

from core.rules import compliance
from data_access.schema import Report
from data_access.sqlfuncs import BUCKET_EDGES, HOUR_BUCKETS
from tests.support import NOW


def _bucket(hours: float) -> int:
    """The hour bucket in plain Python (sqlfuncs.hour_bucket)."""
    if hours < 0:
        return -1
    first, low = 0, 0.0
    for edge, width in BUCKET_EDGES:
        if hours < edge:
            return first + int((hours - low) / width)
        first, low = first + int((edge - low) / width), edge
    return HOUR_BUCKETS.stop - 1


def _rows(engine):
    with engine.connect() as conn:
        return conn.execute(select(
            Report.status, Report.created_at, Report.first_response_at, Report.resolved_at, Report.response_due_at,
            Report.resolution_due_at, Report.response_on_time, Report.resolution_on_time, Report.response_bucket,
            Report.resolution_bucket)).all()


def test_on_time_flags_are_the_rule_books_met_and_answered_late(seeded):
    """1 where the rule book says met, 0 where it says missed with an answer, NULL where it has no answer
    (pending or silent past due: decided at query time) or the report is rejected/archived."""
    seen = set()
    for r in _rows(seeded):
        for flag, due, done in ((r.response_on_time, r.response_due_at, r.first_response_at or r.resolved_at),
                                (r.resolution_on_time, r.resolution_due_at, r.resolved_at)):
            verdict = compliance(r.status, due, done, None, NOW)
            expected = None if done is None or verdict in ("excluded", "pending") else int(verdict == "met")
            assert flag == expected, (r, verdict)
            seen.add(flag)
    assert seen == {None, 0, 1}


def test_hour_buckets_follow_the_durations(seeded):
    """Each bucket is the plain-Python bucket of the hours to the response / resolution; NULL without one."""
    buckets = set()
    for r in _rows(seeded):
        for bucket, done in ((r.response_bucket, r.first_response_at or r.resolved_at),
                             (r.resolution_bucket, r.resolved_at)):
            if done is None:
                assert bucket is None
                continue
            hours = (done - r.created_at).total_seconds() / 3600
            assert bucket == _bucket(hours), (r, hours)
            buckets.add(bucket)
    assert len(buckets) > 20
