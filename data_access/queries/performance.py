"""The monthly public-service performance report (Laporan Kinerja Pelayanan Publik), per OPD and for the regency.

One WIT calendar month of reports (by ``created_at``), judged at ``now`` — the same rules and the same league as
the Bupati's briefing for that month (``compliance_by_opd`` over the month), so the two never disagree: volume,
response and resolution compliance with their samples, median times, the rejected/archived share, and what is still
open of the month's reports by age; per district, reports per 10,000 residents. All aggregated in SQL.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

import pandas as pd
from sqlalchemy import Engine, case, func, literal, select

from core.bounded import EARLIEST_DAY
from core.rules import NO_DISTRICT
from data_access.queries.common import KINDS, frame, judged_counts, medians
from data_access.queries.compliance import MIN_SAMPLE, compliance_by_opd
from data_access.queries.districts import reports_by_district
from data_access.queries.equity import LocationEquity, location_equity
from data_access.queries.targets import resolve_targets, stored_targets, target_map
from data_access.rulebook.rules import is_counted, is_excluded, is_open, overdue, responded_at
from data_access.rulebook.scope import Filters, Scope, where
from data_access.rulebook.sla import WIT
from data_access.store.schema import Report
from data_access.store.sqlfuncs import epoch_seconds, hours_between

# Age of what is still open at the cut-off, in days: [0, 7), [7, 30), [30, 60), [60, ∞)
AGE_BUCKETS = (("age_0_7", 0, 7), ("age_7_30", 7, 30), ("age_30_60", 30, 60), ("age_60_plus", 60, None))
MONTH_PATTERN = re.compile(r"(\d{4})-(\d{2})")


@dataclass(frozen=True)
class MonthlyPerformance:
    """The report's figures for one WIT month, as of ``now`` (the data cut-off)."""

    month: str  # YYYY-MM in WIT
    start: datetime  # the first instant of the month (WIT)
    end: datetime  # the first instant of the next month, or ``now`` while the month runs
    now: datetime
    opd: str | None  # one OPD asked for, or None for the regency and every OPD in scope
    min_sample: int
    regency: dict  # the totals over what the report covers (the regency, or the one OPD)
    by_opd: pd.DataFrame  # one row per OPD: the briefing league's columns plus volume, medians, backlog by age
    by_district: pd.DataFrame  # one row per district: reports, per 10,000 residents, median response, open, overdue
    equity: LocationEquity | None = None  # the month's location equity, remote against road districts
    previous: dict | None = None  # ``regency`` of the month before, judged at the same ``now`` (None before the store)
    targets: dict = field(default_factory=dict)  # {figure: target} for the regency, or the one OPD


