"""The headline figures of the wall and the briefing."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import Engine, func, select

from data_access.queries.common import judged_for, medians_of, period_or_default, window_durations, wit_midnight
from data_access.queries.open_reports import open_reports, open_reports_then
from data_access.queries.settled_days import DayPart, over_days
from data_access.rulebook.rules import compliance_counts, is_counted, judged_at, judged_within
from data_access.rulebook.scope import Filters, Scope, where
from data_access.store.schema import Report

COUNT_COLUMNS = ("new_today", "open", "overdue", "overdue_response", "overdue_resolution", "at_risk",
                 "response_sample", "resolution_sample", "response_unknown", "resolution_unknown")
KPI_COLUMNS = (
    "new_today", "open", "overdue", "overdue_response", "overdue_resolution", "at_risk",
    "response_compliance_pct", "response_sample", "resolution_compliance_pct", "resolution_sample",
    "median_response_hours", "median_resolution_hours", "response_unknown", "resolution_unknown",
)


def headline_kpis(engine: Engine, filters: Filters, scope: Scope, now: datetime,
                  at_risk_window: timedelta = timedelta(hours=24), past: bool = False) -> pd.DataFrame:
    """One row: new today (WIT), open, overdue (for the response or the resolution, each report once) and each
    kind apart, at risk within the window, response and resolution compliance with their sample sizes, median
    hours to response and to resolution. The rules are the rule book's (data_access/rulebook/rules.py).

    Current-state counts honour every filter; compliance and medians cover the filter's period or,
    without one, the 30 days up to ``now``. ``past``: ``now`` is an earlier moment (the wall's "vs kemarin"), and
    open, overdue and at risk are what the timeline says they were then (rules.py, "As of an earlier moment").
    """
    start, end = period_or_default(filters, now)
    horizon = now + at_risk_window
    with engine.connect() as conn:
        # Every current-state figure but new_today is about the open reports: their moments remembered by day,
        # weighed against now (queries/open_reports.py).
        # Earlier (``past``), the reports open then as the timeline had them, weighed against then the same way.
        base = filters.without_period()
        opened = open_reports_then(conn, filters, scope, now) if past else \
            open_reports(engine, conn, filters, scope, now)  # a period keeps the open reports created in it
        state = {"open": len(opened), "overdue": int(opened.overdue(now).sum()),
                 "overdue_response": int(opened.response_overdue(now).sum()),
                 "overdue_resolution": int(opened.resolution_overdue(now).sum()),
                 "at_risk": int(opened.at_risk(now, horizon).sum())}
        new_today = conn.execute(select(func.count()).select_from(Report).where(where(
            filters, scope, Report.created_at >= wit_midnight(now), Report.created_at <= now, period=False))
        ).scalar_one()
        row = {"new_today": new_today, **state}

        def window_for(lo: datetime, hi: datetime):  # counted only: the compliance counts rely on it
            return where(base, scope, is_counted(), Report.created_at >= lo, Report.created_at < hi)

        what = ("headline_kpis", base, scope)
        row.update(_compliance(engine, conn, what, base, scope, start, end, now))
        for kind in ("response", "resolution"):
            middle = medians_of(window_durations(engine, conn, what, window_for, start, end, kind))
            row[f"median_{kind}_hours"] = None if middle.empty else float(middle["hours"].iloc[0])
    out = pd.DataFrame([row], columns=list(KPI_COLUMNS))
    return out.astype({column: "int64" for column in COUNT_COLUMNS})


def _compliance(engine: Engine, conn, what, base: Filters, scope: Scope, start: datetime, end: datetime,
                now: datetime) -> dict:
    """Met, sample and unknown per target over the targets judged in [start, end) (rules.judged_within: by due
    time). Each whole WIT day that has passed is remembered until a report due that day changes
    (queries/settled_days.py, the "due" axis): its due times are all behind us, so no clock changes its counts."""
    judged: Counter = Counter()
    for kind in ("response", "resolution"):
        for counts in over_days(engine, conn, (what, "judged", kind), start, end, _judged(base, scope, kind, now),
                                axis="due"):
            judged.update(counts)
    out = {}
    for kind in ("response", "resolution"):
        sample = int(judged[f"{kind}_sample"])
        out[f"{kind}_sample"] = sample
        out[f"{kind}_unknown"] = int(judged[f"{kind}_unknown"])
        out[f"{kind}_compliance_pct"] = 100.0 * int(judged[f"{kind}_met"]) / sample if sample else None
    return out


def _judged(base: Filters, scope: Scope, kind: str, now: datetime) -> DayPart:
    """Met, sample and unknown of ``kind``'s targets judged in a range (rules.judged_within) that count for the
    viewer's OPDs (common.judged_for)."""
    counts = compliance_counts(kind, now)

    def statement(lo: datetime, hi: datetime):
        return select(*counts).where(judged_for(base, scope, kind), judged_within(kind, lo, hi))

    def read(lo, rows: list[tuple]) -> dict:  # one row; none for a day read with others that had nothing due
        return {count.key: sum(row[i] for row in rows) for i, count in enumerate(counts)}

    return DayPart(statement, read, judged_at(kind))
