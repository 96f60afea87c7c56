"""Tests for data_access.rulebook.sla: the SLA clock shown to the Bupati."""

from __future__ import annotations

import random
import re
import time as time_mod
from datetime import date, datetime, time, timedelta

import holidays
import pytest

from data_access.rulebook.sla import (
    UTC,
    WIT,
    SlaPolicy,
    Target,
    WorkCalendar,
    default_cuti_bersama,
    due_at,
    parse_extra_holidays,
    target_seconds,
)
from tests.support.rule_twins import sla_state

CAL = WorkCalendar()


def wit(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=WIT)


def utc(y: int, mo: int, d: int, h: int = 0, mi: int = 0, s: int = 0) -> datetime:
    return datetime(y, mo, d, h, mi, s, tzinfo=UTC)


WD = Target(1, "working_days")


# --- working-calendar due times -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "target", "expected"),
    [
        pytest.param(wit(2026, 3, 6, 15), WD, wit(2026, 3, 9, 15), id="fri-15h-1wd-to-mon-15h"),
        pytest.param(wit(2026, 3, 6, 15), Target(3, "working_days"), wit(2026, 3, 11, 15), id="fri-15h-3wd-to-wed"),
        pytest.param(wit(2026, 3, 6, 16), WD, wit(2026, 3, 9, 16), id="fri-at-closing-to-mon-closing"),
        pytest.param(wit(2026, 3, 5, 8), Target(8, "hours"), wit(2026, 3, 5, 16), id="exhausted-at-closing-same-day"),
        pytest.param(wit(2026, 3, 3, 18, 30), Target(4, "hours"), wit(2026, 3, 4, 12), id="after-hours-next-opening"),
        pytest.param(wit(2026, 3, 4, 6), Target(2, "hours"), wit(2026, 3, 4, 10), id="before-opening-same-day"),
        pytest.param(wit(2026, 3, 7, 10), WD, wit(2026, 3, 9, 16), id="saturday-report-counts-from-monday"),
        pytest.param(wit(2026, 3, 8, 23, 59), Target(30, "hours"), wit(2026, 3, 12, 14), id="sunday-30-working-hours"),
        pytest.param(wit(2026, 3, 2, 9), Target(0.5, "hours"), wit(2026, 3, 2, 9, 30), id="fractional-hours"),
        pytest.param(wit(2026, 3, 2, 9), Target(0, "hours"), wit(2026, 3, 2, 9), id="zero-target-is-start"),
        pytest.param(
            wit(2026, 8, 14, 12), WD, wit(2026, 8, 18, 12), id="independence-day-2026-08-17-skipped"
        ),
        pytest.param(
            wit(2025, 12, 24, 14), WD, wit(2025, 12, 29, 14), id="christmas-2025-and-cuti-bersama-26-skipped"
        ),
        pytest.param(
            wit(2026, 12, 23, 15), Target(2, "hours"), wit(2026, 12, 28, 9), id="cuti-bersama-2026-12-24-skipped"
        ),
        pytest.param(wit(2026, 3, 17, 12), WD, wit(2026, 3, 25, 12), id="idul-fitri-2026-block-18-to-24-march"),
        pytest.param(
            wit(2025, 12, 1, 8), Target(60, "working_days"), wit(2026, 3, 2, 16), id="60wd-across-year-end"
        ),
    ],
)
def test_due_at_working_calendar(start: datetime, target: Target, expected: datetime) -> None:
    """Working-calendar due times skip nights, weekends, national holidays and cuti bersama, and return UTC."""
    due = due_at(start, target, "working", CAL)
    assert due == expected
    assert due.tzinfo is UTC


@pytest.mark.parametrize(
    ("start_utc", "target", "expected_wit"),
    [
        # 16:30 UTC Monday is 01:30 WIT Tuesday: a UTC-date calendar would wrongly count Monday.
        pytest.param(utc(2026, 3, 2, 16, 30), WD, wit(2026, 3, 3, 16), id="mon-16h30-utc-is-tue-01h30-wit"),
        pytest.param(utc(2026, 3, 2, 14, 59), WD, wit(2026, 3, 3, 16), id="mon-14h59-utc-is-mon-23h59-wit"),
        pytest.param(utc(2026, 3, 2, 15, 0), WD, wit(2026, 3, 3, 16), id="15h-utc-is-wit-midnight"),
        # Friday 15:30 UTC is already Saturday in Timika.
        pytest.param(utc(2026, 3, 6, 15, 30), Target(2, "hours"), wit(2026, 3, 9, 10), id="fri-utc-is-sat-wit"),
        # Friday 06:00 UTC is Friday 15:00 WIT: the canonical example, given as stored.
        pytest.param(utc(2026, 3, 6, 6, 0), WD, wit(2026, 3, 9, 15), id="stored-utc-friday-example"),
    ],
)
def test_due_at_wit_midnight_vs_utc(start_utc: datetime, target: Target, expected_wit: datetime) -> None:
    """Days and office hours are taken in WIT, not UTC, so WIT midnight is 15:00 UTC the day before."""
    due = due_at(start_utc, target, "working", CAL)
    assert due == expected_wit
    assert due == expected_wit.astimezone(UTC)


