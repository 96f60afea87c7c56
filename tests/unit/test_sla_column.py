"""The rule book's due times for a column of starts (an import's chunk) agree with a plain day-by-day walk and with
the per-report answers, over weekends, holidays, cuti bersama, office hours and their edges."""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

import numpy as np
import pytest

from data_access.rulebook.sla import (
    UTC,
    WIT,
    SlaPolicy,
    Target,
    WorkCalendar,
    due_at,
    due_at_column,
    micros_column,
    moments,
    target_seconds,
)
from data_access.rulebook.status_change import SlaClock, arrival, arrivals

CALENDARS = {
    "default": WorkCalendar(),
    "early-office": WorkCalendar(office_start=time(7, 30), office_end=time(15, 0)),
    "six-day-week": WorkCalendar(workdays=frozenset(range(6))),
    "extra-holidays": WorkCalendar(extra_holidays=frozenset({date(2025, 12, 29), date(2025, 12, 30),
                                                             date(2026, 1, 2)})),
    "no-national-holidays": WorkCalendar(national_holidays=False, cuti_bersama=False),
}
TARGETS = [Target(0, "hours"), Target(1, "hours"), Target(2.5, "hours"), Target(8, "hours"),
           Target(1, "working_days"), Target(3, "working_days"), Target(5, "working_days"), Target(0.5, "working_days"),
           Target(60, "working_days"), Target(24 * 60, "hours")]


def walked_due(cal: WorkCalendar, start: datetime, seconds: float) -> datetime:
    """The earliest instant with ``seconds`` of office time since ``start``: a walk over local days (test twin)."""
    remaining = timedelta(seconds=seconds)
    if not remaining:
        return start.astimezone(UTC)
    cursor = start.astimezone(WIT)
    day = cursor.date()
    while True:
        if cal.is_working_day(day):
            opening = datetime.combine(day, cal.office_start, WIT)
            closing = datetime.combine(day, cal.office_end, WIT)
            begin = max(cursor, opening)
            if begin < closing:
                if remaining <= closing - begin:
                    return (begin + remaining).astimezone(UTC)
                remaining -= closing - begin
        day += timedelta(days=1)


def starts(rng: random.Random, cal: WorkCalendar, n: int) -> list[datetime]:
    """Random instants over 2025-2026 (Idul Fitri, cuti bersama, year ends), microseconds included, and the edges:
    openings, closings, local midnights, a microsecond either side of them."""
    out = []
    for _ in range(n):
        out.append(datetime(2025, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(2 * 365 * 86400),
                                                                microseconds=rng.randrange(1_000_000)))
        day = date(2025, 1, 1) + timedelta(days=rng.randrange(2 * 365))
        edge = datetime.combine(day, rng.choice([cal.office_start, cal.office_end, time(0)]), WIT)
        out.append(edge + rng.choice([timedelta(0), timedelta(microseconds=1), -timedelta(microseconds=1)]))
    return out


@pytest.mark.parametrize("name", list(CALENDARS))
def test_column_agrees_with_the_day_walk_and_each_start(name: str) -> None:
    """For every target on both clocks, the column's due times equal a day-by-day walk and due_at per start."""
    cal = CALENDARS[name]
    rng = random.Random(name)
    moments_in = starts(rng, cal, 400)
    for target in TARGETS:
        for kind in ("working", "24x7"):
            column = moments(due_at_column(micros_column(moments_in), target, kind, cal))
            seconds = target_seconds(target, kind, cal)
            if kind == "working":
                expected = [walked_due(cal, s, seconds) for s in moments_in]
            else:
                expected = [s.astimezone(UTC) + timedelta(seconds=seconds) for s in moments_in]
            assert column == expected, (name, target, kind)
            assert column == [due_at(s, target, kind, cal) for s in moments_in], (name, target, kind)


def test_fresh_calendar_in_any_order_gives_the_same_answers() -> None:
    """The remembered day table grows in any order of starts and budgets without changing an answer."""
    rng = random.Random(5)
    moments_in = starts(rng, CALENDARS["default"], 300)
    reference = [walked_due(CALENDARS["default"], s, 3 * 28800) for s in moments_in]
    cal = WorkCalendar()
    for s, expected in zip(moments_in, reference, strict=True):  # one at a time, each growing the table
        assert cal.add_working_seconds(s, 3 * 28800) == expected
        assert cal.add_working_seconds(s, 60 * 28800) == walked_due(cal, s, 60 * 28800)
    shuffled = list(zip(moments_in, reference, strict=True))
    rng.shuffle(shuffled)
    cal = WorkCalendar()
    got = moments(cal.add_working_seconds_column(micros_column([s for s, _ in shuffled]), 3 * 28800))
    assert got == [expected for _, expected in shuffled]


def test_arrivals_of_mixed_policies_equal_arrival_per_report() -> None:
    """An import's chunk of new reports under several policies gets the times arrival gives each one."""
    cal = WorkCalendar()
    policies = [SlaPolicy("a", "A", Target(3, "working_days"), Target(60, "working_days"), "working"),
                SlaPolicy("b", "B", Target(1, "hours"), Target(24, "hours"), "24x7"),
                SlaPolicy("c", "C", Target(4, "hours"), Target(5, "working_days"), "working")]
    clocks = [SlaClock(p, cal) for p in policies]
    rng = random.Random(3)
    created = starts(rng, cal, 300)
    chosen = [rng.choice(clocks) for _ in created]
    assert arrivals(created, chosen) == [arrival(c, clock) for c, clock in zip(created, chosen, strict=True)]
    assert arrivals([], []) == []


def test_column_inputs_are_checked() -> None:
    """A negative or infinite budget is refused for a column as for one start; an empty column stays empty."""
    column = micros_column([datetime(2026, 3, 2, 1, tzinfo=UTC)])
    for bad in (-1, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="seconds must be a finite number >= 0"):
            WorkCalendar().add_working_seconds_column(column, bad)
    assert WorkCalendar().add_working_seconds_column(np.array([], dtype="datetime64[us]"), 3600).size == 0
