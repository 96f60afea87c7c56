"""The command line as a user meets it: its own main() on real store files (one real child process), one clear line
on bad input."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.support.cli import run_cli

pytestmark = pytest.mark.cli  # every test here runs `python -m dashboard`

REPO = Path(__file__).resolve().parents[2]


def run(*args: str, env: dict | None = None, timeout: int = 300) -> subprocess.CompletedProcess:
    """The command line in this process (tests/support/cli.py); test_the_entry_point_is_a_real_process below runs
    it as a child process once."""
    return run_cli(*args, env=env)


def test_the_entry_point_is_a_real_process(tmp_path):
    """`python -m dashboard` in a child process: the entry point, its exit code and its one error line."""
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'nope.db'}"}
    result = subprocess.run([sys.executable, "-m", "dashboard", "kpis", "--json"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=300)
    assert_one_line_error(result, "nope.db")


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> None:
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0]


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("cli") / "demo.db"
    env = {"DATABASE_URL": f"sqlite:///{path}"}
    result = run("seed-demo", "--days", "20", "--per-day", "30", "--seed", "3", env=env)
    assert result.returncode == 0, result.stderr
    assert "seed-demo" in result.stderr and "100.0%" in result.stderr  # progress was shown
    return env


def test_seed_demo_refuses_a_store_with_reports(demo_db):
    """A second seed without --replace stops with one line and leaves the store alone; --if-empty is a no-op."""
    assert_one_line_error(run("seed-demo", "--days", "2", env=demo_db), "--replace")
    assert run("seed-demo", "--if-empty", env=demo_db).returncode == 0


def test_kpis_json_matches_the_store(demo_db):
    """`kpis --json --at` prints the headline figures; open equals a plain count of open reports."""
    result = run("kpis", "--json", "--at", "2030-01-01T00:00:00+09:00", env=demo_db)
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    engine = create_engine(demo_db["DATABASE_URL"])
    with engine.connect() as conn:
        open_count = conn.execute(text("SELECT count(*) FROM report WHERE status IN "
                                       "('baru','diverifikasi','didisposisikan','diproses','ditunda')")).scalar()
    assert figures["open"] == open_count > 0
    assert figures["at"] == "2029-12-31T15:00:00+00:00"  # a WIT time, stored and reported in UTC
    assert set(figures) >= {"new_today", "overdue_response", "overdue_resolution", "at_risk",
                            "response_compliance_pct", "response_sample", "median_response_hours"}


@pytest.mark.parametrize("at", ["yesterday", "2026-13-40", "12:00"])
def test_bad_at_is_one_clear_line(demo_db, at):
    """A malformed --at is named in one line, exit 2, no traceback."""
    assert_one_line_error(run("kpis", "--json", "--at", at, env=demo_db), "--at")


def test_unreachable_database_is_one_clear_line():
    """A PostgreSQL URL nobody answers gives one line naming the problem."""
    result = run("kpis", "--json", env={"DATABASE_URL": "postgresql://127.0.0.1:1/nothing"})
    assert_one_line_error(result, "unavailable")


def test_missing_sqlite_store_is_one_clear_line(tmp_path):
    """A store file that is not there is reported, not silently created empty."""
    result = run("kpis", "--json", env={"DATABASE_URL": f"sqlite:///{tmp_path / 'nope.db'}"})
    assert_one_line_error(result, "does not exist")
    assert not (tmp_path / "nope.db").exists()


def test_invalid_boundaries_file_is_one_clear_line(demo_db, tmp_path):
    """A boundaries file with a broken polygon is refused, naming the feature."""
    bad = tmp_path / "bad.geojson"
    bowtie = [[[136.8, -4.5], [136.9, -4.6], [136.9, -4.5], [136.8, -4.6], [136.8, -4.5]]]
    bad.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "94.04.01", "name": "Mimika Baru"},
         "geometry": {"type": "Polygon", "coordinates": bowtie}}]}))
    result = run("sweep", env={**demo_db, "BOUNDARIES_DISTRICTS": str(bad)})
    assert_one_line_error(result, "94.04.01")


def test_bad_setting_is_one_clear_line(demo_db):
    """A setting that is not a number is named."""
    assert_one_line_error(run("kpis", "--json", env={**demo_db, "REFRESH_SECONDS": "ten"}), "REFRESH_SECONDS")


def test_simulate_adds_reports_with_due_times(demo_db):
    """The simulator writes new reports (with due times) and moves open ones along, then stops by itself."""
    engine = create_engine(demo_db["DATABASE_URL"])
    count = "SELECT count(*) FROM report WHERE source = 'simulator' AND response_due_at IS NOT NULL"
    with engine.connect() as conn:
        before = conn.execute(text(count)).scalar()
    result = run("simulate", "--rate", "600", "--seconds", "5", "--seed", "1", env=demo_db, timeout=120)
    assert result.returncode == 0, result.stderr
    with engine.connect() as conn:
        assert conn.execute(text(count)).scalar() > before


@pytest.mark.parametrize("speed", ["0", "0.5", "20000", "nan", "fast"])
def test_bad_speed_is_one_clear_line(demo_db, speed):
    """--speed outside 1..10000 (or not a number) is refused in one line, exit 2, before anything is written."""
    result = run("simulate", "--speed", speed, "--seconds", "1", env=demo_db, timeout=120)
    if speed == "fast":  # argparse's own refusal: exit 2 and the option named
        assert result.returncode == 2 and "--speed" in result.stderr and "Traceback" not in result.stderr
    else:
        assert_one_line_error(result, "--speed")


def test_simulate_at_speed_runs_a_simulated_clock(demo_db):
    """--catch-up --speed 3600 --seconds 2 first catches up to now, then runs two simulated hours at Mimika's
    volume, stamping simulated times."""
    engine = create_engine(demo_db["DATABASE_URL"])
    with engine.connect() as conn:
        before = conn.execute(text("SELECT max(updated_at) FROM report")).scalar()
    time.sleep(1.5)  # a store changed within the last second is up to date: nothing to catch up (catch_up_start)
    result = run("simulate", "--catch-up", "--speed", "3600", "--seconds", "2", "--seed", "4", env=demo_db,
                 timeout=120)
    assert result.returncode == 0, result.stderr
    assert "3600x" in result.stderr and "open" in result.stderr and "caught up" in result.stderr
    with engine.connect() as conn:
        after = conn.execute(text("SELECT max(updated_at) FROM report")).scalar()
    assert str(after) > str(before)  # moved on: state changes (or arrivals) on the simulated clock


def test_demo_accounts_print_links_where_the_demo_is_served(demo_db):
    """`make demo PORT=8060` prints login and kiosk links on 8060, not the default port; a base that is not an
    http(s) address is one error line."""
    env = {**demo_db, "DEMO_MODE": "1"}
    result = run("demo-accounts", "--base-url", "http://127.0.0.1:8060", env=env)
    assert result.returncode == 0, result.stderr
    assert "http://127.0.0.1:8060/login" in result.stdout and "http://127.0.0.1:8060/wall?kiosk=" in result.stdout
    assert "8050" not in result.stdout
    assert_one_line_error(run("demo-accounts", "--base-url", "javascript:alert(1)", env=env), "--base-url")


def test_restarting_the_demo_keeps_the_wall_screens_kiosk_link(demo_db):
    """A second `demo-accounts` (every `make demo`) prints the same kiosk link, and the wall still opens with it; a
    revoked one is replaced by a new link."""
    import re

    from data_access.accounts import KIOSKS

    env = {**demo_db, "DEMO_MODE": "1"}
    links = []
    for _ in range(2):
        result = run("demo-accounts", "--base-url", "http://127.0.0.1:8050", env=env)
        assert result.returncode == 0, result.stderr
        links.append(re.search(r"/wall\?kiosk=(\S+)", result.stdout).group(1))
    assert links[0] == links[1]
    engine = create_engine(demo_db["DATABASE_URL"])
    assert KIOSKS.owner(engine, links[1]) == ("demo-wall", False)
    KIOSKS.revoke(engine, "demo-wall")
    result = run("demo-accounts", "--base-url", "http://127.0.0.1:8050", env=env)
    fresh = re.search(r"/wall\?kiosk=(\S+)", result.stdout).group(1)
    assert fresh != links[0] and KIOSKS.owner(engine, fresh) == ("demo-wall", False)


def test_item13_demo_accounts_refuse_a_store_that_is_not_a_demo(demo_db, tmp_path):
    """DEMO_MODE=1 demo-accounts on a store holding one real report (or none from seed-demo) stops with one line
    and exit 2, and adds no account with a published password; the demo store itself still gets them."""
    import shutil
    from datetime import UTC, datetime

    from sqlalchemy.orm import Session

    from data_access.intake.writer import ReportWriter
    from data_access.rulebook.sla import WorkCalendar

    real = tmp_path / "real.db"
    shutil.copyfile(demo_db["DATABASE_URL"].removeprefix("sqlite:///"), real)
    engine = create_engine(f"sqlite:///{real}")
    with Session(engine) as session:  # one complaint through LAPOR!, as a real intake would write it
        ReportWriter(engine, WorkCalendar()).create(session, category_code="jalan", title="Jalan putus di Kwamki",
                                                    created_at=datetime.now(UTC), source="lapor", external_id="L-1")
        session.commit()
    users = "SELECT count(*) FROM app_user WHERE name IN ('admin', 'bupati', 'operator', 'pupr')"
    with engine.connect() as conn:
        before = conn.execute(text(users)).scalar()
    result = run("demo-accounts", env={"DATABASE_URL": f"sqlite:///{real}", "DEMO_MODE": "1"})
    assert_one_line_error(result, "not a demo store", "lapor")
    assert "mimika-demo-" not in result.stdout
    with engine.connect() as conn:
        assert conn.execute(text(users)).scalar() == before

    empty = {"DATABASE_URL": f"sqlite:///{tmp_path / 'empty.db'}"}
    assert run("init-db", env=empty).returncode == 0
    assert_one_line_error(run("demo-accounts", env={**empty, "DEMO_MODE": "1"}), "not a demo store", "seed-demo")

    result = run("demo-accounts", env={**demo_db, "DEMO_MODE": "1"})  # make demo: seed-demo --if-empty, then this
    assert result.returncode == 0 and "mimika-demo-admin" in result.stdout, result.stderr
