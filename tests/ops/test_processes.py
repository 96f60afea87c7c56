"""The process model: web processes start no background work; `worker` does it; `backup` copies the store."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select, text

from data_access.store.schema import Report
from tests.support.cli import run_cli
from tests.support.dash_app import url

REPO = Path(__file__).resolve().parents[2]


def run(*args: str, env: dict | None = None, timeout: int = 180) -> subprocess.CompletedProcess:
    return run_cli(*args, env=env)


def insert_direct(engine, external_id: str) -> None:
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO report (source, external_id, category_code, title) "
                          "VALUES ('lapor', :e, 'sampah', 'Sampah di pasar')"), {"e": external_id})


def swept(engine, external_id: str) -> bool:
    with engine.connect() as conn:
        due = conn.execute(select(Report.response_due_at).where(Report.external_id == external_id)).scalar_one()
    return due is not None


def test_the_wsgi_entry_starts_no_background_threads(tmp_path):
    """Importing dashboard.wsgi (what every gunicorn worker does) builds the app and starts no thread."""
    code = ("import threading, dashboard.wsgi as w; assert w.server is not None; "
            "print(sorted(t.name for t in threading.enumerate()))")
    done = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120,
                          env={**os.environ, "SECRET_KEY": "x", "DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "mimika" not in done.stdout and done.stdout.strip() == "['MainThread']", done.stdout


def test_worker_once_sweeps_directly_inserted_rows(empty_store):
    """`worker --once` completes a row an intake system inserted with SQL, and says what it ran."""
    insert_direct(empty_store, "LAP-W1")
    done = run("worker", "--once", env={"DATABASE_URL": url(empty_store), "REDIS_URL": ""})
    assert done.returncode == 0, done.stderr
    assert "worker: sweep ok" in done.stderr
    assert swept(empty_store, "LAP-W1")


@pytest.mark.skipif(not os.environ.get("TEST_REDIS_URL"), reason="TEST_REDIS_URL is not set")
def test_worker_warms_the_wall_into_redis(empty_store):
    """With REDIS_URL the worker also builds the wall's panels into the shared cache the web workers read."""
    import redis

    client = redis.Redis.from_url(os.environ["TEST_REDIS_URL"])
    for key in client.scan_iter("mimika:m:*"):
        client.delete(key)
    done = run("worker", "--once", env={"DATABASE_URL": url(empty_store), "REDIS_URL": os.environ["TEST_REDIS_URL"]})
    assert done.returncode == 0, done.stderr
    assert "worker: warm-wall ok" in done.stderr
    assert len(list(client.scan_iter("mimika:m:*"))) >= 8  # the panels and their queries


def test_worker_runs_until_sigterm(empty_store):
    """`worker` keeps sweeping in the background and stops cleanly (exit 0) on SIGTERM."""
    proc = subprocess.Popen([sys.executable, "-m", "dashboard", "worker"], cwd=REPO,
                            env={**os.environ, "DATABASE_URL": url(empty_store), "REDIS_URL": ""},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        insert_direct(empty_store, "LAP-W2")
        deadline = time.monotonic() + 60
        while not swept(empty_store, "LAP-W2"):
            assert time.monotonic() < deadline, "the worker did not sweep within 60 s"
            assert proc.poll() is None, proc.stderr.read()
            time.sleep(0.5)
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def test_backup_of_a_sqlite_store_while_it_is_written(empty_store, tmp_path):
    """`backup --out` on SQLite (the online backup API) gives a store file with every report, while a writer adds."""
    if empty_store.dialect.name != "sqlite":
        pytest.skip("the SQLite backup")
    for i in range(50):
        insert_direct(empty_store, f"B-{i}")
    out = tmp_path / "backup" / "mimika-backup.db"
    done = run("backup", "--out", str(out), env={"DATABASE_URL": url(empty_store)})
    assert done.returncode == 0, done.stderr
    assert "sqlite online backup" in done.stderr and out.exists() and not out.with_name(out.name + ".partial").exists()
    with sqlite3.connect(out) as copy:
        assert copy.execute("SELECT count(*) FROM report").fetchone()[0] == 50
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


def test_backup_of_a_postgres_store_is_a_pg_dump(empty_store, tmp_path):
    """`backup --out` on PostgreSQL writes a pg_dump custom-format archive that pg_restore can read."""
    if empty_store.dialect.name != "postgresql":
        pytest.skip("the PostgreSQL backup")
    insert_direct(empty_store, "PG-1")
    out = tmp_path / "mimika.dump"
    done = run("backup", "--out", str(out), env={"DATABASE_URL": url(empty_store)})
    assert done.returncode == 0, done.stderr
    assert out.read_bytes()[:5] == b"PGDMP"
    listing = subprocess.run(["pg_restore", "--list", str(out)], capture_output=True, text=True, timeout=60)
    assert listing.returncode == 0 and "TABLE DATA public report" in listing.stdout


def test_backup_of_a_missing_store_is_one_line(tmp_path):
    """A store that is not there: one `error:` line and exit 2, no half-written file."""
    out = tmp_path / "b.db"
    done = run("backup", "--out", str(out), env={"DATABASE_URL": f"sqlite:///{tmp_path / 'missing.db'}"})
    assert done.returncode == 2 and done.stderr.startswith("error: ") and not out.exists()
