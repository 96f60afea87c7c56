#!/usr/bin/env python
"""What does the video wall cost at 1,000,000 reports: per refresh, for 50 screens, in bytes, and in the browser?

Four measurements, printed as one Markdown table (also written to ``<out>/results/wall_<N>.md``):

1. One refresh cycle's server time, POSTed to ``/_dash-update-component`` through Flask's test client: cold
   (fresh app, cache and engine; new store version), warm with the same version (the 204 path), warm with a new
   version (the 11 queries rerun) and warm with a version another screen already computed (builders only).
2. N screens polling a real multi-threaded server (werkzeug, threaded) on 127.0.0.1, each with its own state,
   every ``--refresh-seconds``, while a writer inserts a report every ``--write-every`` seconds: latency,
   requests, and database queries per store change (target: one query set of 7, whatever the number of
   screens). Run twice: with the Store as shipped, and with a benchmark-only single-flight Store that lets one
   thread compute a cache key while the others wait for it (does the thundering herd go away?).
3. Bytes: the refresh response after one new report vs the initial page load (HTML, layout, page with the
   polygons, first refresh; static files separately).
4. Browser JS heap: /wall in headless Chromium (REFRESH_SECONDS=1) on a small seeded store with a writer
   making every tick carry data; ``performance.memory.usedJSHeapSize`` after ``window.gc()`` after 10 and
   after ``--refreshes`` refreshes.

    .venv/bin/python benchmarks/bench_wall.py                        # the 1M store, 50 screens, 60 s, 1000
    .venv/bin/python benchmarks/bench_wall.py --refreshes 200         # a quicker browser part
    .venv/bin/python benchmarks/bench_wall.py --db /tmp/small.db --screens 3 --seconds 5 --refreshes 15 \\
        --runs 2 --write-every 1.5 --out /tmp/bench                  # what tests/test_bench_wall.py runs

The store is never written in place: the benchmark works on a copy (SQLite's backup API) in a temporary
folder, deleted at the end, because its writer adds reports. This is a script that prints figures, not a
timed test; tests/test_bench_wall.py only checks that it runs.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import json
import logging
import math
import multiprocessing
import os
import platform
import random
import re
import shlex
import shutil
import signal
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as `python benchmarks/bench_wall.py` from anywhere
    sys.path.insert(0, str(REPO))

from benchmarks.bench_common import KIOSK_COOKIE, fmt_bytes, kiosk_client, kiosk_token, publish  # noqa: E402

# Only the standard library at module level: the screens run in a spawned process that imports this file.
DEFAULT_DB = REPO / "benchmarks" / "data" / "bench_1000000.db"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--enable-precise-memory-info", "--js-flags=--expose-gc"]
# callbacks.wall.run_queries asks 12 queries per store version: the 7 of the panels, the view's targets, the
# headline figures a day and a week back (the tiles' change), the surge alerts and the location equity
QUERY_SET = 12
TARGET_REFRESH_BYTES = 50 * 1024
TARGET_HEAP_GROWTH = 0.20
HEAP_FIRST = 10  # the first heap reading, after this many data-carrying refreshes
CONFIG = {"lang": "id", "measure": "open"}

# The figure lines of the table (tests/test_bench_wall.py looks for each of them).
F_COLD = "refresh cold (fresh app + cache, new version)"
F_SAME = "refresh warm, same version (204 path)"
F_NEW = "refresh warm, new version (queries rerun)"
F_CACHED = "refresh warm, version already cached (builders only)"
F_VERSION = "store version query alone"
F_LATENCY = "screens: latency p50 / p95 / max"
F_LAT_DATA = "screens: latency of 200s (data) p50 / p95"
F_LAT_204 = "screens: latency of 204s p50 / p95"
F_REQUESTS = "screens: requests"
F_CHANGES = "screens: store changes"
F_PER_CHANGE = "screens: DB queries per store change"
F_HERD = "screens: thundering herd"
F_STARTUP = "screens: start-up (cold cache, all screens load)"
F_UNAVAILABLE = "screens: false 'store unavailable' banners"
F_SF_UNAVAILABLE = "single-flight: false 'store unavailable' banners"
F_SF_LATENCY = "single-flight: latency p50 / p95 / max"
F_SF_PER_CHANGE = "single-flight: DB queries per store change"
F_SF_HERD = "single-flight: thundering herd"
F_BYTES_REFRESH = "bytes: refresh after one new report"
F_BYTES_204 = "bytes: refresh with nothing new"
F_BYTES_PAGE = "bytes: initial page load (HTML, layout, page with polygons, first refresh)"
F_BYTES_STATIC = "bytes: static files named in the HTML (JS, CSS)"
F_BYTES_BROWSER = "bytes: page load seen by the browser (all resources)"
F_HEAP_FIRST = f"browser heap after {HEAP_FIRST} refreshes"
F_HEAP_LAST = "browser heap after N refreshes"
F_HEAP_GROWTH = "browser heap growth"
F_DOM = "browser DOM nodes after 10 / after N refreshes"
F_LOAD = "load average (1/5/15 min)"


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def ms_since(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0


def pct(values: list[float], q: float) -> float:
    """The q-th percentile (0–100), linear between closest ranks; NaN for no values."""
    if not values:
        return math.nan
    ordered = sorted(values)
    k = (len(ordered) - 1) * q / 100.0
    lo, hi = math.floor(k), math.ceil(k)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def fmt_ms(value: float) -> str:
    if math.isnan(value):
        return "–"
    return f"{value:,.1f} ms" if value < 100 else f"{value:,.0f} ms"


def loadavg() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


# --- the store: a private copy, a clock, a writer -------------------------------------------------------------


def copy_store(source: Path, target: Path) -> float:
    """A consistent copy of a SQLite store (the backup API is safe while others read or write the source)."""
    started = time.perf_counter()
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=60)
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst)
    finally:
        dst.close()
        src.close()
    return time.perf_counter() - started


class BenchClock:
    """Real time, moved so that the store's newest report is a few seconds old when the benchmark starts.

    The 1M store is generated up to a fixed moment; asking at the machine's own time would make the wall stale
    and every "today" figure empty. The clock still runs, so the minute bucket of the cache key moves as live.
    """

    def __init__(self, newest: datetime | None) -> None:
        self.base = (newest or datetime.now(UTC)) + timedelta(seconds=5)
        self.started = time.monotonic()

    def __call__(self) -> datetime:
        return self.base + timedelta(seconds=time.monotonic() - self.started)


def newest_created(engine) -> datetime | None:
    from sqlalchemy import func, select

    from data_access.store.schema import Report

    with engine.connect() as conn:
        newest = conn.execute(select(func.max(Report.created_at))).scalar()
    if newest is not None and newest.tzinfo is None:
        newest = newest.replace(tzinfo=UTC)
    return newest


def count_reports(engine) -> int:
    from sqlalchemy import text

    with engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM report")).scalar_one()


class Writer:
    """Inserts one report at a time the way intake does (data_access.intake.writer.ReportWriter), at the clock's now."""

    def __init__(self, engine, clock) -> None:
        from sqlalchemy import select

        from data_access.intake.writer import ReportWriter
        from data_access.rulebook.sla import WorkCalendar
        from data_access.store.reference import districts
        from data_access.store.schema import Category

        self.engine, self.clock = engine, clock
        self.writer = ReportWriter(engine, WorkCalendar())
        with engine.connect() as conn:
            self.categories = sorted(conn.execute(select(Category.code)).scalars())
        self.districts = [d.code for d in districts()]
        self.written = 0
        self.lock = threading.Lock()
        self.tag = f"{os.getpid()}-{time.time_ns()}"

    def write(self) -> str:
        """One new report; returns the store version after it."""
        from sqlalchemy.orm import Session

        from data_access.queries import store_version

        with self.lock:
            i = self.written
            with Session(self.engine) as session, session.begin():
                self.writer.create(session, category_code=self.categories[i % len(self.categories)],
                                   title=f"Laporan uji beban {i}", created_at=self.clock(), source="bench_wall",
                                   external_id=f"{self.tag}-{i}", district_code=self.districts[i % len(self.districts)])
            self.written += 1
            return store_version(self.engine)


