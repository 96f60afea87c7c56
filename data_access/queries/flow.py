"""How reports flow: weekly inflow against resolutions, the busiest categories, open reports per group, and how
long reports took to a response or a resolution. Each aggregates in the database and returns a small DataFrame.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import Engine, String, case, func, select
from sqlalchemy.sql.functions import FunctionElement

from data_access.queries.common import created_in_period, frame, period_or_default, wit_midnight
from data_access.rulebook.rules import (
    is_open,
    overdue,
    responded_at,
)
from data_access.rulebook.scope import Filters, Scope, where
from data_access.store.schema import Category, District, Opd, Report
from data_access.store.sqlfuncs import WIT_OFFSET_HOURS, compile_per_dialect, hours_between

DEFAULT_BINS = {"response": (0, 1, 4, 8, 24, 72, 168), "resolution": (0, 24, 72, 168, 336, 720, 1440)}


class wit_week_start(FunctionElement):
    """The Monday (YYYY-MM-DD, WIT) of the ISO week of a stored UTC instant."""

    type = String()
    inherit_cache = True


# 'weekday 0' moves forward to the next Sunday (or stays on one); six days back is that ISO week's Monday.
compile_per_dialect(
    wit_week_start,
    sqlite=lambda at: f"date({at}, '+{WIT_OFFSET_HOURS} hours', 'weekday 0', '-6 days')",
    postgresql=lambda at: f"to_char(date_trunc('week', ({at}) AT TIME ZONE 'Asia/Jayapura'), 'YYYY-MM-DD')")


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def inflow_vs_resolved_weekly(engine: Engine, filters: Filters, scope: Scope, now: datetime, *,
                              weeks: int = 12) -> pd.DataFrame:
    """Reports received and reports resolved per ISO week (Monday–Sunday in WIT).

    The span is the filter's period or, without a start, the last ``weeks`` weeks including the current
    one; it never runs past ``now``. Every week in the span has a row (zeros included).
    Rows: week_start (YYYY-MM-DD), week (ISO label such as 2026-W48), inflow, resolved.
    """
    weeks = max(1, min(int(weeks), 104))
    end = min(filters.end or now, now)
    today = wit_midnight(now)
    start = filters.start or (today - timedelta(days=today.weekday() + 7 * (weeks - 1)))
    base = filters.without_period()
    created_week = wit_week_start(Report.created_at)
    resolved_week = wit_week_start(Report.resolved_at)
    inflow = select(created_week.label("week_start"), func.count().label("inflow")).where(
        where(base, scope, Report.created_at >= start, Report.created_at < end)).group_by(created_week)
    resolved = select(resolved_week.label("week_start"), func.count().label("resolved")).where(
        where(base, scope, Report.resolved_at >= start, Report.resolved_at < end)).group_by(resolved_week)
    with engine.connect() as conn:
        parts = [frame(conn, inflow), frame(conn, resolved)]
    tz = wit_midnight(now).tzinfo
    first, last = _monday(start.astimezone(tz).date()), _monday(end.astimezone(tz).date())
    if end.astimezone(tz) == datetime.combine(end.astimezone(tz).date(), datetime.min.time(), tzinfo=tz) \
            and end.astimezone(tz).weekday() == 0 and last > first:
        last -= timedelta(days=7)  # an end exactly at Monday 00:00 WIT does not open a new week
    mondays = []
    day = first
    while day <= last:
        mondays.append(day.isoformat())
        day += timedelta(days=7)
    out = pd.DataFrame({"week_start": mondays})
    for part in parts:
        out = out.merge(part, on="week_start", how="left")
    out[["inflow", "resolved"]] = out[["inflow", "resolved"]].fillna(0).astype(int)
    out["week"] = [f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in pd.to_datetime(out["week_start"])]
    return out[["week_start", "week", "inflow", "resolved"]]


def top_categories(engine: Engine, filters: Filters, scope: Scope, now: datetime, *, limit: int = 10
                   ) -> pd.DataFrame:
    """The categories with the most reports in the period (default 30 days), with how many of those are
    still open and overdue now. Ties by code."""
    start, end = period_or_default(filters, now)
    stmt = (select(Report.category_code.label("category_code"), func.count().label("reports"),
                   func.sum(case((is_open(), 1), else_=0)).label("open"),
                   func.sum(case((overdue(now), 1), else_=0)).label("overdue"))
            .where(where(filters.without_period(), scope, Report.created_at >= start, Report.created_at < end))
            .group_by(Report.category_code)
            .order_by(func.count().desc(), Report.category_code).limit(max(1, min(int(limit), 100))))
    with engine.connect() as conn:
        out = frame(conn, stmt)
        cats = frame(conn, select(Category.code.label("category_code"), Category.name.label("category"),
                                  Category.name_en.label("category_en")))
    out = out.merge(cats, on="category_code", how="left")
    for column in ("reports", "open", "overdue"):
        out[column] = out[column].fillna(0).astype(int)
    return out[["category_code", "category", "category_en", "reports", "open", "overdue"]]


def bin_labels(bins: tuple[float, ...]) -> list[str]:
    edges = list(bins)
    return [f"{_n(a)}–{_n(b)}" for a, b in zip(edges, edges[1:], strict=False)] + [f">{_n(edges[-1])}"]


def _n(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def time_distribution(engine: Engine, filters: Filters, scope: Scope, now: datetime, *, kind: str = "response",
                      bins: tuple[float, ...] | None = None) -> pd.DataFrame:
    """How many reports of the period (default 30 days, rejected/archived left out) took how many hours to
    their first response (``kind="response"``) or resolution, counted per bin in SQL. Bin i holds hours in
    [bins[i], bins[i+1]); the last bin is open-ended. Every bin has a row. Columns: bin, lower, upper, reports.
    """
    if kind not in DEFAULT_BINS:
        raise ValueError(f"time_distribution kind must be 'response' or 'resolution', not {kind!r}")
    bins = tuple(float(b) for b in (bins or DEFAULT_BINS[kind]))
    if len(bins) < 2 or list(bins) != sorted(set(bins)):
        raise ValueError("bins must be at least two increasing edges")
    done = responded_at() if kind == "response" else Report.resolved_at
    took = hours_between(done, Report.created_at)
    whens = [(took < edge, i) for i, edge in enumerate(bins[1:])]
    bucket = case(*whens, else_=len(bins) - 1).label("bucket")
    stmt = (select(bucket, func.count().label("reports"))
            .where(created_in_period(filters, scope, now), done.is_not(None), took >= bins[0]).group_by(bucket))
    with engine.connect() as conn:
        counts = dict(conn.execute(stmt).all())
    labels = bin_labels(bins)
    return pd.DataFrame({
        "bin": labels,
        "lower": list(bins),
        "upper": list(bins[1:]) + [None],
        "reports": [int(counts.get(i, 0)) for i in range(len(labels))],
    })


OPEN_GROUPS = {"category": (Report.category_code, Category.code, Category.name),
               "district": (Report.district_code, District.code, District.name),
               "opd": (Report.opd_code, Opd.code, Opd.short_name)}


def open_by_group(engine: Engine, filters: Filters, scope: Scope, now: datetime, *, by: str = "category"
                  ) -> pd.DataFrame:
    """Open reports and how many of them are overdue now, per category, district or OPD (only groups with open
    reports; reports without a district are grouped under code None). Largest backlog first."""
    if by not in OPEN_GROUPS:
        raise ValueError(f"cannot group open reports by {by!r}; choose one of {sorted(OPEN_GROUPS)}")
    column, code, name = OPEN_GROUPS[by]
    stmt = (select(column.label("code"), func.count().label("open"),
                   func.sum(case((overdue(now), 1), else_=0)).label("overdue"))
            .where(where(filters, scope, is_open())).group_by(column))
    with engine.connect() as conn:
        out = frame(conn, stmt)
        names = frame(conn, select(code.label("code"), name.label("name")))
    out = out.merge(names, on="code", how="left")
    out[["open", "overdue"]] = out[["open", "overdue"]].fillna(0).astype(int)
    out = out.sort_values(["open", "code"], ascending=[False, True], na_position="last")
    return out[["code", "name", "open", "overdue"]].reset_index(drop=True)

