"""Single reports: the newest ones for the ticker, and one report with its timeline."""

from __future__ import annotations

from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import Engine, and_, select

from data_access.queries.common import FREE_TEXT_COLUMNS, frame, free_texts
from data_access.rulebook.rules import target_state
from data_access.rulebook.scope import Filters, Scope, where
from data_access.store.schema import Category, District, Opd, Report, Reporter, ReportEvent, Village
from data_access.store.sqlfuncs import round_coordinate

# Never a reporter column here: this is what the wall shows.
PUBLIC_COLUMNS = (
    Report.id, Report.created_at, Report.channel, Report.status, Report.priority, Report.title,
    Report.category_code, Category.name.label("category"), Category.name_en.label("category_en"),
    Report.district_code, District.name.label("district"),
    Report.opd_code, Opd.short_name.label("opd"),
)


def _public_select():
    return (select(*PUBLIC_COLUMNS)
            .join(Category, Category.code == Report.category_code)
            .outerjoin(District, District.code == Report.district_code)
            .outerjoin(Opd, Opd.code == Report.opd_code))


def newest_reports(engine: Engine, filters: Filters, scope: Scope, now: datetime, limit: int = 20) -> pd.DataFrame:
    """The newest reports up to ``now``, without personal data whatever the scope (the wall's ticker): no reporter
    column, and contacts typed into a title masked even for a viewer who may see them elsewhere."""
    limit = max(1, min(int(limit), 500))
    stmt = (_public_select().where(where(filters, scope, scope.listing_condition(), Report.created_at <= now))
            .order_by(Report.created_at.desc(), Report.id.desc()).limit(limit))
    with engine.connect() as conn:
        return free_texts(frame(conn, stmt))


def recent_report_points(engine: Engine, filters: Filters, scope: Scope, now: datetime, *, hours: int = 24,
                         limit: int = 500) -> pd.DataFrame:
    """Located reports of the last ``hours`` for the map's clustered points: id, time, category, and lat/lon
    rounded in SQL to about 100 m, so exact coordinates never leave the store for a public view."""
    limit = max(1, min(int(limit), 5000))
    stmt = (select(Report.id, Report.created_at, Report.category_code, round_coordinate(Report.lat).label("lat"),
                   round_coordinate(Report.lon).label("lon"))
            .where(where(filters, scope, scope.listing_condition(), Report.created_at > now - timedelta(hours=hours),
                         Report.created_at <= now,
                         Report.lat.is_not(None), Report.lon.is_not(None)))
            .order_by(Report.created_at.desc(), Report.id.desc()).limit(limit))
    with engine.connect() as conn:
        return frame(conn, stmt)


def report_detail(engine: Engine, report_id: int, scope: Scope, now: datetime | None = None, *,
                  at_risk_window: timedelta = timedelta(hours=24)) -> tuple[dict, pd.DataFrame] | None:
    """One report and its timeline, or None when it does not exist or lies outside the scope. With ``now``, also
    ``response_state`` and ``resolution_state``: each target's state at ``now`` by the rule book (target_state).

    Reporter name, phone, email and NIK are selected only when the scope allows personal data;
    otherwise the query never touches the reporter table.
    """
    columns = [*PUBLIC_COLUMNS, Report.description, Report.source, Report.external_id, Report.lat, Report.lon,
               Report.village_code, Village.name.label("village"), Report.first_response_at, Report.resolved_at,
               Report.closed_at, Report.response_due_at, Report.resolution_due_at, Report.paused_seconds,
               Report.updated_at, Report.anonymous]
    if now is not None:
        horizon = now + at_risk_window
        columns += [target_state("response", now, horizon).label("response_state"),
                    target_state("resolution", now, horizon).label("resolution_state")]
    stmt = (select(*columns).join(Category, Category.code == Report.category_code)
            .outerjoin(District, District.code == Report.district_code)
            .outerjoin(Opd, Opd.code == Report.opd_code)
            .outerjoin(Village, Village.code == Report.village_code))
    if scope.personal_data:
        stmt = stmt.add_columns(Reporter.name.label("reporter_name"), Reporter.phone.label("reporter_phone"),
                                Reporter.email.label("reporter_email"), Reporter.nik.label("reporter_nik"))
        # A reporter who asked to stay anonymous stays so for everyone but an admin: the join finds no one.
        joined = Reporter.id == Report.reporter_id
        if not scope.see_anonymous:
            joined = and_(joined, Report.anonymous.is_(False))
        stmt = stmt.outerjoin(Reporter, joined)
    stmt = stmt.where(where(Filters(), scope, scope.listing_condition(), Report.id == report_id))
    with engine.connect() as conn:
        row = conn.execute(stmt).mappings().first()
        if row is None:
            return None
        timeline = frame(conn, select(ReportEvent.at, ReportEvent.kind, ReportEvent.from_status,
                                      ReportEvent.to_status, ReportEvent.opd_code, ReportEvent.actor,
                                      ReportEvent.note)
                         .where(ReportEvent.report_id == report_id).order_by(ReportEvent.at, ReportEvent.id))
    report = dict(row)
    for column in FREE_TEXT_COLUMNS:
        if column in report:
            report[column] = scope.shown_text(report[column])
    return report, free_texts(timeline, scope)
