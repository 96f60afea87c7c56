"""Lists of single reports to act on: by SLA state, the oldest open ones, the ones falling due soon. At most
``MAX_LIST_ROWS`` rows, never a reporter column.
"""
from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import Engine, and_, case, literal, or_, select

from data_access.queries.common import frame, free_texts
from data_access.rulebook.rules import (
    awaiting_response,
    clock_running,
    is_open,
    late_target,
    opd_at,
    overdue,
    response_overdue,
    sla_state,
)
from data_access.rulebook.scope import Filters, Scope, where
from data_access.store.schema import Category, District, Opd, Report

MAX_LIST_ROWS = 2000


SLA_STATES = ("breached", "at_risk", "on_time", "excluded")


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
    from data_access.store.sqlfuncs import epoch_seconds

    return epoch_seconds(column)


def _joined(stmt):
    return (stmt.join(Category, Category.code == Report.category_code)
            .outerjoin(District, District.code == Report.district_code)
            .outerjoin(Opd, Opd.code == Report.opd_code))


def report_list(engine: Engine, filters: Filters, scope: Scope, now: datetime, *, states: tuple[str, ...] = (),
                open_only: bool = False, limit: int = MAX_LIST_ROWS,
                at_risk_window: timedelta = timedelta(hours=24)) -> pd.DataFrame:
    """A bounded page (at most 2,000 rows) of single reports under the filters, what to do first at the top: open
    and overdue for a first response, then the other breached ones, then at risk, then on time, oldest first within
    each. ``sla_state`` and ``late`` (the target missed: response, resolution or both) are computed in SQL by the
    rule book; ``age_days`` is the age at ``now``. ``states`` keeps only those SLA states; ``open_only`` only open
    reports. Never reporter data.
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
    # An unanswered citizen comes first: a first response takes minutes and is what the regency promised.
    severity = case((and_(is_open(), response_overdue(now)), 0), (state == "breached", 1), (state == "at_risk", 2),
                    (state == "on_time", 3), else_=4)
    stmt = (_joined(select(*_list_columns(now), state.label("sla_state"), late_target(now).label("late")))
            .where(where(filters, scope, scope.listing_condition(), *conds))
            .order_by(severity, Report.created_at, Report.id).limit(max(1, min(int(limit), MAX_LIST_ROWS))))
    with engine.connect() as conn:
        out = free_texts(frame(conn, stmt))
    out["age_days"] = out["age_days"].astype(float)
    return out


def oldest_open_reports(engine: Engine, filters: Filters, scope: Scope, now: datetime, *, limit: int = 10
                        ) -> pd.DataFrame:
    """The open reports that have waited longest (oldest ``created_at`` first), with their SLA state."""
    stmt = (_joined(select(*_list_columns(now), _sla_state(now, timedelta(hours=24)).label("sla_state")))
            .where(where(filters, scope, scope.listing_condition(), is_open(), Report.created_at <= now))
            .order_by(Report.created_at, Report.id).limit(max(1, min(int(limit), MAX_LIST_ROWS))))
    with engine.connect() as conn:
        out = free_texts(frame(conn, stmt))
    out["age_days"] = out["age_days"].astype(float)
    return out


def due_within(engine: Engine, filters: Filters, scope: Scope, now: datetime, *, hours: float = 24,
               limit: int = MAX_LIST_ROWS) -> pd.DataFrame:
    """Active reports with a due time in [now, now + hours): an unanswered response due, else the resolution
    due. ``due_kind`` says which, ``due_at`` when, ``hours_left`` how long is left. Soonest first."""
    horizon = now + timedelta(hours=float(hours))
    response_soon = and_(awaiting_response(), Report.response_due_at >= now,
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
        out = free_texts(frame(conn, stmt))
    out["due_at"] = pd.to_datetime(out["due_at"], utc=True)
    for column in ("age_days", "hours_left"):
        out[column] = out[column].astype(float)
    return out