@pytest.mark.parametrize(
    ("start", "target", "expected"),
    [
        pytest.param(wit(2026, 3, 6, 20), Target(48, "hours"), wit(2026, 3, 8, 20), id="48h-over-weekend"),
        pytest.param(wit(2026, 3, 6, 20), Target(2, "working_days"), wit(2026, 3, 8, 20), id="2wd-is-48h"),
        pytest.param(wit(2026, 8, 16, 9), Target(24, "hours"), wit(2026, 8, 17, 9), id="holidays-ignored"),
        pytest.param(utc(2026, 3, 2, 16, 30), Target(1.5, "hours"), utc(2026, 3, 2, 18), id="fractional-clock-hours"),
    ],
)
def test_due_at_24x7(start: datetime, target: Target, expected: datetime) -> None:
    """24x7 policies count plain clock time through nights, weekends and holidays."""
    due = due_at(start, target, "24x7", CAL)
    assert due == expected
    assert due.tzinfo is UTC


# --- pauses (ditunda) ----------------------------------------------------------------------------------------------

MON = wit(2026, 3, 2, 8)  # Monday 2 March 2026 08:00 WIT, an ordinary working week


@pytest.mark.parametrize(
    ("kind", "start", "target", "pauses", "now", "expected"),
    [
        pytest.param(
            "24x7", MON, Target(24, "hours"), [(wit(2026, 3, 2, 10), wit(2026, 3, 2, 14))], None,
            wit(2026, 3, 3, 12), id="24x7-pause-adds-clock-time",
        ),
        pytest.param(
            "24x7", wit(2026, 3, 6, 9), Target(72, "hours"), [(wit(2026, 3, 7, 10), wit(2026, 3, 8, 18))], None,
            wit(2026, 3, 10, 17), id="24x7-weekend-pause-adds-32h",
        ),
        pytest.param(
            "working", wit(2026, 3, 6, 15), WD, [(wit(2026, 3, 7, 10), wit(2026, 3, 8, 18))], None,
            wit(2026, 3, 9, 15), id="working-weekend-pause-adds-nothing",
        ),
        pytest.param(
            "working", wit(2026, 3, 6, 15), WD, [(wit(2026, 3, 6, 15, 30), wit(2026, 3, 9, 9))], None,
            wit(2026, 3, 10, 8, 30), id="working-pause-fri-to-mon-adds-1h30-working",
        ),
        pytest.param(
            "working", MON, WD, [(wit(2026, 3, 2, 12), None)], wit(2026, 3, 3, 10),
            wit(2026, 3, 3, 14), id="open-pause-counts-up-to-now",
        ),
        pytest.param(
            "24x7", MON, Target(4, "hours"), [(wit(2026, 3, 2, 13), wit(2026, 3, 2, 15))], None,
            wit(2026, 3, 2, 12), id="pause-after-due-ignored",
        ),
        pytest.param(
            "24x7", MON, Target(4, "hours"), [(wit(2026, 3, 2, 12), wit(2026, 3, 2, 15))], None,
            wit(2026, 3, 2, 12), id="pause-starting-exactly-at-due-ignored",
        ),
        pytest.param(
            "24x7", MON, Target(4, "hours"), [(wit(2026, 3, 2, 11), wit(2026, 3, 2, 15))], None,
            wit(2026, 3, 2, 16), id="pause-straddling-due-counts-fully",
        ),
        pytest.param(
            "24x7", MON, Target(4, "hours"),
            [(wit(2026, 3, 2, 12, 30), wit(2026, 3, 2, 13, 30)), (wit(2026, 3, 2, 10), wit(2026, 3, 2, 11))], None,
            wit(2026, 3, 2, 14), id="second-pause-counts-against-extended-due",
        ),
        pytest.param(
            "24x7", MON, Target(4, "hours"),
            [(wit(2026, 3, 2, 9), wit(2026, 3, 2, 11)), (wit(2026, 3, 2, 10), wit(2026, 3, 2, 12))], None,
            wit(2026, 3, 2, 15), id="overlapping-pauses-merged",
        ),
        pytest.param(
            "24x7", MON, Target(4, "hours"), [(wit(2026, 3, 2, 6), wit(2026, 3, 2, 9))], None,
            wit(2026, 3, 2, 13), id="pause-part-before-start-clipped",
        ),
        pytest.param(
            "working", wit(2026, 3, 17, 9), Target(2, "hours"), [(wit(2026, 3, 17, 10), wit(2026, 3, 25, 9))], None,
            wit(2026, 3, 25, 10), id="working-pause-over-idul-fitri-block",
        ),
    ],
)
def test_due_at_with_pauses(
    kind: str,
    start: datetime,
    target: Target,
    pauses: list[tuple[datetime, datetime | None]],
    now: datetime | None,
    expected: datetime,
) -> None:
    """Ditunda pauses extend the due time by calendar-counted paused time, only if they start before the due time."""
    assert due_at(start, target, kind, CAL, pauses=pauses, now=now) == expected


