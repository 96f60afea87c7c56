"""The store itself: migrations, SQLite settings, writing reports, state changes, pauses and the intake sweep."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from alembic import command
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError, StatementError
from sqlalchemy.orm import Session

from data_access.intake.writer import InvalidTransition, ReportWriter, sweep_pending
from data_access.rulebook.sla import WIT
from data_access.rulebook.status_change import pauses_from_events
from data_access.store.engine import make_engine
from data_access.store.migrate import alembic_config, upgrade
from data_access.store.schema import Report, ReportEvent

TABLES = {"district", "village", "opd", "category", "sla_policy", "report", "reporter", "report_event"}
FRIDAY_15_WIT = datetime(2026, 11, 20, 15, 0, tzinfo=WIT).astimezone(UTC)


def test_migrations_run_from_empty_and_back(empty_store):
    """Alembic creates every public table from nothing, drops them on downgrade, and upgrades again."""
    assert set(inspect(empty_store).get_table_names()) >= TABLES
    command.downgrade(alembic_config(empty_store), "base")
    assert not TABLES & set(inspect(empty_store).get_table_names())
    upgrade(empty_store)
    columns = {c["name"] for c in inspect(empty_store).get_columns("report")}
    assert {"id", "source", "external_id", "channel", "category_code", "opd_code", "district_code", "village_code",
            "lat", "lon", "title", "description", "status", "priority", "created_at", "first_response_at",
            "resolved_at", "closed_at", "response_due_at", "resolution_due_at", "paused_seconds",
            "updated_at"} <= columns


def test_the_migrated_store_is_the_schema(empty_store):
    """The migrations build exactly what schema.py declares (tables, columns, indexes, partial ones included):
    alembic's comparison finds nothing to change. A query planned against schema.py meets the same store."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from data_access.store.schema import Base

    with empty_store.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    with empty_store.connect() as conn:
        indexes = {i["name"] for i in inspect(conn).get_indexes("report")}
    assert {"ix_report_finished_unresolved", "ix_report_pending"} <= indexes
    assert not {"ix_report_response_bucket", "ix_report_resolution_bucket", "ix_report_pending_sla",
                "ix_report_first_response_at"} & indexes  # gone with 0007


def test_reference_data_is_mimikas(empty_store):
    """18 districts 94.04.01–18 with population and source, 152 villages, OPDs and categories with policies."""
    with empty_store.connect() as conn:
        codes = [r[0] for r in conn.execute(text("SELECT code FROM district ORDER BY code"))]
        assert codes == [f"94.04.{i:02d}" for i in range(1, 19)]
        assert conn.execute(text("SELECT count(*) FROM village")).scalar() == 152
        assert conn.execute(text("SELECT sum(population) FROM district")).scalar() == 323_503
        assert conn.execute(text("SELECT count(*) FROM district WHERE population_source IS NULL")).scalar() == 0
        wania = conn.execute(text("SELECT district_code FROM village WHERE code = '94.04.03.1001'")).scalar()
        assert wania == "94.04.03"  # Kelurahan Wania lies in Mimika Timur, not in district Wania
        assert conn.execute(text("SELECT count(*) FROM category c JOIN opd o ON o.code = c.default_opd_code "
                                 "JOIN sla_policy p ON p.code = c.sla_policy_code")).scalar() >= 20


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    """SQLite stores use WAL (readers never block the simulator), a busy timeout and enforced foreign keys."""
    engine = make_engine(f"sqlite:///{tmp_path / 's.db'}", create=True)
    upgrade(engine)
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000


def test_missing_sqlite_file_is_not_silently_created(tmp_path):
    """Opening a moved-away store fails instead of creating a new empty one that would show zeros."""
    from data_access.store.engine import StoreUnavailable, check_store

    engine = make_engine(f"sqlite:///{tmp_path / 'gone.db'}")
    with pytest.raises(StoreUnavailable, match="does not exist"):
        check_store(engine)
    assert not (tmp_path / "gone.db").exists()


def _writer(engine, workcal):
    return ReportWriter(engine, workcal)


def test_new_report_gets_due_times_from_its_category_policy(empty_store, workcal):
    """A road report on Friday 15:00 WIT (standar: 2 working days / 14 working days) is due Tuesday 15:00 WIT."""
    writer = _writer(empty_store, workcal)
    with Session(empty_store) as session, session.begin():
        report = writer.create(session, category_code="jalan", title="Jalan berlubang", created_at=FRIDAY_15_WIT)
        assert report.opd_code == "PUPR"
        assert report.response_due_at.astimezone(WIT) == datetime(2026, 11, 24, 15, 0, tzinfo=WIT)
        assert report.resolution_due_at.astimezone(WIT).date().isoformat() == "2026-12-10"
        events = session.scalars(select(ReportEvent).where(ReportEvent.report_id == report.id)).all()
        assert [e.to_status for e in events] == ["baru"]


