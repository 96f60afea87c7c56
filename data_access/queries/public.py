"""The public face (/publik and its open data): monthly aggregates only, small counts suppressed.

Nothing here lists a report. Every figure is a count, a compliance share with its sample, or a median with its
sample, over the last twelve WIT months; counts from 1 to ``suppress_below - 1`` are hidden (None) and so is
every share or median resting on fewer decided reports, so a single citizen's case cannot be picked out of a
small district or OPD. Compliance counts for the OPD that held each report when the target was met or fell due,
as in the briefing's league (the rule book).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

import pandas as pd
from sqlalchemy import Engine, case, func, select

from data_access.queries.common import KINDS, frame, judged_counts, medians, opds_in_view
from data_access.queries.equity import LocationEquity, gap, location_equity
from data_access.rulebook.rules import (
    accountable_opd,
    is_counted,
    is_open,
    is_remote_district,
    overdue,
    responded_at,
)
from data_access.rulebook.scope import Filters, Scope, where
from data_access.rulebook.sla import WIT
from data_access.store.schema import District, Report
from data_access.store.sqlfuncs import hours_between, wit_month

MONTHS = 12


@dataclass(frozen=True)
class PublicFigures:
    """What the public may know, as of ``now`` (``start`` is the first WIT day of the first month)."""

    now: datetime
    start: datetime
    months: list[str]
    suppress_below: int
    regency: pd.DataFrame  # one row per month: reports, resolved, compliance counts, medians
    by_opd: pd.DataFrame  # one row per OPD over the twelve months, with its backlog now
    by_district: pd.DataFrame  # one row per district over the twelve months, per 10,000 residents
    opd_monthly: pd.DataFrame  # (month, opd_code): the open data's finer rows
    district_monthly: pd.DataFrame  # (month, district_code)
    totals: dict  # the regency over the twelve months, and its backlog now
    equity: LocationEquity | None = None  # the last 30 days, remote against road districts, suppressed


def month_keys(now: datetime, months: int = MONTHS) -> list[str]:
    """The last ``months`` WIT months ending with ``now``'s, oldest first, as YYYY-MM."""
    local = now.astimezone(WIT)
    index = local.year * 12 + local.month - 1
    return [f"{i // 12:04d}-{i % 12 + 1:02d}" for i in range(index - months + 1, index + 1)]


def _month_start(key: str) -> datetime:
    year, month = (int(p) for p in key.split("-"))
    return datetime.combine(date(year, month, 1), datetime.min.time(), tzinfo=WIT)


def _judged_by_month(conn, filters: Filters, scope: Scope, start: datetime, now: datetime, *,
                     by_opd: bool = False) -> pd.DataFrame:
    """month (and, ``by_opd``, the OPD accountable for each target) → met and sample per target, each target in the
    WIT month of its due time (the rule book's judged_within)."""
    def groups_for(kind: str):
        due = Report.response_due_at if kind == "response" else Report.resolution_due_at
        return (wit_month(due).label("month"), *([accountable_opd(kind).label("opd_code")] if by_opd else []))
    out = judged_counts(conn, filters, scope, start, now, now, groups_for)
    return out.drop(columns=[f"{k}_{c}" for k in KINDS for c in ("unknown", "compliance_pct")])


def _median_hours(conn, window, done_at, group=None, label: str = "hours") -> pd.DataFrame:
    values = select(*([group.label("g")] if group is not None else []),
                    hours_between(done_at, Report.created_at).label(label)).where(window, done_at.is_not(None))
    return medians(conn, values, label, "g" if group is not None else None)


