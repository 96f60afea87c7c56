"""Writing a batch of candidates: bulk inserts of new reports (with their due times, district and timeline) and
updates of reports whose status or closing changed, idempotent on (source, external_id).

Times, as the rule book wants them (data_access/rulebook/status_change.py says what a status change does to them,
for this importer as for ReportWriter and the demo):

* the time a status was reached is the record's closing time for a finished status, else the record's update
  time, never earlier than the creation; a record with neither reached it at a time the source did not give
  (unknown: status_change then sets no response, resolution or closing time, rules.unknown counts such targets
  apart), and the moment of the import is only when the store learned of the status (its timeline event);
* a response time the record gives is passed on to status_change (it stands unless the status came earlier);
* a new report gets the events ``baru`` at its creation and, when its status is another, one status event to it;
  an update writes one status event from the old status to the new (kind "status", actor "impor:<source>"), or a
  note when only the closing time moved;
* a record never walks a report back through the open flow: a dump that still says "open" (``baru``) does not
  undo the OPD's ``diproses`` here; finishing, reopening, holding and rejecting are applied as the source says;
* the newest copy of the source's record wins (:func:`version`): once the store holds a status this source gave
  at a known time, a record with an older time (an older export, a stale copy later in the same file) or with no
  time at all changes nothing, and at the same time only a status later in the flow does. So a re-import of the
  same file, or of an older one, is a no-op, whatever order the copies come in. A status event whose time the
  source did not give says so in its note (UNKNOWN_TIME_NOTE), so that it is never taken for a known one;
* due times come from the category's SLA policy at the creation time (exactly as data_access.rulebook.sla computes
  them) and, when a hold begins or ends, status_change works them out again over the report's holds;
* ``updated_at`` is the moment of the import, so the wall's version check sees every change at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from itertools import chain
from typing import NamedTuple

import numpy as np
from sqlalchemy import Connection, Engine, insert, select, update

from core.rules import CLOCK_RUNNING, FINISHED_STATUSES, NEW, STATUSES
from data_access.intake.importing.due import DueTimeCalculator
from data_access.intake.importing.translate import Candidate
from data_access.rulebook.sla import SlaPolicy, WorkCalendar
from data_access.rulebook.status_change import ReportTimes, SlaClock, Timeline, changed_columns, status_change
from data_access.store.schema import Report, ReportEvent

LOOKUP_CHUNK = 2000  # under SQLite's 32,766 and PostgreSQL's 65,535 parameters
SQLITE_MAX_PARAMETERS = 32_766  # SQLite's SQLITE_MAX_VARIABLE_NUMBER since 3.32
SQLITE_ROWS_PER_STATEMENT = 1000
SQLITE_ROWID_CEILING = 2**63 - 1 - 10**9  # near the top SQLite picks rowids at random: look them up instead
REPORT_COLUMNS = ("source", "external_id", "channel", "category_code", "opd_code", "district_code", "village_code",
                  "lat", "lon", "title", "description", "status", "priority", "created_at", "first_response_at",
                  "resolved_at", "closed_at", "response_due_at", "resolution_due_at", "paused_seconds", "updated_at")
EVENT_COLUMNS = ("report_id", "at", "kind", "from_status", "to_status", "opd_code", "actor", "note")


def _sqlite_time(moment: datetime) -> str:
    # The text SQLAlchemy's SQLite DateTime writes for UTCDateTime (naive UTC, always six fraction digits), so
    # comparisons between imported rows and all others stay text comparisons of one format. Every time here is
    # already UTC (the parsers and the SLA clock return UTC); the check keeps that a fact, not a hope.
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    return moment.isoformat(" ", "microseconds")[:26]  # without the "+00:00"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def _sqlite_times(moments: list[datetime]) -> list[str]:
    """_sqlite_time of many aware times at once (numpy formats them in C: a third of the per-row cost)."""
    if not moments:
        return []
    micros = np.array([(m - _EPOCH) // _MICROSECOND for m in moments], dtype="int64").astype("datetime64[us]")
    return [text.replace("T", " ") for text in np.datetime_as_string(micros, unit="us").tolist()]


def _identity(moment: datetime) -> datetime:
    return moment


def _utc(value: datetime | str | None) -> datetime | None:
    """A time read by plain SQL as UTCDateTime would return it: SQLite hands back its text, PostgreSQL an aware
    datetime."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)
