"""Location equity: does a citizen in a remote district get a response as surely and as fast as one in Timika?

"Tidak harus selesai, tetapi paling tidak ada tanggapan — di setiap distrik." One figure, on the wall, the briefing
and its PDF, /publik and the monthly report alike: response on time (%) and median response (hours) in the remote
districts (reached by river, sea or air) against the road districts (Timika and the districts on its roads), the gap
in percentage points with both samples, and the gap of each of the last twelve WIT weeks.

Response on time is the rule book's compliance, judged in the period its due time falls in (rules.judged_within,
rules.compliance_counts over common.judged_for, as common.judged_counts and the headline count it), unknown times
neither met nor missed; the median is the headline's (the counted reports
received in the period and answered). The sides are the rule book's (rules.equity_area).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from data_access.queries.common import frame, judged_for, period_or_default, window_durations
from data_access.queries.compliance import MIN_SAMPLE
from data_access.queries.settled_days import DayPart, day_start, over_days
from data_access.rulebook.rules import (
    REMOTE_AREA,
    ROAD_AREA,
    compliance_counts,
    equity_area,
    is_counted,
    is_remote_district,
    judged_at,
    judged_within,
)
from data_access.rulebook.scope import Filters, Scope, where
from data_access.rulebook.sla import WIT
from data_access.store.schema import District, Report

SIDES = (REMOTE_AREA, ROAD_AREA)
WEEKS = 12
SIDE_COLUMNS = ("side", "response_met", "response_sample", "response_unknown", "response_compliance_pct",
                "median_response_hours", "median_response_n")
TREND_COLUMNS = ("week_start", "remote_pct", "remote_n", "road_pct", "road_n", "gap_pp", "small")


@dataclass(frozen=True)
class LocationEquity:
    """The figure over [start, end): one row per side (``remote``, ``road``) and the weekly trend."""

    start: datetime
    end: datetime
    sides: pd.DataFrame  # SIDE_COLUMNS, remote first
    gap_pp: float | None  # remote − road response on time, in percentage points (negative: remote served worse)
    small: bool  # a side's sample is below min_sample: marked, never hidden
    min_sample: int
    trend: pd.DataFrame  # TREND_COLUMNS, one row per WIT week (Monday), oldest first, the current week last
    suppress_below: int | None = None  # set by /publik's suppression: a count shown as None is 1 … below−1

    def side(self, name: str) -> dict:
        return self.sides.set_index("side").loc[name].to_dict()


def gap(remote_pct, road_pct) -> float | None:
    if remote_pct is None or road_pct is None or pd.isna(remote_pct) or pd.isna(road_pct):
        return None
    return float(remote_pct) - float(road_pct)


def _judged_by_day(engine: Engine, conn, what, base: Filters, scope: Scope, start: datetime, end: datetime,
                   now: datetime) -> list[tuple[str, dict]]:
    """(WIT day, {side: (met, sample, unknown)}) of the response targets due in [start, end), a part per WIT day
    (the last partial): the rule every compliance figure uses (rules.compliance_counts over the targets
    common.judged_for counts, judged in the period of their due time, rules.judged_within). A passed day's counts
    are remembered until one of its reports changes (queries/settled_days.py, the "due" axis), as the headline's."""
    side = equity_area().label("side")

    def statement(lo: datetime, hi: datetime):
        return select(side, *compliance_counts("response", now)).where(
            judged_for(base, scope, "response"), judged_within("response", lo, hi)).group_by(side)

    def read(lo: datetime, rows: list[tuple]) -> tuple[str, dict]:
        return (lo.astimezone(WIT).date().isoformat(),
                {r[0]: (int(r[1]), int(r[2]), int(r[3])) for r in rows if r[0] in SIDES})

    return over_days(engine, conn, (what, "judged"), start, end, DayPart(statement, read, judged_at("response")),
                     axis="due")


