"""SLA breaches: when they happened, and what is overdue now and by how long."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Engine, func, select

from data_access.queries.common import frame, wit_midnight
from data_access.queries.open_reports import count_by, names_of, open_reports, utc_moment
from data_access.queries.settled_days import DayPart, over_days
from data_access.rulebook.rules import is_counted, judged_at, judged_within, missed, opd_at
from data_access.rulebook.scope import Filters, Scope, where
from data_access.rulebook.sla import WIT
from data_access.store.schema import Category, District, Opd, Report

GROUPS = {"opd": Report.opd_code, "category": Report.category_code, "district": Report.district_code}
OVERDUE_BUCKETS = ("<1 hari", "1-3 hari", "3-7 hari", ">7 hari")


def breaches_over_time(engine: Engine, filters: Filters, scope: Scope, now: datetime, *, days: int = 28,
                       by: str = "opd") -> pd.DataFrame:
    """Breaches per WIT day over the last ``days`` days, per group (opd, category or district) and kind.

    A breach happens on the day its due time passed without the response (kind ``response``) or the
    resolution (kind ``resolution``): answered late, or not answered at all by ``now`` (the rule book's
    ``missed``: a hold begun before the due time stops the clock, one begun after hides nothing). By OPD, a
    breach counts against the OPD that held the report when the due time passed.
    Rows: date (YYYY-MM-DD, WIT), group, kind, breaches. Days without breaches have no row.
    """
    if by not in GROUPS:
        raise ValueError(f"cannot group breaches by {by!r}; choose one of {sorted(GROUPS)}")
    since = wit_midnight(now) - timedelta(days=days - 1)
    base = filters.without_period()
    scoped = where(base, scope, is_counted())

    def breaches(kind: str) -> DayPart:
        due = judged_at(kind)
        # A missed target counts against who held the report when it fell due: accountable_opd(kind) for a
        # missed one, without deciding met-or-not again for every breach.
        group = (opd_at(due) if by == "opd" else GROUPS[by]).label("group")

        def statement(lo: datetime, hi: datetime):
            return select(group, func.count().label("breaches")).where(
                scoped, judged_within(kind, lo, hi), missed(kind, now, counted_only=True)).group_by(group)

        def read(lo: datetime, rows: list[tuple]) -> list[tuple]:  # a part is one WIT day, or today's beginning
            day = lo.astimezone(WIT).date().isoformat()
            return [(day, g, kind, n) for g, n in rows]

        return DayPart(statement, read, due)

    # A day that has passed is settled: every due time in it is before now, so whether it was missed no longer
    # depends on the clock, only on writes (queries/settled_days.py, the "due" axis). Today is counted afresh.
    parts = []
    with engine.connect() as conn:
        for kind in ("response", "resolution"):
            parts += over_days(engine, conn, ("breaches_over_time", base, scope, by, kind), since, now,
                               breaches(kind), axis="due")
    out = pd.DataFrame([row for rows in parts for row in rows], columns=["date", "group", "kind", "breaches"])
    out["breaches"] = out["breaches"].astype(int)
    return out.sort_values(["date", "kind", "group"], na_position="last").reset_index(drop=True)


def overdue_by_opd(engine: Engine, filters: Filters, scope: Scope, now: datetime) -> pd.DataFrame:
    """Reports overdue now (the rule book's ``overdue``), per OPD and by how long overdue (since the earliest
    missed due time). Each counts against the OPD that held it when that due time passed."""
    with engine.connect() as conn:
        opened = open_reports(engine, conn, filters, scope, now)
        names = frame(conn, select(Opd.code.label("opd_code"), Opd.short_name))
    late = opened.overdue(now)
    missed_due, against = (column[late] for column in opened.missed_due(now))
    since = [utc_moment(now - timedelta(days=d)) for d in (1, 3, 7)]
    bucket = np.select([missed_due >= since[0], missed_due >= since[1], missed_due >= since[2]], [0, 1, 2], default=3)
    present, counts = count_by(against * len(OVERDUE_BUCKETS) + bucket)
    out = pd.DataFrame({"opd_code": names_of(present // len(OVERDUE_BUCKETS)),
                        "bucket": [OVERDUE_BUCKETS[i] for i in present % len(OVERDUE_BUCKETS)], "reports": counts})
    out = out.merge(names, on="opd_code", how="left")
    out["reports"] = out["reports"].astype(int)
    return out


def names(engine: Engine, by: str) -> dict[str, str]:
    """Display names for breach groups."""
    table = {"opd": (Opd.code, Opd.short_name), "category": (Category.code, Category.name),
             "district": (District.code, District.name)}[by]
    with engine.connect() as conn:
        return dict(conn.execute(select(*table)).all())


