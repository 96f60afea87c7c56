"""Engines for the store: SQLite (the embedded default) or PostgreSQL through psycopg 3."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError, ProgrammingError

from core.prometheus_metrics import DB_STATEMENTS

# SQLite calls the progress handler every this many virtual-machine instructions (about a millisecond of work):
# often enough to stop within a few milliseconds of a deadline, rarely enough to cost nothing measurable.
PROGRESS_STEPS = 100_000
_deadline: ContextVar[float | None] = ContextVar("mimika_query_deadline", default=None)


class StoreUnavailable(RuntimeError):
    """The store cannot be reached or is not a store; the message is one line a person can act on."""


class QueryTimeout(RuntimeError):
    """A query ran past the deadline its caller set (query_deadline) and was stopped by the database."""


@contextmanager
def query_deadline(seconds: float) -> Iterator[None]:
    """Every query this thread runs inside the block is stopped once ``seconds`` have passed (SQLite: a progress
    handler interrupts it; PostgreSQL: statement_timeout); it then fails and ``deadline_passed()`` is true.

    For work a person asked for that must answer in time or say why: an export, a page refresh (ten years of a big
    store). A query shared through the cache's single flight is stopped at its first asker's deadline and cached by
    nobody; the next asker runs it under its own. The wall's query set, the same for every screen and warmed by the
    worker, runs without one.
    """
    token = _deadline.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def deadline_passed() -> bool:
    deadline = _deadline.get()
    return deadline is not None and time.monotonic() >= deadline


def _seconds_left() -> float | None:
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


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
        return _count_statements(_stop_past_deadline(_sqlite_engine(parsed, create, echo)))
    try:
        # pre-ping: a connection the server dropped (a restart) is replaced before use, so no worker stays broken;
        # connect_timeout: a server that does not answer costs a refresh 5 s, not a worker hung for minutes;
        # jit=off: PostgreSQL's JIT compiles any plan above a cost threshold, and the dashboard's aggregates cross
        # it at 1M reports, where compiling costs 10–700 ms per statement that runs in 5–100 ms
        # (benchmarks/results/queries_1000000.md). Set per connection: the server's own setting is left alone.
        engine = create_engine(parsed, echo=echo, pool_pre_ping=True, pool_size=5, max_overflow=10, pool_timeout=10,
                               connect_args={"connect_timeout": 5,
                                             "options": _with_jit_off(parsed.query.get("options"))})
    except Exception as exc:  # a missing driver, say
        raise StoreUnavailable(f"cannot use DATABASE_URL {url!r}: {exc}") from exc
    return _count_statements(_with_statement_timeout(_stop_past_deadline(engine)))


def _with_jit_off(options) -> str:
    """libpq ``options`` with jit=off added to any the URL already gives (``?options=...``)."""
    given = " ".join(options) if isinstance(options, tuple) else (options or "")
    return f"{given} -c jit=off".strip()


def _stop_past_deadline(engine: Engine) -> Engine:
    @event.listens_for(engine, "before_cursor_execute")
    def _past_deadline(conn, _cursor, _statement, _parameters, _context, _executemany) -> None:
        # A statement is not even started once its caller's deadline passed. A query of many short statements (one
        # per day of ten years, each a few hundred instructions between milliseconds of Python) would otherwise run on:
        # SQLite's progress handler counts instructions, not time, and PostgreSQL's timeout (at least 1 ms) lets each
        # finish. Raised as the driver's error, so SQLAlchemy wraps it as it wraps "interrupted" (OperationalError).
        if deadline_passed():
            raise conn.dialect.loaded_dbapi.OperationalError("interrupted: past the caller's deadline")

    return engine


def _with_statement_timeout(engine: Engine) -> Engine:
    @event.listens_for(engine, "before_cursor_execute")
    def _statement_timeout(conn, cursor, _statement, _parameters, _context, _executemany) -> None:
        # The caller's deadline (query_deadline) as PostgreSQL's own limit on this statement; cleared again on the
        # connection's next statement without one, so a pooled connection never keeps another caller's limit.
        left = _seconds_left()
        if left is not None:
            cursor.execute(f"SET statement_timeout = {max(1, int(left * 1000))}")
            conn.info["mimika_timeout"] = True
        elif conn.info.pop("mimika_timeout", False):
            cursor.execute("SET statement_timeout = 0")

    return engine


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
        # Non-zero stops the running statement ("interrupted"): how query_deadline reaches into SQLite. The handler
        # runs in the thread that runs the query, so it reads that thread's deadline.
        dbapi_connection.set_progress_handler(deadline_passed, PROGRESS_STEPS)

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
        if deadline_passed():  # stopped at its caller's deadline (_stop_past_deadline): the store is fine
            raise QueryTimeout("check_store stopped at its deadline") from exc
        raise StoreUnavailable(f"store at {engine.url.render_as_string(hide_password=True)} unavailable: "
                               f"{_first_line(exc)}") from exc


def _first_line(exc: Exception) -> str:
    message = str(getattr(exc, "orig", None) or exc).strip()
    return message.splitlines()[0] if message else type(exc).__name__