def _weeks(end: datetime, weeks: int) -> tuple[datetime, list[str]]:
    """The first instant and the Mondays (YYYY-MM-DD) of the ``weeks`` WIT weeks ending with the one ``end``'s last
    instant falls in."""
    last_day = (end - timedelta(microseconds=1)).astimezone(WIT).date()
    first = day_start(last_day - timedelta(days=last_day.weekday(), weeks=weeks - 1))
    return first, [(first.date() + timedelta(weeks=i)).isoformat() for i in range(weeks)]


def location_equity(engine: Engine, filters: Filters, scope: Scope, now: datetime, *, weeks: int = WEEKS,
                    min_sample: int = MIN_SAMPLE) -> LocationEquity:
    """The equity figure over the filter's period (default the 30 days up to ``now``), under every filter and the
    scope; the trend covers the ``weeks`` WIT weeks ending with the period's last one."""
    start, end = period_or_default(filters, now)
    base = filters.without_period()
    what = ("location_equity", base, scope)
    trend_start, mondays = _weeks(end, weeks)
    with engine.connect() as conn:
        # Days shared by the period and the twelve weeks are read once: the same key, remembered.
        judged = _judged_by_day(engine, conn, what, base, scope, start, end, now)
        weekly = _judged_by_day(engine, conn, what, base, scope, trend_start, end, now)
        access = frame(conn, select(District.code, is_remote_district().label("remote")))
        remote_codes = set(access.loc[access["remote"].astype(bool), "code"])

        def counted_in(lo: datetime, hi: datetime):  # the headline median's reports: counted, received in the period
            return where(base, scope, is_counted(), Report.created_at >= lo, Report.created_at < hi)

        durations = window_durations(engine, conn, what, counted_in, start, end, "response", by_district=True)

    rows = []
    for side in SIDES:
        met, sample, unknown = (sum(day[1].get(side, (0, 0, 0))[i] for day in judged) for i in range(3))
        values = [v for code, v in durations.items()
                  if code is not None and (code in remote_codes) == (side == REMOTE_AREA)]
        hours = np.concatenate(values) if values else np.array([])
        rows.append({"side": side, "response_met": met, "response_sample": sample, "response_unknown": unknown,
                     "response_compliance_pct": 100.0 * met / sample if sample else None,
                     "median_response_hours": float(np.median(hours)) if len(hours) else None,
                     "median_response_n": len(hours)})
    sides = pd.DataFrame(rows, columns=list(SIDE_COLUMNS))
    remote, road = sides.iloc[0], sides.iloc[1]
    small = bool(remote["response_sample"] < min_sample or road["response_sample"] < min_sample)
    return LocationEquity(start=start, end=end, sides=sides,
                          gap_pp=gap(remote["response_compliance_pct"], road["response_compliance_pct"]),
                          small=small, min_sample=min_sample, trend=_trend(weekly, mondays, min_sample))


def _trend(days: list[tuple[str, dict]], mondays: list[str], min_sample: int) -> pd.DataFrame:
    """Each WIT week's counts per side, summed from its days, and the gap."""
    per_week: dict = {}
    for day, counts in days:
        d = date.fromisoformat(day)
        week = per_week.setdefault((d - timedelta(days=d.weekday())).isoformat(), {})
        for side, (met, sample, _) in counts.items():
            old = week.get(side, (0, 0))
            week[side] = (old[0] + met, old[1] + sample)
    rows = []
    for monday in mondays:
        row: dict = {"week_start": monday}
        for side in SIDES:
            met, n = per_week.get(monday, {}).get(side, (0, 0))
            row[f"{side}_pct"] = 100.0 * met / n if n else None
            row[f"{side}_n"] = n
        row["gap_pp"] = gap(row["remote_pct"], row["road_pct"])
        row["small"] = row["remote_n"] < min_sample or row["road_n"] < min_sample
        rows.append(row)
    return pd.DataFrame(rows, columns=list(TREND_COLUMNS))
