"""Writing reports: intake, state changes, and the SLA due times stored with them.

Due times are stored when a report is written or changes state, so that breach queries are plain indexed
comparisons with ``now``; what a change does to a report's times is the rule book's (rulebook/status_change.py,
which the importer and the demo follow too). Rows that intake systems insert straight into the table get theirs
from :func:`sweep_pending`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, bindparam, insert, select, update
from sqlalchemy.orm import Session

from core.formatting import clip
from data_access.rulebook.policies import policies_from_store
from data_access.rulebook.sla import SlaPolicy, WorkCalendar
from data_access.rulebook.status_change import (
    ReportTimes,
    SlaClock,
    arrival,
    changed_columns,
    compute_due_times,
    status_change,
)
from data_access.store.schema import (
    DESCRIPTION_MAX,
    NOTE_MAX,
    STATUSES,
    TITLE_MAX,
    Category,
    Report,
    Reporter,
    ReportEvent,
)

# Where each status may go next (SP4N-LAPOR! flow). Terminal statuses go nowhere.
TRANSITIONS: dict[str, frozenset[str]] = {
    "baru": frozenset({"diverifikasi", "didisposisikan", "ditolak", "diarsipkan"}),
    "diverifikasi": frozenset({"didisposisikan", "ditolak", "diarsipkan"}),
    "didisposisikan": frozenset({"didisposisikan", "diproses", "ditunda", "selesai", "ditolak"}),
    "diproses": frozenset({"didisposisikan", "ditunda", "selesai"}),
    "ditunda": frozenset({"diproses", "didisposisikan", "selesai"}),
    "selesai": frozenset({"ditutup", "diproses"}),
    "ditutup": frozenset(),
    "ditolak": frozenset(),
    "diarsipkan": frozenset(),
}


class InvalidTransition(ValueError):
    pass


@dataclass
class ReportWriter:
    """Creates reports and moves them through their states, keeping due times and the timeline right."""

    engine: Engine
    workcal: WorkCalendar
    assigner: object | None = None  # geo.assign.PointAssigner; typed loosely so data_access does not need geo

    def __post_init__(self) -> None:
        with Session(self.engine) as session:
            self.policies: dict[str, SlaPolicy] = policies_from_store(session)
            self.default_opd: dict[str, str] = dict(session.execute(select(Category.code,
                                                                           Category.default_opd_code)).all())

    def create(self, session: Session, *, category_code: str, title: str, created_at: datetime,
               channel: str = "app", source: str = "dashboard", external_id: str | None = None,
               description: str | None = None, lat: float | None = None, lon: float | None = None,
               district_code: str | None = None, village_code: str | None = None, opd_code: str | None = None,
               priority: str = "normal", reporter: Reporter | None = None, actor: str = "sistem") -> Report:
        if category_code not in self.policies:
            raise ValueError(f"unknown category {category_code!r}")
        if district_code is None and lat is not None and lon is not None and self.assigner is not None:
            district_code, found_village = self.assigner.assign_one(lon, lat)
            village_code = village_code or found_village
        times = arrival(created_at, SlaClock(self.policies[category_code], self.workcal))
        report = Report(
            source=source, external_id=external_id, channel=channel, category_code=category_code,
            opd_code=opd_code or self.default_opd[category_code], district_code=district_code,
            village_code=village_code, lat=lat, lon=lon, title=clip(title, TITLE_MAX),
            description=None if description is None else clip(description, DESCRIPTION_MAX), status="baru",
            priority=priority, created_at=created_at, response_due_at=times.response_due_at,
            resolution_due_at=times.resolution_due_at, paused_seconds=times.paused_seconds, updated_at=created_at,
        )
        if reporter is not None:
            report.reporter_id = _reporter_id(session, reporter)
        session.add(report)
        session.flush()
        session.add(ReportEvent(report_id=report.id, at=created_at, kind="status", to_status="baru",
                                opd_code=report.opd_code, actor=actor, note=f"Laporan masuk lewat {channel}"))
        return report

    def transition(self, session: Session, report: Report, to_status: str, at: datetime, *, actor: str = "sistem",
                   note: str | None = None, opd_code: str | None = None) -> None:
        if to_status not in STATUSES:
            raise InvalidTransition(f"unknown status {to_status!r}")
        if to_status not in TRANSITIONS[report.status]:
            raise InvalidTransition(f"report {report.id}: {report.status} → {to_status} is not allowed")
        if at < report.created_at:
            raise InvalidTransition(f"report {report.id}: a change at {at} predates the report")
        from_status = report.status
        before = ReportTimes(from_status, report.created_at, report.first_response_at, report.resolved_at,
                             report.closed_at, report.response_due_at, report.resolution_due_at, report.paused_seconds)
        after = status_change(before, to_status, at, timeline=lambda: self._timeline(session, report),
                              clock=SlaClock(self.policies[report.category_code], self.workcal))
        for name, value in changed_columns(before, after).items():
            setattr(report, name, value)
        if opd_code and opd_code != report.opd_code:
            report.opd_code = opd_code
        report.status = to_status
        session.add(ReportEvent(report_id=report.id, at=at, kind="status", from_status=from_status,
                                to_status=to_status, opd_code=report.opd_code, actor=actor,
                                note=None if note is None else clip(note, NOTE_MAX)))
        report.updated_at = at

    @staticmethod
    def _timeline(session: Session, report: Report) -> list[tuple[datetime, str | None]]:
        """The report's status events so far (status_change reads them only when a hold begins or ends)."""
        session.flush()  # this session's earlier transitions of the report
        return [tuple(row) for row in session.execute(
            select(ReportEvent.at, ReportEvent.to_status)
            .where(ReportEvent.report_id == report.id, ReportEvent.kind == "status")
            .order_by(ReportEvent.at, ReportEvent.id)
        )]


