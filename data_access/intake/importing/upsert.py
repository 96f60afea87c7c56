"""Writing a batch of candidates, idempotent on (source, external_id): new reports staged and then inserted in
creation order with their due times, district and timeline; reports the store has updated when their status or
closing changed. What a status change does to a report's times is the rule book's (rulebook/status_change.py):

* a status was reached at the record's closing time (a finished status), else its update time, never before the
  creation; without either the time is unknown (status_change sets no response, resolution or closing time) and
  the import's own moment is only when the store learned it (the timeline's event, its note saying so);
* a new report gets ``baru`` at its creation and one status event to its status; an update one event from the old
  status (actor "impor:<source>"), or a note when only the closing time moved; a record never walks a report back
  through the open flow (a dump still saying "open" does not undo the OPD's ``diproses``);
* the newest copy of the source's record wins (:func:`version`): a record not newer than the status the store
  holds from this source at a known time changes nothing, so a re-import, or one of an older export, is a no-op;
* ``updated_at`` is the moment of the import, so the wall's version check sees every change at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

import numpy as np
from sqlalchemy import Engine, insert, select, update

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
    # The text SQLAlchemy's SQLite DateTime writes for UTCDateTime (naive UTC, six fraction digits): comparisons
    # between imported rows and all others stay text comparisons of one format.
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


def new_state(c: Candidate, now: datetime, clock: SlaClock) -> tuple[ReportTimes, datetime, str]:
    """A new report's times (due times from its policy at its creation), and the time and note of the event of its
    status. A hold it arrives in has not ended: its due times stay (status_change without a clock)."""
    at, known = status_time(c, now)
    created = c.created_at
    times = status_change(arrival(created, clock), c.status, at if known else None, noted_at=at,
                          responded_at=c.first_response_at, timeline=((created, NEW),))
    return times, at, status_note(c, known)


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
        existing = self._lookup([c.external_id for c in batch])
        fresh = [c for c in batch if c.external_id not in existing]
        for c in batch:
            stored = existing.get(c.external_id)
            if stored is None:
                continue
            plan = plan_update(stored, c, self.now, timeline=self._timeline_reader(stored.id),
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
            result.outside = self._stage(fresh)
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
        if len(cuts) > 1:  # each range read through an index, not by a scan of the whole staged file
            conn.exec_driver_sql("CREATE INDEX temp.import_new_order ON import_new (created_at, external_id)"
                                 if self._sqlite else "CREATE INDEX ON pg_temp.import_new (created_at, external_id)")
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
    def _select_in(self, sql: str, values: list, *args) -> list[tuple]:
        """``sql`` (its ``IN ({})`` filled with markers) for ``values`` in chunks, by plain SQL (SQLAlchemy's
        expanding IN costs more to compile than the indexed look-up itself)."""
        rows: list[tuple] = []
        for i in range(0, len(values), LOOKUP_CHUNK):
            chunk = values[i:i + LOOKUP_CHUNK]
            rows += self.conn.exec_driver_sql(sql.format(", ".join([self._marker] * len(chunk))), (*chunk, *args))
        return rows

    def _lookup(self, ids: list[str]) -> dict[str, Stored]:
        m = self._marker
        found = {ext: Stored(report_id, status, _utc(created), category, opd, _utc(responded), _utc(resolved),
                             _utc(closed))
                 for ext, report_id, status, created, category, opd, responded, resolved, closed in self._select_in(
                     "SELECT external_id, id, status, created_at, category_code, opd_code, first_response_at, "
                     f"resolved_at, closed_at FROM report WHERE external_id IN ({{}}) AND source = {m}", ids,
                     self.source)}
        if not found:
            return found
        # Each report's newest status this source gave at a known time: its latest status event by this import's
        # actor, other than the arrival (``baru`` at the creation) and unless its note says the time was unknown.
        latest: dict[int, tuple] = {}
        for report_id, at, event_id, to_status, note in self._select_in(
                "SELECT report_id, at, id, to_status, note FROM report_event WHERE report_id IN ({}) "
                f"AND kind = 'status' AND actor = {m} AND from_status IS NOT NULL",
                [s.id for s in found.values()], self.actor):
            key = (_utc(at), event_id)
            if report_id not in latest or key > latest[report_id][0]:
                latest[report_id] = (key, to_status, note)
        versions = {report_id: Version(True, at, _STATUS_RANK.get(to_status, -1))
                    for report_id, ((at, _), to_status, note) in latest.items()
                    if not (note or "").endswith(UNKNOWN_TIME_NOTE)}
        return {ext: replace(s, version=versions.get(s.id)) for ext, s in found.items()}

    def _timeline_reader(self, report_id: int) -> Callable[[], list[tuple]]:
        """Reads the report's status events so far, when status_change needs them (a hold begins or ends)."""
        def read() -> list[tuple]:
            return [(_utc(at), to_status) for at, to_status in self.conn.execute(
                select(ReportEvent.at, ReportEvent.to_status)
                .where(ReportEvent.report_id == report_id, ReportEvent.kind == "status")
                .order_by(ReportEvent.at, ReportEvent.id))]
        return read

    # -- new reports ----------------------------------------------------------------------------------------
    def _stage(self, fresh: list[Candidate]) -> int:
        """New reports into the temporary table, with the time and note of their status event; returns how many
        landed without a district."""
        n = len(fresh)
        districts: list[str | None] = [None] * n
        villages: list[str | None] = [None] * n
        located = [i for i, c in enumerate(fresh) if c.lat is not None and c.lon is not None]
        if self.assigner is not None and located:
            found = self.assigner.assign([fresh[i].lon for i in located], [fresh[i].lat for i in located])
            for i, district, village in zip(located, found["district_code"].tolist(),
                                            found["village_code"].tolist(), strict=True):
                # geopandas may hand back NaN for "outside"; the store wants NULL
                districts[i] = district if isinstance(district, str) else None
                villages[i] = village if isinstance(village, str) else None
        outside = districts.count(None)
        if self.dry_run:
            return outside
        states = [new_state(c, self.now, self._clocks[c.category_code]) for c in fresh]
        times = [self._times(list(column)) for column in zip(*[(*t[1:7], at) for t, at, _ in states], strict=True)]
        now = self._times([self.now])[0]
        rows = zip(*[[self.source] * n, [c.external_id for c in fresh], [c.channel for c in fresh],
                     [c.category_code for c in fresh], [c.opd_code for c in fresh], districts, villages,
                     [c.lat for c in fresh], [c.lon for c in fresh], [c.title for c in fresh],
                     [c.description for c in fresh], [c.status for c in fresh], ["normal"] * n, *times[:6],
                     [0.0] * n, [now] * n, times[6], [note for _, _, note in states]], strict=True)
        columns = (*REPORT_COLUMNS, "status_at", "status_note")
        if self._sqlite:  # ready tuples by plain DB-API calls: SQLAlchemy's per-row processing costs more
            self.conn.exec_driver_sql(f"INSERT INTO {self._staging} ({', '.join(columns)}) "
                                      f"VALUES ({', '.join(['?'] * len(columns))})", list(rows))
        else:
            with self.conn.connection.driver_connection.cursor() as cursor, cursor.copy(
                    f"COPY {self._staging} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return outside

    def _times(self, moments: list) -> list:
        """A column of times as the store binds them: naive UTC text of one format on SQLite (a whole column at
        once), the aware times themselves on PostgreSQL."""
        if not self._sqlite:
            return moments
        texts = iter(_sqlite_times([m for m in moments if m is not None]))
        return [None if m is None else next(texts) for m in moments]
