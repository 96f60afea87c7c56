"""The headline figures of the wall and the briefing."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import Engine, and_, case, func, or_, select

from data_access.queries.common import (
    is_active,
    is_counted,
    is_open,
    medians,
    period_or_default,
    resolution_overdue,
    responded_at,
    response_overdue,
    wit_midnight,
)
from data_access.schema import Report
from data_access.scope import Filters, Scope, where
from data_access.sqlfuncs import hours_between

KPI_COLUMNS = (
    "new_today", "open", "overdue_response", "overdue_resolution", "at_risk",
    "response_compliance_pct", "response_sample", "resolution_compliance_pct", "resolution_sample",
    "median_response_hours", "median_resolution_hours",
)


def headline_kpis(engine: Engine, filters: Filters, scope: Scope, now: datetime,
                  at_risk_window: timedelta = timedelta(hours=24)) -> pd.DataFrame:
    """One row: new today (WIT), open, overdue for response and for resolution, at risk within the window,
    response and resolution compliance with their sample sizes, median hours to response and to resolution.

    Current-state counts honour every filter; compliance and medians cover the filter's period or,
    without one, the 30 days up to ``now``. Compliance counts a report once its target time has passed
    or it was answered: met = answered by the due time, so silence past the due time counts as a miss.
    """
    start, end = period_or_default(filters, now)
    horizon = now + at_risk_window
    with engine.connect() as conn:
        def count(*conds, period=True) -> int:
            return conn.execute(select(func.count()).select_from(Report).where(
                where(filters, scope, *conds, period=period))).scalar_one()

        row = {
            "new_today": count(Report.created_at >= wit_midnight(now), Report.created_at <= now, period=False),
            "open": count(is_open()),
            "overdue_response": count(response_overdue(now)),
            "overdue_resolution": count(resolution_overdue(now)),
            "at_risk": count(is_active(), or_(
                and_(Report.first_response_at.is_(None), Report.response_due_at >= now,
                     Report.response_due_at < horizon),
                and_(Report.resolution_due_at >= now, Report.resolution_due_at < horizon),
            )),
        }
        window = where(filters.without_period(), scope, is_counted(), Report.created_at >= start,
                       Report.created_at < end)
        row.update(_compliance(conn, window, now))
        row["median_response_hours"] = _median_hours(conn, window, responded_at())
        row["median_resolution_hours"] = _median_hours(conn, window, Report.resolved_at)
    return pd.DataFrame([row], columns=list(KPI_COLUMNS))


def _compliance(conn, window, now: datetime) -> dict:
    answered = responded_at()
    response_decided = or_(answered.is_not(None), and_(Report.response_due_at < now, Report.status != "ditunda"))
    resolution_decided = or_(Report.resolved_at.is_not(None),
                             and_(Report.resolution_due_at < now, Report.status != "ditunda"))
    stmt = select(
        func.sum(case((response_decided, 1), else_=0)).label("response_sample"),
        func.sum(case((and_(answered.is_not(None), answered <= Report.response_due_at), 1), else_=0)).label("rm"),
        func.sum(case((resolution_decided, 1), else_=0)).label("resolution_sample"),
        func.sum(case((and_(Report.resolved_at.is_not(None), Report.resolved_at <= Report.resolution_due_at), 1),
                      else_=0)).label("sm"),
    ).where(window)
    r = conn.execute(stmt).one()
    response_sample, resolution_sample = int(r.response_sample or 0), int(r.resolution_sample or 0)
    return {
        "response_sample": response_sample,
        "response_compliance_pct": 100.0 * (r.rm or 0) / response_sample if response_sample else None,
        "resolution_sample": resolution_sample,
        "resolution_compliance_pct": 100.0 * (r.sm or 0) / resolution_sample if resolution_sample else None,
    }


def _median_hours(conn, window, done_at) -> float | None:
    values = select(hours_between(done_at, Report.created_at).label("hours")).where(window, done_at.is_not(None))
    result = medians(conn, values, "hours")
    return None if result.empty or pd.isna(result["hours"].iloc[0]) else float(result["hours"].iloc[0])
