#!/usr/bin/env python
"""How long do the wall screens' first refreshes wait when the server and the simulator start together?

Starts the real programs — ``python -m dashboard serve`` (DEMO_MODE=1) and ``python -m dashboard simulate`` — on a
throwaway SQLite store, in the order asked, with ``--pollers`` wall screens (kiosk cookies, one thread and one HTTP
connection each) that POST the wall's refresh callback from the moment the server accepts connections, then every
``--interval`` seconds. Prints, per start-up (``--repeats``), the first request's latency over the pollers (median,
max), the worst latency of the requests sent in the few seconds after the simulator started, and how many answers
were 204 ("nothing new": the panels are being built by someone else) or 200 (data). Written to
``<out>/results/first_poll_<label>.md``.

    .venv/bin/python benchmarks/bench_first_poll.py                                  # small demo store, 20 pollers
    .venv/bin/python benchmarks/bench_first_poll.py --order simulator-first --pending 20000
    .venv/bin/python benchmarks/bench_first_poll.py --db /work/bench-data/data/bench_1000000.db  # a copy of it

The store: a copy of ``--db`` or a fresh ``seed-demo`` store (``--days``, ``--per-day``), plus ``--pending`` rows
inserted straight into ``report`` with ``response_due_at`` NULL and coordinates but no district (the sweep has to
place them and compute their due times, as after an intake system's bulk insert). Figures, not a timed test:
tests/benchmarks/test_bench_first_poll.py only checks that it runs.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import random
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as `python benchmarks/bench_first_poll.py` from anywhere
    sys.path.insert(0, str(REPO))

from benchmarks.bench_common import KIOSK_COOKIE, kiosk_token, loadavg, log, publish, shown_command  # noqa: E402

ORDERS = ("together", "server-first", "simulator-first")
CONFIG = {"lang": "id", "measure": "open"}
PASSWORD = "password-for-bench-first-poll"
AFTER_SIMULATOR_SECONDS = 15.0  # "just after the simulator started": requests sent this long after its launch


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- the store ------------------------------------------------------------------------------------------------


def environment(db: Path, port: int | None = None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "REDIS_URL")}
    env.update(DATABASE_URL=f"sqlite:///{db}", DEMO_MODE="1", PYTHONUNBUFFERED="1")
    return env


def dashboard(*args: str) -> list[str]:
    return [sys.executable, "-m", "dashboard", *args]


def make_store(folder: Path, args) -> Path:
    db = folder / "first_poll.db"
    if args.db:
        log(f"[store] copying {args.db} → {db}")
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{args.db}{suffix}")
            if source.exists():
                shutil.copyfile(source, f"{db}{suffix}")
    else:
        subprocess.run(dashboard("seed-demo", "--days", str(args.days), "--per-day", str(args.per_day)),
                       env=environment(db), cwd=REPO, check=True, capture_output=True)
    return db


def insert_pending(db: Path, count: int, seed: int = 1) -> None:
    """``count`` reports as an intake system writes them: category, title, time and a point, nothing else."""
    if count <= 0:
        return
    rng = random.Random(seed)
    conn = sqlite3.connect(db)
    try:
        categories = [r[0] for r in conn.execute("SELECT code FROM category")]
        points = [(r[0], r[1]) for r in conn.execute("SELECT label_lat, label_lon FROM village")]
        now = datetime.now(UTC).replace(tzinfo=None)
        rows = []
        for i in range(count):
            lat, lon = rng.choice(points)
            at = now - timedelta(seconds=rng.uniform(0, 3600))
            rows.append(("bench-intake", f"BULK-{seed}-{i}", "web", rng.choice(categories),
                         lat + rng.uniform(-.003, .003), lon + rng.uniform(-.003, .003), f"Laporan massal {i}", "baru",
                         "normal", str(at), str(at), 0.0))
        conn.executemany("INSERT INTO report (source, external_id, channel, category_code, lat, lon, title, status, "
                         "priority, created_at, updated_at, paused_seconds) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        conn.commit()
    finally:
        conn.close()


def kiosk_cookies(db: Path, count: int) -> list[str]:
    """One credential per poller: even pollers are wall screens (a kiosk cookie), odd ones operators who log in
    through /login first (a write: the access log), so a held write lock shows in their login."""
    from data_access.accounts import AccountError, add_user
    from data_access.store.engine import make_engine

    engine = make_engine(f"sqlite:///{db}")
    try:
        out = []
        for i in range(count):
            if i % 2 == 0:
                out.append(kiosk_token(engine, f"bench-first-poll-{i}"))
                continue
            try:
                add_user(engine, f"bench-operator-{i}", "operator", PASSWORD)
            except AccountError:
                pass
            out.append(f"login:bench-operator-{i}")
        return out
    finally:
        engine.dispose()


def log_in(conn: http.client.HTTPConnection, name: str) -> str:
    """Log ``name`` in through /login as a browser does; the session cookie."""
    conn.request("GET", "/login")
    response = conn.getresponse()
    page = response.read().decode()
    cookie = session_cookie(response, "")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    conn.request("POST", "/login", urlencode({"username": name, "password": PASSWORD, "csrf": csrf}),
                 {"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie})
    response = conn.getresponse()
    response.read()
    if response.status != 302:
        raise RuntimeError(f"login of {name}: HTTP {response.status}")
    return session_cookie(response, cookie)


def session_cookie(response: http.client.HTTPResponse, default: str) -> str:
    """``name=value`` of the session cookie the response sets (it also clears the kiosk cookie), else ``default``."""
    for header in response.msg.get_all("Set-Cookie") or []:
        if header.startswith("mimika_session="):
            return header.split(";")[0]
    return default


# --- the pollers ----------------------------------------------------------------------------------------------


def refresh_body(state: dict | None, n: int) -> dict:
    """What a wall screen POSTs on an interval tick (callbacks/wall.py: the refresh callback's outputs). The
    import is done in main(), before any clock starts: a first import inside a poller would be timed too."""
    from callbacks.wall import OUTPUTS

    outputs = [{"id": c, "property": p} for c, p in OUTPUTS]
    return {"output": ".." + "...".join(f"{c}.{p}" for c, p in OUTPUTS) + "..", "outputs": outputs,
            "inputs": [{"id": "wall-interval", "property": "n_intervals", "value": n}],
            "changedPropIds": ["wall-interval.n_intervals"],
            "state": [{"id": "wall-state", "property": "data", "value": state},
                      {"id": "wall-config", "property": "data", "value": CONFIG}]}


@dataclass
class Poll:
    poller: int
    sent: float  # seconds since the launch of the first program
    latency: float  # seconds
    status: int
    kind: str = "refresh"  # or "login"


def poller(index: int, port: int, token: str, t0: float, until: float, interval: float, out: list, lock) -> None:
    conn = None
    while time.monotonic() < until:  # from the start: knock until the server listens
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            conn.connect()
            break
        except OSError:
            conn = None
            time.sleep(0.02)
    if conn is None:
        return
    state, n, mine = None, 0, []
    if token.startswith("login:"):
        sent = time.monotonic()
        try:
            cookie = log_in(conn, token.removeprefix("login:"))
            status = 302
        except (OSError, http.client.HTTPException, RuntimeError, AttributeError):
            cookie, status = "", -1
        mine.append(Poll(index, sent - t0, time.monotonic() - sent, status, "login"))
    else:
        cookie = f"{KIOSK_COOKIE}={token}"
    while time.monotonic() < until:
        body = json.dumps(refresh_body(state, n))
        sent = time.monotonic()
        try:
            conn.request("POST", "/_dash-update-component", body,
                         {"Content-Type": "application/json", "Cookie": cookie})
            response = conn.getresponse()
            payload, status = response.read(), response.status
        except (OSError, http.client.HTTPException):
            conn.close()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
            payload, status = b"", -1
        mine.append(Poll(index, sent - t0, time.monotonic() - sent, status))
        if status == 200:
            state = json.loads(payload)["response"]["wall-state"]["data"]
        n += 1
        time.sleep(max(0.0, sent + interval - time.monotonic()))
    conn.close()
    with lock:
        out.extend(mine)


@dataclass
class Run:
    order: str
    polls: list[Poll] = field(default_factory=list)
    simulator_at: float = 0.0  # seconds after t0
    server_at: float = 0.0
    load: str = ""

    def refreshes(self) -> list[Poll]:
        return [p for p in self.polls if p.kind == "refresh"]

    def logins(self) -> list[Poll]:
        return [p for p in self.polls if p.kind == "login"]

    def firsts(self) -> list[Poll]:
        seen: dict[int, Poll] = {}
        for p in sorted(self.refreshes(), key=lambda p: p.sent):
            seen.setdefault(p.poller, p)
        return list(seen.values())

    def first_data(self) -> list[float]:
        """Per poller: seconds from its first request being sent to the end of its first 200 (data on screen)."""
        start: dict[int, float] = {}
        done: dict[int, float] = {}
        for p in sorted(self.refreshes(), key=lambda p: p.sent):
            start.setdefault(p.poller, p.sent)
            if p.status == 200 and p.poller not in done:
                done[p.poller] = p.sent + p.latency - start[p.poller]
        return [done.get(i, float("inf")) for i in start]

    def after_simulator(self) -> list[Poll]:
        """Each poller's first request sent after the simulator was launched, and the worst of the next seconds."""
        return [p for p in self.refreshes()
                if self.simulator_at <= p.sent < self.simulator_at + AFTER_SIMULATOR_SECONDS]


def spy(py_spy: str, procs: list[subprocess.Popen], path: Path, t0: float, seconds: float) -> None:
    """Evidence: ``py-spy dump`` of the server and the simulator every half second for the first ``seconds``."""
    with open(path, "w") as out:
        while time.monotonic() - t0 < seconds:
            for proc in procs:
                out.write(f"===== t={time.monotonic() - t0:.2f} s pid {proc.pid} {' '.join(proc.args[-3:])}\n")
                out.flush()
                subprocess.run([py_spy, "dump", "--pid", str(proc.pid)], stdout=out, stderr=subprocess.STDOUT,
                               timeout=20, check=False)
            time.sleep(0.5)


def start_up(db: Path, tokens: list[str], args, order: str, folder: Path, n: int) -> Run:
    port = free_port()
    env = environment(db)
    run = Run(order)
    logs = [open(folder / f"{name}_{order}_{n}.log", "w") for name in ("serve", "simulate")]  # noqa: SIM115
    serve_cmd = dashboard("serve", "--port", str(port))
    sim_cmd = dashboard("simulate", "--rate", str(args.rate), "--seconds", str(args.seconds + 30))
    procs: list[subprocess.Popen] = []
    polls: list[Poll] = []
    lock = threading.Lock()
    t0 = time.monotonic()
    until = t0 + args.seconds
    threads = [threading.Thread(target=poller, args=(i, port, tokens[i], t0, until, args.interval, polls, lock),
                                daemon=True) for i in range(args.pollers)]
    try:
        first, second = (serve_cmd, sim_cmd) if order != "simulator-first" else (sim_cmd, serve_cmd)
        procs.append(subprocess.Popen(first, env=env, cwd=REPO, stdout=logs[0 if first is serve_cmd else 1],
                                      stderr=subprocess.STDOUT))
        for t in threads:
            t.start()
        if order != "together":
            time.sleep(args.gap)
        launched = time.monotonic() - t0
        procs.append(subprocess.Popen(second, env=env, cwd=REPO, stdout=logs[0 if second is serve_cmd else 1],
                                      stderr=subprocess.STDOUT))
        run.simulator_at = launched if second is sim_cmd else 0.0
        run.server_at = launched if second is serve_cmd else 0.0
        if args.py_spy:
            spy(args.py_spy, procs, folder / f"py-spy_{order}_{n}.txt", t0, min(args.seconds, 20.0))
        for t in threads:
            t.join(args.seconds + 150)
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        for f in logs:
            f.close()
    run.polls = polls
    run.load = loadavg()
    return run


# --- report -----------------------------------------------------------------------------------------------------


def stats(values: list[float]) -> str:
    if not values:
        return "– / –"
    return f"{statistics.median(values):.2f} / {max(values):.2f}"


def timeline(run: Run) -> str:
    """``second: worst latency`` for each second of send time in which some request took over 0.5 s."""
    worst: dict[int, float] = {}
    for p in run.polls:
        worst[int(p.sent)] = max(worst.get(int(p.sent), 0.0), p.latency)
    slow = [f"{s}s:{v:.1f}" for s, v in sorted(worst.items()) if v > 0.5]
    return (", ".join(slow) or "none over 0.5 s") + f" (simulator launched at {run.simulator_at:.1f} s)"


def table(runs: list[Run]) -> str:
    lines = ["| # | order | login s (median / max) | first refresh s (median / max) | "
             "first answers 204 / 200 / other | "
             f"requests in the {AFTER_SIMULATOR_SECONDS:g} s after the simulator's launch: s (median / max) | "
             "requests | load average |", "|---:|---|---:|---:|---|---:|---:|---:|---|"]
    for i, r in enumerate(runs, 1):
        firsts = r.firsts()
        after = r.after_simulator()
        codes = [p.status for p in firsts]
        lines.append(f"| {i} | {r.order} | {stats([p.latency for p in r.logins()])} | "
                     f"{stats([p.latency for p in firsts])} | {codes.count(204)} / "
                     f"{codes.count(200)} / {len(codes) - codes.count(204) - codes.count(200)} | "
                     f"{stats(r.first_data())} | "
                     f"{stats([p.latency for p in after])} | {len(r.refreshes())} | {r.load} |")
    return "\n".join(lines)


def report(args, runs: list[Run], store: str) -> str:
    out = [f"# Wall screens' first refreshes at start-up: {args.label}", "", "Command:", "", "```", shown_command(),
           "```", "",
           f"Run {datetime.now(UTC):%Y-%m-%d %H:%M} UTC on {platform.node()} ({os.cpu_count()} cores, Python "
           f"{platform.python_version()}). Store: {store}; {args.pending:,} rows inserted straight into `report` "
           f"before each start-up (response_due_at NULL). {args.pollers} pollers, one refresh each "
           f"every {args.interval:g} s for {args.seconds:g} s; simulator --rate {args.rate:g}; gap between the two "
           f"launches {args.gap:g} s (orders other than 'together').", "", table(runs), "",
           "- login: the odd pollers are operators who log in through /login first (GET the form, POST it: the "
           "access log is written, so a held write lock delays it); the even ones are wall screens with kiosk "
           "cookies.",
           "- first refresh: each poller's first POST of the wall refresh, sent as soon as the server accepted a "
           "connection (operators: after their login); 204 = the panels are being built elsewhere (the screen "
           "keeps what it shows), 200 = data.",
           "- first data: from a poller's first request to the end of its first 200 (inf: none within the run).",
           "- load average: 1/5/15 min at the end of each start-up (other engineers' tests share the 2 cores)."]
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", type=Path, help="copy this SQLite store (default: a fresh seed-demo store)")
    parser.add_argument("--days", type=int, default=60, help="seed-demo --days (default 60)")
    parser.add_argument("--per-day", type=float, default=45.0, help="seed-demo --per-day (default 45)")
    parser.add_argument("--pending", type=int, default=0, help="rows inserted directly, for the sweep (default 0)")
    parser.add_argument("--pollers", type=int, default=20)
    parser.add_argument("--interval", type=float, default=1.0, help="seconds between a poller's requests")
    parser.add_argument("--seconds", type=float, default=30.0, help="how long the pollers poll per start-up")
    parser.add_argument("--gap", type=float, default=8.0, help="seconds between the first and second launch")
    parser.add_argument("--rate", type=float, default=60.0, help="simulate --rate (default 60 a minute)")
    parser.add_argument("--order", choices=(*ORDERS, "all"), default="all")
    parser.add_argument("--repeats", type=int, default=1, help="start-ups per order (default 1)")
    parser.add_argument("--label", default="demo", help="names the results file first_poll_<label>.md")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent,
                        help="folder for results/first_poll_<label>.md (default: benchmarks/)")
    parser.add_argument("--py-spy", metavar="PATH", help="py-spy binary: dump both programs every 0.5 s (kept logs)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (server and simulator logs)")
    args = parser.parse_args(argv)
    if args.pollers < 1 or args.repeats < 1 or args.seconds <= 0:
        parser.error("--pollers, --repeats and --seconds must be positive")

    print(f"Command: {shown_command()}", flush=True)
    refresh_body(None, 0)  # imports callbacks.wall (seconds) before any poller's clock runs
    folder = Path(tempfile.mkdtemp(prefix="bench-first-poll-", dir=args.db.parent if args.db else None))
    runs = []
    try:
        template = make_store(folder, args)
        orders = ORDERS if args.order == "all" else (args.order,)
        for order in orders:
            for n in range(args.repeats):
                db = folder / f"run_{order}_{n}.db"
                for suffix in ("", "-wal", "-shm"):
                    if Path(f"{template}{suffix}").exists():
                        shutil.copyfile(f"{template}{suffix}", f"{db}{suffix}")
                insert_pending(db, args.pending, seed=n + 1)
                tokens = kiosk_cookies(db, args.pollers)
                run = start_up(db, tokens, args, order, folder, n)
                runs.append(run)
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{db}{suffix}").unlink(missing_ok=True)
                firsts = run.firsts()
                log(f"[first-poll] {order} #{n + 1}: worst latency per second of send time: {timeline(run)}")
                log(f"[first-poll] {order} #{n + 1}: login {stats([p.latency for p in run.logins()])} s, "
                    f"first refresh {stats([p.latency for p in firsts])} s "
                    f"(median / max, {len(firsts)} pollers), first data {stats(run.first_data())} s, "
                    f"after the simulator "
                    f"{stats([p.latency for p in run.after_simulator()])} s; load {run.load}")
        store = (f"a copy of `{args.db}`" if args.db else
                 f"`seed-demo --days {args.days} --per-day {args.per_day:g}`")
        publish(args.out, f"first_poll_{args.label}", report(args, runs, store))
    finally:
        if args.keep:
            log(f"[first-poll] logs kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