def test_open_pause_moves_due_forward_as_time_passes() -> None:
    """While a report stays paused its due time keeps moving: each extra paused working hour adds one."""
    pauses = [(wit(2026, 3, 2, 12), None)]
    earlier = due_at(MON, WD, "working", CAL, pauses=pauses, now=wit(2026, 3, 2, 13))
    later = due_at(MON, WD, "working", CAL, pauses=pauses, now=wit(2026, 3, 2, 14))
    assert later - earlier == timedelta(hours=1)


@pytest.mark.parametrize(
    ("pauses", "now", "message"),
    [
        pytest.param([(wit(2026, 3, 2, 9), None)], None, "open", id="open-pause-without-now"),
        pytest.param([(wit(2026, 3, 2, 9), wit(2026, 3, 2, 8, 30))], None, "before it starts", id="end-before-start"),
    ],
)
def test_due_at_rejects_bad_pauses(pauses: list, now: datetime | None, message: str) -> None:
    """Open pauses need `now`, and a pause ending before it starts is a data error, not silently zero."""
    with pytest.raises(ValueError, match=message):
        due_at(MON, WD, "working", CAL, pauses=pauses, now=now)


# --- calendar primitives -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cal", "day", "expected"),
    [
        pytest.param(CAL, date(2026, 3, 2), True, id="ordinary-monday"),
        pytest.param(CAL, date(2026, 3, 7), False, id="saturday"),
        pytest.param(CAL, date(2026, 8, 17), False, id="independence-day-2026"),
        pytest.param(CAL, date(2025, 12, 25), False, id="christmas-2025"),
        pytest.param(CAL, date(2025, 12, 26), False, id="cuti-bersama-natal-2025"),
        pytest.param(CAL, date(2026, 3, 20), False, id="cuti-bersama-idul-fitri-2026"),
        pytest.param(CAL, date(2026, 12, 24), False, id="cuti-bersama-natal-2026"),
        pytest.param(WorkCalendar(cuti_bersama=False), date(2026, 3, 20), True, id="cuti-bersama-can-be-disabled"),
        pytest.param(WorkCalendar(national_holidays=False), date(2026, 8, 17), True, id="national-can-be-disabled"),
        pytest.param(
            WorkCalendar(extra_holidays=parse_extra_holidays("2026-03-04")), date(2026, 3, 4), False,
            id="extra-regional-holiday",
        ),
        pytest.param(WorkCalendar(workdays=frozenset(range(6))), date(2026, 3, 7), True, id="six-day-week"),
    ],
)
def test_is_working_day(cal: WorkCalendar, day: date, expected: bool) -> None:
    """Working days exclude weekends, national holidays, cuti bersama (GOVERNMENT) and configured extras."""
    assert cal.is_working_day(day) is expected


def test_holidays_package_has_indonesian_cuti_bersama() -> None:
    """The installed holidays package ships cuti bersama as GOVERNMENT, so no hand-kept fallback dates are needed."""
    assert holidays.GOVERNMENT in holidays.Indonesia.supported_categories
    assert default_cuti_bersama() == frozenset()


