"""Per-OPD workload: backlog by age, what is overdue, inflow against closures."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import Engine, func, select

from data_access.queries.common import frame, opds_in_view
from data_access.queries.open_reports import count_by, names_of, open_reports, utc_moment
from data_access.rulebook.scope import Filters, Scope, where
from data_access.store.schema import Report

AGE_BUCKETS = (("age_0_1", 1), ("age_1_3", 3), ("age_3_7", 7), ("age_7_14", 14))
WORKLOAD_COLUMNS = ("opd_code", "name", "short_name", "backlog", "age_0_1", "age_1_3", "age_3_7", "age_7_14",
                    "age_14p", "overdue", "inflow", "closed")


def opd_workload(engine: Engine, filters: Filters, scope: Scope, now: datetime, *, days: int = 7) -> pd.DataFrame:
    """One row per OPD in scope: open backlog by age in whole days (<1, 1–2, 3–6, 7–13, ≥14), overdue now,
    and reports received (inflow) against reports resolved (closed) in the filters' period, or in the last ``days``
    days without one. Sorted worst first: most overdue, then largest backlog.
    """
    periodic = filters.start is not None or filters.end is not None
    since = filters.start if periodic else now - timedelta(days=days)

    def within(column) -> list:
        """In [since, end) as the period bounds creation, never past ``now``."""
        bounds = [column <= now] + ([column >= since] if since is not None else [])
        return bounds + ([column < filters.end] if filters.end is not None else [])

    base = filters.without_period()
    inflow = select(Report.opd_code.label("opd_code"), func.count().label("inflow")).where(
        where(base, scope, *within(Report.created_at))).group_by(Report.opd_code)
    closed = select(Report.opd_code.label("opd_code"), func.count().label("closed")).where(
        where(base, scope, *within(Report.resolved_at))).group_by(Report.opd_code)
    opds = opds_in_view(filters, scope)
    with engine.connect() as conn:
        opened = open_reports(engine, conn, filters, scope, now)
        out = frame(conn, opds)
        present, backlog_count = count_by(opened.opd)
        backlog = pd.DataFrame({"opd_code": names_of(present), "backlog": backlog_count,
                                "overdue": count_by(opened.opd, opened.overdue(now))[1],
                                **{name: count_by(opened.opd, opened.created > utc_moment(now - timedelta(days=d)))[1]
                                   for name, d in AGE_BUCKETS}})
        for part in (backlog, frame(conn, inflow), frame(conn, closed)):
            out = out.merge(part, on="opd_code", how="left")
    count_columns = ["backlog", "overdue", "inflow", "closed"] + [name for name, _ in AGE_BUCKETS]
    out[count_columns] = out[count_columns].fillna(0).astype(int)
    # Cumulative "younger than d days" counts (strictly: 3 days old is "3–6", as the labels read) become disjoint
    # buckets.
    cumulative = [out[name] for name, _ in AGE_BUCKETS] + [out["backlog"]]
    out["age_14p"] = cumulative[-1] - cumulative[-2]
    for i in range(len(AGE_BUCKETS) - 1, 0, -1):
        out[AGE_BUCKETS[i][0]] = cumulative[i] - cumulative[i - 1]
    out = out.sort_values(["overdue", "backlog", "opd_code"], ascending=[False, False, True])
    return out[list(WORKLOAD_COLUMNS)].reset_index(drop=True)