def public_figures(engine: Engine, filters: Filters, scope: Scope, now: datetime, *,
                   suppress_below: int = 5, months: int = MONTHS) -> PublicFigures:
    """Everything /publik shows and its open data holds; suppression is applied before anything leaves here."""
    keys = month_keys(now, months)
    start = _month_start(keys[0])
    window = where(filters.without_period(), scope, Report.created_at >= start, Report.created_at < now)
    month = wit_month(Report.created_at)
    with engine.connect() as conn:
        regency = frame(conn, select(month.label("month"), func.count().label("reports")).where(window).group_by(
            month)).merge(_judged_by_month(conn, filters, scope, start, now), on="month", how="outer")
        resolved_month = wit_month(Report.resolved_at)
        resolved = frame(conn, select(resolved_month.label("month"), func.count().label("resolved")).where(
            where(filters.without_period(), scope, is_counted(), Report.resolved_at >= start,
                  Report.resolved_at < now)).group_by(resolved_month))
        for kind, done in (("response", responded_at()), ("resolution", Report.resolved_at)):
            part = _median_hours(conn, window, done, month, f"median_{kind}_hours").rename(
                columns={"g": "month", "n": f"median_{kind}_n"})
            regency = regency.merge(part, on="month", how="left")
        regency = pd.DataFrame({"month": keys}).merge(regency.merge(resolved, on="month", how="outer"),
                                                      on="month", how="left")

        opd_monthly = _judged_by_month(conn, filters, scope, start, now, by_opd=True).merge(
            frame(conn, select(month.label("month"), Report.opd_code.label("opd_code"),
                               func.count().label("reports")).where(window).group_by(month, Report.opd_code)),
            on=["month", "opd_code"], how="outer")
        opds = frame(conn, opds_in_view(filters, scope))
        backlog = frame(conn, select(Report.opd_code.label("opd_code"), func.count().label("backlog"),
                                     func.sum(case((overdue(now), 1), else_=0)).label("overdue")).where(
            where(filters, scope, is_open())).group_by(Report.opd_code))
        by_opd = opds.merge(opd_monthly.drop(columns="month").groupby("opd_code", as_index=False).sum(),
                            on="opd_code", how="left").merge(backlog, on="opd_code", how="left")
        for kind, done in (("response", responded_at()), ("resolution", Report.resolved_at)):
            part = _median_hours(conn, window, done, Report.opd_code, f"median_{kind}_hours").rename(
                columns={"g": "opd_code", "n": f"median_{kind}_n"})
            by_opd = by_opd.merge(part, on="opd_code", how="left")

        districts = frame(conn, select(District.code.label("district_code"), District.name, District.population,
                                       is_remote_district().label("remote")).order_by(District.code))
        district_monthly = frame(conn, select(month.label("month"), Report.district_code.label("district_code"),
                                              func.count().label("reports")).where(
            window, Report.district_code.is_not(None)).group_by(month, Report.district_code))
        by_district = districts.merge(district_monthly.drop(columns="month").groupby("district_code",
                                                                                      as_index=False).sum(),
                                      on="district_code", how="left")
        for_district = _median_hours(conn, window, responded_at(), Report.district_code,
                                     "median_response_hours").rename(columns={"g": "district_code",
                                                                              "n": "median_response_n"})
        by_district = by_district.merge(for_district, on="district_code", how="left")

    by_district["reports"] = by_district["reports"].fillna(0).astype(int)
    by_district["per_10k"] = (10_000.0 * by_district["reports"] / by_district["population"].where(
        by_district["population"] > 0)).astype(float)
    by_opd = by_opd.sort_values("opd_code").reset_index(drop=True)
    sums = {c: int(regency[c].fillna(0).sum()) for c in ("reports", "response_met", "response_sample",
                                                          "resolution_met", "resolution_sample")}
    sums |= {c: int(backlog[c].fillna(0).sum()) for c in ("backlog", "overdue")}
    totals = suppress(pd.DataFrame([sums]), suppress_below).iloc[0].to_dict()
    return PublicFigures(
        now=now, start=start, months=keys, suppress_below=suppress_below,
        regency=suppress(regency, suppress_below),
        by_opd=suppress(by_opd, suppress_below),
        by_district=suppress(by_district, suppress_below),
        opd_monthly=suppress(opd_monthly.sort_values(["month", "opd_code"]).reset_index(drop=True), suppress_below),
        district_monthly=suppress(district_monthly.sort_values(["month", "district_code"]).reset_index(drop=True),
                                  suppress_below),
        totals=totals,
        equity=suppress_equity(location_equity(engine, filters.without_period(), scope, now), suppress_below),
    )


