"""SLA due times for many new reports at once, exactly as data_access.rulebook.sla.due_at computes them, only faster.

``due_at`` walks the calendar one day at a time (about 30 µs for a 40-working-day target); an import of
200,000 reports would spend most of its time there. Here the first day is walked the same way and the rest is
arithmetic: after the first day every working day adds one full office day, so the due day is the k-th working
day after it, with k = ceil(remaining / office day), found in a small cache keyed by (day, k). The result is
identical to ``due_at`` to the microsecond (tests/unit/test_import_parsers.py compares them on many times); new
reports have no pauses, so ``due_at``'s pause handling is not needed here.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

from data_access.intake.importing.dates import fixed_offset
from data_access.rulebook.sla import SlaPolicy, Target, WorkCalendar, target_seconds

_ONE_DAY = timedelta(days=1)
_ZERO = timedelta(0)
_MAX_IDLE_DAYS = 3 * 366
_DAYS_KEPT = 100_000
_UNKNOWN = object()


class DueTimeCalculator:
    def __init__(self, workcal: WorkCalendar) -> None:
        self.cal = workcal
        # The calendar's zone as a fixed offset where it has one (WIT): the same instants, and local times built and
        # converted in a fraction of the zone database's time (a third of a new report's due-time cost).
        offset = fixed_offset(workcal.tz)
        self.tz = workcal.tz if offset is None else timezone(offset)
        anchor = date(2000, 1, 3)
        self.office_day = (datetime.combine(anchor, workcal.office_end)
                           - datetime.combine(anchor, workcal.office_start))
        self._nth: dict[tuple[date, int], date] = {}
        self._office_hours: dict[date, tuple[datetime, datetime] | None] = {}
        self._from_opening: dict[tuple[date, timedelta], datetime] = {}
        self._budgets: dict[tuple[float, str, str], timedelta] = {}
        self._plain: dict[int, tuple[SlaPolicy, timedelta, timedelta]] = {}  # the policy is kept: ids stay unique

    def _budget(self, target: Target, kind: str) -> timedelta:
        key = (target.amount, target.unit, kind)
        budget = self._budgets.get(key)
        if budget is None:
            budget = self._budgets[key] = timedelta(seconds=target_seconds(target, kind, self.cal))
        return budget

    def _nth_working_day_after(self, day: date, k: int) -> date:
        key = (day, k)
        found = self._nth.get(key)
        if found is None:
            found, seen, idle = day, 0, 0
            while seen < k:
                found += _ONE_DAY
                if self.cal.is_working_day(found):
                    seen, idle = seen + 1, 0
                else:
                    idle += 1
                    if idle > _MAX_IDLE_DAYS:
                        raise ValueError(f"no working day within {_MAX_IDLE_DAYS} days after {found}")
            self._nth[key] = found
        return found

    def due(self, start: datetime, target: Target, kind: str) -> datetime:
        """The due time (aware UTC) of ``target`` for a report created at ``start`` (aware)."""
        remaining = self._budget(target, kind)
        if kind != "working":
            return start.astimezone(UTC) + remaining
        return self._working(start, self._first_day(start), remaining)

    def _first_day(self, start: datetime) -> tuple[date, datetime | None, timedelta]:
        """(local day, where counting begins that day or None, what is left of that day): shared by both targets."""
        cursor = start.astimezone(self.tz)
        day = cursor.date()
        hours = self._office_hours.get(day, _UNKNOWN)
        if hours is _UNKNOWN:
            # The calendar is the same for every report of a day: its office hours (None: no working day) once.
            if len(self._office_hours) > _DAYS_KEPT:
                self._office_hours.clear()
            cal = self.cal
            hours = self._office_hours[day] = (
                (datetime.combine(day, cal.office_start, self.tz), datetime.combine(day, cal.office_end, self.tz))
                if cal.is_working_day(day) else None)
        if hours is not None:
            opening, closing = hours
            begin = cursor if cursor > opening else opening
            if begin < closing:
                return day, begin, closing - begin
        return day, None, _ZERO

    def _working(self, start: datetime, first: tuple[date, datetime | None, timedelta],
                 remaining: timedelta) -> datetime:
        if remaining == _ZERO:
            return start.astimezone(UTC)
        day, begin, available = first
        if begin is not None:
            if remaining <= available:
                return (begin + remaining).astimezone(UTC)
            remaining -= available
        else:
            # Counting starts at a later opening: every report of that day (evenings, nights, holidays) with the
            # same target shares its due time.
            key = (day, remaining)
            due = self._from_opening.get(key)
            if due is None:
                if len(self._from_opening) > _DAYS_KEPT:
                    self._from_opening.clear()
                due = self._from_opening[key] = self._counted(day, remaining)
            return due
        return self._counted(day, remaining)

    def _counted(self, day: date, remaining: timedelta) -> datetime:
        """Due time of ``remaining`` office time counted from the first opening after ``day``."""
        whole, rest = divmod(remaining, self.office_day)
        if rest == _ZERO:  # runs out exactly at a closing time: that day, not the next morning
            k, offset = whole, self.office_day
        else:
            k, offset = whole + 1, rest
        due_day = self._nth_working_day_after(day, k)
        return (datetime.combine(due_day, self.cal.office_start, self.tz) + offset).astimezone(UTC)

    def due_times(self, policy: SlaPolicy, start: datetime) -> tuple[datetime, datetime]:
        """(response due, resolution due) for a new report of ``policy``."""
        if policy.calendar != "working":
            # Keyed by the policy object (hashing the frozen dataclasses on every row costs more than the sum).
            budgets = self._plain.get(id(policy))
            if budgets is None:
                budgets = self._plain[id(policy)] = (policy, self._budget(policy.response, policy.calendar),
                                                     self._budget(policy.resolution, policy.calendar))
            utc = start.astimezone(UTC)
            return utc + budgets[1], utc + budgets[2]
        first = self._first_day(start)
        return (self._working(start, first, self._budget(policy.response, "working")),
                self._working(start, first, self._budget(policy.resolution, "working")))
