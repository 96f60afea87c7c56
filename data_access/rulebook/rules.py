"""The rule book in SQL: overdue, at risk, compliance (met / missed / pending), remote districts, and the OPD a
breach counts against. Every query, page, export, the wall and ``kpis --json`` use these and nothing else.

The words are in core/rules.py (and its plain-Python twins); README "SLA rules (the rule book)" explains them.

As of an earlier moment. Open, overdue and at risk are the report's state now, by default. For a moment ``at`` in
the past the state rules (``is_open``, ``awaiting_response``, ``awaiting_resolution``) read the state from the
timeline instead: the status the latest status event up to then set (``status_at``), the hold begun by then
(``held_since_at``), the response and the resolution given by then; queries/open_reports.py weighs that state
against the moment with the same comparisons as now's. The store keeps each report's due times as they stand now,
and the past is judged by them. That is exact for overdue: a hold moves a due time only when it began before it,
so before the hold the report was not due yet either way, during it the report was on hold, and after it the
moved time is the one that stood then. A report at risk then that a hold begun since moved out of the window is
left out. A reopened report was finished in between, as its timeline says.
A report without a status event by then (inserted directly, or imported with a later timeline) counts with the
status it has now. The wall's change figures ("vs kemarin") are made so (queries/kpis.py).
"""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import ColumnElement, and_, case, func, not_, or_, select
from sqlalchemy.orm import aliased

from core.rules import CLOCK_RUNNING, EXCLUDED_STATUSES, FINISHED_STATUSES, HELD, NEW, OPEN_STATUSES, REMOTE_ACCESS
from data_access.store.schema import District, Report, ReportEvent

_STATUS_EVENT = aliased(ReportEvent, name="status_event")


def status_at(moment):
    """The report's status at ``moment``: set by its latest status event up to then; its status now without one."""
    event = _STATUS_EVENT
    latest = (select(event.to_status)
              .where(event.report_id == Report.id, event.kind == "status", event.at <= moment)
              .order_by(event.at.desc(), event.id.desc()).limit(1).correlate(Report).scalar_subquery())
    return func.coalesce(latest, Report.status)


def _status(at: datetime | None):
    return Report.status if at is None else status_at(at)


def is_open(at: datetime | None = None) -> ColumnElement[bool]:
    """Open now, or (``at``) created by then and open then."""
    if at is None:
        return Report.status.in_(OPEN_STATUSES)
    return and_(Report.created_at <= at, status_at(at).in_(OPEN_STATUSES))


def may_have_been_open(at: datetime) -> ColumnElement[bool]:
    """The reports ``is_open(at)`` can be true of, found on indexes: open now, or changed since ``at`` (a report
    closed before then and untouched since was closed then too)."""
    return and_(Report.created_at <= at, or_(Report.status.in_(OPEN_STATUSES), Report.updated_at > at))


def clock_running() -> ColumnElement[bool]:
    return Report.status.in_(CLOCK_RUNNING)


def is_counted() -> ColumnElement[bool]:
    """Rejected and archived reports are not held against an OPD."""
    return Report.status.not_in(EXCLUDED_STATUSES)


def is_excluded() -> ColumnElement[bool]:
    return Report.status.in_(EXCLUDED_STATUSES)


def responded_at():
    """When the citizen first heard back. Rows from intake systems may carry only a resolution time."""
    return func.coalesce(Report.first_response_at, Report.resolved_at)


def _no_response_time() -> ColumnElement[bool]:
    return and_(Report.first_response_at.is_(None), Report.resolved_at.is_(None))


def _not_yet(done, at: datetime | None) -> ColumnElement[bool]:
    return done.is_(None) if at is None else or_(done.is_(None), done > at)


def awaiting_response(at: datetime | None = None) -> ColumnElement[bool]:
    """Nobody has answered the citizen yet (or by ``at``): still ``baru``, with neither a response nor a resolution
    time. A report that moved past ``baru`` has been answered (every writer stamps the response with the first
    move); when the source of an imported record did not say when, the time is unknown (``unknown``), never late."""
    return and_(_status(at) == NEW, _no_response_time() if at is None else _not_yet(responded_at(), at))


def awaiting_resolution(at: datetime | None = None) -> ColumnElement[bool]:
    """Not resolved (yet, or again after a reopening; or by ``at``): the resolution's due time can still pass
    unmet."""
    return _not_yet(Report.resolved_at, at)