def test_emergency_report_runs_around_the_clock(empty_store, workcal):
    """A 112 medical emergency on Saturday night is due one hour later, weekend or not."""
    saturday_night = datetime(2026, 11, 21, 23, 30, tzinfo=WIT)
    with Session(empty_store) as session, session.begin():
        report = _writer(empty_store, workcal).create(session, category_code="gawat_darurat", title="Butuh ambulans",
                                                      created_at=saturday_night)
        assert report.response_due_at - saturday_night == timedelta(hours=1)
        assert report.resolution_due_at - saturday_night == timedelta(hours=24)


def test_transitions_record_response_resolution_and_timeline(empty_store, workcal):
    """The first step answers the citizen; selesai resolves; ditutup closes; each step is in the timeline."""
    writer = _writer(empty_store, workcal)
    t0 = FRIDAY_15_WIT
    with Session(empty_store) as session, session.begin():
        report = writer.create(session, category_code="sampah", title="Sampah menumpuk", created_at=t0)
        for hours, status in ((1, "diverifikasi"), (2, "didisposisikan"), (3, "diproses"), (30, "selesai"),
                              (40, "ditutup")):
            writer.transition(session, report, status, t0 + timedelta(hours=hours), actor="uji")
        assert report.first_response_at == t0 + timedelta(hours=1)
        assert report.resolved_at == t0 + timedelta(hours=30)
        assert report.closed_at == t0 + timedelta(hours=40)
        assert report.updated_at == t0 + timedelta(hours=40)
        with pytest.raises(InvalidTransition):
            writer.transition(session, report, "diproses", t0 + timedelta(hours=41))


@pytest.mark.parametrize("bad", ["selesai_banget", "ditutup"])
def test_invalid_transitions_are_refused(empty_store, workcal, bad):
    """Unknown statuses and jumps the SP4N-LAPOR! flow does not allow raise a clear error."""
    writer = _writer(empty_store, workcal)
    with Session(empty_store) as session, session.begin():
        report = writer.create(session, category_code="jalan", title="x", created_at=FRIDAY_15_WIT)
        with pytest.raises(InvalidTransition):
            writer.transition(session, report, bad, FRIDAY_15_WIT + timedelta(hours=1))


def test_pause_extends_due_times_by_paused_working_time(empty_store, workcal):
    """Time in ditunda stops the clock: a pause of one working day moves the resolution due time by one."""
    writer = _writer(empty_store, workcal)
    monday_9 = datetime(2026, 11, 23, 9, 0, tzinfo=WIT)
    with Session(empty_store) as session, session.begin():
        report = writer.create(session, category_code="air_bersih", title="Air mati", created_at=monday_9)
        before = report.resolution_due_at
        writer.transition(session, report, "diverifikasi", monday_9 + timedelta(hours=1))
        writer.transition(session, report, "didisposisikan", monday_9 + timedelta(hours=2))
        writer.transition(session, report, "ditunda", datetime(2026, 11, 24, 8, 0, tzinfo=WIT))
        writer.transition(session, report, "diproses", datetime(2026, 11, 25, 8, 0, tzinfo=WIT))
        assert report.paused_seconds == 24 * 3600
        assert report.resolution_due_at.astimezone(WIT) == (before + timedelta(days=1)).astimezone(WIT)


def test_pauses_from_events_pairs_ditunda_with_the_next_state():
    """Pause intervals come from the timeline; an unfinished pause stays open."""
    t = datetime(2026, 1, 5, tzinfo=UTC)
    events = [(t, "baru"), (t + timedelta(hours=1), "ditunda"), (t + timedelta(hours=5), "diproses"),
              (t + timedelta(hours=6), "ditunda")]
    assert pauses_from_events(events) == [(t + timedelta(hours=1), t + timedelta(hours=5)),
                                          (t + timedelta(hours=6), None)]


def test_reimporting_the_same_external_id_never_duplicates(empty_store, workcal):
    """(source, external_id) is unique: an intake system that sends a report twice is refused the second time."""
    writer = _writer(empty_store, workcal)
    with Session(empty_store) as session, session.begin():
        writer.create(session, category_code="jalan", title="a", created_at=FRIDAY_15_WIT, source="lapor",
                      external_id="LAP-1")
    with pytest.raises(IntegrityError), Session(empty_store) as session, session.begin():
        writer.create(session, category_code="jalan", title="a", created_at=FRIDAY_15_WIT, source="lapor",
                      external_id="LAP-1")


def test_naive_times_are_refused(empty_store, workcal):
    """A time without a zone never reaches the store: it would be nine hours off."""
    with pytest.raises(StatementError, match="naive datetime"), Session(empty_store) as session, session.begin():
        session.add(Report(category_code="jalan", title="x", created_at=datetime(2026, 1, 1, 10, 0),
                           updated_at=datetime(2026, 1, 1, 10, 0)))
        session.flush()


