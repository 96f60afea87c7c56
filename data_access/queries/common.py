"""Pieces shared by the queries: windows of time, the statuses that count, medians in SQL."""

from __future__ import annotations

from collections.abc import Hashable
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    func,
    literal,
    null,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY

from data_access.queries.settled import day_start, over_days
from data_access.schema import (
    RESOLUTION_BUCKET,
    RESOLUTION_HOURS,
    RESPONSE_BUCKET,
    RESPONSE_HOURS,
    District,
    Opd,
    Report,
)
from data_access.scope import Filters, Scope
from data_access.sla import WIT
from data_access.sqlfuncs import HOUR_BUCKETS

DEFAULT_WINDOW = timedelta(days=30)


def frame(conn: Connection, stmt) -> pd.DataFrame:
    result = conn.execute(stmt)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def wit_midnight(now: datetime) -> datetime:
    """The start of ``now``'s day in WIT, as an aware instant."""
    return day_start(now.astimezone(WIT).date())


def period_or_default(filters: Filters, now: datetime,
                      default: timedelta = DEFAULT_WINDOW) -> tuple[datetime, datetime]:
    """The filter's period, or the trailing window that ends now."""
    end = filters.end or now
    start = filters.start or (end - default)
    return start, min(end, now)


def in_period(start: datetime, end: datetime) -> ColumnElement[bool]:
    return and_(Report.created_at >= start, Report.created_at < end)