def unknown(kind: str) -> ColumnElement[bool]:
    """A target that was met or missed at a time the source never gave: answered without a response time, or
    finished without a resolution time (imported history). Neither met nor missed: counted apart."""
    if kind == "response":
        return and_(Report.status != NEW, _no_response_time())
    return and_(Report.status.in_(FINISHED_STATUSES), Report.resolved_at.is_(None))


# Their own aliases: they may sit inside another subquery over report_event. Made once: building an ORM alias
# costs milliseconds, and the rule book's expressions are built several times per query.
_HOLD_EVENT = aliased(ReportEvent, name="hold_event")
_HOLDER_EVENT = aliased(ReportEvent, name="holder_event")


def _hold_began(*bounds):
    event = _HOLD_EVENT
    return (select(func.max(event.at))
            .where(event.report_id == Report.id, event.kind == "status", event.to_status == HELD, *bounds)
            .correlate(Report).scalar_subquery())


@cache
def held_since():
    """When the report's current hold began: its latest status event into ``ditunda`` (a correlated subquery,
    only ever evaluated for held reports, which are few). One immutable expression, built once."""
    return _hold_began()


def held_since_at(moment):
    """When the hold the report was in at ``moment`` began: its latest status event into ``ditunda`` up to then."""
    return _hold_began(_HOLD_EVENT.at <= moment)


def _past_due(due, now: datetime) -> ColumnElement[bool]:
    """Past ``due`` with the clock running, or on hold since after ``due`` passed (the hold hides nothing)."""
    return and_(due < now, or_(clock_running(), and_(Report.status == HELD, due < held_since())))


def response_overdue(now: datetime) -> ColumnElement[bool]:
    return and_(awaiting_response(), _past_due(Report.response_due_at, now))


def resolution_overdue(now: datetime) -> ColumnElement[bool]:
    return and_(awaiting_resolution(), _past_due(Report.resolution_due_at, now))


def overdue(now: datetime) -> ColumnElement[bool]:
    """Overdue now, for the response or the resolution: what every "terlambat" figure counts (once per report)."""
    return or_(response_overdue(now), resolution_overdue(now))


def at_risk(now: datetime, horizon: datetime) -> ColumnElement[bool]:
    """Clock running, not overdue, and a due time still ahead falls before ``horizon``."""
    # The due window first: most reports fail it, and the databases stop at the first false term.
    return and_(or_(
        and_(awaiting_response(), Report.response_due_at >= now, Report.response_due_at < horizon),
        and_(Report.resolution_due_at >= now, Report.resolution_due_at < horizon)), clock_running(), not_(overdue(now)))


def _targets():
    return {"response": (Report.response_due_at, responded_at()),
            "resolution": (Report.resolution_due_at, Report.resolved_at)}


def met(kind: str) -> ColumnElement[bool]:
    due, done = _targets()[kind]
    return and_(is_counted(), done.is_not(None), done <= due)


def _silent_past_due(kind: str, now: datetime) -> ColumnElement[bool]:
    """Not done and past the due time — unless the clock stopped (a hold) before it passed, or the target was done
    at a time nobody recorded (``unknown``)."""
    due, done = _targets()[kind]
    if kind == "response":
        return and_(awaiting_response(), due < now)
    return and_(done.is_(None), Report.status.not_in(FINISHED_STATUSES), due < now,
                or_(Report.status != HELD, due < held_since()))


def missed(kind: str, now: datetime, *, counted_only: bool = False) -> ColumnElement[bool]:
    """Done after the due time, or silent past it — unless the clock stopped (a hold) before it passed.
    ``counted_only``: the caller's WHERE already keeps only counted reports, so the test is not repeated."""
    due, done = _targets()[kind]
    late_or_silent = or_(done > due, _silent_past_due(kind, now))  # done > due: answered (NULL compares to nothing)
    return late_or_silent if counted_only else and_(is_counted(), late_or_silent)


def judged_within(kind: str, lo: datetime, hi: datetime) -> ColumnElement[bool]:
    """The period a target is judged in is the one its due time falls in: met if done by then, missed if not. A
    report created in May and due in June counts in June, done or not; one done early counts when its due time
    comes. Judged by creation day instead, an agency that sat on its reports looked punctual: few of a period's
    reports were due yet, so its sample held only the quick ones (README, "Compliance")."""
    due = judged_at(kind)
    return and_(due >= lo, due < hi)