@pytest.mark.parametrize(
    ("a", "b", "expected_hours"),
    [
        pytest.param(wit(2026, 3, 6, 15), wit(2026, 3, 9, 15), 8, id="fri-15h-to-mon-15h"),
        pytest.param(wit(2026, 3, 9, 15), wit(2026, 3, 6, 15), 0, id="reversed-is-zero"),
        pytest.param(wit(2026, 3, 7, 0), wit(2026, 3, 9, 0), 0, id="weekend-only"),
        pytest.param(wit(2026, 3, 2, 7), wit(2026, 3, 2, 17), 8, id="whole-office-day"),
        pytest.param(utc(2026, 3, 2, 15), utc(2026, 3, 3, 15), 8, id="one-wit-day-in-utc"),
        pytest.param(wit(2026, 3, 17, 0), wit(2026, 3, 26, 0), 16, id="idul-fitri-week-only-17-and-25"),
    ],
)
def test_working_seconds_between(a: datetime, b: datetime, expected_hours: float) -> None:
    """working_seconds_between counts only office hours on working days, in WIT."""
    assert CAL.working_seconds_between(a, b) == expected_hours * 3600


def _brute_force_minutes(cal: WorkCalendar, a: datetime, b: datetime) -> int:
    minutes = 0
    t = a.astimezone(WIT)
    end = b.astimezone(WIT)
    while t < end:
        if cal.is_working_day(t.date()) and cal.office_start <= t.time() < cal.office_end:
            minutes += 1
        t += timedelta(minutes=1)
    return minutes


def test_working_seconds_between_matches_minute_brute_force() -> None:
    """The day-based sum agrees with a naive minute-by-minute count over random spans in 2025-2026."""
    rng = random.Random(1)
    base = utc(2025, 1, 1)
    for _ in range(25):
        a = base + timedelta(minutes=rng.randrange(2 * 366 * 24 * 60))
        b = a + timedelta(minutes=rng.randrange(7 * 24 * 60))
        assert CAL.working_seconds_between(a, b) == _brute_force_minutes(CAL, a, b) * 60


def test_add_working_seconds_inverse_property() -> None:
    """working_seconds_between(a, add_working_seconds(a, s)) == s, and the result lies inside office hours."""
    rng = random.Random(1)
    base = utc(2025, 1, 1)
    for _ in range(400):
        a = base + timedelta(seconds=rng.randrange(3 * 365 * 86400), microseconds=rng.randrange(1_000_000))
        s = rng.randrange(60 * 8 * 3600) + rng.randrange(1_000_000) / 1_000_000
        due = CAL.add_working_seconds(a, s)
        assert due.tzinfo is UTC
        assert due >= a
        assert CAL.working_seconds_between(a, due) == pytest.approx(s, abs=1e-6)
        local = due.astimezone(WIT)
        # Earliest-instant semantics: a positive budget never ends in the night or on a day off.
        assert CAL.is_working_day(local.date())
        assert time(8, 0) < local.time() <= time(16, 0)


def test_sixty_working_days_is_fast() -> None:
    """A 60-working-day resolution target is computed day by day, not minute by minute (1000 calls well under 2 s)."""
    started = time_mod.perf_counter()
    for i in range(1000):
        due_at(wit(2025, 11, 3, 8) + timedelta(minutes=i), Target(60, "working_days"), "working", CAL)
    assert time_mod.perf_counter() - started < 2.0


# --- targets, policies and states ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("target", "kind", "cal", "expected"),
    [
        pytest.param(Target(4, "hours"), "working", None, 4 * 3600, id="working-hours"),
        pytest.param(Target(3, "working_days"), "working", None, 3 * 8 * 3600, id="working-days-8h-office"),
        pytest.param(
            Target(1, "working_days"), "working", WorkCalendar(office_start=time(7, 30), office_end=time(15, 0)),
            7.5 * 3600, id="working-days-custom-office",
        ),
        pytest.param(Target(4, "hours"), "24x7", None, 4 * 3600, id="24x7-hours"),
        pytest.param(Target(2, "working_days"), "24x7", None, 2 * 86400, id="24x7-days-are-24h"),
    ],
)
def test_target_seconds(target: Target, kind: str, cal: WorkCalendar | None, expected: float) -> None:
    """Targets convert to seconds of the calendar's own clock."""
    assert target_seconds(target, kind, cal) == expected


@pytest.mark.parametrize(
    ("build", "says"),
    [
        pytest.param(lambda: Target(-1, "hours"), "Target.amount must be", id="negative-target"),
        pytest.param(lambda: Target(1, "days"), "Target.unit must be one of", id="unknown-unit"),
        pytest.param(lambda: target_seconds(Target(1, "hours"), "office"), "calendar_kind must be one of",
                     id="unknown-calendar-kind"),
        pytest.param(lambda: SlaPolicy("X", "x", WD, WD, "weekdays"), "calendar must be one of",
                     id="policy-unknown-calendar"),
        pytest.param(lambda: WorkCalendar(office_start=time(16), office_end=time(8)), "must be before office_end",
                     id="office-hours-reversed"),
        pytest.param(lambda: WorkCalendar(workdays=frozenset()), "workdays must be a non-empty",
                     id="no-workdays"),
        pytest.param(lambda: CAL.add_working_seconds(MON, -1), "seconds must be a finite number >= 0",
                     id="negative-seconds"),
    ],
)
def test_invalid_configuration_rejected(build, says: str) -> None:
    """Impossible targets, policies and calendars fail loudly instead of producing a wrong deadline: each with
    the error about itself, not some other ValueError on the way."""
    with pytest.raises(ValueError, match=re.escape(says)):
        build()


