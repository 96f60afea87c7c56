"""Back up the store while the dashboard runs: SQLite's online backup API, or pg_dump for PostgreSQL."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy import Engine

from data_access.store.engine import StoreUnavailable, is_sqlite, sqlite_path


def backup_store(engine: Engine, out: Path) -> str:
    """Write a consistent copy of the store to ``out``; returns how (for the CLI's line).

    SQLite: ``sqlite3.Connection.backup`` copies page by page while readers and writers go on (WAL); the copy is
    an ordinary store file (restore: stop the dashboard, put it in place of ``data/mimika.db``).
    PostgreSQL: ``pg_dump --format=custom`` (restore: ``pg_restore --clean --if-exists -d DB FILE``).
    """
    out = Path(out)
    if out.exists() and out.is_dir():
        raise StoreUnavailable(f"--out {out} is a folder: give a file name")
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")  # never leave a half-written file under the real name
    if is_sqlite(engine):
        source = sqlite_path(engine)
        if source is None or not source.exists():
            raise StoreUnavailable(f"the store file {source} does not exist")
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
        dst = sqlite3.connect(str(partial))
        try:
            src.backup(dst, pages=1024)  # in steps: writers get the database between them
            ok = dst.execute("PRAGMA integrity_check").fetchone()[0]
        finally:
            dst.close()
            src.close()
        if ok != "ok":
            partial.unlink(missing_ok=True)
            raise StoreUnavailable(f"the backup failed its integrity check: {ok}")
        os.replace(partial, out)
        return "sqlite online backup"
    if engine.dialect.name == "postgresql":
        pg_dump = shutil.which("pg_dump")
        if pg_dump is None:
            raise StoreUnavailable("pg_dump is not installed (Debian: apt-get install postgresql-client)")
        url = engine.url.set(drivername="postgresql")
        env = dict(os.environ)
        if url.password:  # by the environment, never on a command line that `ps` shows
            env["PGPASSWORD"] = str(url.password)
            url = url.set(password=None)
        done = subprocess.run([pg_dump, "--format=custom", "--no-owner", f"--file={partial}",
                               url.render_as_string(hide_password=False)], capture_output=True, text=True, env=env)
        if done.returncode != 0:
            partial.unlink(missing_ok=True)
            raise StoreUnavailable(f"pg_dump failed: {(done.stderr or '').strip().splitlines()[-1:]}")
        os.replace(partial, out)
        return "pg_dump --format=custom"
    raise StoreUnavailable(f"no backup for a {engine.dialect.name} store")
