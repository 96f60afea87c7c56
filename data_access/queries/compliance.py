"""The OPD league: response and resolution compliance per OPD (and per OPD × category) with samples,
rejected/archived shares and the backlog beside them, and a period against the one before it.

Used by the briefing, the monthly report, the OPD pages and the SLA page; every figure is aggregated in the
database.
"""
from __future__ import annotations

from dataclasses import replace
from datetime import datetime

import pandas as pd
from sqlalchemy import Engine, case, func, select

from data_access.queries.common import (
    created_in_period,
    frame,
    judged_counts,
    medians,
    opds_in_view,
    period_or_default,
    with_percentages,
)
from data_access.queries.kpis import headline_kpis
from data_access.rulebook.rules import (
    accountable_opd,
    is_excluded,
    is_open,
    overdue,
    responded_at,
)
from data_access.rulebook.scope import Filters, Scope, where
from data_access.store.schema import Category, Opd, Report
from data_access.store.sqlfuncs import hours_between

MIN_SAMPLE = 20  # an OPD with fewer decided reports is listed but not ranked: a few cases decide nothing


COMPARED = ("reports", "response_compliance_pct", "resolution_compliance_pct", "median_response_hours",
            "median_resolution_hours")


def _compliance_by(engine: Engine, filters: Filters, scope: Scope, now: datetime, *extra_groups) -> pd.DataFrame:
    """met, sample and unknown per target judged in the period (rules.judged_within), grouped by the OPD each
    target counts for or against (who held the report when it was met or fell due), plus ``extra_groups``."""
    start, end = period_or_default(filters, now)
    with engine.connect() as conn:
        return judged_counts(conn, filters, scope, start, end, now,
                             lambda kind: (accountable_opd(kind).label("opd_code"), *extra_groups))


def compliance_by_opd(engine: Engine, filters: Filters, scope: Scope, now: datetime, *,
                      min_sample: int = MIN_SAMPLE) -> pd.DataFrame:
    """The league (``_league``) of the viewer's OPDs, each with its rank among every OPD of the regency: an OPD head
    sees where their OPD stands, never "1 of 1". Ranking needs the other OPDs' aggregates, computed here and never
    returned: only the rows in the viewer's scope (and OPD filter) leave."""
    everyone = replace(filters, opds=())
    regency = Scope(None, False, f"{scope.name}|league", public=scope.public)
    out = _league(engine, everyone, regency, now, min_sample=min_sample)
    ranked_of = int(out["ranked"].sum())
    shown = out["opd_code"].map(lambda code: scope.may_see_opd(code) and (not filters.opds or code in filters.opds))
    return out[shown].reset_index(drop=True).assign(ranked_of=ranked_of)


def _league(engine: Engine, filters: Filters, scope: Scope, now: datetime, *,
            min_sample: int = MIN_SAMPLE) -> pd.DataFrame:
    """One row per OPD in scope: response and resolution compliance % with their samples, counted for the OPD
    that held each report when its target was met or fell due (a transfer shows as a transfer), the median
    response hours over the period (default 30 days), the share of the period's reports it rejected or archived
    (``excluded_pct`` of ``period_reports``: not held against it, but shown so rejecting is no way to look
    punctual), the open backlog
    and what is overdue now. ``ranked`` is false when the resolution sample is below ``min_sample``; ranked OPDs
    get ``rank`` 1.. by resolution compliance, then response compliance. Ranked rows come first.
    """
    rates = _compliance_by(engine, filters, scope, now)
    everything = created_in_period(filters, scope, now, counted=False)
    excluded = select(Report.opd_code.label("opd_code"), func.count().label("period_reports"),
                      func.sum(case((is_excluded(), 1), else_=0)).label("excluded")).where(everything).group_by(
        Report.opd_code)
    answered = select(Report.opd_code.label("opd_code"),
                      hours_between(responded_at(), Report.created_at).label("median_response_hours")).where(
        created_in_period(filters, scope, now), responded_at().is_not(None))
    backlog = select(Report.opd_code.label("opd_code"), func.count().label("backlog"),
                     func.sum(case((overdue(now), 1), else_=0)).label("overdue")).where(
        where(filters, scope, is_open())).group_by(Report.opd_code)
    opds = opds_in_view(filters, scope)
    with engine.connect() as conn:
        out = frame(conn, opds)
        middle = medians(conn, answered, "median_response_hours", "opd_code").drop(columns="n")
        for part in (rates, middle, frame(conn, backlog), frame(conn, excluded)):
            out = out.merge(part, on="opd_code", how="left")
    out = with_percentages(out)
    counts = ["backlog", "overdue", "period_reports", "excluded"]
    out[counts] = out[counts].fillna(0).astype(int)
    out["excluded_pct"] = (100.0 * out["excluded"] / out["period_reports"].where(out["period_reports"] > 0)
                           ).astype(float)
    out["median_response_hours"] = out["median_response_hours"].astype(float)
    # More reports overdue now than resolutions decided in the period: the percentage of that small sample would
    # reward sitting on reports (an OPD that finishes nothing reads "100 %"). It is withheld and never ranked.
    out["withheld"] = out["overdue"] > out["resolution_sample"]
    out["ranked"] = (out["resolution_sample"] >= min_sample) & ~out["withheld"]
    ranked = out[out["ranked"]].sort_values(
        ["resolution_compliance_pct", "response_compliance_pct", "opd_code"], ascending=[False, False, True])
    ranked = ranked.assign(rank=range(1, len(ranked) + 1))
    unranked = out[~out["ranked"]].sort_values(["backlog", "opd_code"], ascending=[False, True]).assign(rank=None)
    out = pd.concat([ranked, unranked], ignore_index=True)
    out["rank"] = out["rank"].astype("Int64")
    return out[["rank", "opd_code", "name", "short_name", "response_compliance_pct", "response_met", "response_sample",
                "response_unknown", "resolution_compliance_pct", "resolution_met", "resolution_sample",
                "resolution_unknown", "median_response_hours", "backlog", "overdue", "excluded", "period_reports",
                "excluded_pct", "ranked", "withheld"]]


