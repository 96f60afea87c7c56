"""What a status change does to a report's times: its first response, resolution and closing, its time on hold
and its due times. Said once, here, for every writer: the live writer (ReportWriter.transition, and through it
Open311 and the simulator), the importer (importing/upsert.py: new reports and changed ones) and the demo's history
(demo/seed.py). README "SLA rules (the rule book)" says the same in words.

* The move out of ``baru`` answers the citizen (a rejection too): it sets ``first_response_at``. A response time
  the source gave (an import's own column) stands, unless the move came earlier.
* ``selesai`` resolves (``resolved_at``); ``ditutup`` closes (``closed_at``), and resolves too when it comes
  straight from an open status; leaving ``selesai`` or ``ditutup`` for an open status (reopening) or a rejection
  takes both back.
* A time the source did not give is unknown, never "now": a change whose moment is unknown (``at=None``) leaves
  the response, resolution and closing it would have set unknown (NULL; the rule book counts such targets apart,
  rules.unknown). Only the timeline records when the store learned of it (``noted_at``). A later change does not
  fill in an unknown time it did not set: the move after an unrecorded response is not the response, the closing
  after an unrecorded resolution is not the resolution (either would make up a time, and often a late one).
* A hold (``ditunda``) stops the clock: when a change begins or ends one, the time on hold and the due times are
  worked out again over the report's holds as its timeline has them (the same timeline rules.held_since reads). A
  hold still running moves nothing yet; a hold begun after a due time moves that due time not at all (sla.due_at).

Pure: no store. The callers read what it needs and write what it returns.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from operator import itemgetter
from typing import NamedTuple

from core.rules import FINISHED_STATUSES, HELD, NEW
from data_access.rulebook.sla import SlaPolicy, WorkCalendar, due_at, due_at_column, micros_column, moments

Pause = tuple[datetime, datetime | None]
Timeline = Iterable[tuple[datetime, str | None]]  # (time, status reached) of a report's status events, in order

# The report's columns a status change may set (besides the status).
TIME_COLUMNS = ("first_response_at", "resolved_at", "closed_at", "response_due_at", "resolution_due_at",
                "paused_seconds")


class DueTimes(NamedTuple):
    response_due_at: datetime
    resolution_due_at: datetime


def compute_due_times(policy: SlaPolicy, created_at: datetime, workcal: WorkCalendar,
                      pauses: Sequence[Pause] = (), now: datetime | None = None) -> DueTimes:
    return DueTimes(
        due_at(created_at, policy.response, policy.calendar, workcal, pauses, now=now),
        due_at(created_at, policy.resolution, policy.calendar, workcal, pauses, now=now),
    )


def pauses_from_events(events: Timeline) -> list[Pause]:
    """(time, to_status) status events in time order → the intervals spent in ``ditunda``."""
    pauses: list[Pause] = []
    started: datetime | None = None
    for at, to_status in events:
        if to_status == HELD and started is None:
            started = at
        elif to_status != HELD and started is not None:
            pauses.append((started, at))
            started = None
    if started is not None:
        pauses.append((started, None))
    return pauses


_new = tuple.__new__


class SlaClock(NamedTuple):
    """What moves a report's due times: its category's policy and the regency's working calendar."""

    policy: SlaPolicy
    workcal: WorkCalendar


class ReportTimes(NamedTuple):
    """A report's status and the times a status change may set. ``None`` in a due time or ``paused_seconds`` may
    also mean "not read" (the importer's look-up): a change that begins or ends a hold sets them afresh."""

    status: str
    created_at: datetime
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    closed_at: datetime | None = None
    response_due_at: datetime | None = None
    resolution_due_at: datetime | None = None
    paused_seconds: float | None = 0.0

    @classmethod
    def arriving(cls, created_at: datetime) -> ReportTimes:
        """A report as it arrives (``baru``, nothing answered, never held), without its due times."""
        return _new(cls, (NEW, created_at, None, None, None, None, None, 0.0))


def arrival(created_at: datetime, clock: SlaClock) -> ReportTimes:
    """A new report's times: ``baru``, nothing answered, due times from its policy, never held."""
    return arrivals((created_at,), (clock,))[0]


