"""Facts of whole WIT days that no clock changes, remembered between refreshes until a report of that day changes.

The wall's window figures (compliance met/decided, the medians' durations, reports per district) sum over
the reports created in a 30-day window: tens of thousands of rows at 1M reports, hundreds of thousands at 10M,
read again on every store change although a new report changes only today. Here each whole WIT day's part is
computed once by SQL and kept; the partial days at the window's edges are always computed afresh, and so is
everything that depends on ``now`` (the callers keep those out of what they remember). Days missing together (a
cold start, a day dropped with its neighbours) are read by one statement grouped by day (DayPart.by_day), not
one a day.

A remembered day is dropped as soon as a report created that day may have changed. Before answering, the store is
asked what changed since the last answer, three index look-ups when nothing did:

* reports with a higher id than the last seen (new, or inserted straight into the table);
* reports whose ``updated_at`` is later than the last seen (every writer stamps the moment of its write);
* reports with a timeline event of a higher id than the last seen (every state change writes one, whatever
  time it carries: the simulator catching up and backdated Open311 posts write past times).

The day is the report's creation day, which no writer changes. A store whose highest ids went down was reset:
everything is dropped. Anything else (a hand-made UPDATE that neither stamps ``updated_at`` nor writes an event)
is caught by the age limit: no day is reused after ``MAX_AGE``. tests/store/test_settled_days.py proves the
answers equal the uncached ones after every kind of write.
"""

from __future__ import annotations

import threading
import time as clock
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import ColumnElement, Connection, Engine, Select, func, literal, select, union
from sqlalchemy.exc import DBAPIError

from data_access.rulebook.sla import WIT
from data_access.store.schema import Report, ReportEvent
from data_access.store.sqlfuncs import wit_date, wit_month

MAX_AGE_SECONDS = 15 * 60
MAX_ENTRIES = 50_000
# Days of durations (the medians) weigh 8 bytes a report: at 10M reports a 30-day window is about 5 MB a view.
MAX_BYTES = 256 * 2**20
MAX_LATEST = 64  # whole snapshots (open reports of a view): one per view on the screens


def day_start(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=WIT)


def next_period(day: date, grain: str = "day") -> date:
    """The next day, or for grain "month" the first of the next month."""
    if grain == "month":
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day + timedelta(days=1)


def _runs(days: list[date], grain: str) -> list[list[date]]:
    """``days`` (in order) cut into runs of consecutive days, or months."""
    runs: list[list[date]] = []
    for day in days:
        if runs and next_period(runs[-1][-1], grain) == day:
            runs[-1].append(day)
        else:
            runs.append([day])
    return runs


def split_days(start: datetime, end: datetime) -> tuple[list[date], list[tuple[datetime, datetime]]]:
    """The whole WIT days inside [start, end), and the partial ranges left over at either end."""
    first = start.astimezone(WIT).date()
    if day_start(first) < start:
        first += timedelta(days=1)
    days = []
    d = first
    while day_start(d + timedelta(days=1)) <= end:
        days.append(d)
        d += timedelta(days=1)
    if not days:
        return [], [(start, end)] if start < end else []
    edges = []
    if start < day_start(days[0]):
        edges.append((start, day_start(days[0])))
    tail = day_start(days[-1] + timedelta(days=1))
    if tail < end:
        edges.append((tail, end))
    return days, edges


@dataclass(frozen=True)
class _Seen:
    max_id: int
    updated: datetime | None
    max_event: int


def _seen(conn: Connection) -> _Seen:
    max_id, updated, max_event = conn.execute(select(
        select(func.max(Report.id)).scalar_subquery(), select(func.max(Report.updated_at)).scalar_subquery(),
        select(func.max(ReportEvent.id)).scalar_subquery())).one()
    return _Seen(max_id or 0, updated, max_event or 0)


def _changed_days(conn: Connection, since: _Seen) -> set[tuple[str, date]]:
    """(axis, day) of every report changed since ``since``: its creation day ("created") and the days its due
    times fall on ("due")."""
    parts = [select(Report.id).where(Report.id > since.max_id),
             select(ReportEvent.report_id).where(ReportEvent.id > since.max_event)]
    if since.updated is not None:
        parts.append(select(Report.id).where(Report.updated_at > since.updated))
    changed = union(*parts).subquery("changed")
    rows = select(Report.created_at, Report.response_due_at, Report.resolution_due_at).where(
        Report.id.in_(select(changed.c[0]))).cte("changed_reports")
    days = union(select(literal("created"), wit_date(rows.c.created_at)),
                 select(literal("due"), wit_date(rows.c.response_due_at)),
                 select(literal("due"), wit_date(rows.c.resolution_due_at)))
    return {(axis, date.fromisoformat(d)) for axis, d in conn.execute(days).all() if d}