def judged_at(kind: str):
    """The moment a target is judged at (``judged_within``): its due time."""
    return _targets()[kind][0]


def compliance_counts(kind: str, now: datetime) -> list:
    """Per target, over counted reports judged in the caller's window (``judged_within``; the caller's WHERE keeps
    only counted reports): ``met``, ``sample`` (met + missed) and ``unknown`` (done at a time nobody recorded:
    neither met nor missed). Once the window's due times have all passed, no clock changes these counts; only a
    write does (queries/settled_days.py, the "due" axis)."""
    due, done = _targets()[kind]
    on_time = and_(done.is_not(None), done <= due)
    return [func.count(case((on_time, 1))).label(f"{kind}_met"),
            func.count(case((or_(on_time, missed(kind, now, counted_only=True)), 1))).label(f"{kind}_sample"),
            func.count(case((unknown(kind), 1))).label(f"{kind}_unknown")]


def sla_state(now: datetime, horizon: datetime):
    """One report's state: ``excluded`` (rejected/archived), ``breached`` (overdue now if open; a target missed
    if finished), ``at_risk``, or ``on_time``."""
    finished_late = and_(not_(is_open()), or_(missed("response", now), missed("resolution", now)))
    return case((is_excluded(), "excluded"), (and_(is_open(), overdue(now)), "breached"),
                (finished_late, "breached"), (at_risk(now, horizon), "at_risk"), else_="on_time")


def opd_at(moment):
    """The OPD holding the report at ``moment``: the OPD of its latest event at or before then (every event
    records who holds the report after it), else the OPD it has now."""
    event = _HOLDER_EVENT
    held_by = (select(event.opd_code)
               .where(event.report_id == Report.id, event.at <= moment, event.opd_code.is_not(None))
               .order_by(event.at.desc(), event.id.desc()).limit(1).correlate(Report).scalar_subquery())
    return func.coalesce(held_by, Report.opd_code)


def accountable_opd(kind: str):
    """The OPD a target counts for or against: who held the report when it was met, else when it fell due."""
    due, done = _targets()[kind]
    return opd_at(case((and_(done.is_not(None), done <= due), done), else_=due))


def is_remote_district() -> ColumnElement[bool]:
    return District.access.in_(REMOTE_ACCESS)


def late_target(now: datetime):
    """Which target a breached report missed: ``response``, ``resolution`` or ``both`` (overdue now if open, missed
    if finished); None when none was missed. The work list says which, and puts a first response first."""
    if_open = case((and_(response_overdue(now), resolution_overdue(now)), "both"),
                   (response_overdue(now), "response"), (resolution_overdue(now), "resolution"), else_=None)
    response, resolution = missed("response", now), missed("resolution", now)
    if_finished = case((and_(response, resolution), "both"), (response, "response"), (resolution, "resolution"),
                       else_=None)
    return case((is_excluded(), None), (is_open(), if_open), else_=if_finished)


def target_state(kind: str, now: datetime, horizon: datetime):
    """One target of one report in words a page can translate: ``excluded`` (rejected/archived), ``met``, ``late``
    (done after its due time), ``unknown`` (done at a time nobody recorded), ``overdue`` (not done, past due, clock
    running), ``held`` (on hold before its due time passed), ``missed`` (not done, past due, finished without it),
    ``at_risk`` (due before ``horizon``) or ``pending``."""
    due, done = _targets()[kind]
    overdue_now = response_overdue(now) if kind == "response" else resolution_overdue(now)
    return case((is_excluded(), "excluded"), (and_(done.is_not(None), done <= due), "met"),
                (done > due, "late"), (unknown(kind), "unknown"), (overdue_now, "overdue"),
                (and_(Report.status == HELD, due < now), "held"),
                (and_(done.is_(None), due < now), "missed"),
                (and_(clock_running(), due < horizon), "at_risk"), else_="pending")

REMOTE_AREA = "remote"
ROAD_AREA = "road"


def equity_area():
    """The side of the location-equity figure a report is on: ``remote`` in a district reached by river, sea or air
    (``is_remote_district``), ``road`` in one reached by road (Timika and the districts on its roads), NULL without a
    district — a report that cannot be placed belongs to neither side."""
    remote_codes = select(District.code).where(is_remote_district())
    return case((Report.district_code.in_(remote_codes), REMOTE_AREA),
                (Report.district_code.is_not(None), ROAD_AREA), else_=None)
