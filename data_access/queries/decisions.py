"""Figures for decisions: OPD compliance league, weekly flow, categories, SLA states of single reports.

Used by the briefing, the OPD pages, the SLA page and the explorer. Every function aggregates in the
database and returns a small DataFrame (at most ``MAX_LIST_ROWS`` rows of single reports, never any
reporter column).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pandas as pd
from sqlalchemy import Engine, String, and_, case, func, literal, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement

from data_access.queries.common import frame, medians, opds_in_view, period_or_default, wit_midnight
from data_access.queries.kpis import headline_kpis
from data_access.rules import (
    accountable_opd,
    clock_running,
    is_counted,
    is_excluded,
    is_open,
    met,
    missed,
    opd_at,
    overdue,
    responded_at,
    response_overdue,
    sla_state,
)
from data_access.schema import Category, District, Opd, Report
from data_access.scope import Filters, Scope, where
from data_access.sqlfuncs import WIT_OFFSET_HOURS, hours_between

MIN_SAMPLE = 20  # an OPD with fewer decided reports is listed but not ranked: a few cases decide nothing
MAX_LIST_ROWS = 2000
SLA_STATES = ("breached", "at_risk", "on_time", "excluded")
DEFAULT_BINS = {"response": (0, 1, 4, 8, 24, 72, 168), "resolution": (0, 24, 72, 168, 336, 720, 1440)}
COMPARED = ("reports", "response_compliance_pct", "resolution_compliance_pct", "median_response_hours",
            "median_resolution_hours")


class wit_week_start(FunctionElement):
    """The Monday (YYYY-MM-DD, WIT) of the ISO week of a stored UTC instant."""

    type = String()
    inherit_cache = True


@compiles(wit_week_start, "sqlite")
def _week_sqlite(element, compiler, **kw):
    # 'weekday 0' moves forward to the next Sunday (or stays on one); six days back is that ISO week's Monday.
    return (f"date({compiler.process(element.clauses, **kw)}, '+{WIT_OFFSET_HOURS} hours', 'weekday 0', "
            f"'-6 days')")


@compiles(wit_week_start, "postgresql")
def _week_pg(element, compiler, **kw):
    return (f"to_char(date_trunc('week', ({compiler.process(element.clauses, **kw)}) AT TIME ZONE "
            f"'Asia/Jayapura'), 'YYYY-MM-DD')")


def _percentages(out: pd.DataFrame) -> pd.DataFrame:
    for kind in ("response", "resolution"):
        sample = out[f"{kind}_sample"].fillna(0).astype(int)
        met = out[f"{kind}_met"].fillna(0).astype(int)
        out[f"{kind}_sample"] = sample
        out[f"{kind}_met"] = met
        out[f"{kind}_compliance_pct"] = (100.0 * met / sample.where(sample > 0)).astype(float)
    return out


def _window(filters: Filters, scope: Scope, now: datetime, *, counted: bool = True):
    """Reports created in the period (default 30 days) under the filters; rejected/archived left out unless
    ``counted`` is False."""
    start, end = period_or_default(filters, now)
    return where(filters.without_period(), scope, *([is_counted()] if counted else []), Report.created_at >= start,
                 Report.created_at < end)


def _compliance_by(engine: Engine, window, now: datetime, *extra_groups) -> pd.DataFrame:
    """met and sample (met + missed) per target, grouped by the OPD each target counts for or against (who held
    the report when it was met or fell due), plus ``extra_groups``; one row per (opd_code, *extra)."""
    names = ["opd_code", *[g.key for g in extra_groups]]
    out = None
    with engine.connect() as conn:
        for kind in ("response", "resolution"):
            opd = accountable_opd(kind).label("opd_code")
            part = frame(conn, select(opd, *extra_groups,
                                      func.sum(case((met(kind), 1), else_=0)).label(f"{kind}_met"),
                                      func.sum(case((or_(met(kind), missed(kind, now)), 1), else_=0))
                                      .label(f"{kind}_sample"))
                         .where(window).group_by(opd, *extra_groups))
            out = part if out is None else out.merge(part, on=names, how="outer")
    return out


def compliance_by_opd(engine: Engine, filters: Filters, scope: Scope, now: datetime, *,
                      min_sample: int = MIN_SAMPLE) -> pd.DataFrame:
    """One row per OPD in scope: response and resolution compliance % with their samples, counted for the OPD
    that held each report when its target was met or fell due (a transfer shows as a transfer), the median
    response hours over the period (default 30 days), the share of the period's reports it rejected or archived
    (``excluded_pct`` of ``period_reports``: not held against it, but shown so rejecting is no way to look
    punctual), the open backlog
    and what is overdue now. ``ranked`` is false when the resolution sample is below ``min_sample``; ranked OPDs
    get ``rank`` 1.. by resolution compliance, then response compliance. Ranked rows come first.
    """
    rates = _compliance_by(engine, _window(filters, scope, now), now)
    everything = _window(filters, scope, now, counted=False)
    excluded = select(Report.opd_code.label("opd_code"), func.count().label("period_reports"),
                      func.sum(case((is_excluded(), 1), else_=0)).label("excluded")).where(everything).group_by(
        Report.opd_code)
    answered = select(Report.opd_code.label("opd_code"),
                      hours_between(responded_at(), Report.created_at).label("median_response_hours")).where(
        _window(filters, scope, now), responded_at().is_not(None))
    backlog = select(Report.opd_code.label("opd_code"), func.count().label("backlog"),
                     func.sum(case((overdue(now), 1), else_=0)).label("overdue")).where(
        where(filters, scope, is_open())).group_by(Report.opd_code)
    opds = opds_in_view(filters, scope)
    with engine.connect() as conn:
        out = frame(conn, opds)
        middle = medians(conn, answered, "median_response_hours", "opd_code").drop(columns="n")
        for part in (rates, middle, frame(conn, backlog), frame(conn, excluded)):
            out = out.merge(part, on="opd_code", how="left")
    out = _percentages(out)
    counts = ["backlog", "overdue", "period_reports", "excluded"]
    out[counts] = out[counts].fillna(0).astype(int)
    out["excluded_pct"] = (100.0 * out["excluded"] / out["period_reports"].where(out["period_reports"] > 0)
                           ).astype(float)
    out["median_response_hours"] = out["median_response_hours"].astype(float)
    out["ranked"] = out["resolution_sample"] >= min_sample
    ranked = out[out["ranked"]].sort_values(
        ["resolution_compliance_pct", "response_compliance_pct", "opd_code"], ascending=[False, False, True])
    ranked = ranked.assign(rank=range(1, len(ranked) + 1))
    unranked = out[~out["ranked"]].sort_values(["backlog", "opd_code"], ascending=[False, True]).assign(rank=None)
    out = pd.concat([ranked, unranked], ignore_index=True)
    out["rank"] = out["rank"].astype("Int64")
    return out[["rank", "opd_code", "name", "short_name", "response_compliance_pct", "response_sample",
                "resolution_compliance_pct", "resolution_sample", "median_response_hours", "backlog", "overdue",
                "excluded", "period_reports", "excluded_pct", "ranked"]]


def compliance_by_opd_category(engine: Engine, filters: Filters, scope: Scope, now: datetime) -> pd.DataFrame:
    """Response and resolution compliance % with samples per (OPD, category) pair that has reports in the
    period (default 30 days), for the SLA heatmap; the OPD is the one each target counts for or against."""
    out = _compliance_by(engine, _window(filters, scope, now), now, Report.category_code.label("category_code"))
    with engine.connect() as conn:
        opds = frame(conn, select(Opd.code.label("opd_code"), Opd.short_name))
        cats = frame(conn, select(Category.code.label("category_code"), Category.name.label("category"),
                                  Category.name_en.label("category_en")))
    out = _percentages(out).merge(opds, on="opd_code", how="left").merge(cats, on="category_code", how="left")
    return out.sort_values(["opd_code", "category_code"], na_position="last").reset_index(drop=True)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def inflow_vs_resolved_weekly(engine: Engine, filters: Filters, scope: Scope, now: datetime, *,
                              weeks: int = 12) -> pd.DataFrame:
    """Reports received and reports resolved per ISO week (Monday–Sunday in WIT).

    The span is the filter's period or, without a start, the last ``weeks`` weeks including the current
    one; it never runs past ``now``. Every week in the span has a row (zeros included).
    Rows: week_start (YYYY-MM-DD), week (ISO label such as 2026-W48), inflow, resolved.
    """
    weeks = max(1, min(int(weeks), 104))
    end = min(filters.end or now, now)
    today = wit_midnight(now)
    start = filters.start or (today - timedelta(days=today.weekday() + 7 * (weeks - 1)))
    base = filters.without_period()
    created_week = wit_week_start(Report.created_at)
    resolved_week = wit_week_start(Report.resolved_at)
    inflow = select(created_week.label("week_start"), func.count().label("inflow")).where(
        where(base, scope, Report.created_at >= start, Report.created_at < end)).group_by(created_week)
    resolved = select(resolved_week.label("week_start"), func.count().label("resolved")).where(
        where(base, scope, Report.resolved_at >= start, Report.resolved_at < end)).group_by(resolved_week)
    with engine.connect() as conn:
        parts = [frame(conn, inflow), frame(conn, resolved)]
    tz = wit_midnight(now).tzinfo
    first, last = _monday(start.astimezone(tz).date()), _monday(end.astimezone(tz).date())
    if end.astimezone(tz) == datetime.combine(end.astimezone(tz).date(), datetime.min.time(), tzinfo=tz) \
            and end.astimezone(tz).weekday() == 0 and last > first:
        last -= timedelta(days=7)  # an end exactly at Monday 00:00 WIT does not open a new week
    mondays = []
    day = first
    while day <= last:
        mondays.append(day.isoformat())
        day += timedelta(days=7)
    out = pd.DataFrame({"week_start": mondays})
    for part in parts:
        out = out.merge(part, on="week_start", how="left")
    out[["inflow", "resolved"]] = out[["inflow", "resolved"]].fillna(0).astype(int)
    out["week"] = [f"{d.isocalendar()[0]}-W{d.isocalendar()[1]:02d}" for d in pd.to_datetime(out["week_start"])]
    return out[["week_start", "week", "inflow", "resolved"]]


def top_categories(engine: Engine, filters: Filters, scope: Scope, now: datetime, *, limit: int = 10
                   ) -> pd.DataFrame:
    """The categories with the most reports in the period (default 30 days), with how many of those are
    still open and overdue now. Ties by code."""
    start, end = period_or_default(filters, now)
    stmt = (select(Report.category_code.label("category_code"), func.count().label("reports"),
                   func.sum(case((is_open(), 1), else_=0)).label("open"),
                   func.sum(case((overdue(now), 1), else_=0)).label("overdue"))
            .where(where(filters.without_period(), scope, Report.created_at >= start, Report.created_at < end))
            .group_by(Report.category_code)
            .order_by(func.count().desc(), Report.category_code).limit(max(1, min(int(limit), 100))))
    with engine.connect() as conn:
        out = frame(conn, stmt)
        cats = frame(conn, select(Category.code.label("category_code"), Category.name.label("category"),
                                  Category.name_en.label("category_en")))
    out = out.merge(cats, on="category_code", how="left")
    for column in ("reports", "open", "overdue"):
        out[column] = out[column].fillna(0).astype(int)
    return out[["category_code", "category", "category_en", "reports", "open", "overdue"]]


def _sla_state(now: datetime, at_risk_window: timedelta):
    return sla_state(now, now + at_risk_window)


def _transferred_from(now: datetime):
    """For a report overdue now: the OPD that held it when its (first) missed due time passed, when that is not
    the OPD holding it now — the breach counts against the former, the list shows the transfer. Else None."""
    missed_due = case((response_overdue(now), Report.response_due_at), else_=Report.resolution_due_at)
    then = opd_at(missed_due)
    return case((and_(overdue(now), then != Report.opd_code), then), else_=None)


def _list_columns(now: datetime):
    return (Report.id, Report.created_at, Report.title, Report.category_code, Category.name.label("category"),
            Report.district_code, District.name.label("district"), Report.opd_code, Opd.short_name.label("opd"),
            Report.channel, Report.status, Report.response_due_at, Report.resolution_due_at,
            ((literal(now.timestamp()) - _epoch(Report.created_at)) / 86400.0).label("age_days"),
            _transferred_from(now).label("transferred_from"),
            # Without a district: a point outside the regency, or no point at all (the lists say which).
            case((and_(Report.lat.is_not(None), Report.lon.is_not(None)), 1), else_=0).label("located"))


def _epoch(column):
    from data_access.sqlfuncs import epoch_seconds

    return epoch_seconds(column)


def _joined(stmt):
    return (stmt.join(Category, Category.code == Report.category_code)
            .outerjoin(District, District.code == Report.district_code)
            .outerjoin(Opd, Opd.code == Report.opd_code))


def report_list(engine: Engine, filters: Filters, scope: Scope, now: datetime, *, states: tuple[str, ...] = (),
                open_only: bool = False, limit: int = MAX_LIST_ROWS,
                at_risk_window: timedelta = timedelta(hours=24)) -> pd.DataFrame:
    """A bounded page (at most 2,000 rows) of single reports under the filters, worst first: breached, then at
    risk, then on time, oldest first within each. ``sla_state`` is computed in SQL; ``age_days`` is the age at
    ``now``. ``states`` keeps only those SLA states; ``open_only`` only open reports. Never reporter data.
    """
    unknown = set(states) - set(SLA_STATES)
    if unknown:
        raise ValueError(f"unknown SLA state {sorted(unknown)}; choose from {SLA_STATES}")
    state = _sla_state(now, at_risk_window)
    conds = [Report.created_at <= now]
    if states:
        conds.append(state.in_(states))
    if open_only:
        conds.append(is_open())
    severity = case((state == "breached", 0), (state == "at_risk", 1), (state == "on_time", 2), else_=3)
    stmt = (_joined(select(*_list_columns(now), state.label("sla_state")))
            .where(where(filters, scope, scope.listing_condition(), *conds))
            .order_by(severity, Report.created_at, Report.id).limit(max(1, min(int(limit), MAX_LIST_ROWS))))
    with engine.connect() as conn:
        out = frame(conn, stmt)
    out["age_days"] = out["age_days"].astype(float)
    return out


def oldest_open_reports(engine: Engine, filters: Filters, scope: Scope, now: datetime, *, limit: int = 10
                        ) -> pd.DataFrame:
    """The open reports that have waited longest (oldest ``created_at`` first), with their SLA state."""
    stmt = (_joined(select(*_list_columns(now), _sla_state(now, timedelta(hours=24)).label("sla_state")))
            .where(where(filters, scope, scope.listing_condition(), is_open(), Report.created_at <= now))
            .order_by(Report.created_at, Report.id).limit(max(1, min(int(limit), MAX_LIST_ROWS))))
    with engine.connect() as conn:
        out = frame(conn, stmt)
    out["age_days"] = out["age_days"].astype(float)
    return out


def due_within(engine: Engine, filters: Filters, scope: Scope, now: datetime, *, hours: float = 24,
               limit: int = MAX_LIST_ROWS) -> pd.DataFrame:
    """Active reports with a due time in [now, now + hours): an unanswered response due, else the resolution
    due. ``due_kind`` says which, ``due_at`` when, ``hours_left`` how long is left. Soonest first."""
    horizon = now + timedelta(hours=float(hours))
    response_soon = and_(Report.first_response_at.is_(None), Report.response_due_at >= now,
                         Report.response_due_at < horizon)
    resolution_soon = and_(Report.resolution_due_at >= now, Report.resolution_due_at < horizon)
    due_at = case((response_soon, Report.response_due_at), else_=Report.resolution_due_at)
    stmt = (_joined(select(*_list_columns(now), case((response_soon, "response"), else_="resolution")
                           .label("due_kind"), due_at.label("due_at"),
                           ((_epoch(due_at) - literal(now.timestamp())) / 3600.0).label("hours_left")))
            .where(where(filters, scope, scope.listing_condition(), clock_running(),
                         or_(response_soon, resolution_soon)))
            .order_by(due_at, Report.id).limit(max(1, min(int(limit), MAX_LIST_ROWS))))
    with engine.connect() as conn:
        out = frame(conn, stmt)
    out["due_at"] = pd.to_datetime(out["due_at"], utc=True)
    for column in ("age_days", "hours_left"):
        out[column] = out[column].astype(float)
    return out


def bin_labels(bins: tuple[float, ...]) -> list[str]:
    edges = list(bins)
    return [f"{_n(a)}–{_n(b)}" for a, b in zip(edges, edges[1:], strict=False)] + [f">{_n(edges[-1])}"]


def _n(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def time_distribution(engine: Engine, filters: Filters, scope: Scope, now: datetime, *, kind: str = "response",
                      bins: tuple[float, ...] | None = None) -> pd.DataFrame:
    """How many reports of the period (default 30 days, rejected/archived left out) took how many hours to
    their first response (``kind="response"``) or resolution, counted per bin in SQL. Bin i holds hours in
    [bins[i], bins[i+1]); the last bin is open-ended. Every bin has a row. Columns: bin, lower, upper, reports.
    """
    if kind not in DEFAULT_BINS:
        raise ValueError(f"time_distribution kind must be 'response' or 'resolution', not {kind!r}")
    bins = tuple(float(b) for b in (bins or DEFAULT_BINS[kind]))
    if len(bins) < 2 or list(bins) != sorted(set(bins)):
        raise ValueError("bins must be at least two increasing edges")
    done = responded_at() if kind == "response" else Report.resolved_at
    took = hours_between(done, Report.created_at)
    whens = [(took < edge, i) for i, edge in enumerate(bins[1:])]
    bucket = case(*whens, else_=len(bins) - 1).label("bucket")
    stmt = (select(bucket, func.count().label("reports"))
            .where(_window(filters, scope, now), done.is_not(None), took >= bins[0]).group_by(bucket))
    with engine.connect() as conn:
        counts = dict(conn.execute(stmt).all())
    labels = bin_labels(bins)
    return pd.DataFrame({
        "bin": labels,
        "lower": list(bins),
        "upper": list(bins[1:]) + [None],
        "reports": [int(counts.get(i, 0)) for i in range(len(labels))],
    })


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
        with engine.connect() as conn:
            kpis["reports"] = conn.execute(select(func.count()).select_from(Report).where(
                where(scoped, scope, is_counted()))).scalar_one()
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


OPEN_GROUPS = {"category": (Report.category_code, Category.code, Category.name),
               "district": (Report.district_code, District.code, District.name),
               "opd": (Report.opd_code, Opd.code, Opd.short_name)}


def open_by_group(engine: Engine, filters: Filters, scope: Scope, now: datetime, *, by: str = "category"
                  ) -> pd.DataFrame:
    """Open reports and how many of them are overdue now, per category, district or OPD (only groups with open
    reports; reports without a district are grouped under code None). Largest backlog first."""
    if by not in OPEN_GROUPS:
        raise ValueError(f"cannot group open reports by {by!r}; choose one of {sorted(OPEN_GROUPS)}")
    column, code, name = OPEN_GROUPS[by]
    stmt = (select(column.label("code"), func.count().label("open"),
                   func.sum(case((overdue(now), 1), else_=0)).label("overdue"))
            .where(where(filters, scope, is_open())).group_by(column))
    with engine.connect() as conn:
        out = frame(conn, stmt)
        names = frame(conn, select(code.label("code"), name.label("name")))
    out = out.merge(names, on="code", how="left")
    out[["open", "overdue"]] = out[["open", "overdue"]].fillna(0).astype(int)
    out = out.sort_values(["open", "code"], ascending=[False, True], na_position="last")
    return out[["code", "name", "open", "overdue"]].reset_index(drop=True)
