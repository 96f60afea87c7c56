"""SLA clock: due times and working-time arithmetic for citizen reports.

Pure module (no database, no Dash). Every datetime going in or out is timezone-aware; naive values raise
``ValueError`` because guessing between UTC (storage) and WIT (display) is exactly the bug that makes an SLA
report untrustworthy. Results are returned in UTC; working time is counted on the calendar's local wall clock
(WIT = UTC+9 by default, so WIT midnight is 15:00 UTC of the previous day).

Typical wiring (configuration lives elsewhere)::

    cal = WorkCalendar(extra_holidays=default_cuti_bersama() | parse_extra_holidays(os.environ.get("SLA_EXTRA", "")))
    due = due_at(created_utc, policy.resolution, policy.calendar, cal, pauses=pauses, now=now_utc)

A report's state (on time, at risk, breached) is decided in SQL, by data_access/rulebook/rules.py, from the due
times stored here.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import cache, cached_property
from typing import Literal, NamedTuple
from zoneinfo import ZoneInfo

import holidays
import numpy as np

from core.settings import Settings, SettingsError, parse_extra_holidays

__all__ = [
    "UTC",
    "WIT",
    "CalendarKind",
    "SlaPolicy",
    "Target",
    "WorkCalendar",
    "default_cuti_bersama",
    "due_at",
    "due_at_column",
    "micros_column",
    "moments",
    "parse_extra_holidays",
    "target_seconds",
    "work_calendar",
]

WIT = ZoneInfo("Asia/Jayapura")
UTC = UTC

CalendarKind = Literal["24x7", "working"]

_CALENDAR_KINDS = ("24x7", "working")
_UNITS = ("hours", "working_days")
_ONE_DAY = timedelta(days=1)
_ZERO = timedelta(0)
_EPOCH, _MICROSECOND = datetime(1970, 1, 1, tzinfo=UTC), timedelta(microseconds=1)
# A calendar whose holidays swallow more than this many consecutive days is a configuration error; without the
# guard add_working_seconds would spin forever.
_MAX_IDLE_DAYS = 3 * 366

# The holidays package (>= 0.5x) ships Indonesian cuti bersama as the GOVERNMENT category; older releases only
# had PUBLIC. Detect it instead of pinning a version so an upgrade or downgrade cannot silently drop the days.
_HAS_GOVERNMENT = holidays.GOVERNMENT in getattr(holidays.Indonesia, "supported_categories", ())


def _require_aware(value: datetime, name: str) -> None:
    if not isinstance(value, datetime):
        raise TypeError(f"{name} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"{name} must be timezone-aware (got naive {value.isoformat()}); convert from UTC first")


@dataclass(frozen=True)
class Target:
    """An SLA target: ``amount`` hours or working days."""

    amount: float
    unit: Literal["hours", "working_days"]

    def __post_init__(self) -> None:
        if self.unit not in _UNITS:
            raise ValueError(f"Target.unit must be one of {_UNITS}, got {self.unit!r}")
        if not isinstance(self.amount, (int, float)) or not math.isfinite(self.amount) or self.amount < 0:
            raise ValueError(f"Target.amount must be a finite number >= 0, got {self.amount!r}")


@dataclass(frozen=True)
class SlaPolicy:
    """Response and resolution targets for one category of report, and which clock they run on."""

    code: str
    name: str
    response: Target
    resolution: Target
    calendar: CalendarKind

    def __post_init__(self) -> None:
        if self.calendar not in _CALENDAR_KINDS:
            raise ValueError(f"SlaPolicy {self.code!r}: calendar must be one of {_CALENDAR_KINDS}")


@cache
def _holiday_dates(year: int, public: bool, government: bool) -> frozenset[date]:
    # Building a holidays.Indonesia year costs ~1 ms (lunar calendars); cached per year it is paid once per process.
    categories: list[str] = []
    if public:
        categories.append(holidays.PUBLIC)
    if government and _HAS_GOVERNMENT:
        categories.append(holidays.GOVERNMENT)
    if not categories:
        return frozenset()
    return frozenset(holidays.Indonesia(years=year, categories=tuple(categories)).keys())


@dataclass(frozen=True)
class WorkCalendar:
    """Office hours of the Pemkab: which local days are working days and when the office is open.

    Holidays are local (``tz``) calendar dates. ``national_holidays`` adds the Indonesian public holidays from
    the ``holidays`` package; ``cuti_bersama`` adds its GOVERNMENT category (the SKB 3 Menteri cuti bersama,
    which ASN offices observe). ``extra_holidays`` is for regional days and any cuti bersama not yet in the
    package (see :func:`default_cuti_bersama`, :func:`parse_extra_holidays`).

    Working time is measured on the local wall clock between ``office_start`` and ``office_end`` (same day;
    overnight shifts are not supported).
    """

    office_start: time = time(8, 0)
    office_end: time = time(16, 0)
    workdays: frozenset[int] = frozenset({0, 1, 2, 3, 4})
    extra_holidays: frozenset[date] = frozenset()
    national_holidays: bool = True
    tz: ZoneInfo = WIT
    cuti_bersama: bool = True
    # Per-instance memo of is_working_day; excluded from eq/hash so two equal calendars stay equal.
    _day_cache: dict[date, bool] = field(default_factory=dict, init=False, repr=False, compare=False, hash=False)
    # The local days the column arithmetic has needed so far (a _DayTable), grown as starts and budgets ask.
    _days: list = field(default_factory=list, init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        # Accept sets/lists from configuration but store frozensets so the calendar stays hashable.
        object.__setattr__(self, "workdays", frozenset(self.workdays))
        object.__setattr__(self, "extra_holidays", frozenset(self.extra_holidays))
        if self.office_start.tzinfo is not None or self.office_end.tzinfo is not None:
            raise ValueError("office_start/office_end are local wall-clock times and must be naive")
        if not self.office_start < self.office_end:
            raise ValueError(f"office_start {self.office_start} must be before office_end {self.office_end}")
        if not self.workdays or not self.workdays <= frozenset(range(7)):
            raise ValueError(f"workdays must be a non-empty subset of 0..6 (Mon=0), got {sorted(self.workdays)}")
        for d in self.extra_holidays:
            if not isinstance(d, date) or isinstance(d, datetime):
                raise ValueError(f"extra_holidays must contain dates, got {d!r}")

    @cached_property
    def office_day_seconds(self) -> float:
        """Length of one office day in seconds (8 h = 28800 for 08:00-16:00)."""
        return self._office_day.total_seconds()

    @cached_property
    def _office_day(self) -> timedelta:
        anchor = date(2000, 1, 3)
        return datetime.combine(anchor, self.office_end) - datetime.combine(anchor, self.office_start)

    def is_working_day(self, d: date) -> bool:
        """True if the local date ``d`` is a workday that is neither a national/cuti bersama nor an extra holiday."""
        cached = self._day_cache.get(d)
        if cached is not None:
            return cached
        if isinstance(d, datetime):
            # A datetime's "date" depends on the zone it is expressed in; make the caller decide.
            raise TypeError("is_working_day takes a local date, not a datetime; use dt.astimezone(cal.tz).date()")
        result = (
            d.weekday() in self.workdays
            and d not in self.extra_holidays
            and d not in _holiday_dates(d.year, self.national_holidays, self.cuti_bersama)
        )
        self._day_cache[d] = result
        return result

    def _office_hours(self, d: date) -> tuple[datetime, datetime]:
        return datetime.combine(d, self.office_start, self.tz), datetime.combine(d, self.office_end, self.tz)

    def working_seconds_between(self, a: datetime, b: datetime) -> float:
        """Working seconds in the interval [a, b) on this calendar; 0 if ``b <= a``."""
        _require_aware(a, "a")
        _require_aware(b, "b")
        if b <= a:
            return 0.0
        lo_bound = a.astimezone(self.tz)
        hi_bound = b.astimezone(self.tz)
        total = _ZERO
        day = lo_bound.date()
        last = hi_bound.date()
        while day <= last:
            if self.is_working_day(day):
                opening, closing = self._office_hours(day)
                lo = lo_bound if lo_bound > opening else opening
                hi = hi_bound if hi_bound < closing else closing
                if hi > lo:
                    total += hi - lo
            day += _ONE_DAY
        # Summing timedeltas keeps microsecond exactness; floats only at the boundary.
        return total.total_seconds()

    def add_working_seconds(self, start: datetime, seconds: float) -> datetime:
        """The earliest instant ``t >= start`` with ``working_seconds_between(start, t) == seconds``, in UTC: the
        rule of :meth:`add_working_seconds_column` for one start."""
        _require_aware(start, "start")
        return moments(self.add_working_seconds_column(micros_column((start,)), seconds))[0]

    def add_working_seconds_column(self, starts: np.ndarray, seconds: float) -> np.ndarray:
        """:meth:`add_working_seconds` for a column of starts (``datetime64[us]``, UTC), all with one budget.

        A start outside office hours (evening, weekend, holiday) begins counting at the next opening. Exhausting
        the budget exactly at closing returns the closing time, not the next morning. ``seconds == 0`` returns the
        start. Every working day after the first is a whole office day: the budget runs out on the k-th working
        day after the start's (k office days rounded up), at its opening + what is left. Times are counted as
        instants, so a zone whose offset changes during office hours is not supported (Indonesia's do not).
        """
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"seconds must be a finite number >= 0, got {seconds!r}")
        t = np.asarray(starts, dtype="datetime64[us]").view("int64")
        budget = timedelta(seconds=seconds) // _MICROSECOND
        if budget == 0 or t.size == 0:
            return t.view("datetime64[us]")
        office = self._office_day // _MICROSECOND
        days = self._day_table(int(t.min()), int(t.max()), budget // office + 1)
        day = np.searchsorted(days.midnight, t, "right") - 1
        opening, closing = days.opening[day], days.closing[day]
        begin = np.maximum(t, opening)
        available = np.where(days.working[day] & (begin < closing), closing - begin, 0)
        after = budget - available  # what the later working days must give
        whole, rest = np.divmod(after, office)
        k, offset = np.where(rest == 0, whole, whole + 1), np.where(rest == 0, office, rest)
        nth = np.searchsorted(days.count, days.count[day] + k)  # the k-th working day after the start's
        later = days.opening[np.minimum(nth, len(days.opening) - 1)] + offset
        return np.where(after <= 0, begin + budget, later).view("datetime64[us]")

    def _day_table(self, first_us: int, last_us: int, working_days_after: int) -> _DayTable:
        """The local days from that of ``first_us`` to that of ``last_us`` and on until ``working_days_after``
        working days follow it; remembered and grown (an import asks over the same few hundred days)."""
        table = self._days[0] if self._days else None
        if (table is not None and table.midnight[0] <= first_us and last_us < table.end
                and table.working_after >= working_days_after):
            return table
        first, last = (moments(np.array([us], dtype="datetime64[us]"))[0].astimezone(self.tz).date()
                       for us in (first_us, last_us))
        if table is not None:  # grown with a margin, so that a series of starts does not rebuild it each time
            first, last = min(first, table.first) - 31 * _ONE_DAY, max(last, table.last) + 31 * _ONE_DAY
            working_days_after = max(working_days_after, table.working_after)
        days, idle = [first + i * _ONE_DAY for i in range((last - first).days + 2)], 0
        working = [self.is_working_day(d) for d in days]
        while sum(working[(last - first).days + 1:]) < working_days_after:
            days.append(days[-1] + _ONE_DAY)
            working.append(self.is_working_day(days[-1]))
            idle = 0 if working[-1] else idle + 1
            if idle > _MAX_IDLE_DAYS:
                raise ValueError(f"no working day within {_MAX_IDLE_DAYS} days after {days[-1] - idle * _ONE_DAY}")
        midnight, opening, closing = (micros_column([datetime.combine(d, at, self.tz) for d in days]).view("int64")
                                      for at in (time(0), self.office_start, self.office_end))
        count = np.cumsum(working)
        after = (last - first).days
        table = _DayTable(first, last, int(midnight[after + 1]), int(count[-1] - count[after]), midnight, opening,
                          closing, np.array(working), count)
        self._days[:] = [table]
        return table


class _DayTable(NamedTuple):
    """Local days in a row from ``first``: each one's midnight, opening and closing (µs since the epoch, UTC),
    whether it is a working day, and how many working days the table holds up to it."""

    first: date
    last: date  # the last day a start may fall on (more days follow for the budget)
    end: int  # the midnight after it
    working_after: int  # how many working days follow it
    midnight: np.ndarray
    opening: np.ndarray
    closing: np.ndarray
    working: np.ndarray
    count: np.ndarray


def micros_column(values) -> np.ndarray:
    """Aware times as a column of microseconds since the epoch, UTC (``datetime64[us]``)."""
    return np.array([(m - _EPOCH) // _MICROSECOND for m in values], dtype="int64").view("datetime64[us]")


def moments(column: np.ndarray) -> list[datetime]:
    """A ``datetime64`` column (UTC) as aware times."""
    return [m.replace(tzinfo=UTC) for m in np.asarray(column, dtype="datetime64[us]").tolist()]


def target_seconds(target: Target, calendar_kind: CalendarKind | str, workcal: WorkCalendar | None = None) -> float:
    """Budget of a target in seconds of the calendar's clock.

    "working": hours are working hours; working_days are ``amount`` office days (office-day length of ``workcal``,
    8 h by default). "24x7": hours are clock hours; working_days are ``amount`` x 24 h.
    """
    if calendar_kind == "working":
        if target.unit == "hours":
            return target.amount * 3600.0
        return target.amount * (workcal or _DEFAULT_CALENDAR).office_day_seconds
    if calendar_kind == "24x7":
        if target.unit == "hours":
            return target.amount * 3600.0
        return target.amount * 86400.0
    raise ValueError(f"calendar_kind must be one of {_CALENDAR_KINDS}, got {calendar_kind!r}")


_DEFAULT_CALENDAR = WorkCalendar()


def _merge_pauses(
    pauses: Sequence[tuple[datetime, datetime | None]], start: datetime, now: datetime | None
) -> list[tuple[datetime, datetime]]:
    intervals: list[tuple[datetime, datetime]] = []
    for i, pause in enumerate(pauses):
        p_start, p_end = pause
        _require_aware(p_start, f"pauses[{i}] start")
        if p_end is None:
            if now is None:
                raise ValueError(f"pauses[{i}] is open (end None); pass now= to count it up to the present")
            p_end = now
        else:
            _require_aware(p_end, f"pauses[{i}] end")
            if p_end < p_start:
                raise ValueError(f"pauses[{i}] ends ({p_end.isoformat()}) before it starts ({p_start.isoformat()})")
        # Time paused before the report existed cannot have stopped its clock.
        p_start = max(p_start, start)
        if p_end > p_start:
            intervals.append((p_start.astimezone(UTC), p_end.astimezone(UTC)))
    intervals.sort()
    merged: list[tuple[datetime, datetime]] = []
    for p_start, p_end in intervals:
        # Overlapping ditunda rows (e.g. a duplicate status event) must not stop the clock twice.
        if merged and p_start <= merged[-1][1]:
            if p_end > merged[-1][1]:
                merged[-1] = (merged[-1][0], p_end)
        else:
            merged.append((p_start, p_end))
    return merged


def due_at(
    start: datetime,
    target: Target,
    calendar_kind: CalendarKind | str,
    workcal: WorkCalendar,
    pauses: Sequence[tuple[datetime, datetime | None]] = (),
    now: datetime | None = None,
) -> datetime:
    """Due time (aware UTC) of ``target`` for a report whose clock starts at ``start``.

    Calendars:
      * "working": the budget is working time on ``workcal``. A start outside office hours begins at the next
        opening; weekends, national holidays, cuti bersama and ``extra_holidays`` do not count. Example with office
        08:00-16:00 WIT and 1 working day (= 8 working hours): a report created Friday 15:00 WIT uses 1 h on Friday
        and 7 h on Monday, so it is due Monday 15:00 WIT (06:00 UTC). 3 working days from the same Friday is due
        Wednesday 15:00 WIT. Running out exactly at closing gives 16:00 that day, not the next morning.
      * "24x7": plain elapsed time (working_days = 24 h each).

    Pauses (status ``ditunda``) stop the clock: each ``(pause_start, pause_end)`` extends the due time by the paused
    time that counts on the calendar (clock time for "24x7", working time for "working", so a pause over a weekend
    adds nothing for the weekend itself). Pauses are applied in start order and only count if they start strictly
    before the due time as extended so far; a pause after the deadline cannot rescue a breach. Overlapping pauses are
    merged and parts before ``start`` ignored. An open pause (end None) counts up to ``now``, which is then required;
    the due time therefore moves forward while a report stays paused.
    """
    _require_aware(start, "start")
    if now is not None:
        _require_aware(now, "now")
    due = moments(due_at_column(micros_column((start,)), target, calendar_kind, workcal))[0]
    if not pauses:
        return due
    working = calendar_kind == "working"
    for p_start, p_end in _merge_pauses(pauses, start, now):
        if p_start >= due:
            # Sorted by start, so every later pause also starts after the deadline.
            break
        if working:
            paused = workcal.working_seconds_between(p_start, p_end)
            if paused > 0:
                due = workcal.add_working_seconds(due, paused)
        else:
            due = due + (p_end - p_start)
    return due


def due_at_column(starts: np.ndarray, target: Target, calendar_kind: CalendarKind | str,
                  workcal: WorkCalendar) -> np.ndarray:
    """Due times of ``target`` for a column of starts (``datetime64[us]``, UTC) of reports never held: the rule
    :func:`due_at` applies before any pause, for many reports at once (an import's new reports)."""
    budget = target_seconds(target, calendar_kind, workcal)
    if calendar_kind == "working":
        return workcal.add_working_seconds_column(starts, budget)
    return np.asarray(starts, dtype="datetime64[us]") + np.timedelta64(timedelta(seconds=budget) // _MICROSECOND, "us")


# Cuti bersama from the SKB 3 Menteri (Menteri Agama, Menteri Ketenagakerjaan, MenPAN-RB):
#   2025: SKB No. 1017/2024, 2/2024, 2/2024 (signed 14 Oct 2024, 10 days) plus Monday 18 Aug 2025 added by the
#         government in Aug 2025 for the 80th Independence Day.
#   2026: SKB No. 1497/2025, 2/2025, 5/2025 (signed 19 Sep 2025, 8 days).
# holidays 0.109 ships exactly these in its GOVERNMENT category for Indonesia, so default_cuti_bersama() returns
# only what an installed package lacks (normally nothing) and the list is a fallback, not a second source of truth.
_SKB_CUTI_BERSAMA: frozenset[date] = frozenset(
    {
        date(2025, 1, 28),  # Imlek
        date(2025, 3, 28),  # Nyepi
        date(2025, 4, 2),  # Idul Fitri
        date(2025, 4, 3),
        date(2025, 4, 4),
        date(2025, 4, 7),
        date(2025, 5, 13),  # Waisak
        date(2025, 5, 30),  # Kenaikan Yesus Kristus
        date(2025, 6, 9),  # Idul Adha
        date(2025, 8, 18),  # HUT RI ke-80
        date(2025, 12, 26),  # Natal
        date(2026, 2, 16),  # Imlek
        date(2026, 3, 18),  # Nyepi
        date(2026, 3, 20),  # Idul Fitri
        date(2026, 3, 23),
        date(2026, 3, 24),
        date(2026, 5, 15),  # Kenaikan Yesus Kristus
        date(2026, 5, 28),  # Idul Adha
        date(2026, 12, 24),  # Natal
    }
)


def default_cuti_bersama() -> frozenset[date]:
    """SKB 3 Menteri cuti bersama 2025-2026 that the installed ``holidays`` package does not already provide.

    Empty with holidays 0.109 (its GOVERNMENT category has them all). Feed the result into
    ``WorkCalendar(extra_holidays=...)``.
    """
    provided: set[date] = set()
    for year in {d.year for d in _SKB_CUTI_BERSAMA}:
        provided |= _holiday_dates(year, True, True)
    return frozenset(_SKB_CUTI_BERSAMA - provided)


def work_calendar(settings: Settings) -> WorkCalendar:
    """The regency's working calendar from its settings: office hours, and extra days off on top of the
    national holidays and cuti bersama."""
    if settings.office_end <= settings.office_start:
        raise SettingsError("OFFICE_END must be after OFFICE_START")
    return WorkCalendar(office_start=settings.office_start, office_end=settings.office_end,
                        extra_holidays=default_cuti_bersama() | settings.extra_holidays)
