"""Pieces shared by the queries: windows of time, the statuses that count, medians in SQL."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pandas as pd
from sqlalchemy import ColumnElement, Connection, Select, and_, func, select

from data_access.schema import Opd, Report
from data_access.scope import Filters, Scope
from data_access.sla import WIT

DEFAULT_WINDOW = timedelta(days=30)


def frame(conn: Connection, stmt) -> pd.DataFrame:
    result = conn.execute(stmt)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def wit_midnight(now: datetime) -> datetime:
    """The start of ``now``'s day in WIT, as an aware instant."""
    local = now.astimezone(WIT)
    return datetime.combine(local.date(), time(0, 0), tzinfo=WIT)


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


def opds_in_view(filters: Filters, scope: Scope) -> Select:
    """The OPDs a per-OPD table lists: those in scope, narrowed by the OPD filter, so empty OPDs still show."""
    opds = select(Opd.code.label("opd_code"), Opd.name, Opd.short_name).order_by(Opd.code)
    if scope.opds is not None:
        opds = opds.where(Opd.code.in_(sorted(scope.opds)))
    if filters.opds:
        opds = opds.where(Opd.code.in_(filters.opds))
    return opds

