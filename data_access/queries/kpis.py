"""The headline figures of the wall and the briefing."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import Engine, func, select

from data_access.queries.common import medians_of, period_or_default, window_durations, wit_midnight
from data_access.queries.open_reports import open_reports
from data_access.queries.settled_days import over_days
from data_access.rulebook.rules import answered_counts, is_counted
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
                  at_risk_window: timedelta = timedelta(hours=24)) -> pd.DataFrame:
    """One row: new today (WIT), open, overdue (for the response or the resolution, each report once) and each
    kind apart, at risk within the window, response and resolution compliance with their sample sizes, median
    hours to response and to resolution. The rules are the rule book's (data_access/rulebook/rules.py).

    Current-state counts honour every filter; compliance and medians cover the filter's period or,
    without one, the 30 days up to ``now``.
    """
    start, end = period_or_default(filters, now)
    horizon = now + at_risk_window
    with engine.connect() as conn:
        # Every current-state figure but new_today is about the open reports: their moments remembered by day,
        # weighed against now (queries/open_reports.py).
        base = filters.without_period()
        all_open = open_reports(engine, conn, base, scope, now)  # the period bounds the state, not the window
        opened = all_open.subset(all_open.created_within(filters.start, filters.end))
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
        row.update(_compliance(engine, conn, what, window_for, start, end, now, all_open))
        for kind in ("response", "resolution"):
            middle = medians_of(window_durations(engine, conn, what, window_for, start, end, kind))
            row[f"median_{kind}_hours"] = None if middle.empty else float(middle["hours"].iloc[0])
    out = pd.DataFrame([row], columns=list(KPI_COLUMNS))
    return out.astype({column: "int64" for column in COUNT_COLUMNS})


def _compliance(engine: Engine, conn, what, window_for, start: datetime, end: datetime, now: datetime,
                opened) -> dict:
    """Met and decided per kind, and how many were done at a time nobody recorded (``unknown``: neither met nor
    missed). Met, answered and unknown are remembered by whole day (queries/settled_days.py); silent past the due
    time, which the clock moves, is what open_reports says is overdue among the window's open reports."""
    def part(lo: datetime, hi: datetime) -> dict:
        return conn.execute(select(*answered_counts()).where(window_for(lo, hi))).one()._asdict()

    answered: Counter = Counter()
    for counts in over_days(engine, conn, (what, "answered"), start, end, part):
        answered.update(counts)
    in_window = opened.created_within(start, end)
    silent = {"response": int((opened.response_overdue(now) & in_window).sum()),
              "resolution": int((opened.resolution_overdue(now) & in_window).sum())}
    out = {}
    for kind in ("response", "resolution"):
        sample = int(answered[f"{kind}_answered"]) + silent[kind]
        out[f"{kind}_sample"] = sample
        out[f"{kind}_unknown"] = int(answered[f"{kind}_unknown"])
        out[f"{kind}_compliance_pct"] = 100.0 * int(answered[f"{kind}_met"]) / sample if sample else None
    return out