class SettledDays:
    """One store's remembered days: (what, day) → value, with the store position they are valid from."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: OrderedDict[tuple, tuple[float, object, int]] = OrderedDict()  # key → (when, value, bytes)
        self._bytes = 0
        self._seen: _Seen | None = None
        self._generation = 0
        self._dropped: dict[tuple, int] = {}  # (axis, grain, start) → the generation that last dropped it
        self._reset_generation = 0
        self._latest: dict = {}  # what → (generation, when, value): see latest()
        self._checked: weakref.WeakKeyDictionary[Connection, int] = weakref.WeakKeyDictionary()
        self.computed = 0  # days computed rather than remembered (the tests and benchmarks read it)

    def _catch_up(self, conn: Connection) -> int:
        """Drop what changed since the last call; the generation a value computed from now on belongs to.

        Once per connection: a query asks for several remembered parts over one connection, and a write between
        them is caught at the next query's check (a value computed meanwhile is then dropped, or not kept)."""
        checked = self._checked.get(conn)
        if checked is not None:
            return checked
        generation = self._compare(conn)
        self._checked[conn] = generation
        return generation

    def _compare(self, conn: Connection) -> int:
        now_seen = _seen(conn)
        with self._lock:
            before = self._seen
            if before == now_seen:
                return self._generation
        reset = before is None or now_seen.max_id < before.max_id or now_seen.max_event < before.max_event
        dirty = set() if reset else _changed_days(conn, before)
        with self._lock:
            self._generation += 1
            if reset:
                self._entries.clear()
                self._bytes = 0
                self._dropped.clear()
                self._reset_generation = self._generation
            else:
                # A changed day drops its own entries and those of its month (grain "month").
                marks = {(axis, "day", day) for axis, day in dirty} | {
                    (axis, "month", day.replace(day=1)) for axis, day in dirty}
                for mark in marks:
                    self._dropped[mark] = self._generation
                if marks:
                    for key in [k for k in self._entries if k[1:] in marks]:
                        self._bytes -= self._entries.pop(key)[2]
            self._seen = now_seen
            return self._generation

    def latest(self, conn: Connection, what: Hashable, build: Callable[[], object]) -> object:
        """``build()``, or what it gave last time if nothing changed since in the store: one value shared by
        every query of a refresh (``what`` must name everything the value depends on besides the store)."""
        generation = self._catch_up(conn)
        with self._lock:
            kept = self._latest.get(what)
            if kept is not None and kept[0] == generation and kept[1] >= clock.monotonic() - MAX_AGE_SECONDS:
                return kept[2]
        value = build()
        with self._lock:
            self._latest[what] = (generation, clock.monotonic(), value)
            while len(self._latest) > MAX_LATEST:
                self._latest.pop(next(iter(self._latest)))
        return value

    def values(self, conn: Connection, what: Hashable, days: list[date],
               compute: Callable[[list[date]], list], *, axis: str = "created", grain: str = "day") -> list:
        """The value of each day for ``what`` (a key naming the query, its filters and scope), remembered or
        computed with the caller's connection by ``compute(run)``, the values of a run of consecutive missing
        days in one go (DayPart.by_day: one statement however many days a cold start misses). ``axis``: the days
        are those of the reports' creation ("created") or of their due times ("due"). ``grain`` "month": each
        date is the first of a month and stands for all of it."""
        generation = self._catch_up(conn)
        fresh_after = clock.monotonic() - MAX_AGE_SECONDS
        out, missing = {}, []
        with self._lock:
            for day in days:
                entry = self._entries.get((what, axis, grain, day))
                if entry is not None and entry[0] >= fresh_after:
                    self._entries.move_to_end((what, axis, grain, day))
                    out[day] = entry[1]
                else:
                    missing.append(day)
        computed = {}
        for run in _runs(missing, grain):
            computed.update(zip(run, compute(run), strict=True))
        with self._lock:
            self.computed += len(computed)
            stamp = clock.monotonic()
            for day, value in computed.items():
                # A day dropped after this value's generation began may have changed while it was computed.
                if self._dropped.get((axis, grain, day), -1) < generation and self._reset_generation <= generation:
                    size = _size(value)
                    old = self._entries.pop((what, axis, grain, day), None)
                    self._bytes += size - (old[2] if old else 0)
                    self._entries[(what, axis, grain, day)] = (stamp, value, size)
            while self._entries and (len(self._entries) > MAX_ENTRIES or self._bytes > MAX_BYTES):
                self._bytes -= self._entries.popitem(last=False)[1][2]
        out.update(computed)
        return [out[day] for day in days]