# --- the app, with an instrumented Store ---------------------------------------------------------------------


@dataclass
class Hit:
    """One query that reached the database (a cache miss)."""

    name: str
    version: str
    bucket: int
    started: float
    ended: float


def store_classes():
    """The Store as shipped, instrumented to record each database hit; and a single-flight variant."""
    from data_access.queries.cache import NOW_BUCKET_SECONDS
    from data_access.queries.cache import QueryCache as Store

    class InstrumentedStore(Store):
        def __post_init__(self) -> None:
            super().__post_init__()
            self.hits: list[Hit] = []
            self._hits_lock = threading.Lock()

        def query(self, fn, filters, scope, version, now, **kwargs):
            bucket = int(now.timestamp()) // NOW_BUCKET_SECONDS

            @functools.wraps(fn)  # same __module__ and __name__: the cache key is unchanged
            def recorded(*args, **kw):
                started = time.perf_counter()
                try:
                    return fn(*args, **kw)
                finally:
                    with self._hits_lock:
                        self.hits.append(Hit(fn.__name__, version, bucket, started, time.perf_counter()))

            return super().query(recorded, filters, scope, version, now, **kwargs)

    class SingleFlightStore(InstrumentedStore):
        """One computation per cache key in this process: later askers wait for it and then read the cache."""

        def __post_init__(self) -> None:
            super().__post_init__()
            self._flights: dict[str, threading.Lock] = {}
            self._flights_guard = threading.Lock()

        def query(self, fn, filters, scope, version, now, **kwargs):
            bucket = int(now.timestamp()) // NOW_BUCKET_SECONDS
            key = repr((fn.__module__, fn.__name__, filters.cache_key(), scope.cache_key(), version, bucket,
                        sorted(kwargs.items())))
            with self._flights_guard:
                flight = self._flights.setdefault(key, threading.Lock())
            with flight:
                return super().query(fn, filters, scope, version, now, **kwargs)

    return InstrumentedStore, SingleFlightStore


def settings_for(database_url: str, refresh_seconds: int = 10):
    from core.settings import Settings, boundaries_file

    return Settings(database_url=database_url, boundaries_districts=boundaries_file("districts.geojson"),
                    refresh_seconds=refresh_seconds)


WARMER = "--no-warmer" not in sys.argv


def build_app(settings, clock=None, single_flight: bool = False):
    """A fresh Dash app with its own cache and engine (the page registry is module-level in Dash: reset it)."""
    import dash
    from flask_caching import Cache

    from dashboard.app import create_app
    from dashboard.cache import cache_config

    instrumented, single = store_classes()
    dash.page_registry.clear()
    cache = Cache(config=cache_config(settings))
    kwargs = {"clock": clock} if clock is not None else {}
    store = (single if single_flight else instrumented)(settings, cache, **kwargs)
    app = create_app(settings, query_cache=store)
    cache.init_app(app.server)
    return app, store


@dataclass(frozen=True)
class RefreshRequest:
    """The body the browser POSTs on an interval tick, less the tick number and the screen's state."""

    output: str
    outputs: list

    @classmethod
    def of(cls, app) -> RefreshRequest:
        from layouts import wall

        key = next(k for k in app.callback_map if f"{wall.KPI_IDS[1]}.children" in k)
        outputs = [{"id": c, "property": p} for c, p in (o.split(".", 1) for o in key.strip(".").split("..."))]
        return cls(key, outputs)

    def body(self, state: dict | None, n: int) -> dict:
        return {
            "output": self.output,
            "outputs": self.outputs,
            "inputs": [{"id": "wall-interval", "property": "n_intervals", "value": n}],
            "changedPropIds": ["wall-interval.n_intervals"],
            "state": [{"id": "wall-state", "property": "data", "value": state},
                      {"id": "wall-config", "property": "data", "value": CONFIG}],
        }