_FLOW_RANK = {status: i for i, status in enumerate(CLOCK_RUNNING)}
# "Later in the flow", for two copies of a record stamped with the same time: the rule book's order of statuses.
_STATUS_RANK = {status: i for i, status in enumerate(STATUSES)}
# Ends the note of an imported status event whose time the source did not give (its ``at`` is the import's own
# moment): such an event is not a version of the source's record with a known time (see Stored.version).
UNKNOWN_TIME_NOTE = " (waktu dari sumber tidak diketahui)"


class Version(NamedTuple):
    """A copy of a source's record, as far as deciding which copy is newer goes: whether the source gave the time
    of its status, that time (clamped to the creation), and the status's place in the flow. Compared as a tuple:
    a copy with a time beats one without; then the later time; then the later status."""

    known: bool
    at: datetime
    rank: int


def version(c: Candidate, now: datetime) -> Version:
    at, known = status_time(c, now)
    return Version(known, at if known else _EPOCH, _STATUS_RANK.get(c.status, -1))


def version_code(v: Version) -> int:
    """A Version as one int that orders the same (about 70 bytes in a dict instead of 200: file_import keeps one
    per record of a file)."""
    return (int(v.known) << 62) | (((v.at - _EPOCH) // _MICROSECOND) << 5) | (v.rank + 1)


@dataclass(frozen=True, slots=True)
class Stored:
    """What the store holds of a report, as far as an import may change it."""

    id: int
    status: str
    created_at: datetime
    category_code: str
    opd_code: str | None
    first_response_at: datetime | None
    resolved_at: datetime | None
    closed_at: datetime | None
    # The newest status this source gave the report at a known time, or None (it gave none at a known time)
    version: Version | None = None

    def times(self) -> ReportTimes:
        """Its times for status_change; the due times and time on hold are not read (None): a change that begins
        or ends a hold sets them afresh, any other leaves them."""
        return ReportTimes(self.status, self.created_at, self.first_response_at, self.resolved_at, self.closed_at,
                           None, None, None)


@dataclass
class Prepared:
    """A batch with the rows of its new reports computed ahead (ReportUpserter.prepare)."""

    batch: list[Candidate]
    fresh: list[Candidate] = field(default_factory=list)  # not in the store when prepared, in creation order
    rows: list[tuple] = field(default_factory=list)
    states: list[tuple] = field(default_factory=list)
    outside: int = 0
    events: list[tuple] | None = None  # timelines, with each report's position in ``fresh`` for its id


def _creation(c: Candidate) -> datetime:
    return c.created_at


@dataclass
class BatchResult:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    outside: int = 0  # new reports that landed without a district (no location, or outside the regency)


def status_time(c: Candidate, now: datetime) -> tuple[datetime, bool]:
    """When the record's status was reached, and whether the source said so. Without a closing or update time
    it is the moment of the import: good for the timeline's event (when the store learned it), never taken for a
    response, resolution or closing time (those stay unknown: rules.unknown)."""
    if c.status in FINISHED_STATUSES and c.closed_at is not None:
        moment, known = c.closed_at, True
    elif c.updated_at is not None:
        moment, known = c.updated_at, True
    else:
        moment, known = now, False
    return max(moment, c.created_at), known


def new_state(c: Candidate, now: datetime) -> tuple[dict, datetime]:
    """The time columns of a new report, and the time its status was reached. Its due times are its creation's
    (DueTimeCalculator): a new report's hold, if it is held, has not ended."""
    at, known = status_time(c, now)
    created = c.created_at
    times = status_change(ReportTimes.arriving(created), c.status, at if known else None, noted_at=at,
                          responded_at=c.first_response_at, timeline=((created, NEW),))
    return {"first_response_at": times.first_response_at, "resolved_at": times.resolved_at,
            "closed_at": times.closed_at}, at


def target_status(stored: Stored, c: Candidate) -> str:
    """The status the record moves the report to: its own, except that it never walks the report back through the
    open flow (the store knows more)."""
    old, new = stored.status, c.status
    if new != old and old in _FLOW_RANK and new in _FLOW_RANK and _FLOW_RANK[new] < _FLOW_RANK[old]:
        return old
    return new


def plan_update(stored: Stored, c: Candidate, now: datetime, *,
                timeline: Timeline | Callable[[], Timeline] | None = None,
                clock: SlaClock | None = None) -> tuple[dict, dict] | None:
    """(changed report columns, the event) when the record changes the report; None when it does not (it is
    the same, or an older copy than one the store has: see Version). ``timeline`` and ``clock`` as status_change
    takes them (a hold begun or ended moves the due times)."""
    if stored.version is not None and version(c, now) <= stored.version:
        return None  # not newer than a copy the store has applied (the same file again, an older export)
    old, new = stored.status, target_status(stored, c)
    if new == old and not (old in FINISHED_STATUSES and c.closed_at is not None):
        return None  # the same status, and no closing time to restate
    moment, known = status_time(c, now)
    at = max(moment, stored.created_at)
    before = stored.times()
    after = status_change(before, new, at if known else None, noted_at=at, responded_at=c.first_response_at,
                          timeline=timeline, clock=clock)
    values = changed_columns(before, after)
    if new != old:
        values["status"] = new
        return values, {"at": at, "kind": "status", "from_status": old, "to_status": new,
                        "note": status_note(c, known)}
    if not values:
        return None
    return values, {"at": at, "kind": "note", "from_status": old, "to_status": old,
                    "note": f"Waktu penyelesaian diperbarui dari impor: {c.closed_at:%Y-%m-%d %H:%M} UTC"}


def status_note(c: Candidate, known: bool) -> str:
    note = f"Status dari impor: {c.status_raw}" if c.status_raw else "Status dari impor"
    return note if known else note + UNKNOWN_TIME_NOTE


def _apply(stored: Stored, values: dict) -> Stored:
    return replace(stored, **{k: v for k, v in values.items() if k in Stored.__dataclass_fields__})


class ReportUpserter:
    """Writes batches for one ``source``; with ``dry_run`` it classifies exactly the same way but writes nothing."""

    def __init__(self, engine: Engine, source: str, workcal: WorkCalendar, policies: dict[str, SlaPolicy],
                 now: datetime, *, assigner=None, dry_run: bool = False, bulk: bool = True) -> None:
        self.engine, self.source, self.workcal, self.policies = engine, source, workcal, policies
        self.now, self.assigner, self.dry_run = now, assigner, dry_run
        self.actor = f"impor:{source}"[:80]
        self.due = DueTimeCalculator(workcal)
        self._sqlite = engine.dialect.name == "sqlite"
        self._bulk = bulk and self._sqlite  # multi-row statements and ids by rowid; else executemany and look-ups
        # A dry run's own "store": what its earlier batches would have written, so that a record repeated later
        # in the file is classified exactly as in a real import. Only a dry run keeps it (about 200 bytes a record).
        self._dry_seen: dict[str, Stored] = {}
        self._last_all_new = True  # every report of the last batch written was new (see prepare)

    def _select_in(self, conn: Connection, columns: str, ids: list[str]) -> list[tuple]:
        """Rows of this source whose external_id is in ``ids``, by plain SQL: SQLAlchemy's expanding IN costs
        about 2 ms per 500 values to compile, more than the indexed look-up itself."""
        marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        rows: list[tuple] = []
        for i in range(0, len(ids), LOOKUP_CHUNK):
            chunk = ids[i:i + LOOKUP_CHUNK]
            sql = (f"SELECT {columns} FROM report WHERE source = {marker} "
                   f"AND external_id IN ({', '.join([marker] * len(chunk))})")
            rows.extend(conn.exec_driver_sql(sql, (self.source, *chunk)).all())
        return rows

    def _lookup(self, conn: Connection, ids: list[str]) -> dict[str, Stored]:
        found: dict[str, Stored] = {}
        for ext, report_id, status, created, category, opd, responded, resolved, closed in self._select_in(
                conn, "external_id, id, status, created_at, category_code, opd_code, first_response_at, "
                      "resolved_at, closed_at", ids):
            found[ext] = Stored(report_id, status, _utc(created), category, opd, _utc(responded), _utc(resolved),
                                _utc(closed))
        if found:
            versions = self._versions(conn, [s.id for s in found.values()])
            found = {ext: replace(s, version=versions.get(s.id)) for ext, s in found.items()}
        if self.dry_run:
            found.update({k: self._dry_seen[k] for k in ids if k in self._dry_seen})
        return found

    def _versions(self, conn: Connection, report_ids: list[int]) -> dict[int, Version]:
        """Each report's newest status this source gave at a known time: its latest status event by this import's
        actor, other than the arrival (``baru`` at the creation) and unless its note says the time was unknown
        (copies without a time are told apart within one file only: file_import keeps their versions)."""
        marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
        latest: dict[int, tuple] = {}
        for i in range(0, len(report_ids), LOOKUP_CHUNK):
            chunk = report_ids[i:i + LOOKUP_CHUNK]
            sql = (f"SELECT report_id, at, id, to_status, note FROM report_event WHERE report_id IN "
                   f"({', '.join([marker] * len(chunk))}) AND kind = 'status' AND actor = {marker} "
                   f"AND from_status IS NOT NULL")
            for report_id, at, event_id, to_status, note in conn.exec_driver_sql(sql, (*chunk, self.actor)):
                key = (_utc(at), event_id)
                if report_id not in latest or key > latest[report_id][0]:
                    latest[report_id] = (key, to_status, note)
        return {report_id: Version(True, at, _STATUS_RANK.get(to_status, -1))
                for report_id, ((at, _), to_status, note) in latest.items()
                if not (note or "").endswith(UNKNOWN_TIME_NOTE)}

    def write(self, batch: list[Candidate], ready: Prepared | None = None) -> BatchResult:
        """One transaction per batch: an import killed halfway leaves whole batches, and a rerun finds them."""
        result = BatchResult()
        if not batch:
            return result
        with self.engine.connect() as conn:
            existing = self._lookup(conn, [c.external_id for c in batch])
            self._last_all_new = not existing
            fresh = [c for c in batch if c.external_id not in existing]
            updates = []
            for c in batch:
                stored = existing.get(c.external_id)
                if stored is None:
                    continue
                plan = plan_update(stored, c, self.now, timeline=self._timeline_reader(conn, stored.id),
                                   clock=self._clock(stored.category_code))
                if plan is None:
                    result.unchanged += 1
                else:
                    updates.append((stored, c, plan))
            result.inserted = len(fresh)
            result.updated = len(updates)
            if fresh:
                # In creation order: most of the report table's indexes lead with a time that follows it, and
                # SQLite inserts into a B-tree about twice as fast at its right edge as at random places.
                fresh.sort(key=_creation)
                if ready is not None and len(ready.fresh) == len(fresh) and all(
                        a is b for a, b in zip(ready.fresh, fresh, strict=True)):
                    result.outside = self._insert(conn, fresh, ready)
                else:  # no preparation, or an earlier batch wrote some of these meanwhile
                    result.outside = self._insert(conn, fresh)
            for stored, c, (values, event) in updates:
                self._update(conn, stored, c, values, event)
            if self.dry_run:
                conn.rollback()
            else:
                conn.commit()
        return result

    # -- new reports ----------------------------------------------------------------------------------------
    def _locate(self, fresh: list[Candidate]) -> list[tuple[str | None, str | None]]:
        located: list[tuple[str | None, str | None]] = [(None, None)] * len(fresh)
        if self.assigner is None:
            return located
        where = [i for i, c in enumerate(fresh) if c.lat is not None and c.lon is not None]
        if not where:
            return located
        found = self.assigner.assign([fresh[i].lon for i in where], [fresh[i].lat for i in where])
        for i, district, village in zip(where, found["district_code"].tolist(), found["village_code"].tolist(),
                                        strict=True):
            # geopandas may hand back NaN for "outside"; the store wants NULL
            located[i] = (district if isinstance(district, str) else None,
                          village if isinstance(village, str) else None)
        return located

    def _rows(self, fresh: list[Candidate]) -> tuple[list[tuple], list[tuple], int]:
        """The report rows of new reports, ready to bind; their (times, status time, created) as bound; how many
        landed without a district. Pure computation, no store."""
        now, source, due, policies = self.now, self.source, self.due, self.policies
        located = self._locate(fresh)
        states = [new_state(c, now) for c in fresh]
        # Reports of one evening or holiday share their due times (the same objects, see DueTimeCalculator).
        dues = [due.due_times(policies[c.category_code], c.created_at) for c in fresh]
        # Times are bound as the store keeps them: naive UTC text on SQLite (see _sqlite_time), aware otherwise.
        # The text of a whole column at once: per-row isoformat would be the biggest part of a row's computation.
        if self._sqlite:
            as_bound = _sqlite_time
            created_b = _sqlite_times([c.created_at for c in fresh])
            at_b = _sqlite_times([at for _, at in states])
            response_b = _sqlite_times([r for r, _ in dues])
            resolution_b = _sqlite_times([r for _, r in dues])
        else:
            as_bound = _identity
            created_b = [c.created_at for c in fresh]
            at_b = [at for _, at in states]
            response_b = [r for r, _ in dues]
            resolution_b = [r for _, r in dues]
        now_b = as_bound(now)
        rows, bound_states = [], []
        outside = 0
        for i, (c, (district, village), (times, at)) in enumerate(zip(fresh, located, states, strict=True)):
            if district is None:
                outside += 1
            # The response, resolution and closing times are usually the status time itself: its text is reused.
            at_text, created_text = at_b[i], created_b[i]
            responded, resolved, closed = times["first_response_at"], times["resolved_at"], times["closed_at"]
            rows.append((source, c.external_id, c.channel, c.category_code, c.opd_code, district, village, c.lat,
                         c.lon, c.title, c.description, c.status, "normal", created_text,
                         None if responded is None else at_text if responded is at else as_bound(responded),
                         None if resolved is None else at_text if resolved is at else as_bound(resolved),
                         None if closed is None else at_text if closed is at else as_bound(closed),
                         response_b[i], resolution_b[i], 0.0, now_b))
            bound_states.append((times, at_text, created_text))
        return rows, bound_states, outside

    def _events(self, fresh: list[Candidate], states: list[tuple], report_ids) -> list[tuple]:
        """A new report's timeline: ``baru`` at its creation, then its own status if it has another.
        ``report_ids`` gives each report's id in order, or its position (see _insert_new)."""
        events = []
        arrived = f"Laporan diimpor dari {self.source}"
        actor = self.actor
        for c, (_, at_b, created_b), report_id in zip(fresh, states, report_ids, strict=True):
            events.append((report_id, created_b, "status", None, "baru", c.opd_code, actor, arrived))
            if c.status != "baru":
                events.append((report_id, at_b, "status", "baru", c.status, c.opd_code, actor,
                               status_note(c, status_time(c, self.now)[1])))
        return events

    def _insert(self, conn: Connection, fresh: list[Candidate], ready: Prepared | None = None) -> int:
        if ready is None:
            rows, states, outside = self._rows(fresh)
            events = None
        else:
            rows, states, outside, events = ready.rows, ready.states, ready.outside, ready.events
        if self.dry_run:
            for c, (times, _, _) in zip(fresh, states, strict=True):
                mine = version(c, self.now)
                self._dry_seen[c.external_id] = Stored(-1, c.status, c.created_at, c.category_code, c.opd_code,
                                                       **times, version=mine if mine.known and c.status != NEW
                                                       else None)
            return outside
        if events is None:
            events = self._events(fresh, states, range(len(fresh)))
        self._insert_new(conn, [c.external_id for c in fresh], rows, events)
        return outside

    def _insert_new(self, conn: Connection, external_ids: list[str], rows: list[tuple],
                    events: list[tuple]) -> None:
        """New reports' rows and their timelines, whose first column is the report's position in ``rows``."""
        self._insert_rows(conn, "report", REPORT_COLUMNS, rows)
        first = self._sqlite_new_ids(conn, external_ids) if self._bulk else None
        if first is not None:
            # The store adds the first id to each position (no Python pass over the events).
            self._insert_rows(conn, "report_event", EVENT_COLUMNS, events, offset=first)
            return
        ids = self._ids(conn, external_ids)
        by_position = [ids[e] for e in external_ids]
        self._insert_rows(conn, "report_event", EVENT_COLUMNS, [(by_position[e[0]], *e[1:]) for e in events])

    def write_new(self, rows: list[tuple], events: list[tuple], outside: int) -> BatchResult | None:
        """A prepared batch of reports believed new, as bound rows only (the writer process's wire, see
        writer_process.py): written in one transaction when none of them is in the store; None, and nothing
        written, when some are (the caller then sends the batch's candidates for ``write``)."""
        external_ids = [row[1] for row in rows]
        with self.engine.connect() as conn:
            if self._lookup(conn, external_ids):
                conn.rollback()
                self._last_all_new = False
                return None
            self._last_all_new = True
            self._insert_new(conn, external_ids, rows, events)
            conn.commit()
        return BatchResult(inserted=len(rows), outside=outside)

    # -- the speed path: the CPU half of a batch in the reader's thread, the store's half on the writer's ------
    def prepare(self, batch: list[Candidate]) -> Prepared:
        """Rows, due times, districts and timelines of the batch's new reports, computed before the batch's turn
        to write comes (run.py: in the reader's thread, while the writer's thread writes the batch before).
        ``write`` looks the batch up under its own transaction and recomputes them when the guess was wrong."""
        ready = Prepared(batch)
        # Guessed from the last batch written (no look-up here: a second connection would map the store's file a
        # second time): a file of new reports prepares everything, a re-import nothing, and a rerun after a crash
        # prepares again once it is past what the first run wrote.
        if batch and self._last_all_new:
            ready.fresh = sorted(batch, key=_creation)
            ready.rows, ready.states, ready.outside = self._rows(ready.fresh)
            ready.events = self._events(ready.fresh, ready.states, range(len(ready.fresh)))
        return ready

    def write_prepared(self, ready: Prepared) -> BatchResult:
        return self.write(ready.batch, ready)

    def _insert_rows(self, conn: Connection, table: str, columns: tuple[str, ...], rows: list[tuple],
                     offset: int | None = None) -> None:
        """Ready tuples into ``table`` by plain DB-API calls: SQLAlchemy's per-row parameter processing (and, on
        SQLite, RETURNING one row at a time to keep ids in order) cost more than the database's own work.

        On SQLite, multi-row ``INSERT … VALUES (…), (…)`` of up to SQLITE_ROWS_PER_STATEMENT rows: SQLite inserts
        them all in one step, during which Python's sqlite3 module releases the GIL, so the index work of one
        batch runs on the second core while the reader translates the next (pipeline.BatchWriter). executemany steps
        once per row and takes the GIL back each time, which serialises the two threads again. With ``offset``
        (bulk only) the first column of each row is a position and the store adds ``offset`` to it.
        """
        if not rows:
            return
        if not self._bulk:
            marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
            sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join([marker] * len(columns))})"
            conn.exec_driver_sql(sql, rows)
            return
        width = len(columns)
        per = max(1, min(SQLITE_ROWS_PER_STATEMENT, (SQLITE_MAX_PARAMETERS - 1) // width))
        one = "(" + ", ".join(["?"] * width) + ")"
        if offset is None:
            head, first = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ", ()
        else:
            picked = ", ".join(["column1 + ?", *(f"column{i}" for i in range(2, width + 1))])
            head, first = f"INSERT INTO {table} ({', '.join(columns)}) SELECT {picked} FROM (VALUES ", (offset,)
        tail = "" if offset is None else ")"
        for i in range(0, len(rows), per):
            chunk = rows[i:i + per]
            # The statement text repeats for every full chunk, so sqlite3's statement cache compiles it once.
            conn.exec_driver_sql(head + ", ".join([one] * len(chunk)) + tail,
                                 (*first, *chain.from_iterable(chunk)))

    def _ids(self, conn: Connection, external_ids: list[str]) -> dict[str, int]:
        """The ids of the reports just inserted, looked up."""
        return {ext: report_id for ext, report_id in self._select_in(conn, "external_id, id", external_ids)}

    def _sqlite_new_ids(self, conn: Connection, external_ids: list[str]) -> int | None:
        """The first id of the n reports just inserted, in order. SQLite gives a new row the largest rowid plus
        one, and this transaction has held the write lock since its first INSERT, so they have the n ids up to
        max(id). Checked at both ends (source and external id); None, and the caller looks them up, if anything
        else happened (the rowid ceiling reached, a trigger that inserts reports)."""
        n = len(external_ids)
        last = conn.exec_driver_sql("SELECT max(id) FROM report").scalar()
        if last is None or last - n + 1 < 1 or last >= SQLITE_ROWID_CEILING:
            return None
        # By id alone: with "source = ?" beside it, SQLite reads the source's whole slice of the unique index
        # (14 ms at 200,000 reports, growing with the store) instead of two rows.
        ends = {report_id: (source, ext) for report_id, source, ext in conn.exec_driver_sql(
            "SELECT id, source, external_id FROM report WHERE id IN (?, ?)", (last - n + 1, last)).all()}
        if (ends.get(last - n + 1) != (self.source, external_ids[0])
                or ends.get(last) != (self.source, external_ids[-1])):
            return None
        return last - n + 1

    # -- changed reports -------------------------------------------------------------------------------------
    def _timeline_reader(self, conn: Connection, report_id: int) -> Callable[[], list[tuple]]:
        """Reads the report's status events so far, when status_change needs them (a hold begins or ends)."""
        def read() -> list[tuple]:
            return [(_utc(at), to_status) for at, to_status in conn.execute(
                select(ReportEvent.at, ReportEvent.to_status)
                .where(ReportEvent.report_id == report_id, ReportEvent.kind == "status")
                .order_by(ReportEvent.at, ReportEvent.id))]
        return read

    def _clock(self, category_code: str) -> SlaClock | None:
        policy = self.policies.get(category_code)
        return None if policy is None else SlaClock(policy, self.workcal)

    def _update(self, conn: Connection, stored: Stored, c: Candidate, values: dict, event: dict) -> None:
        if self.dry_run:
            stored = _apply(stored, values)
            if event["kind"] == "status" and not event["note"].endswith(UNKNOWN_TIME_NOTE):
                stored = replace(stored, version=Version(True, event["at"], _STATUS_RANK.get(event["to_status"], -1)))
            self._dry_seen[c.external_id] = stored
            return
        conn.execute(insert(ReportEvent).values(report_id=stored.id, opd_code=stored.opd_code, actor=self.actor,
                                                **event))
        conn.execute(update(Report).where(Report.id == stored.id).values(**values, updated_at=self.now))
