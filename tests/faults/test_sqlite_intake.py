"""SQLite under intake: writers in several processes and 50 polling screens, and not one "database is locked"."""

from __future__ import annotations

import multiprocessing
import random
import threading
import time
from datetime import UTC, datetime

from tests.faults.conftest import app_env, seed_store
from tests.support.services import Gunicorn, WallScreen, wait_for, wall_request

SCREENS = 50
SECONDS = 12.0  # thousands of contended writes; every second more was CPU for the same finding
WRITER_PROCESSES = 3  # ReportWriter, as the importer and the Open311 API write
CATEGORIES = ("jalan", "sampah", "air_bersih", "penerangan")


def report_writer(url: str, seconds: float, seed: int, out) -> None:
    """Creates reports and moves some on, as fast as it can with a short pause, for ``seconds``."""
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from data_access.intake.writer import ReportWriter
    from data_access.rulebook.sla import WorkCalendar
    from data_access.store.engine import make_engine
    from data_access.store.schema import Report

    engine = make_engine(url)
    rnd = random.Random(seed)
    writer = ReportWriter(engine, WorkCalendar())
    done, errors = 0, []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with Session(engine) as session, session.begin():
                now = datetime.now(UTC)
                report = writer.create(session, category_code=rnd.choice(CATEGORIES), title="Laporan uji",
                                       created_at=now, source=f"fault-{seed}", external_id=f"{seed}-{done}",
                                       district_code="94.04.16")
                if done % 3 == 0:
                    older = session.scalars(select(Report).where(Report.status == "baru")
                                            .order_by(Report.id.desc()).limit(1)).first()
                    if older is not None and older.id != report.id:
                        writer.transition(session, older, "diverifikasi", now)
            done += 1
        except Exception as exc:  # every failure is counted; the test wants none
            errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
        time.sleep(rnd.uniform(0.005, 0.03))
    engine.dispose()
    out.put(("writer", done, errors))


def direct_inserts_and_sweep(url: str, seconds: float, out) -> None:
    """An intake system writing straight into the table, and the worker's sweep completing its rows."""
    from sqlalchemy import text

    from data_access.intake.writer import sweep_pending
    from data_access.rulebook.sla import WorkCalendar
    from data_access.store.engine import make_engine

    engine = make_engine(url)
    done, swept, errors = 0, 0, []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO report (source, external_id, category_code, title, created_at, "
                                  "updated_at) VALUES ('lapor', :e, 'sampah', 'Sampah menumpuk', :t, :t)"),
                             {"e": f"LAP-{done}", "t": now})
            done += 1
            if done % 5 == 0:
                swept += sweep_pending(engine, WorkCalendar())
        except Exception as exc:
            errors.append(f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}")
        time.sleep(0.02)
    swept += sweep_pending(engine, WorkCalendar())
    engine.dispose()
    out.put(("direct", done, errors, swept))


def test_no_database_is_locked_under_intake(tmp_path):
    """Three ReportWriter processes, one direct-insert + sweep process and 50 screens polling a 2-worker gunicorn
    on one SQLite file for 12 s: zero "database is locked" (and zero errors at all) on either side."""
    url = f"sqlite:///{tmp_path / 'store.db'}"
    cookie = seed_store(url)
    server = Gunicorn(app_env(url), workers=2)
    try:
        request = wall_request(server.port, cookie)
        screens = [WallScreen(server.port, cookie, request) for _ in range(SCREENS)]
        ctx = multiprocessing.get_context("spawn")
        out = ctx.Queue()
        procs = [ctx.Process(target=report_writer, args=(url, SECONDS, seed, out)) for seed in range(WRITER_PROCESSES)]
        procs.append(ctx.Process(target=direct_inserts_and_sweep, args=(url, SECONDS, out)))
        for proc in procs:
            proc.start()
        stop = threading.Event()

        def poll(screen: WallScreen, offset: float) -> None:
            time.sleep(offset)
            while not stop.is_set():
                screen.tick()
                stop.wait(1.0)

        threads = [threading.Thread(target=poll, args=(s, i * 0.02)) for i, s in enumerate(screens)]
        for t in threads:
            t.start()
        results = [out.get(timeout=SECONDS + 120) for _ in procs]
        stop.set()
        for t in threads:
            t.join(60)
        for proc in procs:
            proc.join(30)

        writers = [r for r in results if r[0] == "writer"]
        direct = next(r for r in results if r[0] == "direct")
        errors = [e for r in results for e in r[2]]
        assert not [e for e in errors if "locked" in e], errors[:5]
        assert not errors, errors[:5]
        assert all(r[1] > 20 for r in writers), [r[1] for r in writers]
        assert direct[1] > 20 and direct[3] == direct[1], direct  # every direct row swept
        ticks = [t for s in screens for t in s.ticks]
        assert len(ticks) > SCREENS * 5
        bad = [(t.status, t.stale, t.error) for t in ticks if t.status not in (200, 204) or t.stale == "unavailable"]
        assert not bad, bad[:5]
        log = server.log_text()
        assert "database is locked" not in log, server.log_tail()
        assert "Traceback" not in log, server.log_tail()
        # The screens saw the intake: their last version is one of the last ones written.
        wait_for(lambda: all(s.tick() and s.state and s.state.get("version") for s in screens[:5]), 30,
                 what="screens showing numbers")
    finally:
        server.close()