def state_of(payload: bytes) -> dict:
    return json.loads(payload)["response"]["wall-state"]["data"]


def post_tick(client, request: RefreshRequest, state: dict | None, n: int = 1):
    return client.post("/_dash-update-component", json=request.body(state, n))


# --- 1. one refresh cycle --------------------------------------------------------------------------------------


@dataclass
class Timing:
    label: str
    runs_ms: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    statuses: set[int] = field(default_factory=set)

    @property
    def median(self) -> float:
        return statistics.median(self.runs_ms) if self.runs_ms else math.nan


def time_refresh_cycles(db_url: str, clock, writer: Writer, runs: int) -> dict[str, Timing]:
    from data_access.queries import store_version

    settings = settings_for(db_url)
    result = {k: Timing(k) for k in (F_COLD, F_SAME, F_NEW, F_CACHED, F_VERSION)}

    cold = result[F_COLD]
    for i in range(runs):
        writer.write()  # a version no cache has seen
        app, store = build_app(settings, clock)
        client = kiosk_client(app, store.engine)
        request = RefreshRequest.of(app)
        started = time.perf_counter()
        response = post_tick(client, request, None)
        cold.runs_ms.append(ms_since(started))
        cold.queries.append(store.query_count)
        cold.statuses.add(response.status_code)
        store.engine.dispose()
        log(f"[refresh] cold {i + 1}/{runs}: {cold.runs_ms[-1]:,.0f} ms, {store.query_count} queries")

    app, store = build_app(settings, clock)
    client = kiosk_client(app, store.engine)
    request = RefreshRequest.of(app)
    state = state_of(post_tick(client, request, None).get_data())

    same = result[F_SAME]
    for i in range(max(runs * 4, 10)):
        before = store.query_count
        started = time.perf_counter()
        response = post_tick(client, request, state, n=2 + i)
        same.runs_ms.append(ms_since(started))
        same.queries.append(store.query_count - before)
        same.statuses.add(response.status_code)
    log(f"[refresh] warm same version: median {same.median:,.1f} ms")

    version_times = result[F_VERSION]
    for _ in range(max(runs * 4, 10)):
        started = time.perf_counter()
        store_version(store.engine)
        version_times.runs_ms.append(ms_since(started))

    new = result[F_NEW]
    cached = result[F_CACHED]
    for i in range(runs):
        writer.write()
        before = store.query_count
        started = time.perf_counter()
        response = post_tick(client, request, state, n=100 + i)
        new.runs_ms.append(ms_since(started))
        new.queries.append(store.query_count - before)
        new.statuses.add(response.status_code)
        old_state, state = state, state_of(response.get_data())
        # A second screen still on the old version: the cache already holds this version's answers.
        before = store.query_count
        started = time.perf_counter()
        response = post_tick(client, request, old_state, n=100 + i)
        cached.runs_ms.append(ms_since(started))
        cached.queries.append(store.query_count - before)
        cached.statuses.add(response.status_code)
        log(f"[refresh] warm new version {i + 1}/{runs}: {new.runs_ms[-1]:,.0f} ms ({new.queries[-1]} queries); "
            f"already cached: {cached.runs_ms[-1]:,.0f} ms ({cached.queries[-1]} queries)")
    store.engine.dispose()
    return result


# --- 2. screens polling a real server -------------------------------------------------------------------------


