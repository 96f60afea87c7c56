"""Engines for the store: SQLite (the embedded default) or PostgreSQL through psycopg 3."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, ProgrammingError

from core.metrics import DB_STATEMENTS


class StoreUnavailable(RuntimeError):
    """The store cannot be reached or is not a store; the message is one line a person can act on."""


def normalise_url(url: str) -> str:
    """Accept the common spellings of a PostgreSQL URL and route them to psycopg 3."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, *, create: bool = False, echo: bool = False) -> Engine:
    """An engine for ``url``. SQLite files are only created when ``create`` is set, so a store that was
    moved away shows up as unavailable instead of silently becoming a new empty store."""
    try:
        parsed = make_url(normalise_url(url))
    except ArgumentError as exc:
        raise StoreUnavailable(f"DATABASE_URL is not a database URL: {url!r}") from exc
    if parsed.get_backend_name() == "sqlite":
        return _count_statements(_sqlite_engine(parsed, create, echo))
    try:
        # pre-ping: a connection the server dropped (a restart) is replaced before use, so no worker stays broken;
        # connect_timeout: a server that does not answer costs a refresh 5 s, not a worker hung for minutes.
        engine = create_engine(parsed, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=10, pool_timeout=10,
                               connect_args={"connect_timeout": 5})
    except Exception as exc:  # a missing driver, say
        raise StoreUnavailable(f"cannot use DATABASE_URL {url!r}: {exc}") from exc
    return _count_statements(engine)


def _count_statements(engine: Engine) -> Engine:
    """Count every statement for /metrics (mimika_db_statements_total): the store's whole load, not only queries."""

    @event.listens_for(engine, "before_cursor_execute")
    def _count(*_args) -> None:
        DB_STATEMENTS.inc()

    return engine


def _sqlite_engine(parsed, create: bool, echo: bool) -> Engine:
    database = parsed.database
    if database and database != ":memory:" and not database.startswith("file:"):
        path = Path(database)
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        else:
            parsed = parsed.set(database=f"file:{path}", query={**parsed.query, "mode": "rw", "uri": "true"})
    engine = create_engine(parsed, echo=echo, connect_args={"timeout": 30})

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_connection, _record) -> None:
        # WAL lets the dashboard read while the simulator or an intake system writes.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.execute("PRAGMA mmap_size=268435456")
        cursor.close()

    return engine


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


def sqlite_path(engine: Engine) -> Path | None:
    database = engine.url.database
    if not is_sqlite(engine) or database in (None, "", ":memory:"):
        return None
    return Path(database.removeprefix("file:"))


def check_store(engine: Engine) -> None:
    """Raise StoreUnavailable unless the database answers and holds a migrated store."""
    path = sqlite_path(engine)
    if path is not None and not path.exists():
        raise StoreUnavailable(f"the store file {path} does not exist (run: python -m dashboard init-db)")
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1 FROM report WHERE 1 = 0"))
    except (OperationalError, ProgrammingError) as exc:
        raise StoreUnavailable(f"store at {engine.url.render_as_string(hide_password=True)} unavailable: "
                               f"{_first_line(exc)}") from exc


def _first_line(exc: Exception) -> str:
    message = str(getattr(exc, "orig", None) or exc).strip()
    return message.splitlines()[0] if message else type(exc).__name__