def parse_month(raw: str, now: datetime) -> tuple[datetime, datetime]:
    """'2026-11' → the WIT month's [start, end) as aware instants; ValueError (with a sentence) when it is not a
    month, lies in the future, or before the store's earliest day."""
    match = MONTH_PATTERN.fullmatch(raw.strip()) if isinstance(raw, str) else None
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"--month {raw!r} is not a month such as 2026-11 (YYYY-MM)")
    year, month = int(match.group(1)), int(match.group(2))
    first = date(year, month, 1)
    today = now.astimezone(WIT).date()
    if first > today:
        raise ValueError(f"--month {raw} has not begun yet (today is {today.isoformat()} WIT)")
    if first < EARLIEST_DAY:
        raise ValueError(f"--month {raw} is before {EARLIEST_DAY.year}")
    following = date(year + month // 12, month % 12 + 1, 1)
    return (datetime.combine(first, time(0), tzinfo=WIT), datetime.combine(following, time(0), tzinfo=WIT))


def _age_columns(now: datetime) -> list:
    age_days = (literal(now.timestamp()) - epoch_seconds(Report.created_at)) / 86400.0
    columns = []
    for name, low, high in AGE_BUCKETS:
        inside = age_days >= low if high is None else (age_days >= low) & (age_days < high)
        columns.append(func.sum(case((inside, 1), else_=0)).label(name))
    return columns


def _regency(conn, own: Filters, scope: Scope, now: datetime) -> dict:
    """The totals straight from the reports (not summed from OPD rows: a report without an OPD still counts):
    what was received in the month, the targets judged in it (rules.judged_within), what is still open of it."""
    window, open_window = where(own, scope), where(own, scope, is_open())
    columns = [func.count().label("reports"), func.sum(case((is_excluded(), 1), else_=0)).label("excluded")]
    row = dict(conn.execute(select(*columns).where(window)).mappings().one())
    judged = judged_counts(conn, own, scope, own.start, own.end, now).iloc[0]
    row |= {f"{kind}_{count}": judged[f"{kind}_{count}"] for kind in KINDS for count in ("met", "sample", "unknown")}
    backlog = dict(conn.execute(select(func.count().label("backlog"),
                                       func.sum(case((overdue(now), 1), else_=0)).label("overdue"),
                                       *_age_columns(now)).where(open_window)).mappings().one())
    row |= backlog
    row = {k: int(v or 0) for k, v in row.items()}
    for kind, done in (("response", responded_at()), ("resolution", Report.resolved_at)):
        values = select(hours_between(done, Report.created_at).label("hours")).where(window, is_counted(),
                                                                                       done.is_not(None))
        middle = medians(conn, values, "hours")
        row[f"median_{kind}_hours"] = float(middle["hours"].iloc[0]) if len(middle) else None
        row[f"median_{kind}_n"] = int(middle["n"].iloc[0]) if len(middle) else 0
    for kind in KINDS:
        sample = row[f"{kind}_sample"]
        row[f"{kind}_compliance_pct"] = 100.0 * row[f"{kind}_met"] / sample if sample else None
    row["excluded_pct"] = 100.0 * row["excluded"] / row["reports"] if row["reports"] else None
    return row


def previous_month(month: str) -> str:
    """'2026-01' → '2025-12'."""
    year, number = int(month[:4]), int(month[5:7])
    return f"{year - 1}-12" if number == 1 else f"{year}-{number - 1:02d}"


def _totals(engine: Engine, base: Filters, scope: Scope, now: datetime, start: datetime, end: datetime,
             opd: str | None, min_sample: int) -> dict:
    """``regency`` of a month as monthly_performance has it, without the rest of the report (for the month before):
    the totals straight from the reports, or one OPD's league row."""
    period = Filters(start, end, base.districts, base.villages, base.opds, base.categories, base.channels,
                     base.statuses)
    own = Filters(start, end, base.districts, base.villages, (opd,) if opd else base.opds, base.categories,
                  base.channels, base.statuses)
    with engine.connect() as conn:
        regency = _regency(conn, own, scope, now)
    if opd:
        league = compliance_by_opd(engine, period, scope, now, min_sample=min_sample)
        league = league[league["opd_code"] == opd]
        if len(league):
            row = league.iloc[0]
            regency |= {"reports": int(row["period_reports"]), "excluded": int(row["excluded"]),
                        "excluded_pct": _float(row["excluded_pct"])}
            for kind in ("response", "resolution"):
                regency |= {f"{kind}_met": int(row[f"{kind}_met"]), f"{kind}_sample": int(row[f"{kind}_sample"]),
                            f"{kind}_compliance_pct": _float(row[f"{kind}_compliance_pct"])}
            regency["median_response_hours"] = _float(row["median_response_hours"])
            # the OPD's median resolution time: the report's own, over the reports it holds
            resolved = select(hours_between(Report.resolved_at, Report.created_at).label("hours")).where(
                where(Filters(start, end, base.districts, base.villages, (opd,), base.categories, base.channels,
                              base.statuses), scope, is_counted()), Report.resolved_at.is_not(None))
            with engine.connect() as conn:
                middle = medians(conn, resolved, "hours")
            regency["median_resolution_hours"] = float(middle["hours"].iloc[0]) if len(middle) else None
    return regency


def monthly_performance(engine: Engine, filters: Filters, scope: Scope, now: datetime, *, month: str,
                        opd: str | None = None, min_sample: int = MIN_SAMPLE,
                        with_previous: bool = True) -> MonthlyPerformance:
    """The Laporan Kinerja Pelayanan Publik of ``month`` (YYYY-MM, WIT) in ``scope``, judged at ``now``.

    ``by_opd`` is the briefing's league over the month (``compliance_by_opd``: the same samples, percentages,
    median response, rejected share, backlog and overdue) with the median resolution time and what is still open
    of the month's reports by age at ``now`` (``age_0_7`` … ``age_60_plus`` add up to ``backlog``). ``opd`` keeps
    one OPD's row, its totals and its districts. ``filters`` narrows by place, category or channel (its period is
    replaced by the month). ``previous`` is the month before's ``regency`` by this same definition (the report
    shows each headline figure against it and against its target, ``targets``: queries/targets.py).
    """
    start, end = parse_month(month, now)
    end = min(end, now)
    base = filters.without_period()
    period = Filters(start, end, base.districts, base.villages, base.opds, base.categories, base.channels,
                     base.statuses)
    league = compliance_by_opd(engine, period, scope, now, min_sample=min_sample)
    own = Filters(start, end, base.districts, base.villages, (opd,) if opd else base.opds, base.categories,
                  base.channels, base.statuses)
    with engine.connect() as conn:
        regency = _regency(conn, own, scope, now)
        ages = frame(conn, select(Report.opd_code.label("opd_code"), *_age_columns(now)).where(
            where(period, scope, is_open())).group_by(Report.opd_code))
        resolved = select(Report.opd_code.label("opd_code"),
                          hours_between(Report.resolved_at, Report.created_at).label("median_resolution_hours")
                          ).where(where(period, scope, is_counted()), Report.resolved_at.is_not(None))
        middle = medians(conn, resolved, "median_resolution_hours", "opd_code").rename(
            columns={"n": "median_resolution_n"})
    by_opd = league.merge(middle, on="opd_code", how="left").merge(ages, on="opd_code", how="left")
    for name, *_ in AGE_BUCKETS:
        by_opd[name] = by_opd[name].fillna(0).astype(int)
    by_opd["median_resolution_n"] = by_opd["median_resolution_n"].fillna(0).astype(int)
    by_opd["median_resolution_hours"] = by_opd["median_resolution_hours"].astype(float)
    if opd:
        by_opd = by_opd[by_opd["opd_code"] == opd].reset_index(drop=True)
        if len(by_opd):  # one OPD: its totals are its league row (targets counted for the OPD accountable)
            row = by_opd.iloc[0]
            regency |= {"reports": int(row["period_reports"]), "excluded": int(row["excluded"]),
                        "excluded_pct": _float(row["excluded_pct"]), "backlog": int(row["backlog"]),
                        "overdue": int(row["overdue"]), **{name: int(row[name]) for name, *_ in AGE_BUCKETS}}
            for kind in ("response", "resolution"):
                regency |= {f"{kind}_met": int(row[f"{kind}_met"]), f"{kind}_sample": int(row[f"{kind}_sample"]),
                            f"{kind}_compliance_pct": _float(row[f"{kind}_compliance_pct"])}
            regency["median_resolution_hours"] = _float(row["median_resolution_hours"])
            regency["median_response_hours"] = _float(row["median_response_hours"])
    districts = reports_by_district(engine, own, scope, now)
    districts = districts[districts["code"] != NO_DISTRICT].sort_values(["per_10k", "code"], ascending=[False, True],
                                                                   na_position="last").reset_index(drop=True)
    previous = None
    if with_previous:
        try:
            before_start, before_end = parse_month(previous_month(f"{start:%Y-%m}"), now)
        except ValueError:  # the month before the store's earliest day: nothing to compare with
            before_start = None
        if before_start is not None:
            previous = _totals(engine, base, scope, now, before_start, before_end, opd, min_sample)
    return MonthlyPerformance(month=f"{start:%Y-%m}", start=start, end=end, now=now, opd=opd, min_sample=min_sample,
                              regency=regency, by_opd=by_opd.reset_index(drop=True), previous=previous,
                              equity=location_equity(engine, own, scope, now, min_sample=min_sample),
                              targets=target_map(resolve_targets(stored_targets(engine), opd)),
                              by_district=districts[["code", "name", "population", "access", "remote", "reports",
                                                     "per_10k", "median_response_hours", "open", "overdue"]])


def _float(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)
