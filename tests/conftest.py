"""Shared fixtures: a fixed clock, and real stores — a SQLite file always, PostgreSQL when TEST_DATABASE_URL is set."""

from __future__ import annotations

import os
import shutil
import uuid
import weakref
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from urllib.parse import urlsplit

import dash
import pytest
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from data_access.rulebook.sla import WorkCalendar
from data_access.store.engine import make_engine, normalise_url
from data_access.store.migrate import upgrade
from data_access.store.reference import load_reference
from demo.seed import DemoConfig, seed_demo
from tests.support import BACKENDS, NOW, SHARED_DATA

# What a folder's tests need beyond this process, so that `make test-fast` can leave them out (pytest -m).
FOLDER_MARKS = {"browser": "browser", "benchmarks": "server", "ops": "server", "faults": "faults",
                "packaging": "packaging"}


def _worker_redis_url(url: str, worker: str) -> str:
    """Each xdist worker gets a Redis database of its own (15, 14, …), so one worker's keys never answer another's
    store: the tests that read Redis's keys count only their own."""
    return urlsplit(url)._replace(path=f"/{15 - int(worker.removeprefix('gw'))}").geturl()


if os.environ.get("TEST_REDIS_URL") and os.environ.get("PYTEST_XDIST_WORKER"):
    os.environ["TEST_REDIS_URL"] = _worker_redis_url(os.environ["TEST_REDIS_URL"], os.environ["PYTEST_XDIST_WORKER"])


LONG_MARKS = ("browser", "server", "faults", "cli", "packaging", "slow")


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        parts = Path(str(item.fspath)).relative_to(Path(__file__).parent).parts
        if parts and parts[0] in FOLDER_MARKS:
            item.add_marker(FOLDER_MARKS[parts[0]])
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "0"))
    if workers > 1:
        items[:] = _long_files_first_in_each_chunk(items, workers)


def _long_files_first_in_each_chunk(items: list, workers: int) -> list:
    """The order xdist's worksteal is given: it hands each worker one contiguous chunk of the collection and lets an
    idle worker steal from the end of another's. In file order the files that start servers, browsers and commands
    (LONG_MARKS) sat together in one or two chunks, and the run waited on their tail. Here every chunk starts with
    its share of those files, whole (a file's fixtures are set up once per worker), and ends with an equal share of
    the quick tests, which stealing balances. Deterministic: every worker collects the same order."""
    files: dict[str, list] = {}
    for item in items:
        files.setdefault(str(item.fspath), []).append(item)
    long = [tests for tests in files.values() if any(t.get_closest_marker(m) for t in tests for m in LONG_MARKS)]
    quick = [t for tests in files.values() if tests not in long for t in tests]
    chunks: list[list] = [[] for _ in range(workers)]
    for tests in sorted(long, key=len, reverse=True):  # the biggest files first, each to the lightest chunk
        min(chunks, key=len).extend(tests)
    remaining = len(items)
    for i, chunk in enumerate(chunks):  # the sizes worksteal cuts: what is left, divided by the workers left
        size = remaining // (workers - i)
        remaining -= size
        take = max(0, size - len(chunk))
        chunk.extend(quick[:take])
        del quick[:take]
    chunks[-1].extend(quick)
    return [t for chunk in chunks for t in chunk]


_ENGINES: weakref.WeakSet = weakref.WeakSet()


@event.listens_for(Engine, "engine_connect")
def _remember_engine(connection) -> None:
    _ENGINES.add(connection.engine)


@pytest.fixture(autouse=True)
def _close_idle_postgres_connections():
    """Apps and stores built by tests keep pooled connections open; over a whole run they exceeded PostgreSQL's
    max_connections (100). After each test the idle ones are closed (the engines stay usable)."""
    yield
    for engine in list(_ENGINES):
        if engine.dialect.name == "postgresql":
            engine.dispose()


@pytest.fixture(scope="session")
def now() -> datetime:
    return NOW


@pytest.fixture(scope="session")
def workcal() -> WorkCalendar:
    return WorkCalendar()


def _new_postgres_database(template: str | None = None) -> tuple[str, callable]:
    """A database of its own for this test run (a copy of ``template`` if given), dropped afterwards, so runs never
    see each other's rows."""
    admin_url = make_url(normalise_url(os.environ["TEST_DATABASE_URL"]))
    name = f"mimika_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return admin_url.set(database=name).render_as_string(hide_password=False), drop


@pytest.fixture(scope="session")
def make_store(tmp_path_factory, workcal):
    """Factory: a migrated store with reference data on the named backend, empty or holding ``demo``'s reports.

    Each is a copy of a template built once per run, backend and demo (a file copy; PostgreSQL's CREATE DATABASE …
    TEMPLATE): a run makes hundreds of stores, and migrating, loading and seeding each afresh would cost seconds
    apiece. Building a template runs the real migrations, reference load and demo seeding;
    tests/store/test_store.py checks what they build."""
    disposals, drops, templates = [], [], {}

    def copy(backend: str, source) -> str:
        if backend == "sqlite":
            path = tmp_path_factory.mktemp("store") / "mimika.db"
            shutil.copyfile(source, path)
            return f"sqlite:///{path}"
        url, drop = _new_postgres_database(template=source)
        drops.append(drop)
        return url

    def template(backend: str, demo: DemoConfig | None):
        key = (backend, repr(demo))
        if key not in templates:
            if demo is not None:
                url = copy(backend, template(backend, None))
            elif backend == "sqlite":
                url = f"sqlite:///{tmp_path_factory.mktemp('template') / 'mimika.db'}"
            else:
                url, drop = _new_postgres_database()
                drops.append(drop)
            engine = make_engine(url, create=True)
            if demo is None:
                upgrade(engine)
                load_reference(engine)
            else:
                seed_demo(engine, workcal, demo)
            if backend == "sqlite":
                with engine.connect() as conn:  # everything in the main file, so a file copy is the whole store
                    conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
            engine.dispose()  # PostgreSQL copies a template only while nobody is connected to it
            templates[key] = make_url(url).database
        return templates[key]

    def factory(backend: str, demo: DemoConfig | None = None):
        engine = make_engine(copy(backend, template(backend, demo)), create=True)  # create keeps the plain path
        disposals.append(engine.dispose)
        return engine

    yield factory
    for dispose in disposals:
        dispose()
    # DROP DATABASE waits for a checkpoint: side by side, hundreds of them take a fraction of the time.
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(lambda drop: drop(), drops))


@pytest.fixture(scope="session", params=BACKENDS)
def seeded(request, make_store):
    """A store with 150 days of demo reports ending at NOW, one per backend."""
    return make_store(request.param, demo=DemoConfig(seed=11, days=150, per_day=40.0, now=NOW))


@pytest.fixture(params=BACKENDS)
def empty_store(request, make_store):
    """A fresh empty store per test (for tests that write)."""
    return make_store(request.param)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.skip(f"the shared Mimika data is not at {SHARED_DATA}")
    return SHARED_DATA


@pytest.fixture
def fresh_page_registry():
    """Each app registers its pages anew: Dash keeps them in a module-level registry (Dash's own tests reset it
    the same way with ``clear_pages_state``)."""
    dash.page_registry.clear()
    yield
    dash.page_registry.clear()
