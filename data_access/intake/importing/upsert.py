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
* due times come from the category's SLA policy at the creation time (status_change.arrival, through
  data_access.rulebook.sla) and, when a hold begins or ends, status_change works them out again over the
  report's holds;
* ``updated_at`` is the moment of the import, so the wall's version check sees every change at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import numpy as np
from sqlalchemy import Connection, Engine, insert, select, update

from core.rules import CLOCK_RUNNING, FINISHED_STATUSES, NEW, STATUSES
from data_access.intake.importing.translate import Candidate
from data_access.rulebook.sla import SlaPolicy, WorkCalendar
from data_access.rulebook.status_change import (
    ReportTimes,
    SlaClock,
    Timeline,
    arrival,
    changed_columns,
    status_change,
)
from data_access.store.schema import Report, ReportEvent

LOOKUP_CHUNK = 2000  # under SQLite's 32,766 and PostgreSQL's 65,535 parameters
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


def new_state(c: Candidate, now: datetime, clock: SlaClock) -> tuple[ReportTimes, datetime]:
    """A new report's times (due times from its policy at its creation) and the time its status was reached. A
    hold it arrives in has not ended: its due times stay (status_change without a clock)."""
    at, known = status_time(c, now)
    created = c.created_at
    times = status_change(arrival(created, clock), c.status, at if known else None, noted_at=at,
                          responded_at=c.first_response_at, timeline=((created, NEW),))
    return times, at


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


