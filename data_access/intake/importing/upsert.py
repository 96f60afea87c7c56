"""Writing candidates, idempotent on (source, external_id), through the rule book (rulebook/status_change.py): a new
report gets ``baru`` at its creation and an event to its status; a known one an event from its old status, never
back through the open flow, unless the record is not newer (:func:`version`) than the status the store holds from
this source at a known time (README "File imports": the same record twice)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import partial
from typing import NamedTuple

import numpy as np
from sqlalchemy import Engine, insert, select, update

from core.rules import CLOCK_RUNNING, FINISHED_STATUSES, NEW, STATUSES
from data_access.intake.importing.translate import Candidate
from data_access.rulebook.sla import SlaPolicy, WorkCalendar, micros_column
from data_access.rulebook.status_change import ReportTimes, SlaClock, arrivals, changed_columns, status_change
from data_access.store.schema import Report, ReportEvent
from data_access.store.types import UTCDateTime

REPORT_COLUMNS = ("source", "external_id", "channel", "category_code", "opd_code", "district_code", "village_code",
                  "lat", "lon", "title", "description", "status", "priority", "created_at", "first_response_at",
                  "resolved_at", "closed_at", "response_due_at", "resolution_due_at", "paused_seconds", "updated_at")
EVENT_COLUMNS = ("report_id", "at", "kind", "from_status", "to_status", "opd_code", "actor", "note")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_FLOW_RANK = {status: i for i, status in enumerate(CLOCK_RUNNING)}
_STATUS_RANK = {status: i for i, status in enumerate(STATUSES)}  # "later in the flow", for copies of one time
# Ends the note of an imported status event whose time the source did not give (its ``at`` is the import's own
# moment): such an event is not a version of the source's record with a known time.
UNKNOWN_TIME_NOTE = " (waktu dari sumber tidak diketahui)"
_utc = partial(UTCDateTime().process_result_value, dialect=None)  # a time read by plain SQL, as the store reads it


def _sqlite_times(moments: list[datetime]) -> list[str]:
    """Aware times as the text SQLAlchemy's SQLite DateTime writes for UTCDateTime (naive UTC, six fraction
    digits), so imported rows compare with all others as text of one format; numpy formats a column in C."""
    return [text.replace("T", " ") for text in np.datetime_as_string(micros_column(moments)).tolist()]


def status_time(c: Candidate, now: datetime) -> tuple[datetime, bool]:
    """When the record's status was reached (its closing time if finished, else its update time), and whether the
    source said so; if not, the import's moment: the event's time, never a response, resolution or closing time."""
    if c.status in FINISHED_STATUSES and c.closed_at is not None:
        return max(c.closed_at, c.created_at), True
    if c.updated_at is not None:
        return max(c.updated_at, c.created_at), True
    return max(now, c.created_at), False


def version(c: Candidate, now: datetime) -> tuple[bool, datetime, int]:
    """Which of two copies of a source's record is newer, compared as a tuple: one whose status time the source
    gave beats one without, then the later time (clamped to the creation), then the later status in the flow."""
    at, known = status_time(c, now)
    return known, at if known else _EPOCH, _STATUS_RANK.get(c.status, -1)


def status_note(c: Candidate, known: bool) -> str:
    note = f"Status dari impor: {c.status_raw}" if c.status_raw else "Status dari impor"
    return note if known else note + UNKNOWN_TIME_NOTE


class Stored(NamedTuple):
    """A stored report as an import may change it: its times (due times and hold not read: None) and the version of
    the newest status this source gave it at a known time."""

    id: int
    category_code: str
    opd_code: str | None
    times: ReportTimes
    version: tuple | None = None


def plan_update(stored: Stored, c: Candidate, now: datetime, *, timeline=None,
                clock: SlaClock | None = None) -> tuple[dict, dict] | None:
    """(changed report columns, the event) when the record changes the report, else None."""
    if stored.version is not None and version(c, now) <= stored.version:
        return None  # not newer than a copy the store has applied (the same file again, an older export)
    before = stored.times
    old, new = before.status, c.status
    if new != old and old in _FLOW_RANK and new in _FLOW_RANK and _FLOW_RANK[new] < _FLOW_RANK[old]:
        new = old  # never back through the open flow: the store knows more
    if new == old and not (old in FINISHED_STATUSES and c.closed_at is not None):
        return None  # the same status, and no closing time to restate
    at, known = status_time(c, now)
    at = max(at, before.created_at)
    after = status_change(before, new, at if known else None, noted_at=at, responded_at=c.first_response_at,
                          timeline=timeline, clock=clock)
    values = changed_columns(before, after)
    if new != old:
        return {**values, "status": new}, {"at": at, "kind": "status", "from_status": old, "to_status": new,
                                           "note": status_note(c, known)}
    note = f"Waktu penyelesaian diperbarui dari impor: {c.closed_at:%Y-%m-%d %H:%M} UTC"
    return (values, {"at": at, "kind": "note", "from_status": old, "to_status": old, "note": note}) if values else None


class ReportUpserter:
    """One import of one ``source`` (each external id once) over one connection; ``dry_run`` writes nothing. New
    reports wait in a temporary table and go into the store at the end sorted by creation time: a file in random
    order, written as it comes, touches every page of the time-led indexes in every transaction."""

    def __init__(self, engine: Engine, source: str, workcal: WorkCalendar, policies: dict[str, SlaPolicy],
                 now: datetime, *, assigner=None, dry_run: bool = False, transaction_rows: int = 20_000) -> None:
        self.source, self.now, self.assigner, self.dry_run = source, now, assigner, dry_run
        self.transaction_rows = transaction_rows
        self.actor = f"impor:{source}"[:80]
        self._sqlite = engine.dialect.name == "sqlite"
        self._marker = "?" if self._sqlite else "%s"
        self._clocks = {code: SlaClock(policy, workcal) for code, policy in policies.items()}
        self.conn = engine.connect()
        if self._sqlite:
            # An import walks the whole store's indexes: mapped, every page read would stay in the process's memory
            # (the store's mmap_size); sorted, the sweep needs few pages at a time (a small cache and sorter).
            self.conn.exec_driver_sql("PRAGMA mmap_size=0")
            self.conn.exec_driver_sql("PRAGMA cache_size=-16384")
            # Checkpoints every 1,000 pages write an index page to the store again after each transaction that
            # touched it; once at the end (close), each is written once. Bounded: at most 256 Ki pages of WAL.
            self.conn.exec_driver_sql("PRAGMA wal_autocheckpoint=262144")
        # In the connection's own schema of temporary tables (a table "import_new" of the store's is never touched)
        self._staging = "temp.import_new" if self._sqlite else "pg_temp.import_new"
        self.conn.exec_driver_sql(f"DROP TABLE IF EXISTS {self._staging}")
        self.conn.exec_driver_sql(f"CREATE TEMPORARY TABLE import_new AS SELECT {', '.join(REPORT_COLUMNS)}, "
                                  "created_at AS status_at, description AS status_note FROM report WHERE 1 = 0")
        self.conn.commit()

    def write(self, batch: list[Candidate], counts) -> None:
        """One batch, counted into ``counts``' inserted, updated, unchanged and outside (landed without a district)."""
        existing = self._lookup([c.external_id for c in batch])
        for c in batch:
            if (stored := existing.get(c.external_id)) is None:
                continue
            plan = plan_update(stored, c, self.now, timeline=partial(self._timeline, stored.id),
                               clock=self._clocks.get(stored.category_code))
            if plan is None:
                counts.unchanged += 1
                continue
            counts.updated += 1
            values, event = plan
            self.conn.execute(insert(ReportEvent).values(report_id=stored.id, opd_code=stored.opd_code,
                                                         actor=self.actor, **event))
            self.conn.execute(update(Report).where(Report.id == stored.id).values(**values, updated_at=self.now))
        if fresh := [c for c in batch if c.external_id not in existing]:
            counts.inserted += len(fresh)
            counts.outside += self._stage(fresh)
        (self.conn.rollback if self.dry_run else self.conn.commit)()

    def finish(self) -> None:
        """The staged reports into the store in creation order with their events, ``transaction_rows`` at a time."""
        conn, staging, m, order = self.conn, self._staging, self._marker, "s.created_at, s.external_id"
        cuts = [tuple(row) for row in conn.exec_driver_sql(
            f"SELECT created_at, external_id FROM (SELECT {order}, row_number() OVER (ORDER BY {order}) AS n "
            f"FROM {staging} s) t WHERE n - n / {m} * {m} = 0 ORDER BY n", (self.transaction_rows,) * 2)]
        if len(cuts) > 1:  # each range read through an index, not by a scan of the whole staged file
            conn.exec_driver_sql("CREATE INDEX temp.import_new_order ON import_new (created_at, external_id)"
                                 if self._sqlite else "CREATE INDEX ON pg_temp.import_new (created_at, external_id)")
        events = f"INSERT INTO report_event ({', '.join(EVENT_COLUMNS)}) SELECT r.id, "
        # Each range's reports are above the store's last id before it: the join holds those, not the whole store
        joined = f"FROM {staging} s JOIN report r USING (source, external_id) WHERE r.id > {m} AND"
        for low, high in zip([None, *cuts], [*cuts, None], strict=True):
            where = " AND ".join([f"({order}) > ({m}, {m})"] * (low is not None)
                                 + [f"({order}) <= ({m}, {m})"] * (high is not None)) or "1 = 1"
            bounds = (*(low or ()), *(high or ()))
            top = conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM report").scalar()
            conn.exec_driver_sql(f"INSERT INTO report ({', '.join(REPORT_COLUMNS)}) SELECT "
                                 f"{', '.join('s.' + c for c in REPORT_COLUMNS)} FROM {staging} s WHERE {where} "
                                 f"ORDER BY {order}", bounds)
            conn.exec_driver_sql(f"{events}s.created_at, 'status', NULL, '{NEW}', s.opd_code, {m}, {m} {joined} "
                                 f"{where} ORDER BY r.id", (self.actor, f"Laporan diimpor dari {self.source}", top,
                                                            *bounds))
            conn.exec_driver_sql(f"{events}s.status_at, 'status', '{NEW}', s.status, s.opd_code, {m}, s.status_note "
                                 f"{joined} {where} AND s.status <> '{NEW}' ORDER BY r.id", (self.actor, top, *bounds))
            conn.commit()

    def close(self, *, complete: bool = True) -> None:
        """Write the staged reports (``complete``; not when the import failed) and let the connection go."""
        try:
            if complete and not self.dry_run:
                self.finish()
            self.conn.rollback()
            self.conn.exec_driver_sql(f"DROP TABLE IF EXISTS {self._staging}")
            self.conn.commit()
            if self._sqlite:  # the import's WAL into the store now, not in a live writer's next commit
                self.conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").all()
        finally:
            self.conn.close()

    def _select_in(self, sql: str, values: list, *args) -> list[tuple]:
        """``sql``'s ``IN ({})`` for a batch's ``values`` by plain SQL (SQLAlchemy's expanding IN costs more)."""
        markers = ", ".join([self._marker] * len(values))
        return self.conn.exec_driver_sql(sql.format(markers), (*values, *args)).all() if values else []

    def _lookup(self, ids: list[str]) -> dict[str, Stored]:
        found = {ext: Stored(report_id, category, opd, ReportTimes(status, *map(_utc, times), None, None, None))
                 for ext, report_id, status, category, opd, *times in self._select_in(
                     "SELECT external_id, id, status, category_code, opd_code, created_at, first_response_at, "
                     f"resolved_at, closed_at FROM report WHERE external_id IN ({{}}) AND source = {self._marker}",
                     ids, self.source)}
        # Each report's newest status this source gave at a known time: its latest status event by this import's
        # actor, other than the arrival (``baru`` at the creation) and unless its note says the time was unknown.
        latest: dict[int, tuple] = {}
        for report_id, at, event_id, to_status, note in self._select_in(
                "SELECT report_id, at, id, to_status, note FROM report_event WHERE report_id IN ({}) "
                f"AND kind = 'status' AND actor = {self._marker} AND from_status IS NOT NULL",
                [s.id for s in found.values()], self.actor):
            if report_id not in latest or (_utc(at), event_id) > latest[report_id][0]:
                latest[report_id] = ((_utc(at), event_id), to_status, note)
        versions = {report_id: (True, at, _STATUS_RANK.get(to_status, -1))
                    for report_id, ((at, _), to_status, note) in latest.items()
                    if not (note or "").endswith(UNKNOWN_TIME_NOTE)}
        return {ext: s._replace(version=versions.get(s.id)) for ext, s in found.items()}

    def _timeline(self, report_id: int) -> list[tuple]:
        """The report's status events so far, read when status_change needs them (a hold begins or ends)."""
        events = select(ReportEvent.at, ReportEvent.to_status).where(ReportEvent.report_id == report_id,
                                                                     ReportEvent.kind == "status")
        return [(_utc(at), to) for at, to in self.conn.execute(events.order_by(ReportEvent.at, ReportEvent.id))]

    def _stage(self, fresh: list[Candidate]) -> int:
        """New reports into the temporary table; returns how many landed without a district."""
        places: list[tuple] = [(None, None)] * len(fresh)
        located = [i for i, c in enumerate(fresh) if c.lat is not None and c.lon is not None]
        if self.assigner is not None and located:
            found = self.assigner.assign([fresh[i].lon for i in located], [fresh[i].lat for i in located])
            for i, *place in zip(located, found["district_code"].tolist(), found["village_code"].tolist(), strict=True):
                places[i] = tuple(code if isinstance(code, str) else None for code in place)  # NaN for "outside"
        outside = sum(district is None for district, _ in places)
        if self.dry_run:
            return outside
        rows, arrived = [], arrivals([c.created_at for c in fresh], [self._clocks[c.category_code] for c in fresh])
        for c, (district, village), before in zip(fresh, places, arrived, strict=True):
            # A hold the report arrives in has not ended: its due times stay (status_change without a clock)
            at, known = status_time(c, self.now)
            times = status_change(before, c.status, at if known else None, noted_at=at,
                                  responded_at=c.first_response_at, timeline=((c.created_at, NEW),))
            rows.append([self.source, c.external_id, c.channel, c.category_code, c.opd_code, district, village,
                         c.lat, c.lon, c.title, c.description, c.status, "normal", *times[1:7], 0.0, self.now, at,
                         status_note(c, known)])
        columns = ", ".join((*REPORT_COLUMNS, "status_at", "status_note"))
        if self._sqlite:  # ready tuples by plain DB-API calls: SQLAlchemy's per-row processing costs more
            for k in (13, 14, 15, 16, 17, 18, 20, 21):  # the time columns, as SQLAlchemy writes them to SQLite
                texts = iter(_sqlite_times([row[k] for row in rows if row[k] is not None]))
                for row in rows:
                    row[k] = None if row[k] is None else next(texts)
            self.conn.exec_driver_sql(f"INSERT INTO {self._staging} ({columns}) VALUES "
                                      f"({', '.join(['?'] * len(rows[0]))})", list(map(tuple, rows)))
        else:
            with self.conn.connection.driver_connection.cursor() as cursor, cursor.copy(
                    f"COPY {self._staging} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return outside
