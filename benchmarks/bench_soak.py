#!/usr/bin/env python
"""The accelerated soak: a simulated day (24 h by default) of the production shape in half an hour — gunicorn
(N workers) + the background worker + the simulator on PostgreSQL and Redis, M wall screens polling every 2 s.

Everything runs on one simulated clock (SIMULATED_CLOCK, core/clock.py, ``--speed`` times as fast as the wall
clock): the web workers' "now", the worker's warming and sweep, /healthz, and the simulator's writes
(``python -m dashboard simulate`` follows the same clock), so the simulated day crosses WIT midnight for all of
them together: "new today" turns over, the map's class edges are taken anew for the new day, the cache keys move
to the new day. The simulated start, when the screens begin, is put two hours (``--minutes-before-midnight``)
before a WIT midnight (or now, if that is later).

Figures (``<out>/results/soak_<backend>_<hours>h_<screens>x<workers>.md``): memory (RSS) per process after the
warm-up and at the end (each web worker, the gunicorn master, the background worker, the simulator; target: the
web workers' and the worker's growth ≤ 10 %), errors, p50/p95 of the refreshes, DB queries per store change, and
what one observing screen saw around each WIT midnight ("new today" before and after, the legend's class edges).

    .venv/bin/python benchmarks/bench_soak.py --database-url postgresql://127.0.0.1:5432/test --create-db \\
        --redis-url redis://127.0.0.1:6379/13                   # 24 simulated hours at 48x: 30 min, 30 screens
    .venv/bin/python benchmarks/bench_soak.py --simulated-hours 0.1 --speed 60 --screens 2 --workers 2 \\
        --warmup 3 --out /tmp/b                                 # what tests/benchmarks/test_bench_soak.py runs

The servers and the store come from bench_load.py, the screens from bench_wall.py. A script that prints figures,
not a timed test.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from benchmarks.bench_common import KIOSK_COOKIE, kiosk_token, publish, rss  # noqa: E402
from benchmarks.bench_load import (  # noqa: E402
    Servers,
    backend,
    measured_requests,
    metrics,
    metrics_grown,
    prepare_store,
    refresh_request,
)
from benchmarks.bench_wall import QUERY_SET, loadavg, log, pct, screens_process, shown_command  # noqa: E402
from core.clock import SimulatedClock  # noqa: E402
from core.i18n import WIT  # noqa: E402

TARGET_MEMORY_GROWTH = 0.10
MIB = 1024 * 1024


def soak_start(now: datetime, before_midnight: timedelta = timedelta(hours=2)) -> datetime:
    """``before_midnight`` ahead of the next WIT midnight, or ``now`` when that is already past."""
    local = now.astimezone(WIT)
    midnight = (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    return max(now, (midnight - before_midnight).astimezone(UTC))


@dataclass
class Seen:
    """What the observing screen got in one 200 answer: ``asked`` when the request left, ``sim`` when the answer came
    (both on the simulated clock; at 60x half a second of latency is half a simulated minute)."""

    asked: datetime
    sim: datetime
    version: str | None
    new_today: str | None
    legend: str | None  # a hash of the legend (the class edges) when the answer carried it
    stale: str | None


@dataclass
class Observer:
    """One more wall screen, in this process, that keeps what the wall showed (and when, on the simulated clock)."""

    port: int
    request: dict
    cookie: str
    clock: SimulatedClock
    every: float = 2.0
    seen: list[Seen] = field(default_factory=list)
    errors: int = 0

    def run(self, stop: threading.Event) -> None:
        import http.client

        state, n = None, 0
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        while not stop.wait(self.every):
            body = json.dumps({**self.request, "inputs": [{**self.request["inputs"][0], "value": n}],
                               "state": [{**self.request["state"][0], "value": state}, self.request["state"][1]]})
            n += 1
            asked = self.clock()
            try:
                conn.request("POST", "/_dash-update-component", body,
                             {"Content-Type": "application/json", "Cookie": self.cookie})
                response = conn.getresponse()
                payload, status = response.read(), response.status
            except OSError:
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                self.errors += 1
                continue
            if status not in (200, 204):
                self.errors += 1
            if status != 200:
                continue
            props = json.loads(payload)["response"]
            state = props["wall-state"]["data"]
            legend = props.get("wall-legend", {}).get("children")
            self.seen.append(Seen(asked, self.clock(), state.get("version"),
                                  props.get("kpi-new-today", {}).get("children"),
                                  hashlib.sha1(json.dumps(legend, sort_keys=True).encode()).hexdigest()[:8]
                                  if legend is not None else None, state.get("stale")))

    def midnights(self) -> list[dict]:
        """Each WIT midnight the screen lived through: the last answer that came before it and the first asked after
        it. An answer asked before midnight and received after it may have been made on either side, so it is
        neither."""
        out = []
        for before, after in zip(self.seen, self.seen[1:], strict=False):
            if before.sim.astimezone(WIT).date() == after.sim.astimezone(WIT).date():
                continue
            day = after.sim.astimezone(WIT).date()
            midnight = datetime.combine(day, datetime.min.time(), tzinfo=WIT)
            done = [s for s in self.seen if s.sim < midnight]
            asked = [s for s in self.seen if s.asked >= midnight]
            if not done or not asked:
                continue
            before, after = done[-1], asked[0]
            legends_before = {s.legend for s in self.seen if s.legend and s.sim.astimezone(WIT).date() < day}
            legends_after = {s.legend for s in self.seen if s.legend and s.asked.astimezone(WIT).date() == day}
            out.append({"day": day.isoformat(), "at": after.sim.isoformat(),
                        "before_at": before.sim.astimezone(WIT).strftime("%H:%M"),
                        "before": before.new_today, "after_at": after.asked.astimezone(WIT).strftime("%H:%M"),
                        "after": after.new_today, "legends_before": len(legends_before),
                        "legends_after": len(legends_after)})
        return out


def processes(servers: Servers, simulator: subprocess.Popen | None) -> dict[str, int]:
    """name → pid of every process measured (gunicorn's workers by pid: a replaced worker is a new name)."""
    pids = servers.web_pids()
    named = {"gunicorn master": pids[0]}
    for pid in sorted(pids[1:]):
        named[f"web worker {pid}"] = pid
    if servers.with_worker and len(servers.procs) > 1:
        named["background worker"] = servers.procs[1].pid
    if simulator is not None:
        named["simulator"] = simulator.pid
    return named


def run(args, url: str, workdir: Path) -> tuple[list[tuple[str, str, str, str]], list[str]]:
    from data_access.store.engine import make_engine

    sim_seconds = args.simulated_hours * 3600
    measured = sim_seconds / args.speed
    total = args.warmup + measured
    # The clock reaches its start when the screens begin, after the servers' start-up (``--startup-seconds``,
    # waited out below): the processes read it from their environment, so it is fixed before they start.
    start = soak_start(datetime.now(UTC), timedelta(minutes=args.minutes_before_midnight))
    clock = SimulatedClock(start, time.time() + args.startup_seconds, args.speed)
    env = {"DATABASE_URL": url, "REDIS_URL": args.redis_url or "", "SECRET_KEY": "bench-soak-secret",
           "PROMETHEUS_MULTIPROC_DIR": str(workdir / "metrics"), "REFRESH_SECONDS": str(round(args.refresh_seconds)),
           "LOG_LEVEL": "WARNING", "GUNICORN_THREADS": str(args.threads), "DEMO_MODE": "1",
           "STALE_AFTER_MINUTES": str(args.stale_minutes),
           "SIMULATED_CLOCK": clock.setting()}
    (workdir / "metrics").mkdir()
    engine = make_engine(url)
    cookie = f"{KIOSK_COOKIE}={kiosk_token(engine, 'bench-soak')}"
    if not args.heartbeat_table:  # the store as it was before migration 0005: staleness by the newest report alone
        from data_access.store.heartbeat import heartbeat

        heartbeat.drop(engine, checkfirst=True)
    engine.dispose()
    servers = Servers(env, args.workers, with_worker=not args.no_worker)
    log(f"[servers] gunicorn with {args.workers} workers{'' if args.no_worker else ' + the background worker'}; "
        f"simulated clock from {clock.start.astimezone(WIT):%Y-%m-%d %H:%M} WIT at {args.speed:g}x")
    servers.start(workdir)
    sim_log = open(workdir / "simulator.log", "wb")  # noqa: SIM115 - open while the simulator runs
    def start_simulator(seconds: float, seed: int) -> subprocess.Popen:
        return subprocess.Popen([sys.executable, "-m", "dashboard", "simulate", "--seconds", f"{seconds:.0f}",
                                 "--per-day", f"{args.per_day:g}", "--seed", str(seed)], cwd=REPO,
                                env={**os.environ, **env}, stdout=sim_log, stderr=subprocess.STDOUT)

    simulator = start_simulator(args.startup_seconds + total + 60, 10)
    restarts: list[str] = []  # a simulator that exited early (a first run here was stopped by a signal from outside)
    try:
        request = refresh_request(servers.port, cookie)
        late = time.time() - clock.real_start
        if late > 0:
            log(f"[soak] the servers took {late:,.0f} s longer than --startup-seconds: the clock is ahead of its start")
        time.sleep(max(0.0, -late))
        ctx = multiprocessing.get_context("spawn")
        ready, go, out = ctx.Event(), ctx.Event(), ctx.Queue()
        proc = ctx.Process(target=screens_process, args=(servers.port, request, args.screens, total,
                                                         args.refresh_seconds, ready, go, out, cookie),
                           name="bench-soak-screens", daemon=True)
        proc.start()
        if not ready.wait(120):
            raise RuntimeError("the screens process did not start")
        stop = threading.Event()
        observer = Observer(servers.port, request, cookie, clock, every=args.refresh_seconds)
        memory: list[tuple[float, dict[str, int]]] = []
        marks: dict[str, dict] = {}

        def sample_loop() -> None:
            while not stop.is_set():
                memory.append((time.monotonic() - started, {n: rss(p) for n, p in processes(servers, simulator)
                                                            .items()}))
                stop.wait(10)

        started = time.monotonic()
        go.set()
        threads = [threading.Thread(target=observer.run, args=(stop,), daemon=True),
                   threading.Thread(target=sample_loop, daemon=True)]
        for t in threads:
            t.start()
        time.sleep(args.warmup)
        marks["start"] = {"t": time.monotonic() - started, "m": metrics(servers.port), "sim": clock(),
                          "rss": {n: rss(p) for n, p in processes(servers, simulator).items()}}
        log(f"[soak] warm-up done ({args.warmup:g} s), {args.simulated_hours:g} simulated hours in {measured:,.0f} s; "
            f"load {loadavg()}")
        next_line = time.monotonic() + 60
        while time.monotonic() - started < total:
            time.sleep(1)
            if simulator.poll() is not None:  # it plans from the store, so a new one carries on where it stopped
                restarts.append(f"{clock().astimezone(WIT):%d %H:%M} WIT (exit {simulator.returncode})")
                log(f"[soak] the simulator exited ({simulator.returncode}) at {restarts[-1]}: started again")
                simulator = start_simulator(total - (time.monotonic() - started) + 60, 10 + len(restarts))
            if time.monotonic() >= next_line:
                next_line += 60
                web = sum(v for n, v in memory[-1][1].items() if n.startswith("web worker")) if memory else 0
                log(f"[soak] {clock().astimezone(WIT):%d %H:%M} WIT; web workers {web / MIB:,.0f} MiB; "
                    f"observer {len(observer.seen)} answers; load {loadavg()}")
        records = out.get(timeout=300)
        marks["end"] = {"t": time.monotonic() - started, "m": metrics(servers.port), "sim": clock(),
                        "rss": {n: rss(p) for n, p in processes(servers, simulator).items()}}
        stop.set()
        for t in threads:
            t.join(60)
        proc.join(30)
        load_end = loadavg()
    finally:
        if simulator.poll() is None:
            simulator.send_signal(signal.SIGINT)
            try:
                simulator.wait(30)
            except subprocess.TimeoutExpired:
                simulator.kill()
        sim_log.close()
        servers.stop()
    sim_text = (workdir / "simulator.log").read_text(errors="replace")
    web_text = (workdir / "gunicorn.log").read_text(errors="replace")
    tracebacks = web_text.count("Traceback") + sum((workdir / n).read_text(errors="replace").count("Traceback")
                                                   for n in ("worker.log", "simulator.log") if (workdir / n).exists())

    t0, t1 = marks["start"]["t"], marks["end"]["t"]
    requests, latencies, statuses, errors, unavailable = measured_requests(records, t0, t1)
    stale = sum(1 for r in requests if r[6] not in (None, "unavailable"))
    versions = {r[5] for r in requests if r[5]}
    grown = metrics_grown(marks)
    queries = grown("mimika_store_queries_total")
    by_query = {k[6:]: grown(k) for k in marks["end"]["m"] if k.startswith("query:")}
    fallbacks, store_errors = grown("mimika_cache_fallbacks_total"), grown("mimika_store_errors_total")
    midnights = observer.midnights()
    turns = sum(1 for m in midnights if marks["start"]["sim"] <= datetime.fromisoformat(m["at"]) <= marks["end"]["sim"])
    changes = len(versions) + turns  # a new WIT day on an unchanged store is a new query set too (callbacks/wall.py)
    per_change = queries / changes if changes else float("nan")
    seconds = t1 - t0
    sim_hours = (marks["end"]["sim"] - marks["start"]["sim"]).total_seconds() / 3600

    def growth(names: list[str]) -> tuple[int, int, float]:
        a = sum(marks["start"]["rss"].get(n, 0) for n in names)
        b = sum(marks["end"]["rss"].get(n, 0) for n in names)
        return a, b, (b - a) / a if a else float("nan")

    both = [n for n in marks["start"]["rss"] if marks["end"]["rss"].get(n)]
    web_names = [n for n in both if n.startswith("web worker")]
    replaced = sorted(set(marks["start"]["rss"]) ^ set(marks["end"]["rss"]))
    w0, w1, wg = growth(web_names)
    b0, b1, bg = growth(["background worker"]) if "background worker" in both else (0, 0, float("nan"))
    ok_memory = wg <= TARGET_MEMORY_GROWTH and (args.no_worker or bg <= TARGET_MEMORY_GROWTH)
    turned = bool(midnights) and all(
        m["after"] is not None and m["before"] is not None and _int(m["after"]) < _int(m["before"])
        for m in midnights)
    created = sum(int(line.split("+", 1)[1].split(" ", 1)[0]) for line in sim_text.splitlines()
                  if line.startswith("simulate ") and " WIT: +" in line)
    rows = [
        ("setup", f"gunicorn {args.workers} workers × {args.threads} threads"
         f"{'' if args.no_worker else ' + 1 background worker'} + the simulator ({args.per_day:g} reports a day); "
         f"store {backend(url)}; cache {'Redis' if args.redis_url else 'in-process'}; {args.screens} screens every "
         f"{args.refresh_seconds:g} s (+1 observing screen); stale after {args.stale_minutes} simulated minutes, "
         f"{'by the heartbeat' if args.heartbeat_table else 'by the newest report (no heartbeat table)'}", "", ""),
        ("simulated time measured", f"{marks['start']['sim'].astimezone(WIT):%Y-%m-%d %H:%M} → "
         f"{marks['end']['sim'].astimezone(WIT):%Y-%m-%d %H:%M} WIT ({sim_hours:,.1f} h) at "
         f"{args.speed:g}x, in {seconds:,.0f} s after a {args.warmup:g} s warm-up", f"{args.simulated_hours:g} h", ""),
        ("requests", f"{len(requests):,} ({len(requests) / seconds:,.1f}/s); " +
         ", ".join(f"{s}: {n:,}" for s, n in sorted(statuses.items())), "", ""),
        ("latency p50 / p95 / max", f"{pct(latencies, 50):,.0f} / {pct(latencies, 95):,.0f} / "
         f"{max(latencies, default=float('nan')):,.0f} ms", "", ""),
        ("errors (not 200/204) / tracebacks in the logs", f"{errors:,} / {tracebacks}", "0 / 0",
         "yes" if errors == 0 and tracebacks == 0 else "no"),
        ("'store unavailable' / 'stale' banners", f"{unavailable:,} / {stale:,}", "0 / 0",
         "yes" if unavailable == 0 and stale == 0 else "no"),
        ("store versions shown / WIT day turns / reports the simulator wrote",
         f"{len(versions):,} / {turns} / {created:,}", "", ""),
        ("DB queries per store change", f"{per_change:,.2f} ({queries:,.0f} queries over {changes:,} versions "
         f"and day turns; one set = {QUERY_SET})",
         f"{QUERY_SET}", "yes" if changes and queries <= QUERY_SET * changes * 1.1 else "no"),
        ("DB queries by query", ", ".join(f"{k} {v:,.0f}" for k, v in sorted(by_query.items())) or "none", "", ""),
        ("cache fallbacks / store errors", f"{fallbacks:,.0f} / {store_errors:,.0f}", "0 / 0",
         "yes" if fallbacks == 0 and store_errors == 0 else "no"),
        ("web workers' memory after warm-up / end", f"{w0 / MIB:,.0f} / {w1 / MIB:,.0f} MiB ({100 * wg:+.1f} %)",
         f"≤ {100 * TARGET_MEMORY_GROWTH:.0f} %", "yes" if wg <= TARGET_MEMORY_GROWTH else "no"),
        ("background worker's memory after warm-up / end", f"{b0 / MIB:,.0f} / {b1 / MIB:,.0f} MiB ({100 * bg:+.1f} %)"
         if not args.no_worker else "no worker", f"≤ {100 * TARGET_MEMORY_GROWTH:.0f} %",
         "" if args.no_worker else ("yes" if bg <= TARGET_MEMORY_GROWTH else "no")),
        ("memory per process (warm-up → end)", "; ".join(
            f"{n}: {marks['start']['rss'].get(n, 0) / MIB:,.0f} → {marks['end']['rss'].get(n, 0) / MIB:,.0f} MiB"
            for n in both) + (f"; replaced: {', '.join(replaced)}" if replaced else ""), "", ""),
        ("WIT midnights on the observing screen", "; ".join(
            f"{m['day']}: new today {m['before']} at {m['before_at']} → {m['after']} at {m['after_at']}; class "
            f"edges (legends) {m['legends_before']} the day before, {m['legends_after']} that day"
            for m in midnights) or "none crossed", "turns over", "yes" if turned else "no"),
        ("simulator restarts", ", ".join(restarts) or "none", "none", "yes" if not restarts else "no"),
        ("load average (1/5/15 min)", f"at the start: {args.load_start}; at the end: {load_end}", "", ""),
    ]
    verdict = ok_memory and errors == 0 and turned
    log(f"[soak] done: memory {'within' if ok_memory else 'OVER'} target; midnight {'turned' if turned else 'NOT'}")
    return rows, [f"Overall: {'met' if verdict else 'not met'}."]


def _int(text: str) -> int:
    digits = "".join(ch for ch in str(text) if ch.isdigit())
    return int(digits) if digits else -1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL"),
                        help="the store (default: a fresh SQLite file); PostgreSQL with --create-db for a fresh one")
    parser.add_argument("--create-db", action="store_true", help="make (and drop) a fresh database on that server")
    parser.add_argument("--db-name", default="mimika_bench_soak10",
                        help="prefix of the database --create-db makes (a random suffix is added)")
    parser.add_argument("--redis-url", default=None, help="REDIS_URL for the servers (default: none)")
    parser.add_argument("--workers", type=int, default=3)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--screens", type=int, default=30)
    parser.add_argument("--simulated-hours", type=float, default=24.0, help="simulated time measured (default 24)")
    parser.add_argument("--speed", type=float, default=48.0, help="simulated seconds per wall second (default 48)")
    parser.add_argument("--warmup", type=float, default=60.0, help="wall seconds not measured, before (default 60)")
    parser.add_argument("--minutes-before-midnight", type=float, default=120.0,
                        help="simulated minutes from the start to the first WIT midnight (default 120)")
    parser.add_argument("--startup-seconds", type=float, default=90.0,
                        help="wall seconds allowed for the servers to start before the clock reaches its start")
    parser.add_argument("--refresh-seconds", type=float, default=2.0)
    parser.add_argument("--seed-days", type=int, default=60)
    parser.add_argument("--stale-minutes", type=int, default=30, help="STALE_AFTER_MINUTES (default 30)")
    parser.add_argument("--per-day", type=float, default=47.0, help="the simulator's volume (Mimika: about 47)")
    parser.add_argument("--no-worker", action="store_true", help="web processes only (no background worker)")
    parser.add_argument("--no-heartbeat-table", dest="heartbeat_table", action="store_false",
                        help="drop the store's heartbeat table (as before migration 0005): the stale banner then "
                             "judges by the newest report alone, which shows what the heartbeat changed")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    if args.screens < 1 or args.workers < 1 or args.simulated_hours <= 0 or not 1 <= args.speed <= 10_000:
        parser.error("--screens ≥ 1, --workers ≥ 1, --simulated-hours > 0, --speed from 1 to 10000, please")
    print(f"Command: {shown_command()}", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(SystemExit(143)))
    args.load_start = loadavg()
    args.write_every = None
    workdir = Path(tempfile.mkdtemp(prefix="bench_soak_"))
    cleanup = lambda: None  # noqa: E731
    try:
        url, cleanup = prepare_store(args, workdir)
        rows, notes = run(args, url, workdir)
    finally:
        cleanup()
        shutil.rmtree(workdir, ignore_errors=True)
    name = f"soak_{backend(url)}_{args.simulated_hours:g}h_{args.screens}x{args.workers}"
    out = [f"# Soak: {args.simulated_hours:g} simulated hours at {args.speed:g}x, {args.screens} wall screens, "
           f"gunicorn with {args.workers} workers", "", "Command:", "", "```", shown_command(), "```", "",
           f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} ({os.cpu_count()} cores, Python "
           f"{platform.python_version()}).", "", "| figure | value | target | met |", "|---|---|---|---|"]
    out += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    out += ["", *notes, "", "How to read it:",
            "- One clock: SIMULATED_CLOCK (core/clock.py) gives every process — gunicorn's workers, the background "
            "worker, the simulator — the same accelerated now; the simulator writes at it, the wall asks at it.",
            "- Store changes: the distinct store versions the screens were shown during the measured time (the "
            "simulator's new reports and status moves; several moves in one step are one change), plus each WIT "
            "midnight (a new day rebuilds the panels on an unchanged store).",
            "- Memory: RSS from /proc after the warm-up and at the end, per process; growth is the web workers' sum "
            "and the background worker's own.",
            "- Midnights: the last answer with numbers before WIT midnight and the first after it, on one observing "
            "screen; 'legends' counts the distinct map legends (class edges) shown on each side of it."]
    publish(args.out, name, "\n".join(out) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