def compliance_by_opd_category(engine: Engine, filters: Filters, scope: Scope, now: datetime) -> pd.DataFrame:
    """Response and resolution compliance % with samples per (OPD, category) pair that has reports in the
    period (default 30 days), for the SLA heatmap; the OPD is the one each target counts for or against."""
    out = _compliance_by(engine, filters, scope, now, Report.category_code.label("category_code"))
    with engine.connect() as conn:
        opds = frame(conn, select(Opd.code.label("opd_code"), Opd.short_name))
        cats = frame(conn, select(Category.code.label("category_code"), Category.name.label("category"),
                                  Category.name_en.label("category_en")))
    out = out.merge(opds, on="opd_code", how="left").merge(cats, on="category_code", how="left")
    return out.sort_values(["opd_code", "category_code"], na_position="last").reset_index(drop=True)


def period_comparison(engine: Engine, filters: Filters, scope: Scope, now: datetime) -> pd.DataFrame:
    """Headline figures (headline_kpis) for the period (default the last 30 days) and for the same-length period
    just before it, with the change. One row per measure in COMPARED: reports received, response and resolution
    compliance % (with samples) and median hours. Both periods are judged at ``now``.
    Columns: measure, current, previous, change, change_pct, current_sample, previous_sample, start, end,
    previous_start.
    """
    start, end = period_or_default(filters, now)
    previous_start = start - (end - start)
    rows = {}
    base = filters.without_period()
    for which, (a, b) in (("current", (start, end)), ("previous", (previous_start, start))):
        scoped = Filters(a, b, base.districts, base.villages, base.opds, base.categories, base.channels,
                         base.statuses)
        kpis = headline_kpis(engine, scoped, scope, now).iloc[0].to_dict()
        with engine.connect() as conn:  # "Laporan masuk": every report received, as the monthly report and /publik
            kpis["reports"] = conn.execute(select(func.count()).select_from(Report).where(
                where(scoped, scope))).scalar_one()
        rows[which] = kpis
    samples = {"response_compliance_pct": "response_sample", "resolution_compliance_pct": "resolution_sample"}
    out = []
    for measure in COMPARED:
        cur, prev = _num(rows["current"][measure]), _num(rows["previous"][measure])
        change = None if cur is None or prev is None else cur - prev
        out.append({
            "measure": measure, "current": cur, "previous": prev, "change": change,
            "change_pct": None if change is None or not prev else 100.0 * change / prev,
            "current_sample": int(rows["current"][samples[measure]]) if measure in samples else None,
            "previous_sample": int(rows["previous"][samples[measure]]) if measure in samples else None,
            "start": start, "end": end, "previous_start": previous_start,
        })
    return pd.DataFrame(out)


def _num(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)