DUE = utc(2026, 3, 2, 7)  # Monday 16:00 WIT
WINDOW = timedelta(hours=2)


@pytest.mark.parametrize(
    ("due", "done", "now", "expected"),
    [
        pytest.param(None, None, DUE, None, id="no-due-no-state"),
        pytest.param(None, DUE, DUE, None, id="no-due-even-if-done"),
        pytest.param(DUE, DUE - timedelta(hours=1), DUE + timedelta(days=3), "on_time", id="done-early"),
        pytest.param(DUE, DUE, DUE + timedelta(days=3), "on_time", id="done-exactly-at-due"),
        pytest.param(DUE, DUE + timedelta(seconds=1), DUE + timedelta(days=3), "breached", id="done-late"),
        pytest.param(DUE, None, DUE + timedelta(seconds=1), "breached", id="open-past-due"),
        pytest.param(DUE, None, DUE, "at_risk", id="open-now-equals-due"),
        pytest.param(DUE, None, DUE - WINDOW, "at_risk", id="open-window-boundary"),
        pytest.param(DUE, None, DUE - WINDOW - timedelta(seconds=1), "on_time", id="open-before-window"),
        pytest.param(DUE, None, DUE.astimezone(WIT) - timedelta(hours=1), "at_risk", id="mixed-zones-compare-instants"),
    ],
)
def test_sla_state(due: datetime | None, done: datetime | None, now: datetime, expected: str | None) -> None:
    """sla_state covers every branch, with equality at due and at the window edge resolved as documented."""
    assert sla_state(due, done, now, WINDOW) == expected


# --- naive datetimes and configuration parsing ---------------------------------------------------------------------

NAIVE = datetime(2026, 3, 2, 8)


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(lambda: due_at(NAIVE, WD, "working", CAL), id="due_at-start"),
        pytest.param(lambda: due_at(MON, WD, "24x7", CAL, pauses=[(NAIVE, None)], now=MON), id="due_at-pause"),
        pytest.param(lambda: due_at(MON, WD, "working", CAL, now=NAIVE), id="due_at-now"),
        pytest.param(lambda: CAL.add_working_seconds(NAIVE, 60), id="add_working_seconds"),
        pytest.param(lambda: CAL.working_seconds_between(MON, NAIVE), id="working_seconds_between"),
        pytest.param(lambda: sla_state(MON, None, NAIVE, WINDOW), id="sla_state-now"),
        pytest.param(lambda: sla_state(NAIVE, None, MON, WINDOW), id="sla_state-due"),
    ],
)
def test_naive_datetime_rejected(call) -> None:
    """Naive datetimes are refused: the store layer must say whether a time is UTC or WIT."""
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", frozenset(), id="empty"),
        pytest.param("2026-12-24,2026-12-31", frozenset({date(2026, 12, 24), date(2026, 12, 31)}), id="comma-list"),
        pytest.param(" 2026-12-24 ;\n2026-12-24, ", frozenset({date(2026, 12, 24)}), id="spaces-dupes-trailing"),
    ],
)
def test_parse_extra_holidays(text: str, expected: frozenset[date]) -> None:
    """Configured extra holidays parse from a comma/semicolon/whitespace separated YYYY-MM-DD list."""
    assert parse_extra_holidays(text) == expected


@pytest.mark.parametrize(
    ("text", "bad_item"),
    [
        pytest.param("2026-12-24,24-12-2026", "24-12-2026", id="day-first"),
        pytest.param("2026-13-01", "2026-13-01", id="month-13"),
        pytest.param("2026-02-30", "2026-02-30", id="feb-30"),
        pytest.param("20261224", "20261224", id="basic-iso-not-accepted"),
        pytest.param("2026-12-24,natal", "natal", id="word"),
    ],
)
def test_parse_extra_holidays_errors(text: str, bad_item: str) -> None:
    """A bad item raises ValueError whose message names that item."""
    with pytest.raises(ValueError, match=re.escape(repr(bad_item))):
        parse_extra_holidays(text)
