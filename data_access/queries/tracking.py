"""One report as the citizen holding its token may follow it (/publik/lacak): status, public notes, both due times
and whether each was met — decided by the rule book, as every other figure is.

Nothing personal leaves: the reporter table is never joined, free text goes through the public scope's masking,
and a confidential report shows its progress but not its words. The report id is not returned either: the token
is the only handle, so an answer never hands out a key to walk the (public) id-based reads with.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, case, select

from core.rules import HELD
from data_access.rulebook import rules
from data_access.rulebook.scope import Scope
from data_access.store.schema import Category, District, IntakeRequest, Opd, Report, ReportEvent

TRACKING_SCOPE = Scope(None, False, "publik:lacak", public=True)
MAX_EVENTS = 100  # a report's timeline is a handful of steps; this bounds a pathological one


def target_state(kind: str, now: datetime):
    """One target of one report in the rule book's terms: ``met``, ``late`` (done after its due time),
    ``overdue`` (not done and past it), ``unknown`` (done at a time nobody recorded, or no due time yet),
    ``excluded`` (rejected or archived: not judged), ``paused`` (on hold before it fell due: the clock stopped) or
    ``pending`` (due time still ahead)."""
    due, done = (Report.response_due_at, rules.responded_at()) if kind == "response" else \
        (Report.resolution_due_at, Report.resolved_at)
    return case((rules.is_excluded(), "excluded"), (due.is_(None), "unknown"), (rules.met(kind), "met"),
                (rules.unknown(kind), "unknown"), (done.is_not(None), "late"),
                (rules.missed(kind, now), "overdue"), (Report.status == HELD, "paused"), else_="pending")


def tracked_report(engine: Engine, token: str, now: datetime) -> dict | None:
    """The report behind ``token`` with its public timeline, or None when no report has that token."""
    stmt = (select(Report.status, Report.created_at, Report.confidential, Report.title,
                   Category.name.label("category"), Category.name_en.label("category_en"),
                   District.name.label("district"), Opd.name.label("opd"),
                   Report.response_due_at, Report.resolution_due_at,
                   rules.responded_at().label("responded_at"), Report.resolved_at,
                   target_state("response", now).label("response_state"),
                   target_state("resolution", now).label("resolution_state"), IntakeRequest.report_id)
            .join(IntakeRequest, IntakeRequest.report_id == Report.id)
            .join(Category, Category.code == Report.category_code)
            .outerjoin(District, District.code == Report.district_code)
            .outerjoin(Opd, Opd.code == Report.opd_code)
            .where(IntakeRequest.token == token))
    with engine.connect() as conn:
        row = conn.execute(stmt).mappings().first()
        if row is None:
            return None
        events = conn.execute(select(ReportEvent.at, ReportEvent.to_status, ReportEvent.note)
                              .where(ReportEvent.report_id == row["report_id"], ReportEvent.kind == "status",
                                     ReportEvent.at <= now)
                              .order_by(ReportEvent.at, ReportEvent.id).limit(MAX_EVENTS)).mappings().all()
    found = {key: value for key, value in row.items() if key != "report_id"}
    found["title"] = None if row["confidential"] else TRACKING_SCOPE.shown_text(row["title"])
    found["events"] = [{"at": e["at"], "status": e["to_status"],
                        "note": None if row["confidential"] else TRACKING_SCOPE.shown_text(e["note"])}
                       for e in events]
    return found