KINDS_COUNTS = tuple(f"{k}_{part}" for k in KINDS for part in ("met", "sample"))
COUNTS = ("reports", "resolved", "backlog", "overdue", *KINDS_COUNTS, *(f"median_{k}_n" for k in KINDS))
# Published numbers that are not counts of reports: reference data, and what suppress itself derives or hides.
NOT_COUNTS = ("population", "per_10k", "remote", *(f"{k}_compliance_pct" for k in KINDS),
              *(f"median_{k}_hours" for k in KINDS))


def suppress(frame_in: pd.DataFrame, below: int) -> pd.DataFrame:
    """The one suppression rule of /publik, its page and its open data alike.

    Every count of 1 … ``below``−1 becomes None (zero stays: it reveals nobody), and with it every figure computed
    from it: a compliance share needs both its numerator (met) and its sample to be shown — a share of a hidden
    count times its shown sample would give the count back — a median needs ``below`` values, a rate per 10,000
    its count. Percentages are computed here so no caller can compute one from a hidden count. Within a row no
    hidden count can be had back by subtraction: the only sum in a row is met + missed = sample, and missed is
    never published. A numeric column this rule does not know is refused, so a new published field cannot slip
    past it."""
    out = frame_in.copy()
    unknown = [c for c in out.columns if c not in (*COUNTS, *NOT_COUNTS)
               and pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c])]
    if unknown:
        raise ValueError(f"suppress: no rule for the numeric column(s) {unknown}")
    raw, small = {}, {}
    for column in COUNTS:
        if column in out:
            raw[column] = out[column].fillna(0).astype(int)
            small[column] = (raw[column] > 0) & (raw[column] < below)
            out[column] = raw[column].astype(object).where(~small[column], None)
    for kind in KINDS:
        met, sample = f"{kind}_met", f"{kind}_sample"
        if sample in raw:
            if met not in raw:
                raise ValueError(f"{kind}: a share needs its numerator ({met}) to be suppressed")
            shown = (raw[sample] >= below) & ~small[met]
            pct = 100.0 * raw[met] / raw[sample].where(raw[sample] > 0)
            out[f"{kind}_compliance_pct"] = pct.astype(object).where(shown, None)
        hours, n = f"median_{kind}_hours", f"median_{kind}_n"
        if hours not in out:
            continue
        if n not in raw and sample not in raw:
            raise ValueError(f"{hours} needs its sample ({n}) to be suppressed")
        n_values = raw[n] if n in raw else raw[sample]
        out[hours] = out[hours].astype(object).where(n_values >= below, None)
    if "per_10k" in out:
        if "reports" not in small:
            raise ValueError("per_10k needs its count (reports) to be suppressed")
        out["per_10k"] = out["per_10k"].astype(object).where(~small["reports"], None)
    return out.astype(object).where(out.notna(), None)


def suppress_equity(figure: LocationEquity, below: int) -> LocationEquity:
    """The location-equity figure under the same rule as every public number (``suppress``): each side's counts of
    1 … ``below``−1 hidden and the share and median resting on them, and a week's gap whenever either side's
    sample that week is hidden. The small-sample mark (fewer than the ranking minimum) stays: it is no count."""
    sides = suppress(figure.sides.drop(columns="response_unknown"), below)
    sides["response_unknown"] = None
    trend = figure.trend.copy().astype(object)
    for side in ("remote", "road"):
        hidden = (figure.trend[f"{side}_n"] > 0) & (figure.trend[f"{side}_n"] < below)
        trend.loc[hidden, [f"{side}_n", f"{side}_pct", "gap_pp"]] = None
    trend = trend.where(trend.notna(), None)
    shown = sides.set_index("side")["response_compliance_pct"]
    return replace(figure, sides=sides, trend=trend, suppress_below=below,
                   gap_pp=gap(shown.get("remote"), shown.get("road")))
