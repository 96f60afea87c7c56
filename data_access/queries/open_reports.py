"""The open reports of a view, remembered by creation day (and whole month before this one), weighed against any
``now``: the wall's current-state figures (open, overdue, at risk; per district, per OPD, by how long overdue;
the backlog by age).

What the rule book decides about an open report at ``now`` is a comparison of ``now`` with moments only a write
changes: its due times, whether it was answered or resolved, when its hold began, who held it when each due time
passes. SQL reads those moments once per creation day or month and they are kept until a report of that day
changes (queries/settled_days.py); every refresh then compares them with ``now`` in numpy, the twin of
data_access/rulebook/rules.py (tests/store/test_queries.py and test_settled_days.py prove both give the same answers).
Every definition that does not depend on ``now`` is read from the rule book itself, in the SQL that fills the arrays
(awaiting_response, awaiting_resolution, held_since, opd_at, is_open; CLOCK_RUNNING and HELD from core.rules); only
the comparisons with ``now`` (rules._past_due, at_risk's window, overdue = either) are said again here, because
``now`` moves on every refresh while the arrays are kept: asking SQL instead would read every open report again.
At 10M reports this turns four passes over 350,000 open reports per store change (one per
figure, each deciding the rules row by row) into one comparison of arrays.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import BigInteger, Connection, Engine, String, case, cast, func, literal, select, type_coerce

from core.rules import CLOCK_RUNNING, HELD
from data_access.queries.settled_days import DayPart, day_start, next_period, raw_rows, settled_days
from data_access.rulebook.rules import (
    awaiting_resolution,
    awaiting_response,
    held_since,
    held_since_at,
    is_open,
    may_have_been_open,
    opd_at,
    status_at,
)
from data_access.rulebook.scope import Filters, Scope, where
from data_access.rulebook.sla import WIT
from data_access.store.schema import Report

_FIELDS = ("district", "opd", "running", "held", "created", "unanswered", "unresolved",
           "response_due", "resolution_due", "held_since", "response_holder", "resolution_holder")
_TIMES = ("created", "response_due", "resolution_due", "held_since")
DAYS_BY_DAY = 60  # the last two months or so are remembered day by day, older ones by the month


def utc_moment(value: datetime) -> np.datetime64:
    return pd.Timestamp(value).tz_convert("UTC").tz_localize(None).to_datetime64()


@dataclass(frozen=True)
class OpenReports:
    """Columns of the open reports (numpy arrays, one element per report); times are UTC datetime64, NaT where
    the store has NULL (a comparison with NaT is false, as SQL's with NULL)."""

    district: np.ndarray  # integer codes (code_of / names_of), 0 for none
    opd: np.ndarray
    running: np.ndarray  # the clock runs (CLOCK_RUNNING)
    held: np.ndarray  # on hold (HELD)
    created: np.ndarray
    unanswered: np.ndarray  # rules.awaiting_response: the response clock can still run out
    unresolved: np.ndarray  # rules.awaiting_resolution
    response_due: np.ndarray
    resolution_due: np.ndarray
    held_since: np.ndarray  # when the current hold began (held reports only)
    response_holder: np.ndarray  # the OPD holding the report when the response fell / falls due (rules.opd_at)
    resolution_holder: np.ndarray

    def __len__(self) -> int:
        return len(self.running)

    def _past_due(self, due: np.ndarray, now: np.datetime64) -> np.ndarray:
        """rules._past_due: past ``due`` with the clock running, or held since after ``due`` passed."""
        return (due < now) & (self.running | (self.held & (due < self.held_since)))

    def response_overdue(self, now: datetime) -> np.ndarray:
        return self.unanswered & self._past_due(self.response_due, utc_moment(now))

    def resolution_overdue(self, now: datetime) -> np.ndarray:
        return self.unresolved & self._past_due(self.resolution_due, utc_moment(now))

    def overdue(self, now: datetime) -> np.ndarray:
        return self.response_overdue(now) | self.resolution_overdue(now)

    def at_risk(self, now: datetime, horizon: datetime) -> np.ndarray:
        """rules.at_risk: a due time still ahead falls before ``horizon``, the clock running, not overdue."""
        t, h = utc_moment(now), utc_moment(horizon)
        ahead = ((self.unanswered & (self.response_due >= t) & (self.response_due < h))
                 | ((self.resolution_due >= t) & (self.resolution_due < h)))
        return ahead & self.running & ~self.overdue(now)

    def missed_due(self, now: datetime) -> tuple[np.ndarray, np.ndarray]:
        """For each report, the due time it is overdue for (the response's if both) and who held it then."""
        response = self.response_overdue(now)
        return (np.where(response, self.response_due, self.resolution_due),
                np.where(response, self.response_holder, self.resolution_holder))

    def created_within(self, start: datetime | None, end: datetime | None) -> np.ndarray:
        """Created in [start, end); an open bound (None) keeps every report on that side."""
        keep = np.ones(len(self), dtype=bool)
        if start is not None:
            keep &= self.created >= utc_moment(start)
        if end is not None:
            keep &= self.created < utc_moment(end)
        return keep

    def subset(self, mask: np.ndarray) -> OpenReports:
        return OpenReports(*(getattr(self, name)[mask] for name in _FIELDS))


def open_reports(engine: Engine, conn: Connection, filters: Filters, scope: Scope, now: datetime) -> OpenReports:
    """The open reports meeting every filter (the period bounds their creation) and the scope."""
    base = filters.without_period()
    what = ("open_reports", base, scope)

    def statement(lo: datetime | None, hi: datetime | None):
        bounds = ([Report.created_at >= lo] if lo is not None else []) + (
            [Report.created_at < hi] if hi is not None else [])
        raw = _raw_time(conn)
        return select(
            Report.district_code, Report.opd_code, Report.status, raw(Report.created_at),
            case((awaiting_response(), 1), else_=0),
            case((awaiting_resolution(), 1), else_=0),
            raw(Report.response_due_at), raw(Report.resolution_due_at),
            raw(case((Report.status == HELD, held_since()))),
            opd_at(Report.response_due_at), opd_at(Report.resolution_due_at),
        ).where(where(base, scope, is_open(), *bounds))

    part = DayPart(statement, lambda lo, rows: _columns(rows, text=conn.dialect.name == "sqlite"), Report.created_at,
                   aggregate=False)
    memo = settled_days(engine)
    today = now.astimezone(WIT).date()
    # The four current-state queries of a refresh ask for the same reports: read and joined once per store change.
    reports = memo.latest(conn, (what, today), lambda: _gather(conn, memo, what, today, part))
    if filters.start is None and filters.end is None:
        return reports
    return reports.subset(reports.created_within(filters.start, filters.end))  # the period, as where(filters) has it


def open_reports_then(conn: Connection, filters: Filters, scope: Scope, then: datetime) -> OpenReports:
    """The reports open at an earlier moment ``then`` as their timelines had them (rules.py, "As of an earlier
    moment"), meeting every filter: the same arrays, read by the rule book's rules for ``then`` instead of the
    report's state now, for the same comparisons (``overdue(then)``, ``at_risk(then, …)``). Read in one pass over
    the reports open now or changed since (``may_have_been_open``), not remembered by day: the caller's cache keeps
    it per store change. Who held a report is left out (0): the headline counts do not ask."""
    raw = _raw_time(conn)
    status = status_at(then)
    none = literal(None, String())
    stmt = select(
        Report.district_code, Report.opd_code, status, raw(Report.created_at),
        case((awaiting_response(then), 1), else_=0), case((awaiting_resolution(then), 1), else_=0),
        raw(Report.response_due_at), raw(Report.resolution_due_at),
        raw(case((status == HELD, held_since_at(then)))), none, none,
    ).where(where(filters, scope, may_have_been_open(then), is_open(then)))
    return OpenReports(**_columns(raw_rows(conn, stmt), text=conn.dialect.name == "sqlite"))


def _gather(conn: Connection, memo, what, today: date, part: DayPart) -> OpenReports:
    """The remembered months and days of creation, and the rest read now, joined."""
    # Whole months before the last two, then days: a change mostly touches a recent report, and then only its day
    # is read again, not a month of open reports.
    cut = (today - timedelta(days=DAYS_BY_DAY)).replace(day=1)
    first = conn.execute(select(func.min(Report.created_at))).scalar()
    months = _months(first.astimezone(WIT).date().replace(day=1) if first else cut, cut)
    days = [cut + timedelta(days=i) for i in range((today - cut).days + 1)]  # today too: kept until it changes
    parts = memo.values(conn, what, months, lambda run: part.by_day(conn, run, "month"), grain="month")
    parts += memo.values(conn, what, days, lambda run: part.by_day(conn, run))
    parts.append(part.over(conn, None, day_start(months[0]) if months else day_start(cut)))  # before the first report
    parts.append(part.over(conn, day_start(today + timedelta(days=1)), None))  # anything stamped after today
    return OpenReports(*(np.concatenate([p[name] for p in parts]) for name in _FIELDS))


_NAT = np.iinfo(np.int64).min  # numpy's NaT as an integer


def _raw_time(conn: Connection):
    """A time column in a form numpy reads a whole column of at once, not UTCDateTime's per-value conversion (a
    million values per snapshot at 10M reports, a third of a cold refresh): SQLite's text as stored; on
    PostgreSQL the exact microseconds since 1970 (psycopg's datetimes in the session's zone are as slow)."""
    if conn.dialect.name == "sqlite":
        return lambda column: type_coerce(column, String())
    return lambda column: func.coalesce(cast(func.extract("epoch", column) * 1_000_000, BigInteger),
                                        literal(_NAT, BigInteger))


def _moments(values, text: bool) -> np.ndarray:
    """Naive UTC datetime64[ns] of a _raw_time column; NaT for NULL. SQLite's text is naive UTC as the store
    writes it, or ISO with a zone in rows written straight into the table."""
    if text:
        moments = pd.to_datetime(pd.Series(values, dtype=object), utc=True, format="ISO8601")
        return moments.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
    return np.asarray(values, dtype=np.int64).view("datetime64[us]").astype("datetime64[ns]")


def _codes(values) -> np.ndarray:
    """code_of for a column, once per distinct value."""
    positions, distinct = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    table = np.array([code_of(v) for v in distinct] + [code_of(None)], dtype=np.int32)
    return table[positions]  # the sentinel -1 picks the last entry: None


def _columns(rows: list, text: bool) -> dict:
    """The read rows as _FIELDS' arrays: the status read once gives both ``running`` and ``held``."""
    columns = list(zip(*rows, strict=True)) if rows else [()] * (len(_FIELDS) - 1)
    status = columns[2]
    columns = [*columns[:3], status, *columns[3:]]
    out = {}
    for name, values in zip(_FIELDS, columns, strict=True):
        if name in _TIMES:
            out[name] = _moments(values, text)
        elif name in ("unanswered", "unresolved"):
            out[name] = np.asarray(values, dtype=bool)
        elif name == "running":
            out[name] = np.isin(np.asarray(values, dtype=object), CLOCK_RUNNING)
        elif name == "held":
            out[name] = np.asarray(values, dtype=object) == HELD
        else:
            out[name] = _codes(values)
    return out


# District and OPD codes as small integers (the same for every store in the process): grouping and picking
# hundreds of thousands of strings was most of a refresh's numpy time at 10M reports.
_CODES: dict[str | None, int] = {None: 0}
_NAMES: list[str | None] = [None]
_CODES_LOCK = threading.Lock()


def code_of(value: str | None) -> int:
    found = _CODES.get(value)
    if found is None:
        with _CODES_LOCK:
            found = _CODES.get(value)
            if found is None:
                found = _CODES[value] = len(_NAMES)
                _NAMES.append(value)
    return found


def names_of(codes: np.ndarray) -> np.ndarray:
    """The district or OPD codes back from their integers (0 is "none"), as text (object) even when empty."""
    return np.array([_NAMES[int(c)] for c in codes], dtype=object)


def count_by(codes: np.ndarray, weights: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(codes present, how many of each, or the sum of ``weights``): a grouped count over integer codes."""
    counts = np.bincount(codes, weights=weights, minlength=len(_NAMES)) if len(codes) else np.zeros(0)
    present = np.flatnonzero(np.bincount(codes, minlength=len(_NAMES))) if len(codes) else np.zeros(0, dtype=int)
    return present, counts[present].astype(np.int64)


def _months(first: date, stop: date) -> list[date]:
    out, m = [], first
    while m < stop:
        out.append(m)
        m = next_period(m, "month")
    return out
