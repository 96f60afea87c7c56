"""Location equity: does a citizen in a remote district get a response as surely and as fast as one in Timika?

"Tidak harus selesai, tetapi paling tidak ada tanggapan — di setiap distrik." One figure, on the wall, the briefing
and its PDF, /publik and the monthly report alike: response on time (%) and median response (hours) in the remote
districts (reached by river, sea or air) against the road districts (Timika and the districts on its roads), the gap
in percentage points with both samples, and the gap of each of the last twelve WIT weeks.

Response on time is the rule book's compliance, judged in the period its due time falls in (rules.judged_within,
via common.judged_counts), unknown times neither met nor missed; the median is the headline's (the counted reports
received in the period and answered). The sides are the rule book's (rules.equity_area).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from data_access.queries.common import frame, judged_counts, period_or_default, window_durations
from data_access.queries.compliance import MIN_SAMPLE
from data_access.queries.flow import wit_week_start
from data_access.queries.settled_days import day_start
from data_access.rulebook.rules import REMOTE_AREA, ROAD_AREA, equity_area, is_counted, is_remote_district
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


def _response_by_side(conn, filters: Filters, scope: Scope, start: datetime, end: datetime, now: datetime,
                      week: bool = False) -> pd.DataFrame:
    """Response compliance counts per side (and, ``week``, per WIT week of the due time) of the targets judged in
    [start, end): common.judged_counts, the rule every compliance figure uses."""
    def groups_for(kind: str):
        due = Report.response_due_at if kind == "response" else Report.resolution_due_at
        return (equity_area().label("side"), *([wit_week_start(due).label("week_start")] if week else []))
    out = judged_counts(conn, filters, scope, start, end, now, groups_for)
    out = out[out["side"].isin(SIDES)]
    return out[[c for c in out.columns if not c.startswith("resolution_")]]


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
    with engine.connect() as conn:
        judged = _response_by_side(conn, filters, scope, start, end, now)
        access = frame(conn, select(District.code, is_remote_district().label("remote")))
        remote_codes = set(access.loc[access["remote"].astype(bool), "code"])

        def counted_in(lo: datetime, hi: datetime):  # the headline median's reports: counted, received in the period
            return where(base, scope, is_counted(), Report.created_at >= lo, Report.created_at < hi)

        durations = window_durations(engine, conn, ("location_equity", base, scope), counted_in, start, end,
                                     "response", by_district=True)
        trend_start, mondays = _weeks(end, weeks)
        weekly = _response_by_side(conn, filters, scope, trend_start, end, now, week=True)

    rows = []
    for side in SIDES:
        counts = judged[judged["side"] == side]
        values = [v for code, v in durations.items()
                  if code is not None and (code in remote_codes) == (side == REMOTE_AREA)]
        hours = np.concatenate(values) if values else np.array([])
        met = int(counts["response_met"].sum())
        sample = int(counts["response_sample"].sum())
        rows.append({"side": side, "response_met": met, "response_sample": sample,
                     "response_unknown": int(counts["response_unknown"].sum()),
                     "response_compliance_pct": 100.0 * met / sample if sample else None,
                     "median_response_hours": float(np.median(hours)) if len(hours) else None,
                     "median_response_n": len(hours)})
    sides = pd.DataFrame(rows, columns=list(SIDE_COLUMNS))
    remote, road = sides.iloc[0], sides.iloc[1]
    small = bool(remote["response_sample"] < min_sample or road["response_sample"] < min_sample)
    return LocationEquity(start=start, end=end, sides=sides,
                          gap_pp=gap(remote["response_compliance_pct"], road["response_compliance_pct"]),
                          small=small, min_sample=min_sample, trend=_trend(weekly, mondays, min_sample))


def _trend(weekly: pd.DataFrame, mondays: list[str], min_sample: int) -> pd.DataFrame:
    rows = []
    for monday in mondays:
        row: dict = {"week_start": monday}
        for side in SIDES:
            part = weekly[(weekly["week_start"] == monday) & (weekly["side"] == side)]
            met, n = int(part["response_met"].sum()), int(part["response_sample"].sum())
            row[f"{side}_pct"] = 100.0 * met / n if n else None
            row[f"{side}_n"] = n
        row["gap_pp"] = gap(row["remote_pct"], row["road_pct"])
        row["small"] = row["remote_n"] < min_sample or row["road_n"] < min_sample
        rows.append(row)
    return pd.DataFrame(rows, columns=list(TREND_COLUMNS))