def _reporter_id(session: Session, reporter: Reporter) -> int:
    session.add(reporter)
    session.flush()
    return reporter.id


def sweep_pending(engine: Engine, workcal: WorkCalendar, assigner=None, *, now: datetime | None = None,
                  batch: int = 500) -> int:
    """Fill what intake systems could not know for rows written straight into ``report``.

    Due times (from the category's policy), the default OPD, and the district and village from
    coordinates. Returns how many rows were completed. Idempotent; cheap when nothing is pending
    because ``response_due_at IS NULL`` is served by an index.

    Each batch is read, placed and timed (point-in-polygon, due times: the slow part) outside any write; only then
    a short write transaction stores it. SQLite has one writer at a time: when the Python work ran inside the write
    transaction, a 2,000-row batch held the write lock 14-49 s on the 1M store and every other writer (the
    simulator, logins, the access log of exports and kiosk links) waited behind it.
    """
    now = now or datetime.now(UTC)
    done = 0
    with Session(engine) as session:
        policies = policies_from_store(session)
        default_opd = dict(session.execute(select(Category.code, Category.default_opd_code)).all())
    last_id = 0
    while True:
        with engine.connect() as conn:  # a read: no write lock
            rows = conn.execute(
                select(Report.id, Report.category_code, Report.created_at, Report.opd_code, Report.district_code,
                       Report.village_code, Report.lat, Report.lon)
                .where(Report.response_due_at.is_(None), Report.id > last_id).order_by(Report.id).limit(batch)
                # SQLite's statistics, gathered when nothing was pending, would take ix_report_response_breach
                # and sort every pending row instead of walking the small partial index in id order.
                .with_hint(Report, "INDEXED BY ix_report_pending", "sqlite")
            ).all()
        if not rows:
            return done
        last_id = rows[-1].id
        changes = _completions(rows, _assign_locations(rows, assigner), policies, default_opd, workcal, now)
        done += _store_completions(engine, changes, now)
        if len(rows) < batch:
            return done


def _completions(rows, located, policies, default_opd, workcal: WorkCalendar, now: datetime) -> list[dict]:
    """What the sweep writes for each row (pure Python: due times, OPD, place), keyed for _SWEEP_UPDATE."""
    changes = []
    for row, (district, village) in zip(rows, located, strict=True):
        policy = policies.get(row.category_code)
        if policy is None:  # unknown category: the foreign key should have stopped it
            continue
        due = compute_due_times(policy, row.created_at or now, workcal)
        changes.append({"row_id": row.id, "response_due_at": due.response_due_at,
                        "resolution_due_at": due.resolution_due_at,
                        "opd_code": row.opd_code or default_opd.get(row.category_code),
                        "district_code": row.district_code or district, "village_code": row.village_code or village})
    return changes


# Built once: each row's update is then one cached statement with its own values. The guard on response_due_at
# makes concurrent sweeps (several workers) complete each row once.
_SWEEP_UPDATE = (update(Report).where(Report.id == bindparam("row_id"), Report.response_due_at.is_(None))
                 .values(response_due_at=bindparam("response_due_at"),
                         resolution_due_at=bindparam("resolution_due_at"), opd_code=bindparam("opd_code"),
                         district_code=bindparam("district_code"), village_code=bindparam("village_code"),
                         updated_at=bindparam("updated_at")))


def _store_completions(engine: Engine, changes: list[dict], now: datetime) -> int:
    """One short write transaction: the prepared updates, then the timeline notes of the rows this sweep took."""
    if not changes:
        return 0
    with engine.begin() as conn:
        taken = [c["row_id"] for c in changes if conn.execute(_SWEEP_UPDATE, {**c, "updated_at": now}).rowcount == 1]
        if taken:
            conn.execute(insert(ReportEvent), [
                {"report_id": report_id, "at": now, "kind": "note", "actor": "sistem",
                 "note": "Tenggat SLA dihitung untuk laporan dari sistem lain"} for report_id in taken])
    return len(taken)


def _assign_locations(rows, assigner) -> list[tuple[str | None, str | None]]:
    if assigner is None:
        return [(None, None)] * len(rows)
    need = [r for r in rows if r.district_code is None and r.lat is not None and r.lon is not None]
    found = {}
    if need:
        assigned = assigner.assign([r.lon for r in need], [r.lat for r in need])
        for r, (district, village) in zip(need, assigned[["district_code", "village_code"]].itertuples(index=False),
                                          strict=True):
            # geopandas hands back NaN for "outside"; the store wants NULL
            found[r.id] = (district if isinstance(district, str) else None,
                           village if isinstance(village, str) else None)
    return [found.get(r.id, (None, None)) for r in rows]

