"""Complaints by place: per district (with population rates) and per village (small counts suppressed)."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Engine, case, func, literal, select, union_all

from core.rules import NO_DISTRICT
from data_access.queries.common import frame, in_period, medians_of, period_or_default, window_durations
from data_access.queries.open_reports import count_by, names_of, open_reports
from data_access.queries.settled_days import DayPart, over_days
from data_access.rulebook.rules import is_open, is_remote_district
from data_access.rulebook.scope import Filters, Scope, where
from data_access.store.schema import District, Report, Village

OUTSIDE = NO_DISTRICT
DISTRICT_COLUMNS = (
    "code", "name", "population", "access", "remote", "label_lat", "label_lon", "open", "overdue", "new_24h",
    "reports", "per_10k", "median_response_hours", "last_report_at",
)


def reports_by_district(engine: Engine, filters: Filters, scope: Scope, now: datetime, *,
                        last_seen_days: int = 60) -> pd.DataFrame:
    """Every district (none left out for having no reports), plus one ``luar`` row for reports without one.

    ``open``/``overdue`` are current state under all filters; ``new_24h`` is the last 24 hours; ``reports``,
    ``per_10k`` (reports per 10,000 residents) and the median response cover the period (default 30 days).
    ``last_report_at`` is the newest report of the last ``last_seen_days`` days (None when there is none), so a
    district that went silent shows as "no data" instead of zero, whatever period is chosen.
    """
    start, end = period_or_default(filters, now)
    place = func.coalesce(Report.district_code, OUTSIDE).label("code")
    base = filters.without_period()
    # One index probe per district and figure (ix_report_district_window) instead of grouping two months' reports
    # (a sort of every one of them on SQLite); the reports without a district are one more row.
    silence = (Report.created_at >= now - timedelta(days=last_seen_days), Report.created_at <= now)
    day_ago = (Report.created_at >= max(start, now - timedelta(hours=24)), Report.created_at < end)

    def probes(code, in_district):
        def probe(figure, *conds):
            return select(figure).where(where(base, scope, in_district, *conds)).scalar_subquery()
        return select(code.label("code"), probe(func.count(), *day_ago).label("new_24h"),
                      probe(func.max(Report.created_at), *silence).label("last_report_at"))

    recent = union_all(probes(District.code, Report.district_code == District.code).select_from(District),
                       probes(literal(OUTSIDE), Report.district_code.is_(None)))

    def in_window(lo: datetime, hi: datetime):
        return where(base, scope, in_period(lo, hi))

    what = ("reports_by_district", base, scope)
    with engine.connect() as conn:
        districts = frame(conn, select(District.code, District.name, District.population, District.access,
                                       is_remote_district().label("remote"), District.label_lat,
                                       District.label_lon).order_by(District.code))
        durations = window_durations(engine, conn, what, in_window, start, end, "response", by_district=True)
        middle = medians_of(durations, by_district=True).drop(columns="n").rename(
            columns={"hours": "median_response_hours"})
        middle["code"] = middle["code"].fillna(OUTSIDE)
        reports: Counter = Counter()
        per_place = DayPart(lambda lo, hi: select(place, func.count()).where(in_window(lo, hi)).group_by(place),
                            lambda lo, rows: dict(rows), Report.created_at)
        for counts in over_days(engine, conn, (what, "reports"), start, end, per_place):
            reports.update(counts)
        per_district = pd.DataFrame(list(reports.items()), columns=["code", "reports"])
        opened = open_reports(engine, conn, filters, scope, now)
        present, open_count = count_by(opened.district)
        _, overdue_count = count_by(opened.district, opened.overdue(now))
        state = pd.DataFrame({"code": np.array([c or OUTSIDE for c in names_of(present)], dtype=object),
                              "open": open_count,
                              "overdue": overdue_count})
        parts = [state, frame(conn, recent), per_district, middle]
    districts = pd.concat([districts, pd.DataFrame([{"code": OUTSIDE, "name": "Di luar wilayah / tanpa lokasi",
                                                     "access": "", "remote": False}])], ignore_index=True)
    out = districts
    for part in parts:
        out = out.merge(part, on="code", how="left")
    out["remote"] = out["remote"].fillna(False).astype(bool)
    for column in ("open", "overdue", "new_24h", "reports"):
        out[column] = out[column].fillna(0).astype(int)
    out["last_report_at"] = pd.to_datetime(out["last_report_at"], utc=True)
    out["per_10k"] = (out["reports"] / out["population"] * 10_000).where(out["population"] > 0)
    return out[list(DISTRICT_COLUMNS)]


def reports_by_village(engine: Engine, filters: Filters, scope: Scope, now: datetime,
                       suppress_below: int = 5) -> pd.DataFrame:
    """Reports in the period and open reports per village, for the villages of the filtered districts.

    Without personal-data rights, counts from 1 to ``suppress_below - 1`` are replaced by None and flagged,
    because a handful of complaints in a small kampung can point at a person.
    """
    start, end = period_or_default(filters, now)
    counts = select(
        Report.village_code.label("code"),
        func.count().label("reports"),
        func.sum(case((is_open(), 1), else_=0)).label("open"),
    ).where(where(filters.without_period(), scope, in_period(start, end), Report.village_code.is_not(None))
            ).group_by(Report.village_code)
    villages = select(Village.code, Village.name, Village.type, Village.district_code).order_by(Village.code)
    if filters.districts:
        villages = villages.where(Village.district_code.in_(filters.districts))
    with engine.connect() as conn:
        out = frame(conn, villages).merge(frame(conn, counts), on="code", how="left")
    for column in ("reports", "open"):
        out[column] = out[column].fillna(0).astype(int)
    out["suppressed"] = False
    if not scope.personal_data:
        small = (out["reports"] > 0) & (out["reports"] < suppress_below)
        out["suppressed"] = small
        out["reports"] = out["reports"].astype("object").where(~small, None)
        small_open = (out["open"] > 0) & (out["open"] < suppress_below)
        out["open"] = out["open"].astype("object").where(~(small | small_open), None)
    return out