def test_sweep_completes_rows_written_directly_by_intake_systems(empty_store, workcal):
    """A row inserted with SQL alone gets its due times and default OPD, and is then counted."""
    with empty_store.begin() as conn:
        conn.execute(text("INSERT INTO report (source, external_id, category_code, title, created_at, updated_at) "
                          "VALUES ('lapor', 'LAP-77', 'sampah', 'Sampah di pasar', :t, :t)"),
                     {"t": FRIDAY_15_WIT.replace(tzinfo=None) if empty_store.dialect.name == "sqlite"
                      else FRIDAY_15_WIT})
    assert sweep_pending(empty_store, workcal, now=FRIDAY_15_WIT + timedelta(minutes=1)) == 1
    with Session(empty_store) as session:
        report = session.scalars(select(Report).where(Report.external_id == "LAP-77")).one()
        assert report.opd_code == "DLH"
        assert report.response_due_at.astimezone(WIT) == datetime(2026, 11, 23, 15, 0, tzinfo=WIT)
        assert report.status == "baru" and report.channel == "app" and report.paused_seconds == 0
    assert sweep_pending(empty_store, workcal) == 0


@pytest.fixture(scope="module")
def assigner(shared_data):
    from geo.assign import PointAssigner

    return PointAssigner.from_files(shared_data / "districts.geojson", shared_data / "villages.geojson")


@pytest.mark.parametrize("lon,lat,district", [
    (136.888, -4.546, "94.04.01"),  # the town of Timika → Mimika Baru
    (136.5, -5.1, None),  # at sea: outside the regency, kept with its coordinates
], ids=["timika", "at-sea"])
def test_writer_assigns_district_from_coordinates(empty_store, workcal, assigner, lon, lat, district):
    """A report with coordinates gets its district at write time; one at sea keeps its point and no district."""
    writer = ReportWriter(empty_store, workcal, assigner)
    with Session(empty_store) as session, session.begin():
        report = writer.create(session, category_code="jalan", title="x", created_at=FRIDAY_15_WIT, lat=lat, lon=lon)
        assert report.district_code == district
        assert (report.lat, report.lon) == (lat, lon)


def test_sweep_assigns_kelurahan_wania_to_mimika_timur(empty_store, workcal, assigner, shared_data):
    """A directly inserted report inside Kelurahan Wania lands in district Mimika Timur, not district Wania."""
    from geo.boundaries import load_boundaries

    villages = load_boundaries(shared_data / "villages.geojson", level="village")
    lon, lat = villages.loc[villages["code"] == "94.04.03.1001", "geometry"].iloc[0].representative_point().coords[0]
    with empty_store.begin() as conn:
        conn.execute(text("INSERT INTO report (source, external_id, category_code, title, lat, lon) "
                          "VALUES ('wa', 'WA-1', 'drainase', 'Got tersumbat', :lat, :lon)"), {"lat": lat, "lon": lon})
    assert sweep_pending(empty_store, workcal, assigner) == 1
    with Session(empty_store) as session:
        report = session.scalars(select(Report).where(Report.external_id == "WA-1")).one()
        assert (report.district_code, report.village_code) == ("94.04.03", "94.04.03.1001")


def test_migration_0010_adds_media_url_and_attributes_to_a_store_with_reports(empty_store, workcal):
    """0010 on a store written before it: the report keeps every column and gets media_url NULL; intake_request
    gets attributes; a downgrade to 0009 takes both away and keeps the report (SQLite and PostgreSQL)."""
    command.downgrade(alembic_config(empty_store), "0009")
    assert "media_url" not in {c["name"] for c in inspect(empty_store).get_columns("report")}
    with empty_store.begin() as conn:
        report_id = conn.execute(text(
            "INSERT INTO report (source, category_code, title, status, created_at, updated_at) "
            "VALUES ('dashboard', 'jalan', 'sebelum 0010', 'baru', :at, :at) RETURNING id"),
            {"at": FRIDAY_15_WIT}).scalar_one()
    upgrade(empty_store)
    assert "attributes" in {c["name"] for c in inspect(empty_store).get_columns("intake_request")}
    with empty_store.connect() as conn:
        row = conn.execute(select(Report.title, Report.media_url).where(Report.id == report_id)).one()
    assert tuple(row) == ("sebelum 0010", None)
    with empty_store.begin() as conn:
        conn.execute(Report.__table__.update().where(Report.id == report_id)
                     .values(media_url="https://foto.example/a.jpg"))
    command.downgrade(alembic_config(empty_store), "0009")
    assert "media_url" not in {c["name"] for c in inspect(empty_store).get_columns("report")}
    assert "attributes" not in {c["name"] for c in inspect(empty_store).get_columns("intake_request")}
    with empty_store.connect() as conn:
        assert conn.execute(text("SELECT title FROM report WHERE id = :id"), {"id": report_id}).scalar_one() \
            == "sebelum 0010"
    upgrade(empty_store)