def _size(value: object) -> int:
    """Roughly what a remembered value holds: its arrays' bytes, or a small fixed cost."""
    arrays = value.values() if isinstance(value, dict) else (value,)
    return 200 + sum(getattr(a, "nbytes", 0) for a in arrays)


_STORES: weakref.WeakKeyDictionary[Engine, SettledDays] = weakref.WeakKeyDictionary()
_STORES_LOCK = threading.Lock()


def settled_days(engine: Engine) -> SettledDays:
    """The remembered days of this engine's store (one per engine: a test's store never sees another's)."""
    with _STORES_LOCK:
        memo = _STORES.get(engine)
        if memo is None:
            memo = _STORES[engine] = SettledDays()
        return memo


def raw_rows(conn: Connection, stmt) -> list[tuple]:
    """The statement's rows as the driver's tuples, not SQLAlchemy Row objects (most of the Python time of a read
    of hundreds of thousands of rows): only for columns that need no result conversion by their SQLAlchemy type
    (plain text, numbers, open_reports's raw times)."""
    result = conn.execute(stmt)
    try:
        return result.cursor.fetchall()
    except conn.dialect.loaded_dbapi.Error as exc:
        # The driver's own error, outside SQLAlchemy's wrapping (SQLite runs most of a query in fetchall): wrapped
        # as execute() would, so callers tell a store that is away, or a query stopped at its deadline, as usual.
        raise DBAPIError.instance(None, None, exc, conn.dialect.loaded_dbapi.Error) from exc
    finally:
        result.close()


@dataclass(frozen=True)
class DayPart:
    """One remembered part of a window, defined once as a statement over a range of time.

    ``statement(lo, hi)`` selects the rows of [lo, hi) (an open bound is None), ``at`` is the column whose WIT
    day places a row in a day (the axis: the creation time, or the due time judged), and ``read(lo, rows)`` makes
    the part's value from the rows read for the range starting at ``lo`` (the driver's tuples, raw_rows).
    ``aggregate``: the statement counts (with or without a GROUP BY of its own), so read for many days at once
    it groups by the day as well; otherwise it lists rows and only the day is added."""

    statement: Callable[[datetime | None, datetime | None], Select]
    read: Callable[[datetime | None, list[tuple]], object]
    at: ColumnElement
    aggregate: bool = True

    def over(self, conn: Connection, lo: datetime | None, hi: datetime | None) -> object:
        """The value of [lo, hi): the statement as it is."""
        return self.read(lo, raw_rows(conn, self.statement(lo, hi)))

    def by_day(self, conn: Connection, run: list[date], grain: str = "day") -> list:
        """The value of each day (or month) of a run of consecutive ones, from one statement: the part's own over
        the run's span with the WIT day (month) of ``at`` added as its last column — and to its GROUP BY when it
        counts — and its rows split by that column. A day without rows reads no rows, as the part's own statement
        over that day would (one without a GROUP BY reads one row of zeros: its ``read`` sums the rows)."""
        bucket = (wit_month if grain == "month" else wit_date)(self.at)
        stmt = self.statement(day_start(run[0]), day_start(next_period(run[-1], grain))).add_columns(bucket)
        if self.aggregate:
            stmt = stmt.group_by(bucket)
        rows_of: dict[str, list[tuple]] = {}
        for row in raw_rows(conn, stmt):
            rows_of.setdefault(row[-1], []).append(row[:-1])
        width = 7 if grain == "month" else 10  # YYYY-MM, YYYY-MM-DD
        return [self.read(day_start(d), rows_of.get(d.isoformat()[:width], [])) for d in run]


def over_days(engine: Engine, conn: Connection, what: Hashable, start: datetime, end: datetime,
              part: DayPart, *, axis: str = "created") -> list:
    """The part's value for each whole WIT day of [start, end) (remembered; those missing read together) and
    each partial edge (read afresh): what a window's sum adds up, when ``part`` counts only what no clock changes
    — or, on the "due" axis, only what the clock no longer changes once the day has passed (whole days end by
    ``end``)."""
    days, edges = split_days(start, end)
    whole = settled_days(engine).values(conn, what, days, lambda run: part.by_day(conn, run), axis=axis)
    return whole + [part.over(conn, lo, hi) for lo, hi in edges]