class ReportUpserter:
    """Writes one import for one ``source`` over one connection; with ``dry_run`` it classifies exactly the same
    way and writes nothing.

    Changes to reports the store has are written as each batch comes, one short transaction per batch. New reports
    wait in a temporary table and go into the store when the file has been read (``finish``), sorted by creation
    time, ``transaction_rows`` at a time: a file in random order, written as it comes, touches every page of the
    report table's time-led indexes in every transaction and writes the store many times over
    (benchmarks/bench_import.py); sorted, the import sweeps them once. An import killed halfway leaves whole
    transactions, and a rerun finds them. Each external id comes once per import (file_import)."""

    def __init__(self, engine: Engine, source: str, workcal: WorkCalendar, policies: dict[str, SlaPolicy],
                 now: datetime, *, assigner=None, dry_run: bool = False, transaction_rows: int = 20_000) -> None:
        self.engine, self.source, self.workcal, self.policies = engine, source, workcal, policies
        self.now, self.assigner, self.dry_run = now, assigner, dry_run
        self.transaction_rows = transaction_rows
        self.actor = f"impor:{source}"[:80]
        self._sqlite = engine.dialect.name == "sqlite"
        self._marker = "?" if self._sqlite else "%s"
        self._clocks = {code: SlaClock(policy, workcal) for code, policy in policies.items()}
        self.conn = engine.connect()
        if self._sqlite:
            # An import walks the whole store's indexes: mapped, every page read would stay in the process's
            # memory (the store's mmap_size). Its page cache (and so its sorter's memory) is kept small: sorted,
            # the sweep needs few pages at a time.
            self.conn.exec_driver_sql("PRAGMA mmap_size=0")
            self.conn.exec_driver_sql("PRAGMA cache_size=-16384")
        # In the connection's own schema of temporary tables (a table "import_new" of the store's is never touched)
        self._staging = "temp.import_new" if self._sqlite else "pg_temp.import_new"
        self.conn.exec_driver_sql(f"DROP TABLE IF EXISTS {self._staging}")
        self.conn.exec_driver_sql(f"CREATE TEMPORARY TABLE import_new AS SELECT {', '.join(REPORT_COLUMNS)}, "
                                  "created_at AS status_at, description AS status_note FROM report WHERE 1 = 0")
        self.conn.commit()

    def write(self, batch: list[Candidate]) -> BatchResult:
        result = BatchResult()
        conn = self.conn
        existing = self._lookup(conn, [c.external_id for c in batch])
        fresh = [c for c in batch if c.external_id not in existing]
        for c in batch:
            stored = existing.get(c.external_id)
            if stored is None:
                continue
            plan = plan_update(stored, c, self.now, timeline=self._timeline_reader(conn, stored.id),
                               clock=self._clocks.get(stored.category_code))
            if plan is None:
                result.unchanged += 1
                continue
            result.updated += 1
            values, event = plan
            conn.execute(insert(ReportEvent).values(report_id=stored.id, opd_code=stored.opd_code, actor=self.actor,
                                                    **event))
            conn.execute(update(Report).where(Report.id == stored.id).values(**values, updated_at=self.now))
        result.inserted = len(fresh)
        if fresh:
            result.outside = self._stage(conn, fresh)
        if self.dry_run:
            conn.rollback()
        else:
            conn.commit()
        return result

    def finish(self) -> None:
        """The staged new reports into the store in creation order, with their timelines: ``transaction_rows`` in
        each transaction, the ranges cut at every so many rows of the sorted table."""
        conn, staging, m = self.conn, self._staging, self._marker
        order = "s.created_at, s.external_id"
        cuts = [tuple(row) for row in conn.exec_driver_sql(
            f"SELECT created_at, external_id FROM (SELECT {order}, row_number() OVER (ORDER BY {order}) AS n "
            f"FROM {staging} s) t WHERE n - n / {m} * {m} = 0 ORDER BY n", (self.transaction_rows,) * 2)]
        columns = ", ".join(REPORT_COLUMNS)
        events = ", ".join(EVENT_COLUMNS)
        joined = f"FROM {staging} s JOIN report r ON r.source = s.source AND r.external_id = s.external_id"
        arrived = f"Laporan diimpor dari {self.source}"
        for low, high in zip([None, *cuts], [*cuts, None], strict=True):
            parts, bounds = [], []
            if low is not None:
                parts.append(f"({order}) > ({m}, {m})")
                bounds += low
            if high is not None:
                parts.append(f"({order}) <= ({m}, {m})")
                bounds += high
            where = " AND ".join(parts or ["1 = 1"])
            conn.exec_driver_sql(f"INSERT INTO report ({columns}) SELECT {', '.join('s.' + c for c in REPORT_COLUMNS)}"
                                 f" FROM {staging} s WHERE {where} ORDER BY {order}", tuple(bounds))
            conn.exec_driver_sql(f"INSERT INTO report_event ({events}) SELECT r.id, s.created_at, 'status', NULL, "
                                 f"'{NEW}', s.opd_code, {m}, {m} {joined} WHERE {where} ORDER BY r.id",
                                 (self.actor, arrived, *bounds))
            conn.exec_driver_sql(f"INSERT INTO report_event ({events}) SELECT r.id, s.status_at, 'status', '{NEW}', "
                                 f"s.status, s.opd_code, {m}, s.status_note {joined} WHERE {where} "
                                 f"AND s.status <> '{NEW}' ORDER BY r.id", (self.actor, *bounds))
            conn.commit()

    def close(self, *, complete: bool = True) -> None:
        """Write the staged reports (``complete``; not when the import failed) and let the connection go."""
        try:
            if complete and not self.dry_run:
                self.finish()
            self.conn.rollback()
            self.conn.exec_driver_sql(f"DROP TABLE IF EXISTS {self._staging}")
            self.conn.commit()
        finally:
            self.conn.close()

    # -- looking up ------------------------------------------------------------------------------------------
    def _select_in(self, conn: Connection, columns: str, ids: list[str]) -> list[tuple]:
        """Rows of this source whose external_id is in ``ids``, by plain SQL (SQLAlchemy's expanding IN costs more
        to compile than the indexed look-up itself)."""
        marker = "?" if self._sqlite else "%s"
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
        return found

    def _versions(self, conn: Connection, report_ids: list[int]) -> dict[int, Version]:
        """Each report's newest status this source gave at a known time: its latest status event by this import's
        actor, other than the arrival (``baru`` at the creation) and unless its note says the time was unknown."""
        marker = "?" if self._sqlite else "%s"
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

    def _timeline_reader(self, conn: Connection, report_id: int) -> Callable[[], list[tuple]]:
        """Reads the report's status events so far, when status_change needs them (a hold begins or ends)."""
        def read() -> list[tuple]:
            return [(_utc(at), to_status) for at, to_status in conn.execute(
                select(ReportEvent.at, ReportEvent.to_status)
                .where(ReportEvent.report_id == report_id, ReportEvent.kind == "status")
                .order_by(ReportEvent.at, ReportEvent.id))]
        return read

    # -- new reports ----------------------------------------------------------------------------------------
    def _locate(self, fresh: list[Candidate]) -> list[tuple[str | None, str | None]]:
        located: list[tuple[str | None, str | None]] = [(None, None)] * len(fresh)
        where = [i for i, c in enumerate(fresh) if c.lat is not None and c.lon is not None]
        if self.assigner is None or not where:
            return located
        found = self.assigner.assign([fresh[i].lon for i in where], [fresh[i].lat for i in where])
        for i, district, village in zip(where, found["district_code"].tolist(), found["village_code"].tolist(),
                                        strict=True):
            # geopandas may hand back NaN for "outside"; the store wants NULL
            located[i] = (district if isinstance(district, str) else None,
                          village if isinstance(village, str) else None)
        return located

    def _stage(self, conn: Connection, fresh: list[Candidate]) -> int:
        """New reports into the temporary table, with the time and note of their status event; returns how many
        landed without a district."""
        located = self._locate(fresh)
        if self.dry_run:
            return sum(1 for district, _ in located if district is None)
        states = [new_state(c, self.now, self._clocks[c.category_code]) for c in fresh]
        # Times are bound as the store keeps them: naive UTC text of one format on SQLite (a whole column at once).
        if self._sqlite:
            def column(moments: list) -> list:
                known = [m for m in moments if m is not None]
                texts = iter(_sqlite_times(known))
                return [None if m is None else next(texts) for m in moments]
        else:
            def column(moments: list) -> list:
                return moments
        times = [column([getattr(t, name) for t, _ in states]) for name in (
            "created_at", "first_response_at", "resolved_at", "closed_at", "response_due_at", "resolution_due_at")]
        status_at = column([at for _, at in states])
        now = column([self.now])[0]
        rows = [(self.source, c.external_id, c.channel, c.category_code, c.opd_code, district, village, c.lat, c.lon,
                 c.title, c.description, c.status, "normal", *(values[i] for values in times), 0.0, now,
                 status_at[i], status_note(c, status_time(c, self.now)[1]))
                for i, (c, (district, village)) in enumerate(zip(fresh, located, strict=True))]
        self._insert_rows(conn, self._staging, (*REPORT_COLUMNS, "status_at", "status_note"), rows)
        return sum(1 for district, _ in located if district is None)

    def _insert_rows(self, conn: Connection, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        """Ready tuples by plain DB-API calls (SQLAlchemy's per-row parameter processing costs more than the
        database's own work): executemany on SQLite, COPY on PostgreSQL."""
        if self._sqlite:
            conn.exec_driver_sql(f"INSERT INTO {table} ({', '.join(columns)}) "
                                 f"VALUES ({', '.join(['?'] * len(columns))})", rows)
            return
        with conn.connection.driver_connection.cursor() as cursor, cursor.copy(
                f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
