"""Pieces shared by the queries: windows of time, the statuses that count, exact medians."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import replace
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, Connection, Engine, Select, and_, func, select

from data_access.queries.settled_days import DayPart, day_start, over_days
from data_access.rulebook.rules import accountable_opd, compliance_counts, is_counted, judged_within
from data_access.rulebook.scope import Filters, Scope, where
from data_access.rulebook.sla import WIT
from data_access.store.schema import (
    RESOLUTION_HOURS,
    RESPONSE_HOURS,
    Opd,
    Report,
)

DEFAULT_WINDOW = timedelta(days=30)
# Text typed by a citizen or an officer: it may hold a phone number, a NIK or an e-mail address.
FREE_TEXT_COLUMNS = ("title", "description", "note")
LISTED = Scope(None, False, "listed")  # how a text reads in a list of many reports: without personal data
ALL_OPDS = Scope(None, False, "all-opds")  # every OPD: judged_for narrows by the accountable OPD instead


def frame(conn: Connection, stmt) -> pd.DataFrame:
    result = conn.execute(stmt)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def free_texts(rows: pd.DataFrame, scope: Scope = LISTED) -> pd.DataFrame:
    """``rows`` with its free-text columns as ``scope`` may read them (Scope.shown_text). Lists, tickers and
    exports leave the default: contacts typed into a text are masked for everyone there, and shown only on the
    report's own page, where the view is logged."""
    for column in FREE_TEXT_COLUMNS:
        if column in rows.columns:
            rows[column] = rows[column].map(scope.shown_text, na_action="ignore")
    return rows


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


# The hours each duration takes (schema.py), as SQL computes them: the medians are taken over these values.
DURATIONS = {"response": RESPONSE_HOURS, "resolution": RESOLUTION_HOURS}


def _durations_part(condition_for, kind: str, by_district: bool) -> DayPart:
    """Per group (district code, or None), the hours of ``kind`` of the reports created in a range that meet
    ``condition_for(lo, hi)``, as one array."""
    hours = DURATIONS[kind]

    def statement(lo: datetime, hi: datetime) -> Select:
        # SQLite: the period index holds every column the durations and the window's conditions read; left alone it
        # may take the district index and read the table row of each report instead.
        return (select(*([Report.district_code] if by_district else []), hours)
                .where(condition_for(lo, hi), hours.is_not(None))
                .with_hint(Report, "INDEXED BY ix_report_period_cover", "sqlite"))

    def read(lo, rows: list[tuple]) -> dict:  # floats; numeric (Decimal) on PostgreSQL, which numpy reads alike
        if not by_district:
            return {None: np.array([r[0] for r in rows], dtype=np.float64)} if rows else {}
        grouped: dict = {}
        for code, value in rows:
            grouped.setdefault(code, []).append(value)
        return {code: np.array(values, dtype=np.float64) for code, values in grouped.items()}

    return DayPart(statement, read, Report.created_at, aggregate=False)


def window_durations(engine: Engine, conn: Connection, what: Hashable, condition_for, start: datetime,
                     end: datetime, kind: str, *, by_district: bool = False) -> dict:
    """Per group (district code, or None overall), the hours to the response or to the resolution (``kind``) of
    the reports created in [start, end) meeting ``condition_for(lo, hi)``, as one array. Each whole WIT day's
    values are read once and remembered until a report of that day changes (queries/settled_days.py); the partial
    days at the edges are read afresh. A duration never changes without a write, so nothing here depends on the
    clock. ``what`` names the caller's query, filters and scope."""
    parts: dict = {}
    for durations in over_days(engine, conn, (what, "durations", kind, by_district), start, end,
                               _durations_part(condition_for, kind, by_district)):
        for code, values in durations.items():
            parts.setdefault(code, []).append(values)
    return {code: np.concatenate(arrays) if len(arrays) > 1 else arrays[0] for code, arrays in parts.items()}


def medians_of(durations: dict, *, by_district: bool = False) -> pd.DataFrame:
    """The exact median (the middle value, or the mean of the middle two) of each group's durations, with the
    sample size ``n``; groups without values are left out. Pure: the values come from ``window_durations``."""
    rows = [{**({"code": code} if by_district else {}), "hours": float(np.median(values)), "n": len(values)}
            for code, values in durations.items() if len(values)]
    return pd.DataFrame(rows, columns=(["code"] if by_district else []) + ["hours", "n"])


def opds_in_view(filters: Filters, scope: Scope) -> Select:
    """The OPDs a per-OPD table lists: those in scope, narrowed by the OPD filter, so empty OPDs still show."""
    opds = select(Opd.code.label("opd_code"), Opd.name, Opd.short_name).order_by(Opd.code)
    if scope.opds is not None:
        opds = opds.where(Opd.code.in_(sorted(scope.opds)))
    if filters.opds:
        opds = opds.where(Opd.code.in_(filters.opds))
    return opds


def created_in_period(filters: Filters, scope: Scope, now: datetime, *, counted: bool = True):
    """Reports created in the period (default 30 days) under the filters; rejected/archived left out unless
    ``counted`` is False."""
    start, end = period_or_default(filters, now)
    return where(filters.without_period(), scope, *([is_counted()] if counted else []), Report.created_at >= start,
                 Report.created_at < end)


KINDS = ("response", "resolution")


def judged_for(filters: Filters, scope: Scope, kind: str) -> ColumnElement[bool]:
    """The counted reports whose ``kind`` target counts for the OPDs the scope and the OPD filter allow: those the
    report was held by when the target was met or fell due (rules.accountable_opd), as the league counts them, so an
    OPD's tiles and its league row agree after a transfer. The period is the caller's (judged_within)."""
    allowed = None if scope.opds is None else set(scope.opds)
    if filters.opds:
        allowed = set(filters.opds) if allowed is None else allowed & set(filters.opds)
    rest = where(replace(filters.without_period(), opds=()), ALL_OPDS, is_counted())
    return rest if allowed is None else and_(rest, accountable_opd(kind).in_(sorted(allowed)))


def judged_counts(conn: Connection, filters: Filters, scope: Scope, start: datetime, end: datetime, now: datetime,
                  groups_for=lambda kind: ()) -> pd.DataFrame:
    """Compliance counts (rules.compliance_counts: met, sample, unknown per target) of the targets judged in
    [start, end) (rules.judged_within) that count for the viewer's OPDs (``judged_for``), one row per group.
    ``groups_for(kind)`` gives the labelled group columns for each target (the same labels for both): the OPD
    accountable for it (rules.accountable_opd), or the month of its due time. Counts a group lacks are 0;
    compliance % is met ÷ sample, None without a sample."""
    out = None
    for kind in KINDS:
        groups = list(groups_for(kind))
        part = frame(conn, select(*groups, *compliance_counts(kind, now)).where(
            judged_for(filters, scope, kind), judged_within(kind, start, end)).group_by(*groups))
        names = [g.key for g in groups]
        out = part if out is None else (out.merge(part, on=names, how="outer") if names else pd.concat(
            [out, part], axis=1))
    return with_percentages(out)


def with_percentages(out: pd.DataFrame) -> pd.DataFrame:
    """Counts as whole numbers (0 where a group had none) and ``{kind}_compliance_pct`` = met ÷ sample."""
    for kind in KINDS:
        for count in ("met", "sample", "unknown"):
            column = f"{kind}_{count}"
            out[column] = out[column].fillna(0).astype(int) if column in out else 0
        sample = out[f"{kind}_sample"]
        out[f"{kind}_compliance_pct"] = (100.0 * out[f"{kind}_met"] / sample.where(sample > 0)).astype(float)
    return out