def medians(conn: Connection, values: Select, value: str, group: str | None = None) -> pd.DataFrame:
    """Exact medians of column ``value`` of ``values`` (per ``group``), with their sample size ``n``.

    PostgreSQL: ``percentile_cont(0.5)`` in one grouped pass. SQLite has no median: a grouped count first, then
    per group the middle one or two values by ``ORDER BY … LIMIT … OFFSET`` — about half the cost of ranking
    every row with window functions, and with an index led by the group column each group reads only its rows.
    Groups without values are left out. ``values`` must already exclude NULLs (filter the raw timestamps, which
    the covering indexes answer, rather than the computed value, which would be computed for every row to count).
    """
    sub = values.subquery("med_in")
    v = sub.c[value]
    keys = [sub.c[group]] if group else []
    columns = [*([group] if group else []), value, "n"]
    if conn.dialect.name == "postgresql":
        stmt = select(*keys, func.percentile_cont(0.5).within_group(v).label(value), func.count(v).label("n")).where(
            v.is_not(None)).group_by(*keys)
        out = frame(conn, stmt)
        return out[out["n"] > 0].reset_index(drop=True)[columns]
    rows = []
    for row in conn.execute(select(*keys, func.count().label("n")).select_from(sub).group_by(*keys)):
        n = int(row.n)
        if n == 0:
            continue
        where_group = []
        if group:
            key = row[0]
            where_group = [keys[0].is_(None) if key is None else keys[0] == key]
        middle = conn.execute(select(v).where(*where_group).order_by(v).limit(2 - n % 2)
                              .offset((n - 1) // 2)).scalars().all()
        rows.append({**({group: row[0]} if group else {}), value: sum(middle) / len(middle), "n": n})
    return pd.DataFrame(rows, columns=columns)


# Per duration: its indexed hour-bucket expression and the duration itself (schema.py).
DURATIONS = {"response": (RESPONSE_BUCKET, RESPONSE_HOURS), "resolution": (RESOLUTION_BUCKET, RESOLUTION_HOURS)}


def _hour_buckets():
    first = select(literal(HOUR_BUCKETS.start, Integer).label("k")).cte("hour_buckets", recursive=True)
    return first.union_all(select((first.c.k + 1).label("k")).where(first.c.k < HOUR_BUCKETS.stop - 1))


def window_medians(conn: Connection, condition: ColumnElement[bool], kind: str, *,
                   by_district: bool = False, histogram: dict | None = None) -> pd.DataFrame:
    """Exact medians of the hours to the response or to the resolution (``kind``) of the reports meeting
    ``condition``, overall or per district (``code``; None for reports without one), with the sample size ``n``.

    Two steps instead of sorting every value: (1) per hour bucket (and district), a count — ``histogram`` when
    the caller has it (``window_histogram``: whole days remembered), else by an index probe on
    (bucket, created_at, …): the buckets are index expressions (schema.py), so each probe reads only the
    matching index entries and nothing is sorted; (2) for each group, the one or two middle values, read and
    sorted within the bucket that holds them (a few hundred rows), all groups in one statement. Buckets never
    decrease with the duration, so the k-th value overall is the (k − count below)-th of its bucket. Groups
    without values are left out. Equal to the median over the raw rows (tests/store/test_medians.py).
    """
    counts = histogram if histogram is not None else _probed_histogram(conn, condition, kind, by_district)
    return _middles(conn, condition, kind, by_district, counts)


def _probed_histogram(conn: Connection, condition, kind: str, by_district: bool) -> dict:
    bucket, _ = DURATIONS[kind]
    buckets = _hour_buckets()

    def probe(*group):
        return (select(func.count()).select_from(Report).where(bucket == buckets.c.k, condition, *group)
                .correlate(buckets, District).scalar_subquery())

    if by_district:
        histogram = union_all(
            select(District.code.label("code"), buckets.c.k, probe(Report.district_code == District.code).label("n"))
            .select_from(District).join(buckets, true()),
            select(null().label("code"), buckets.c.k, probe(Report.district_code.is_(None)).label("n")))
    else:
        histogram = select(null().label("code"), buckets.c.k, probe().label("n"))
    counts: dict = {}
    for code, k, n in conn.execute(histogram).all():  # thousands of small rows: fetched at once, not one by one
        if n:
            counts.setdefault(code, []).append((k, int(n)))
    return counts


def window_histogram(engine: Engine, conn: Connection, what: Hashable, condition_for, start: datetime,
                     end: datetime, kind: str, *, by_district: bool = False) -> dict:
    """Per group (district code, or None overall), the (bucket, count) pairs of the durations of the reports
    created in [start, end) meeting ``condition_for(lo, hi)``: a grouped count per whole WIT day, remembered
    until a report of that day changes (queries/settled.py), plus the partial days at the edges. A duration
    never changes without a write, so nothing here depends on the clock. ``what`` names the caller's query,
    filters and scope."""
    bucket, _ = DURATIONS[kind]
    keys = [Report.district_code, bucket] if by_district else [bucket]

    def part(lo: datetime, hi: datetime) -> dict:
        # A day's or an edge's reports by the period index, grouped: SQLite otherwise skip-scans the bucket index,
        # one seek per district and bucket (thousands) for a thousand rows.
        stmt = (select(*keys, func.count()).where(condition_for(lo, hi), bucket.is_not(None)).group_by(*keys)
                .with_hint(Report, "INDEXED BY ix_report_period_cover", "sqlite"))
        out: dict = {}
        for row in conn.execute(stmt).all():
            code, k, n = row if by_district else (None, *row)
            counts = out.get(code)
            if counts is None:
                counts = out[code] = np.zeros(len(HOUR_BUCKETS), dtype=np.int64)
            counts[int(k) - HOUR_BUCKETS.start] = n
        return out

    total: dict = {}
    for counts in over_days(engine, conn, (what, "hours", kind, by_district), start, end, part):
        for code, per_bucket in counts.items():
            if code in total:
                total[code] = total[code] + per_bucket  # a new array: remembered days are never written to
            else:
                total[code] = per_bucket
    return {code: [(int(k) + HOUR_BUCKETS.start, int(per_bucket[k])) for k in np.flatnonzero(per_bucket)]
            for code, per_bucket in total.items()}


def _middles(conn: Connection, condition, kind: str, by_district: bool, counts: dict) -> pd.DataFrame:
    bucket, hours = DURATIONS[kind]
    slices, sizes = [], {}
    for code, per_bucket in counts.items():
        per_bucket = sorted(per_bucket)
        n = sizes[code] = sum(c for _, c in per_bucket)
        wanted = sorted({(n - 1) // 2, n // 2})  # 0-based ranks of the middle one or two
        below = 0
        for k, c in per_bucket:
            inside = [r - below for r in wanted if below <= r < below + c]
            if inside:
                slices.append((code, k, inside[0], len(inside)))
            below += c
    columns = (["code"] if by_district else []) + ["hours", "n"]
    if not slices:
        return pd.DataFrame([], columns=columns)
    parts = []
    lateral = [i for i, (code, *_) in enumerate(slices) if code is not None] if (
        by_district and conn.dialect.name == "postgresql") else []
    lateral = set(lateral) if len(lateral) > 1 else set()
    if lateral:
        # One subquery planned once for every district, not a UNION of one each: PostgreSQL spent 12 ms planning
        # twenty copies of the bucket expression to execute them in 4.
        # The slices as arrays (unnest), not VALUES rows: the statement's text and compiled form stay the same
        # whatever the slices, so SQLAlchemy compiles it once and psycopg may prepare it.
        columns_of = list(zip(*[(i, *slices[i]) for i in sorted(lateral)], strict=True))
        wanted = func.unnest(*[bindparam(f"wanted_{name}", list(data), type_=ARRAY(sql_type))
                               for name, data, sql_type in zip(("slice", "code", "k", "skip", "take"), columns_of,
                                                               (Integer, String, Integer, Integer, Integer),
                                                               strict=True)]
                             ).table_valued("slice", "code", "k", "skip", "take").render_derived(name="wanted")
        middle = (select(hours.label("hours")).where(bucket == wanted.c.k, condition,
                                                     Report.district_code == wanted.c.code)
                  .order_by(hours).limit(wanted.c.take).offset(wanted.c.skip).lateral("middle"))
        parts.append(select(wanted.c.slice, middle.c.hours).select_from(wanted.join(middle, true())))
    for i, (code, k, offset, limit) in enumerate(slices):
        if i in lateral:
            continue
        group = [] if not by_district else [
            Report.district_code.is_(None) if code is None else Report.district_code == code]
        middle = (select(hours.label("hours")).where(bucket == k, condition, *group)
                  .order_by(hours).limit(limit).offset(offset).subquery(f"middle_{i}"))
        parts.append(select(literal(i).label("slice"), middle.c.hours))
    middles: dict = {}
    for i, value in conn.execute(union_all(*parts) if len(parts) > 1 else parts[0]).all():
        middles.setdefault(slices[i][0], []).append(float(value))
    rows = [{**({"code": code} if by_district else {}), "hours": sum(v) / len(v), "n": sizes[code]}
            for code, v in middles.items()]
    return pd.DataFrame(rows, columns=columns)


def opds_in_view(filters: Filters, scope: Scope) -> Select:
    """The OPDs a per-OPD table lists: those in scope, narrowed by the OPD filter, so empty OPDs still show."""
    opds = select(Opd.code.label("opd_code"), Opd.name, Opd.short_name).order_by(Opd.code)
    if scope.opds is not None:
        opds = opds.where(Opd.code.in_(sorted(scope.opds)))
    if filters.opds:
        opds = opds.where(Opd.code.in_(filters.opds))
    return opds