class ServerThread:
    """werkzeug's threaded WSGI server on 127.0.0.1, an ephemeral port, in a daemon thread."""

    def __init__(self, wsgi_app) -> None:
        import logging

        from werkzeug.serving import make_server

        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        self.server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
        self.port = self.server.server_port
        self.thread = threading.Thread(target=self.server.serve_forever, name="bench-server", daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


def screens_process(port: int, request: dict, screens: int, seconds: float, refresh: float, ready, go, out,
                    cookie: str = "") -> None:
    """In a process of its own (its own GIL): one thread per screen, each POSTing its tick every ``refresh`` s.

    Like dcc.Interval, a screen ticks on a fixed period; a tick that would fall while its previous request is
    still out is sent as soon as that request returns (counted as late). Bounded by ``seconds``.
    """
    import http.client

    records: list[tuple] = []
    lock = threading.Lock()
    ready.set()
    go.wait(60)
    start = time.monotonic()
    deadline = start + seconds

    def screen(index: int) -> None:
        rnd = random.Random(index)
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        state, n, late = None, 0, 0
        next_tick = start + rnd.uniform(0, refresh)  # the screens were switched on at different moments
        mine = []
        while True:
            now = time.monotonic()
            if next_tick >= deadline:
                break
            if now < next_tick:
                time.sleep(next_tick - now)
            elif now - next_tick > 0.05:
                late += 1
            body = json.dumps({**request, "inputs": [{**request["inputs"][0], "value": n}],
                               "state": [{**request["state"][0], "value": state}, request["state"][1]]})
            sent = time.monotonic()
            try:
                conn.request("POST", "/_dash-update-component", body, {"Content-Type": "application/json",
                                                                       "Cookie": cookie})
                response = conn.getresponse()
                payload = response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
                payload, status = b"", -1
            latency = (time.monotonic() - sent) * 1000.0
            version = stale = None
            if status == 200:
                try:
                    state = json.loads(payload)["response"]["wall-state"]["data"]
                    version, stale = state.get("version"), state.get("stale")
                except (ValueError, KeyError, TypeError):
                    pass
            mine.append((index, sent - start, latency, status, len(payload), version, stale))
            n += 1
            planned, now = next_tick + refresh, time.monotonic()
            if now > planned + 0.05:
                late += 1  # the answer came after the next tick was due: that tick goes out late
            next_tick = max(planned, now)
        conn.close()
        with lock:
            records.extend(mine)
            records.append(("late", index, late))

    threads = [threading.Thread(target=screen, args=(i,), daemon=True) for i in range(screens)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + 180)
    out.put(records)


@dataclass
class LoadResult:
    single_flight: bool
    screens: int
    seconds: float
    latencies: list[float]
    data_latencies: list[float]
    empty_latencies: list[float]
    statuses: dict[int, int]
    late: int
    changes: int
    startup_hits: int
    change_hits: list[int]  # DB hits per written version
    change_keys: list[int]  # distinct (query, minute) keys per written version
    max_concurrent_same_key: int
    duplicated: int  # DB hits beyond one per distinct key, over the written versions
    startup_duplicated: int
    screens_current: int  # screens whose last 200 carried the last written version
    unavailable: int  # responses that put up the "store unavailable" banner
    screens_unavailable: int  # screens that showed it at least once
    unavailable_logged: int  # refreshes the server logged as "store unavailable" (pool time-outs and the like)
    unavailable_reason: str
    load: str
    query_count: int  # Store.query_count at the end (start-up included)
    refresh_bytes: list[int]


class UnavailableCounter(logging.Handler):
    """Counts the wall's "store unavailable" warnings (callbacks.wall logs one per failed refresh)."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.count, self.first = 0, ""

    def emit(self, record: logging.LogRecord) -> None:
        if "unavailable" in record.getMessage():
            self.count += 1
            self.first = self.first or record.getMessage()[:160]


def concurrent_same_key(hits: list[Hit]) -> int:
    """The largest number of computations of one cache key that were running at the same moment."""
    by_key: dict[tuple, list[Hit]] = {}
    for h in hits:
        by_key.setdefault((h.name, h.version, h.bucket), []).append(h)
    best = 0
    for group in by_key.values():
        events = sorted([(h.started, 1) for h in group] + [(h.ended, -1) for h in group], key=lambda e: (e[0], e[1]))
        running = 0
        for _, step in events:
            running += step
            best = max(best, running)
    return best


def run_screens(db_url: str, clock, writer: Writer, screens: int, seconds: float, refresh: float,
                write_every: float, single_flight: bool) -> LoadResult:
    from data_access.queries import store_version

    settings = settings_for(db_url, refresh_seconds=max(1, round(refresh)))
    app, store = build_app(settings, clock, single_flight=single_flight)
    if WARMER:  # as `python -m dashboard serve` runs it
        from callbacks.wall import start_warmer

        start_warmer(store, settings)
    request = RefreshRequest.of(app).body(None, 0)
    initial_version = store_version(store.engine)
    server = ServerThread(app.server)
    counter = UnavailableCounter()
    wall_log = logging.getLogger("callbacks.wall")
    wall_log.addHandler(counter)
    ctx = multiprocessing.get_context("spawn")
    ready, go, out = ctx.Event(), ctx.Event(), ctx.Queue()
    cookie = f"{KIOSK_COOKIE}={kiosk_token(store.engine)}"  # the screens are kiosks, as on a real wall
    proc = ctx.Process(target=screens_process,
                       args=(server.port, request, screens, seconds, refresh, ready, go, out, cookie),
                       name="bench-screens", daemon=True)
    proc.start()
    written: list[str] = []
    records: list[tuple] = []
    try:
        if not ready.wait(120):
            raise RuntimeError("the screens process did not start")
        stop = threading.Event()

        def write_loop() -> None:
            # The first write waits one period, so the start-up (every screen loading) is measured on its own.
            while not stop.wait(write_every):
                written.append(writer.write())

        writer_thread = threading.Thread(target=write_loop, name="bench-writer", daemon=True)
        go.set()
        writer_thread.start()
        try:
            records = out.get(timeout=seconds + 240)
        finally:
            stop.set()
            writer_thread.join(30)
        proc.join(30)
    finally:
        if proc.is_alive():
            proc.terminate()
            proc.join(10)
        server.stop()
        store.engine.dispose()
        wall_log.removeHandler(counter)
    load = loadavg()
    requests = [r for r in records if r[0] != "late"]
    late = sum(r[2] for r in records if r[0] == "late")
    statuses: dict[int, int] = {}
    for r in requests:
        statuses[r[3]] = statuses.get(r[3], 0) + 1
    hits = list(store.hits)
    startup = [h for h in hits if h.version == initial_version]
    # A write after the screens stopped asking cannot be answered: count only versions someone asked for.
    asked = {h.version for h in hits}
    changes = [v for v in written if v in asked or any(r[5] == v for r in requests)]
    change_hits = [sum(1 for h in hits if h.version == v) for v in changes]
    change_keys = [len({(h.name, h.bucket) for h in hits if h.version == v}) for v in changes]
    last_version = changes[-1] if changes else initial_version
    last_seen: dict[int, str] = {}
    for r in sorted(requests, key=lambda r: r[1]):
        if r[5]:
            last_seen[r[0]] = r[5]
    return LoadResult(
        single_flight=single_flight, screens=screens, seconds=seconds,
        latencies=[r[2] for r in requests if r[3] > 0],
        data_latencies=[r[2] for r in requests if r[3] == 200],
        empty_latencies=[r[2] for r in requests if r[3] == 204],
        statuses=statuses, late=late, changes=len(changes), startup_hits=len(startup),
        change_hits=change_hits, change_keys=change_keys, max_concurrent_same_key=concurrent_same_key(hits),
        duplicated=sum(change_hits) - sum(change_keys),
        startup_duplicated=len(startup) - len({(h.name, h.bucket) for h in startup}),
        screens_current=sum(1 for v in last_seen.values() if v == last_version),
        unavailable=sum(1 for r in requests if r[6] == "unavailable"),
        screens_unavailable=len({r[0] for r in requests if r[6] == "unavailable"}),
        unavailable_logged=counter.count, unavailable_reason=counter.first,
        load=load, query_count=store.query_count,
        refresh_bytes=[r[4] for r in requests if r[3] == 200],
    )


# --- 3. bytes ---------------------------------------------------------------------------------------------------


@dataclass
class Bytes:
    page: dict[str, int]
    page_gzip: int
    static: dict[str, int]
    refresh: list[int]
    refresh_gzip: list[int]
    refresh_parts: dict[str, int]
    empty: int
    encoding: str = "none"


def measure_bytes(db_url: str, clock, writer: Writer, samples: int = 3) -> Bytes:
    settings = settings_for(db_url)
    app, store = build_app(settings, clock)
    client = kiosk_client(app, store.engine)
    page: dict[str, int] = {}
    html = client.get("/wall")
    page["HTML /wall"] = len(html.get_data())
    page["/_dash-layout"] = len(client.get("/_dash-layout").get_data())
    page["/_dash-dependencies"] = len(client.get("/_dash-dependencies").get_data())
    routing = next(k for k in app.callback_map if "_pages_content.children" in k)
    routed = client.post("/_dash-update-component", json={
        "output": routing,
        "outputs": [{"id": c, "property": p} for c, p in (o.split(".", 1) for o in routing.strip(".").split("..."))],
        "inputs": [{"id": "_pages_location", "property": "pathname", "value": "/wall"},
                   {"id": "_pages_location", "property": "search", "value": ""}],
        "changedPropIds": ["_pages_location.pathname"], "state": []})
    page["page layout (polygons)"] = len(routed.get_data())
    request = RefreshRequest.of(app)
    first = post_tick(client, request, None)
    page["first refresh"] = len(first.get_data())
    page_gzip = sum(len(gzip.compress(b)) for b in (html.get_data(), routed.get_data(), first.get_data()))
    static: dict[str, int] = {}
    text = html.get_data(as_text=True)
    for src in re.findall(r'<script src="([^"]+)"', text) + re.findall(r'<link rel="stylesheet" href="([^"]+)"', text):
        static[src.split("?")[0]] = len(client.get(src).get_data())
    state = state_of(first.get_data())
    refresh, refresh_gzip = [], []
    refresh_encoding: set[str] = set()
    parts: dict[str, int] = {}
    for i in range(samples):
        writer.write()
        response = post_tick(client, request, state, n=2 + i)
        body = response.get_data()
        refresh.append(len(body))
        # What a browser receives: the same tick asked with the Accept-Encoding every browser sends.
        wire = client.post("/_dash-update-component", json=request.body(state, 2 + i),
                           headers={"Accept-Encoding": "br, gzip"})
        encoding = wire.headers.get("Content-Encoding", "none")
        refresh_gzip.append(len(wire.get_data()) if encoding != "none" else len(gzip.compress(body)))
        refresh_encoding.add(encoding)
        props = json.loads(body)["response"]
        parts = {f"{cid}.{prop}": len(json.dumps(value, separators=(",", ":")))
                 for cid, values in props.items() for prop, value in values.items()}
        state = props["wall-state"]["data"]
    empty = len(post_tick(client, request, state, n=99).get_data())
    store.engine.dispose()
    return Bytes(page, page_gzip, static, refresh, refresh_gzip, parts, empty, ",".join(sorted(refresh_encoding)))


# --- 4. the browser's heap --------------------------------------------------------------------------------------


@dataclass
class Heap:
    ran: bool
    reason: str = ""
    refreshes_wanted: int = 0
    refreshes_done: int = 0
    empty_ticks: int = 0
    first: float = math.nan
    last: float = math.nan
    samples: list[tuple[int, float, int]] = field(default_factory=list)  # (refreshes, heap bytes, DOM nodes)
    dom_first: int = 0
    dom_last: int = 0
    page_bytes: int = 0
    page_resources: int = 0
    reloads: int = 0
    seconds: float = 0.0
    store_reports: int = 0
    load: str = ""
    errors: list[str] = field(default_factory=list)

    @property
    def growth(self) -> float:
        return (self.last - self.first) / self.first if self.first else math.nan


def seed_small_store(path: Path, days: int = 30, per_day: float = 30.0) -> str:
    """A fresh SQLite store of demo reports ending a minute ago, plus one report made now."""
    from sqlalchemy.orm import Session

    from data_access.intake.writer import ReportWriter
    from data_access.rulebook.sla import WorkCalendar
    from data_access.store.engine import make_engine
    from data_access.store.migrate import upgrade
    from data_access.store.reference import load_reference
    from demo.seed import DemoConfig, seed_demo

    url = f"sqlite:///{path}"
    engine = make_engine(url, create=True)
    upgrade(engine)
    load_reference(engine)
    now = datetime.now(UTC)
    seed_demo(engine, WorkCalendar(), DemoConfig(seed=5, days=days, per_day=per_day, now=now - timedelta(minutes=1)))
    with Session(engine) as session, session.begin():
        ReportWriter(engine, WorkCalendar()).create(session, category_code="air_bersih", created_at=now,
                                                    title="Air PDAM tidak mengalir sejak pagi",
                                                    district_code="94.04.16")
    engine.dispose()
    return url


HEAP_JS = """() => { window.gc(); window.gc();
  return [performance.memory.usedJSHeapSize, document.getElementsByTagName('*').length]; }"""
PAGE_BYTES_JS = """() => {
  const entries = performance.getEntriesByType('navigation').concat(performance.getEntriesByType('resource'));
  return [entries.reduce((s, e) => s + (e.encodedBodySize || 0), 0), entries.length]; }"""


def measure_heap(workdir: Path, refreshes: int, write_every: float = 0.5, screenshot: Path | None = None) -> Heap:
    heap = Heap(ran=False, refreshes_wanted=refreshes)
    if not CHROMIUM.exists():
        heap.reason = f"no Chromium at {CHROMIUM}"
        return heap
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        heap.reason = "Playwright is not installed"
        return heap
    from data_access.store.engine import make_engine

    url = seed_small_store(workdir / "heap.db")
    app, store = build_app(settings_for(url, refresh_seconds=1))  # the real clock: the store ends now
    engine = make_engine(url)
    writer = Writer(engine, lambda: datetime.now(UTC))
    heap.store_reports = count_reports(engine)
    server = ServerThread(app.server)
    stop = threading.Event()

    def write_loop() -> None:  # twice per refresh period: every tick finds a new store version
        while not stop.wait(write_every):
            writer.write()

    writer_thread = threading.Thread(target=write_loop, name="bench-heap-writer", daemon=True)
    counts = {"data": 0, "empty": 0, "loads": 0}

    def on_response(response) -> None:
        if "/_dash-update-component" in response.url:  # Dash adds a cache-busting query string
            post = response.request.post_data or ""
            if "kpi-open.children" in post:  # the wall's refresh, not the page routing
                counts["data" if response.status == 200 else "empty"] += 1

    started = time.monotonic()
    try:
        writer_thread.start()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1920, "height": 1080})
                page.on("response", on_response)
                page.on("load", lambda _page: counts.__setitem__("loads", counts["loads"] + 1))
                page.on("pageerror", lambda exc: heap.errors.append(str(exc)[:200]))
                page.goto(server.url + "/wall?kiosk=" + kiosk_token(store.engine), wait_until="load")
                deadline = time.monotonic() + 120 + refreshes * 4
                every = max(HEAP_FIRST, refreshes // 10)
                next_sample = HEAP_FIRST
                while counts["data"] < refreshes and time.monotonic() < deadline:
                    page.wait_for_timeout(200)
                    if counts["data"] < next_sample:
                        continue
                    used, nodes = page.evaluate(HEAP_JS)
                    heap.samples.append((counts["data"], float(used), int(nodes)))
                    if next_sample == HEAP_FIRST:
                        heap.first, heap.dom_first = float(used), int(nodes)
                        heap.page_bytes, heap.page_resources = page.evaluate(PAGE_BYTES_JS)
                    log(f"[heap] {counts['data']}/{refreshes} refreshes: {fmt_bytes(used)}, {nodes} DOM nodes")
                    next_sample += every
                used, nodes = page.evaluate(HEAP_JS)
                if not heap.samples or heap.samples[-1][0] != counts["data"]:
                    heap.samples.append((counts["data"], float(used), int(nodes)))
                heap.last, heap.dom_last = float(used), int(nodes)
                heap.refreshes_done, heap.empty_ticks = counts["data"], counts["empty"]
                heap.reloads = max(0, counts["loads"] - 1)
                if screenshot is not None:
                    screenshot.parent.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(screenshot))
                heap.ran = True
            finally:
                browser.close()
    finally:
        stop.set()
        writer_thread.join(30)
        server.stop()
        store.engine.dispose()
        engine.dispose()
        heap.seconds = time.monotonic() - started
        heap.load = loadavg()
    return heap


# --- report --------------------------------------------------------------------------------------------------


def shown_command() -> str:
    return f"cd {shlex.quote(os.getcwd())} && {shlex.join([sys.executable, *sys.argv])}"


def verdict(ok: bool | None) -> str:
    return "–" if ok is None else ("yes" if ok else "**NO**")


def load_rows(r: LoadResult) -> list[tuple[str, str, str, str]]:
    per_change = list(r.change_hits)
    mean = statistics.mean(per_change) if per_change else math.nan
    keys = statistics.mean(r.change_keys) if r.change_keys else math.nan
    label_lat, label_per, label_herd = ((F_SF_LATENCY, F_SF_PER_CHANGE, F_SF_HERD) if r.single_flight
                                        else (F_LATENCY, F_PER_CHANGE, F_HERD))
    rows = [(label_lat, f"{fmt_ms(pct(r.latencies, 50))} / {fmt_ms(pct(r.latencies, 95))} / "
                        f"{fmt_ms(max(r.latencies, default=math.nan))}", "", "–")]
    if not r.single_flight:
        ok_counts = r.statuses.get(200, 0), r.statuses.get(204, 0)
        other = sum(v for k, v in r.statuses.items() if k not in (200, 204))
        rows += [
            (F_LAT_DATA, f"{fmt_ms(pct(r.data_latencies, 50))} / {fmt_ms(pct(r.data_latencies, 95))}", "", "–"),
            (F_LAT_204, f"{fmt_ms(pct(r.empty_latencies, 50))} / {fmt_ms(pct(r.empty_latencies, 95))}", "", "–"),
            (F_REQUESTS, f"{sum(r.statuses.values()):,} from {r.screens} screens in {r.seconds:g} s: "
                         f"{ok_counts[0]:,} × 200, {ok_counts[1]:,} × 204, {other} other; {r.late} late ticks", "",
             verdict(other == 0)),
            (F_CHANGES, f"{r.changes} answered (a report every ~{r.seconds / max(r.changes, 1):.0f} s); "
                        f"{r.screens_current}/{r.screens} screens got the last one", "", "–"),
        ]
    if per_change:
        delta = (r.query_count - r.startup_hits) / r.changes
        per_text = (f"{mean:,.1f} (= {mean / QUERY_SET:,.2f} query sets; per change: "
                    f"{', '.join(str(h) for h in per_change)}; distinct keys {keys:,.1f}; Store.query_count "
                    f"{r.query_count} − {r.startup_hits} at start-up = {delta:,.1f} per change)")
    else:
        per_text = "no store change reached the screens (the run was shorter than --write-every)"
    rows.append((label_per, per_text, f"{QUERY_SET} (one query set)",
                 verdict(mean <= QUERY_SET + 0.001 if per_change else None)))
    herd = (f"{'yes' if r.duplicated or r.startup_duplicated else 'no'}: {r.duplicated} duplicate DB runs over "
            f"{r.changes} changes, {r.startup_duplicated} at start-up; up to {r.max_concurrent_same_key} "
            f"computations of one key at once")
    rows.append((label_herd, herd, "none", verdict(r.duplicated == 0 and r.startup_duplicated == 0)))
    why = f" (server: {r.unavailable_reason})" if r.unavailable_reason else ""
    fine = r.unavailable == 0 and r.unavailable_logged == 0
    rows.append((F_SF_UNAVAILABLE if r.single_flight else F_UNAVAILABLE,
                 f"{r.unavailable} responses on {r.screens_unavailable}/{r.screens} screens; {r.unavailable_logged} "
                 f"refreshes failed on the server{why}", "0", verdict(fine)))
    if not r.single_flight:
        rows.append((F_STARTUP, f"{r.startup_hits} DB queries for 1 version (ideal {QUERY_SET})", str(QUERY_SET),
                     verdict(r.startup_hits <= QUERY_SET)))
    return rows


def build_table(timings, loads: list[LoadResult], sizes: Bytes, heap: Heap, runs: int) -> list[tuple]:
    rows: list[tuple[str, str, str, str]] = []
    for key in (F_COLD, F_SAME, F_NEW, F_CACHED):
        t = timings[key]
        queries = statistics.median(t.queries) if t.queries else 0
        statuses = "/".join(str(s) for s in sorted(t.statuses))
        rows.append((key, f"{fmt_ms(t.median)} (median of {len(t.runs_ms)}; HTTP {statuses}; "
                          f"{queries:g} DB queries)", "", "–"))
    rows.append((F_VERSION, f"{fmt_ms(timings[F_VERSION].median)} (median of {len(timings[F_VERSION].runs_ms)})",
                 "", "–"))
    for r in loads:
        rows += load_rows(r)
    refresh = statistics.median(sizes.refresh)
    wire = statistics.median(sizes.refresh_gzip)
    sent = wire if sizes.encoding not in ("", "none") else refresh
    rows.append((F_BYTES_REFRESH, f"{fmt_bytes(sent)} on the wire (Content-Encoding: {sizes.encoding}); "
                                  f"{fmt_bytes(refresh)} of JSON before compression",
                 f"≤ {fmt_bytes(TARGET_REFRESH_BYTES)}", verdict(sent <= TARGET_REFRESH_BYTES)))
    rows.append((F_BYTES_204, f"{sizes.empty} B body (HTTP 204)", "", "–"))
    page_total = sum(sizes.page.values())
    rows.append((F_BYTES_PAGE, f"{fmt_bytes(page_total)} (" + ", ".join(f"{k} {fmt_bytes(v)}"
                                                                          for k, v in sizes.page.items())
                 + f"; gzip of HTML + page + first refresh {fmt_bytes(sizes.page_gzip)})", "", "–"))
    rows.append((F_BYTES_STATIC, f"{fmt_bytes(sum(sizes.static.values()))} in {len(sizes.static)} files "
                                 "(cacheable; the browser also loads plotly.js on demand)", "", "–"))
    if heap.ran:
        rows.append((F_BYTES_BROWSER, f"{fmt_bytes(heap.page_bytes)} in {heap.page_resources} resources "
                                      "(encoded body sizes, small store)", "", "–"))
        rows.append((F_HEAP_FIRST, fmt_bytes(heap.first) if not math.isnan(heap.first) else "–", "", "–"))
        rows.append((F_HEAP_LAST, f"{fmt_bytes(heap.last)} after {heap.refreshes_done} refreshes (asked "
                                  f"{heap.refreshes_wanted}; {heap.empty_ticks} ticks found nothing new, "
                                  f"{heap.reloads} page reloads, {heap.seconds:,.0f} s)", "", "–"))
        growth = heap.growth
        shown = (f"{100 * growth:+.1f} %" if not math.isnan(growth)
                 else f"not measured: only {heap.refreshes_done} refreshes arrived")
        rows.append((F_HEAP_GROWTH, shown, f"≤ {100 * TARGET_HEAP_GROWTH:.0f} %",
                     verdict(growth <= TARGET_HEAP_GROWTH if not math.isnan(growth) else None)))
        rows.append((F_DOM, f"{heap.dom_first:,} / {heap.dom_last:,}", "", "–"))
    else:
        rows.append((F_HEAP_GROWTH, f"not measured: {heap.reason}", f"≤ {100 * TARGET_HEAP_GROWTH:.0f} %", "–"))
    rows.append((F_LOAD, f"at the end: {loadavg()}; during the screens: " +
                 "; ".join(f"{'single-flight' if r.single_flight else 'as shipped'} {r.load}" for r in loads)
                 + (f"; after the browser: {heap.load}" if heap.ran else ""), "", "–"))
    return rows


def report(args, store_info: dict, timings, loads, sizes: Bytes, heap: Heap) -> str:
    rows = build_table(timings, loads, sizes, heap, args.runs)
    out = [f"# Wall benchmark: {store_info['reports']:,} reports", "", "Command:", "", "```", shown_command(), "```",
           ""]
    out.append(f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} ({os.cpu_count()} cores, Python "
               f"{platform.python_version()}). Store: `{store_info['source']}` ({store_info['reports']:,} reports), "
               f"benchmarked on a private copy ({store_info['copy_seconds']:.0f} s to copy) that the writer adds "
               f"reports to. Load average (1/5/15 min) at the start: {store_info['load_start']} — other work on "
               "the machine inflates and scatters the timings.")
    out.append("")
    out += ["| figure | value | target | met |", "|---|---|---|---|"]
    out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    out += ["", "How to read it:",
            f"- Refresh rows: one POST of the wall's interval tick to `/_dash-update-component` through Flask's test "
            f"client (server time, no network). cold = a new app, cache and engine on a version nobody has seen; "
            f"warm new version = the cache holds the previous version, so the {QUERY_SET} queries run again; "
            "already cached = a second screen asking for the version the first one just computed (no query, "
            "the figures and tiles are built again from the cached frames).",
            f"- Screens rows: {args.screens} threads in a separate process, each a screen with its own state, POST "
            f"their tick every {args.refresh_seconds:g} s to werkzeug's threaded server on 127.0.0.1 for "
            f"{args.seconds:g} s; a writer inserts a report through ReportWriter every {args.write_every:g} s. "
            "DB queries per store change = queries that reached the database (Store.query_count, and each one "
            "recorded with its version) for each written version; a key is (query, version, minute of now). "
            "Duplicate DB runs = runs beyond one per distinct key: screens computing the same key at once "
            "(the thundering herd).",
            "- single-flight rows: the same run with a benchmark-only Store subclass that holds a lock per "
            "cache key while computing it, so the other screens wait and read the cache.",
            "- Bytes: response bodies as sent (no compression is configured); the refresh after one new report "
            "is the median of 3. Largest parts of that refresh: "
            + ", ".join(f"{k} {fmt_bytes(v)}" for k, v in sorted(sizes.refresh_parts.items(), key=lambda kv: -kv[1])
                        [:6]) + ".",
            ]
    if heap.ran:
        out.append(f"- Browser: /wall at 1920×1080 in headless Chromium, REFRESH_SECONDS=1, on a fresh demo store of "
                   f"{heap.store_reports:,} reports with a writer adding a report every 0.5 s so every tick carries "
                   f"data; heap = performance.memory.usedJSHeapSize after window.gc() twice "
                   "(--enable-precise-memory-info, --js-flags=--expose-gc). Samples (refreshes: heap, DOM nodes): "
                   + ", ".join(f"{n}: {fmt_bytes(h)}, {d:,}" for n, h, d in heap.samples) + ".")
        if heap.errors:
            out.append(f"- Page errors in the browser: {len(heap.errors)}, first: {heap.errors[0]}")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, default=DEFAULT_DB, help=f"the SQLite store (default {DEFAULT_DB})")
    parser.add_argument("--screens", type=int, default=50, help="simulated wall screens (default 50)")
    parser.add_argument("--seconds", type=float, default=60.0, help="how long the screens poll (default 60)")
    parser.add_argument("--refresh-seconds", type=float, default=2.0, help="the screens' tick (default 2)")
    parser.add_argument("--write-every", type=float, default=10.0, help="seconds between new reports (default 10)")
    parser.add_argument("--refreshes", type=int, default=1000, help="browser refreshes for the heap (default 1000)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per refresh case (default 5)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent,
                        help="folder for results/wall_<N>.md (default: benchmarks/)")
    parser.add_argument("--no-browser", action="store_true", help="skip the browser heap measurement")
    parser.add_argument("--screenshot", type=Path, help="save the wall as the browser shows it at the end (PNG)")
    parser.add_argument("--no-single-flight", action="store_true", help="skip the single-flight comparison run")
    parser.add_argument("--no-warmer", action="store_true", help="screens without the panel warmer `serve` runs")
    args = parser.parse_args(argv)
    if args.screens < 1 or args.seconds <= 0 or args.refreshes <= HEAP_FIRST or args.runs < 1:
        parser.error(f"--screens ≥ 1, --seconds > 0, --refreshes > {HEAP_FIRST} and --runs ≥ 1, please")
    if not args.db.exists():
        parser.error(f"{args.db} does not exist (build it with benchmarks/bench_queries.py --build-only)")

    print(f"Command: {shown_command()}", flush=True)
    from data_access.store.engine import make_engine

    def terminated(*_):  # so that `kill PID` still stops the server, the screens and removes the copy
        raise SystemExit(143)

    signal.signal(signal.SIGTERM, terminated)

    load_start = loadavg()
    workdir = Path(tempfile.mkdtemp(prefix="bench_wall_"))
    try:
        log(f"[store] copying {args.db} to {workdir} (the benchmark writes reports)")
        copy = workdir / "store.db"
        copy_seconds = copy_store(args.db, copy)
        db_url = f"sqlite:///{copy}"
        engine = make_engine(db_url)
        reports = count_reports(engine)
        clock = BenchClock(newest_created(engine))
        writer = Writer(engine, clock)
        match = re.fullmatch(r"bench_(\d+)\.db", args.db.name)
        size = int(match.group(1)) if match else reports
        store_info = {"source": str(args.db), "reports": reports, "copy_seconds": copy_seconds,
                      "load_start": load_start}
        log(f"[store] {reports:,} reports, copied in {copy_seconds:.1f} s; clock starts at {clock.base.isoformat()}")

        timings = time_refresh_cycles(db_url, clock, writer, args.runs)
        loads = []
        for single in (False,) if args.no_single_flight else (False, True):
            log(f"[screens] {args.screens} screens for {args.seconds:g} s"
                + (" with the single-flight Store" if single else " with the Store as shipped"))
            result = run_screens(db_url, clock, writer, args.screens, args.seconds, args.refresh_seconds,
                                 args.write_every, single)
            log(f"[screens] p50 {pct(result.latencies, 50):,.0f} ms, p95 {pct(result.latencies, 95):,.0f} ms; "
                f"DB hits per change {result.change_hits}, start-up {result.startup_hits}")
            loads.append(result)
        sizes = measure_bytes(db_url, clock, writer)
        log(f"[bytes] refresh {sizes.refresh}, page {sizes.page}")
        engine.dispose()
        heap = Heap(ran=False, reason="--no-browser")
        if not args.no_browser:
            log(f"[heap] browser, {args.refreshes} refreshes at 1 s")
            heap = measure_heap(workdir, args.refreshes, screenshot=args.screenshot)
        text_out = report(args, store_info, timings, loads, sizes, heap)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    publish(args.out, f"wall_{size}", text_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
