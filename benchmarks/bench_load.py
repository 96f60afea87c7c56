#!/usr/bin/env python
"""The production shape under load: gunicorn (N workers) + the background worker on PostgreSQL and Redis, with M
simulated wall screens polling every 2 s while reports arrive. What does it cost, and does it hold?

Figures (one Markdown table, also written to ``<out>/results/load_<backend>_<screens>x<workers>.md``):
p50/p95/max latency of the screens' refreshes, errors (anything but 200/204, and "store unavailable" banners),
database queries per store change (``mimika_store_queries_total`` read from ``/metrics``, which adds up every web
worker and the background worker: the target is one query set of 7, whatever the number of screens and workers),
SQL statements a second (all of them: version checks, kiosk look-ups), and the web processes' memory (RSS of the
gunicorn master and workers) after the warm-up and at the end (target: growth ≤ 10 %).

    .venv/bin/python benchmarks/bench_load.py --database-url postgresql://127.0.0.1:5432/test --create-db \\
        --redis-url redis://127.0.0.1:6379/13                        # 50 screens, 3 workers, 10 minutes
    .venv/bin/python benchmarks/bench_load.py --seconds 180 ...      # a 3-minute version on a busy machine
    .venv/bin/python benchmarks/bench_load.py --screens 3 --workers 2 --seconds 6 --warmup 4 --out /tmp/b
                                                                     # what tests/benchmarks/test_bench_load.py runs

The screens and the writer come from bench_wall.py (``screens_process``, ``Writer``); this script adds the real
server processes. With ``--create-db`` a fresh database is made on that PostgreSQL server, seeded, and dropped at
the end; without a URL a fresh SQLite file in a temporary folder is used. A script that prints figures, not a
timed test.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import platform
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.bench_common import KIOSK_COOKIE, kiosk_token, publish, rss  # noqa: E402
from benchmarks.bench_wall import CONFIG, QUERY_SET, Writer, loadavg, log, pct, screens_process, shown_command  # noqa: E402

TARGET_MEMORY_GROWTH = 0.10


def measured_requests(records: list, t0: float, t1: float) -> tuple[list, list, dict[int, int], int, int]:
    """The screens' requests between the marks: (requests, latencies of those answered, count per status,
    errors (not 200/204), answers with the 'store unavailable' banner)."""
    requests = [r for r in records if r[0] != "late" and t0 <= r[1] <= t1]
    latencies = [r[2] for r in requests if r[3] > 0]
    statuses: dict[int, int] = {}
    for r in requests:
        statuses[r[3]] = statuses.get(r[3], 0) + 1
    errors = sum(n for s, n in statuses.items() if s not in (200, 204))
    unavailable = sum(1 for r in requests if r[6] == "unavailable")
    return requests, latencies, statuses, errors, unavailable


def metrics_grown(marks: dict) -> Callable[[str], float]:
    """How much a /metrics figure grew between the start and the end mark."""
    m0, m1 = marks["start"]["m"], marks["end"]["m"]
    return lambda name: m1.get(name, 0) - m0.get(name, 0)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def http_get(port: int, path: str, headers: dict | None = None) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


# --- the store ---------------------------------------------------------------------------------------------------


def prepare_store(args, workdir: Path) -> tuple[str, callable]:
    """The store URL to benchmark and a cleanup; a fresh store is seeded with ``--seed-days`` of demo reports."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from data_access.rulebook.sla import WorkCalendar
    from data_access.store.engine import make_engine, normalise_url
    from data_access.store.migrate import upgrade
    from data_access.store.reference import load_reference
    from demo.seed import DemoConfig, seed_demo

    cleanup = lambda: None  # noqa: E731
    if not args.database_url:
        url = f"sqlite:///{workdir / 'store.db'}"
        fresh = True
    elif args.create_db:
        admin_url = make_url(normalise_url(args.database_url))
        name = f"{getattr(args, 'db_name', 'mimika_bench')}_{uuid.uuid4().hex[:8]}"  # bench_soak.py names its own
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))

        def cleanup() -> None:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()

        url = admin_url.set(database=name).render_as_string(hide_password=False)
        fresh = True
    else:
        url, fresh = args.database_url, False
    if fresh:
        engine = make_engine(url, create=True)
        upgrade(engine)
        load_reference(engine)
        log(f"[store] seeding {args.seed_days} days at {args.per_day:g} reports a day")
        seed_demo(engine, WorkCalendar(), DemoConfig(seed=9, days=args.seed_days, per_day=args.per_day,
                                                     now=datetime.now(UTC) - timedelta(minutes=1), with_events=True))
        engine.dispose()
    return url, cleanup