def arrivals(created: Sequence[datetime], clocks: Sequence[SlaClock]) -> list[ReportTimes]:
    """:func:`arrival` of many reports at once (an import's chunk): the due times a column per clock."""
    rows: dict[int, list[int]] = {}
    for i, clock in enumerate(clocks):
        rows.setdefault(id(clock), []).append(i)
    times: list = [None] * len(created)
    for chosen in rows.values():
        policy, workcal = clocks[chosen[0]]
        starts = micros_column([created[j] for j in chosen])
        dues = (moments(due_at_column(starts, target, policy.calendar, workcal))
                for target in (policy.response, policy.resolution))
        for j, response_due, resolution_due in zip(chosen, *dues, strict=True):
            times[j] = _new(ReportTimes, (NEW, created[j], None, None, None, response_due, resolution_due, 0.0))
    return times


def status_change(before: ReportTimes, to_status: str, at: datetime | None, *, noted_at: datetime | None = None,
                  responded_at: datetime | None = None,
                  timeline: Timeline | Callable[[], Timeline] | None = None,
                  clock: SlaClock | None = None) -> ReportTimes:
    """The report's times after it moves from ``before`` to ``to_status`` (the same status again restates it, as an
    import of a finished record with its closing time does).

    ``at``: when the status was reached; None when the source did not say (unknown). Never before the report.
    ``noted_at``: when its timeline records the change (an import's own moment when ``at`` is unknown); ``at`` by
    default. ``responded_at``: a first response time the source gave, if any.
    ``timeline``: the report's status events before this change, (time, status) in time order, or a function that
    reads them; needed (and called) only when the change begins or ends a hold.
    ``clock``: the report's policy and calendar, to work its due times out again when a hold begins or ends; without
    it (a category the store does not know, or a new report whose hold has not ended) they stay as they were.
    """
    # Unpacked once and rebuilt with tuple.__new__: the importer calls this for every record of a file.
    status, created, responded, resolved, closed, response_due, resolution_due, paused = before
    if at is not None and at < created:
        at = created
    if responded is None and to_status != NEW:
        if responded_at is not None:  # the source said when the citizen was answered (never after this move)
            responded = responded_at if at is None or responded_at < at else at
        elif status == NEW:
            # The promise: at least a response. The move out of baru is one (a rejection too: the citizen heard
            # back). A report that left baru at a time nobody recorded was answered then: a later move is not it.
            responded = at
    if to_status == "selesai":
        resolved, closed = at, None
    elif to_status == "ditutup":
        closed = at
        if status not in FINISHED_STATUSES:  # closed without a resolution: closing resolves it
            resolved = at
    elif status in FINISHED_STATUSES:  # reopened (or rejected after all): the resolution no longer stands
        resolved = closed = None
    if status != to_status and (status == HELD or to_status == HELD):
        noted = at if noted_at is None else max(noted_at, created)
        if noted is None or timeline is None:
            raise ValueError("a change that begins or ends a hold needs its time on the timeline and the timeline")
        events = list(timeline() if callable(timeline) else timeline)
        events.append((noted, to_status))
        events.sort(key=itemgetter(0))  # stable: a change at the same time as an earlier event comes after it
        # Only finished holds count: while a report is held its due times stay (the rule book leaves ditunda out
        # of overdue unless the hold began after the due time).
        holds = [(start, end) for start, end in pauses_from_events(events) if end is not None]
        paused = sum(((end - start).total_seconds() for start, end in holds), 0.0)
        if clock is not None:
            response_due, resolution_due = compute_due_times(clock.policy, created, clock.workcal, holds)
    return _new(ReportTimes, (to_status, created, responded, resolved, closed, response_due, resolution_due, paused))


def changed_columns(before: ReportTimes, after: ReportTimes) -> dict:
    """The time columns ``after`` sets differently from ``before``, by name (what an UPDATE needs)."""
    return {name: getattr(after, name) for name in TIME_COLUMNS if getattr(after, name) != getattr(before, name)}
