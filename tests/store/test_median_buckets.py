"""The hour buckets the medians count by (schema.py, migration 0004) follow the durations, and the queries' bucket
expression is the indexed one, so the database answers the per-bucket counts from the index."""

from __future__ import annotations

from sqlalchemy import select, text

from data_access.queries.common import window_medians
from data_access.schema import RESOLUTION_BUCKET, RESPONSE_BUCKET, Report
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


def test_hour_buckets_follow_the_durations(seeded):
    """Each bucket is the plain-Python bucket of the hours to the response / resolution; NULL without one."""
    with seeded.connect() as conn:
        rows = conn.execute(select(Report.created_at, Report.first_response_at, Report.resolved_at,
                                   RESPONSE_BUCKET.label("response"), RESOLUTION_BUCKET.label("resolution"))).all()
    buckets = set()
    for r in rows:
        for bucket, done in ((r.response, r.first_response_at or r.resolved_at), (r.resolution, r.resolved_at)):
            if done is None:
                assert bucket is None
                continue
            hours = (done - r.created_at).total_seconds() / 3600
            assert bucket == _bucket(hours), (r, hours)
            buckets.add(bucket)
    assert len(buckets) > 20


def test_the_bucket_counts_are_read_from_the_bucket_indexes(seeded):
    """The plan of every statement the medians send names a bucket index: the queries' expression is the
    indexed one (a mismatch would silently read every report of the period instead)."""
    from sqlalchemy import event

    statements = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    condition = (Report.created_at >= NOW.replace(year=NOW.year - 1)) & (Report.created_at < NOW)
    event.listen(seeded, "before_cursor_execute", capture)
    try:
        with seeded.connect() as conn:
            for kind, by_district in (("response", False), ("resolution", False), ("response", True)):
                window_medians(conn, condition, kind, by_district=by_district)
    finally:
        event.remove(seeded, "before_cursor_execute", capture)
    assert len(statements) == 6
    sqlite = seeded.dialect.name == "sqlite"
    with seeded.connect() as conn:
        if not sqlite:
            conn.execute(text("SET enable_seqscan = off"))  # a small test store would be read whole otherwise
        for statement, parameters in statements:
            plan = " ".join(str(row[-1]) for row in conn.exec_driver_sql(
                ("EXPLAIN QUERY PLAN " if sqlite else "EXPLAIN ") + statement, parameters))
            assert "bucket" in plan, plan