# --- the servers -------------------------------------------------------------------------------------------------


@dataclass
class Servers:
    """gunicorn (web) and `python -m dashboard worker` (background), sharing one metrics folder."""

    env: dict
    workers: int
    with_worker: bool
    port: int = field(default_factory=free_port)
    procs: list = field(default_factory=list)
    logs: list = field(default_factory=list)

    def start(self, workdir: Path) -> None:
        env = {**os.environ, **self.env, "BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": str(self.workers)}
        web_log = open(workdir / "gunicorn.log", "wb")  # noqa: SIM115 - open while the server runs
        self.logs.append(web_log)
        self.procs.append(subprocess.Popen([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"], cwd=REPO,
                                           env=env, stdout=web_log, stderr=subprocess.STDOUT))
        deadline = time.monotonic() + 240
        while True:
            if self.procs[0].poll() is not None:
                raise RuntimeError(f"gunicorn exited: {(workdir / 'gunicorn.log').read_text()[-2000:]}")
            try:
                if http_get(self.port, "/healthz")[0] == 200 and len(self.web_pids()) > self.workers:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("gunicorn did not answer /healthz within 240 s")
            time.sleep(0.5)
        if self.with_worker:
            worker_log = open(workdir / "worker.log", "wb")  # noqa: SIM115
            self.logs.append(worker_log)
            self.procs.append(subprocess.Popen([sys.executable, "-m", "dashboard", "worker"], cwd=REPO, env=env,
                                               stdout=worker_log, stderr=subprocess.STDOUT))

    def web_pids(self) -> list[int]:
        master = self.procs[0].pid
        pids = [master]
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == master:
                pids.append(int(stat.parent.name))
        return pids

    def rss(self) -> tuple[int, int]:
        """(web processes' RSS, background worker's RSS) in bytes."""
        web = sum(rss(pid) for pid in self.web_pids())
        worker = rss(self.procs[1].pid) if self.with_worker and len(self.procs) > 1 else 0
        return web, worker

    def stop(self) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                proc.kill()
        for handle in self.logs:
            handle.close()


def metrics(port: int) -> dict[str, float]:
    status, body = http_get(port, "/metrics")
    if status != 200:
        raise RuntimeError(f"/metrics answered {status}")
    totals: dict[str, float] = {}
    for line in body.decode().splitlines():
        if line.startswith("#") or not line.strip():
            continue
        name = line.split("{", 1)[0].split(" ", 1)[0]
        value = float(line.rsplit(" ", 1)[1])
        totals[name] = totals.get(name, 0.0) + value
        if name == "mimika_store_queries_total":  # and by query, to tell a repeated set from a stray query
            query = line.split('query="', 1)[1].split('"', 1)[0]
            totals[f"query:{query}"] = totals.get(f"query:{query}", 0.0) + value
    return totals


def refresh_request(port: int, cookie: str) -> dict:
    """The wall refresh's request body (as bench_wall's RefreshRequest.body), read from /_dash-dependencies."""
    status, body = http_get(port, "/_dash-dependencies", {"Cookie": cookie})
    if status != 200:
        raise RuntimeError(f"/_dash-dependencies answered {status}")
    dep = next(d for d in json.loads(body) if "wall-state.data" in d["output"]
               and any(i["id"] == "wall-interval" for i in d["inputs"]))
    outputs = [{"id": c, "property": p} for c, p in (o.split(".", 1) for o in dep["output"].strip(".").split("..."))]
    return {"output": dep["output"], "outputs": outputs,
            "inputs": [{"id": "wall-interval", "property": "n_intervals", "value": 0}],
            "changedPropIds": ["wall-interval.n_intervals"],
            "state": [{"id": "wall-state", "property": "data", "value": None},
                      {"id": "wall-config", "property": "data", "value": CONFIG}]}


# --- the run -----------------------------------------------------------------------------------------------------


def run(args, url: str, workdir: Path) -> list[tuple[str, str, str, str]]:
    from data_access.store.engine import make_engine

    env = {"DATABASE_URL": url, "REDIS_URL": args.redis_url or "", "SECRET_KEY": "bench-load-secret",
           "PROMETHEUS_MULTIPROC_DIR": str(workdir / "metrics"), "REFRESH_SECONDS": str(round(args.refresh_seconds)),
           "LOG_LEVEL": "WARNING", "GUNICORN_THREADS": str(args.threads)}
    (workdir / "metrics").mkdir()
    engine = make_engine(url)
    cookie = f"{KIOSK_COOKIE}={kiosk_token(engine, 'bench-load')}"
    writer = Writer(engine, lambda: datetime.now(UTC))
    servers = Servers(env, args.workers, with_worker=not args.no_worker)
    log(f"[servers] gunicorn with {args.workers} workers{'' if args.no_worker else ' + the background worker'}")
    servers.start(workdir)
    try:
        request = refresh_request(servers.port, cookie)
        ctx = multiprocessing.get_context("spawn")
        ready, go, out = ctx.Event(), ctx.Event(), ctx.Queue()
        total = args.warmup + args.seconds
        proc = ctx.Process(target=screens_process, args=(servers.port, request, args.screens, total,
                                                         args.refresh_seconds, ready, go, out, cookie),
                           name="bench-load-screens", daemon=True)
        proc.start()
        if not ready.wait(120):
            raise RuntimeError("the screens process did not start")
        stop = threading.Event()
        writes: list[float] = []
        memory: list[tuple[float, int, int]] = []
        marks: dict[str, dict] = {}

        def write_loop() -> None:
            while not stop.wait(args.write_every):
                writer.write()
                writes.append(time.monotonic() - started)

        def sample_loop() -> None:
            while not stop.is_set():
                memory.append((time.monotonic() - started, *servers.rss()))
                stop.wait(5)

        started = time.monotonic()
        go.set()
        threads = [threading.Thread(target=write_loop, daemon=True), threading.Thread(target=sample_loop, daemon=True)]
        for t in threads:
            t.start()
        time.sleep(args.warmup)
        marks["start"] = {"t": time.monotonic() - started, "m": metrics(servers.port), "rss": servers.rss()}
        log(f"[load] warm-up done ({args.warmup:g} s), measuring {args.seconds:g} s; load {loadavg()}")
        records = out.get(timeout=total + 300)
        marks["end"] = {"t": time.monotonic() - started, "m": metrics(servers.port), "rss": servers.rss()}
        stop.set()
        for t in threads:
            t.join(30)
        proc.join(30)
        load_end = loadavg()
    finally:
        servers.stop()
        engine.dispose()
    # Why a refresh found the store away, if one did (the first such line of the web log), for the table.
    unavailable_why = next((line.strip()[:300] for name in ("gunicorn.log", "worker.log") if (workdir / name).exists()
                            for line in (workdir / name).read_text(errors="replace").splitlines()
                            if "unavailable" in line and "redis" not in line), "")

    t0, t1 = marks["start"]["t"], marks["end"]["t"]
    requests, latencies, statuses, errors, unavailable = measured_requests(records, t0, t1)
    changes = sum(1 for w in writes if t0 <= w <= t1)
    grown = metrics_grown(marks)
    queries, statements = grown("mimika_store_queries_total"), grown("mimika_db_statements_total")
    hits, fallbacks = grown("mimika_cache_requests_total"), grown("mimika_cache_fallbacks_total")
    store_errors = grown("mimika_store_errors_total")
    by_query = {k[6:]: grown(k) for k in marks["end"]["m"] if k.startswith("query:")}
    per_change = queries / changes if changes else float("nan")
    web0, worker0 = marks["start"]["rss"]
    web1, worker1 = marks["end"]["rss"]
    growth = (web1 - web0) / web0 if web0 else float("nan")
    peak = max((m[1] for m in memory if m[0] >= t0), default=web1)
    seconds = t1 - t0
    mib = 1024 * 1024
    return [
        ("setup", f"gunicorn {args.workers} workers × {args.threads} threads"
         f"{'' if args.no_worker else ' + 1 background worker'}; store {backend(url)}; cache "
         f"{'Redis' if args.redis_url else 'in-process'}; {args.screens} screens every {args.refresh_seconds:g} s; "
         f"a report every {args.write_every:g} s", "", ""),
        ("measured", f"{seconds:,.0f} s after a {args.warmup:g} s warm-up", "10 min", "–"),
        ("requests", f"{len(requests):,} ({len(requests) / seconds:,.1f}/s); " +
         ", ".join(f"{s}: {n:,}" for s, n in sorted(statuses.items())), "", ""),
        ("latency p50 / p95 / max", f"{pct(latencies, 50):,.0f} / {pct(latencies, 95):,.0f} / "
         f"{max(latencies, default=float('nan')):,.0f} ms", "", ""),
        ("errors (not 200/204)", f"{errors:,}", "0", "yes" if errors == 0 else "no"),
        ("'store unavailable' banners", f"{unavailable:,}", "0", "yes" if unavailable == 0 else "no"),
        ("store changes", f"{changes:,}", "", ""),
        ("DB queries per store change", f"{per_change:,.2f} ({queries:,.0f} queries; one set = {QUERY_SET})",
         f"{QUERY_SET}", "yes" if changes and queries <= QUERY_SET * changes * 1.1 else "no"),
        ("DB queries by query", ", ".join(f"{k} {v:,.0f}" for k, v in sorted(by_query.items())) or "none", "",
         ""),
        ("cache fallbacks (Redis away) / store errors", f"{fallbacks:,.0f} / {store_errors:,.0f}"
         + (f" (first: {unavailable_why})" if unavailable_why else ""), "0 / 0",
         "yes" if fallbacks == 0 and store_errors == 0 else "no"),
        ("SQL statements a second (all)", f"{statements / seconds:,.1f}", "", ""),
        ("cache look-ups a second", f"{hits / seconds:,.1f}", "", ""),
        ("web memory after warm-up / end / peak", f"{web0 / mib:,.0f} / {web1 / mib:,.0f} / {peak / mib:,.0f} MiB",
         "", ""),
        ("web memory growth", f"{100 * growth:+.1f} %", f"≤ {100 * TARGET_MEMORY_GROWTH:.0f} %",
         "yes" if growth <= TARGET_MEMORY_GROWTH else "no"),
        ("background worker memory after warm-up / end", f"{worker0 / mib:,.0f} / {worker1 / mib:,.0f} MiB"
         if not args.no_worker else "no worker", "", ""),
        ("load average (1/5/15 min)", f"at the start: {args.load_start}; at the end: {load_end}", "", ""),
    ]


def backend(url: str) -> str:
    return url.split(":", 1)[0].split("+", 1)[0]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="the store (default: a fresh SQLite file); PostgreSQL with --create-db for a fresh one")
    parser.add_argument("--create-db", action="store_true", help="make (and drop) a fresh database on that server")
    parser.add_argument("--redis-url", default=None, help="REDIS_URL for the servers (default: none)")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8, help="gunicorn threads per worker (default 8)")
    parser.add_argument("--screens", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=600.0, help="measured time (default 600)")
    parser.add_argument("--warmup", type=float, default=60.0, help="not measured, before (default 60)")
    parser.add_argument("--refresh-seconds", type=float, default=2.0)
    parser.add_argument("--write-every", type=float, default=10.0)
    parser.add_argument("--seed-days", type=int, default=60)
    parser.add_argument("--per-day", type=float, default=40.0)
    parser.add_argument("--no-worker", action="store_true", help="web processes only (no background worker)")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    if args.screens < 1 or args.workers < 1 or args.seconds <= 0 or args.warmup < 0:
        parser.error("--screens ≥ 1, --workers ≥ 1, --seconds > 0, --warmup ≥ 0, please")
    print(f"Command: {shown_command()}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(SystemExit(143)))
    args.load_start = loadavg()
    workdir = Path(tempfile.mkdtemp(prefix="bench_load_"))
    cleanup = lambda: None  # noqa: E731
    try:
        url, cleanup = prepare_store(args, workdir)
        rows = run(args, url, workdir)
    finally:
        cleanup()
        shutil.rmtree(workdir, ignore_errors=True)
    out = [f"# Load benchmark: {args.screens} wall screens, gunicorn with {args.workers} workers", "", "Command:", "",
           "```", shown_command(), "```", "",
           f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} ({os.cpu_count()} cores, Python "
           f"{platform.python_version()}).", "", "| figure | value | target | met |", "|---|---|---|---|"]
    out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    out += ["", "How to read it:",
            "- Screens: bench_wall.py's screens process (one thread per screen, its own state, ticking like "
            "dcc.Interval) POSTs the wall's refresh to gunicorn; the writer adds a report through ReportWriter.",
            "- DB queries per store change: the growth of mimika_store_queries_total on /metrics (all web workers "
            "and the background worker add up there) over the measured time, divided by the reports written in it.",
            "- Memory: RSS of the gunicorn master and its workers from /proc, after the warm-up and at the end."]
    publish(args.out, f"load_{backend(url)}_{args.screens}x{args.workers}", "\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
