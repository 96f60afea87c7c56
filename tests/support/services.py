"""Services a fault test owns: a private PostgreSQL cluster, a private Redis, the app under gunicorn, wall screens.

Fault tests stop and start only these, never the shared PostgreSQL on 5432 or the Redis on 6379 that everyone
else's tests use. Each one lives in a temporary folder and is removed at the end.
"""

from __future__ import annotations

import http.client
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PG_BIN = Path("/usr/lib/postgresql/15/bin")
PYTHON = Path(sys.executable)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate, timeout: float, every: float = 0.2, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"{what} not met within {timeout:g} s")


def postgres_missing() -> str | None:
    """Why a private cluster cannot be made here, or None."""
    if not (PG_BIN / "initdb").exists():
        return f"no PostgreSQL server binaries in {PG_BIN}"
    if os.geteuid() == 0:
        try:
            pwd.getpwnam("postgres")
        except KeyError:
            return "running as root without a postgres user to run the server as"
    return None


class PrivatePostgres:
    """A throwaway PostgreSQL 15 cluster on a free port (as the postgres user when we are root: root cannot)."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="mimika-pg-", dir="/tmp"))
        self.data = self.dir / "data"
        self.port = free_port()
        self._as = []
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        self._run(PG_BIN / "initdb", "-D", self.data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8")
        self.start()
        self._run(PG_BIN / "createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", "postgres", "mimika")

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/mimika"

    def _run(self, *cmd) -> None:
        subprocess.run([*self._as, *map(str, cmd)], check=True, capture_output=True, timeout=120)

    def start(self) -> None:
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-o", options, "-l", self.dir / "server.log", "-w", "-t", "60",
                  "start")

    def stop(self) -> None:
        self._run(PG_BIN / "pg_ctl", "-D", self.data, "-m", "fast", "-w", "-t", "60", "stop")

    def close(self) -> None:
        try:
            if (self.data / "postmaster.pid").exists():
                self.stop()
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


class PrivateRedis:
    """A throwaway redis-server on a free port, nothing saved."""

    def __init__(self) -> None:
        self.port = free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="mimika-redis-"))
        self.proc: subprocess.Popen | None = None
        self.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.proc = subprocess.Popen(["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                                      "--appendonly", "no", "--dir", str(self.dir)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        import redis

        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)

        def up() -> bool:
            try:
                return bool(client.ping())
            except redis.RedisError:
                return False

        wait_for(up, 20, what="private redis up")

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(20)
            self.proc = None

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def http_get(port: int, path: str, headers: dict | None = None, timeout: float = 10) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


class Gunicorn:
    """The app as production runs it: ``gunicorn -c gunicorn.conf.py`` with N workers in a subprocess."""

    def __init__(self, env: dict, workers: int = 2, port: int | None = None, log: Path | None = None,
                 python: Path = PYTHON) -> None:
        self.python = python
        self.port = port or free_port()
        self.workers = workers
        self.log_path = log or Path(tempfile.mkstemp(prefix="mimika-gunicorn-", suffix=".log")[1])
        self.metrics_dir = tempfile.mkdtemp(prefix="mimika-metrics-")
        self.env = {**os.environ, "SECRET_KEY": "fault-test-secret", "PROMETHEUS_MULTIPROC_DIR": self.metrics_dir,
                    "WEB_CONCURRENCY": str(workers), "BIND": f"127.0.0.1:{self.port}", "GUNICORN_THREADS": "8",
                    **env}
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self, timeout: float = 180) -> None:
        self._log = open(self.log_path, "ab")  # noqa: SIM115 - kept open for the server's life
        self.proc = subprocess.Popen([str(self.python), "-m", "gunicorn", "-c", "gunicorn.conf.py"], cwd=REPO,
                                     env=self.env, stdout=self._log, stderr=subprocess.STDOUT)
        wait_for(lambda: self._answers() and len(self.worker_pids()) >= self.workers, timeout, every=0.5,
                 what="gunicorn answering /healthz")

    def _answers(self) -> bool:
        if self.proc.poll() is not None:
            raise RuntimeError(f"gunicorn exited {self.proc.returncode}: {self.log_tail()}")
        try:
            return http_get(self.port, "/healthz", timeout=5)[0] in (200, 503)
        except OSError:
            return False

    def worker_pids(self) -> list[int]:
        """The master's children (its workers), from /proc."""
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.proc.pid:
                pids.append(int(stat.parent.name))
        return sorted(pids)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(40)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.proc = None
        self._log.close()

    def log_tail(self, chars: int = 3000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def close(self) -> None:
        self.stop()
        shutil.rmtree(self.metrics_dir, ignore_errors=True)


def wall_request(port: int, cookie: str) -> dict:
    """The wall refresh callback's request body (less tick and state), read from the server's dependencies."""
    status, body = http_get(port, "/_dash-dependencies", {"Cookie": cookie})
    assert status == 200, (status, body[:300])
    for dep in json.loads(body):
        if "wall-state.data" in dep["output"] and any(i["id"] == "wall-interval" for i in dep["inputs"]):
            outputs = [{"id": c, "property": p}
                       for c, p in (o.split(".", 1) for o in dep["output"].strip(".").split("..."))]
            return {"output": dep["output"], "outputs": outputs, "state": dep["state"]}
    raise AssertionError("no wall refresh callback in /_dash-dependencies")


@dataclass
class Tick:
    at: float
    status: int  # -1: no HTTP answer (connection refused or reset)
    stale: str | None = None
    version: str | None = None
    kpis: bool = False  # the answer carried numbers
    error: str = ""


@dataclass
class WallScreen:
    """One wall screen: ticks like dcc.Interval, keeps its state like the browser's dcc.Store."""

    port: int
    cookie: str
    request: dict
    state: dict | None = None
    n: int = 0
    ticks: list[Tick] = field(default_factory=list)
    conn: http.client.HTTPConnection | None = None

    def _post(self, body: str, timeout: float) -> tuple[bytes, int]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        self.conn.request("POST", "/_dash-update-component", body,
                          {"Content-Type": "application/json", "Cookie": self.cookie})
        response = self.conn.getresponse()
        return response.read(), response.status

    def tick(self, timeout: float = 30) -> Tick:
        body = json.dumps({"output": self.request["output"], "outputs": self.request["outputs"],
                           "inputs": [{"id": "wall-interval", "property": "n_intervals", "value": self.n}],
                           "changedPropIds": ["wall-interval.n_intervals"],
                           "state": [{**self.request["state"][0], "value": self.state},
                                     {**self.request["state"][1], "value": {"lang": "id", "measure": "open"}}]})
        self.n += 1
        started = time.monotonic()
        reused = self.conn is not None
        try:
            try:
                payload, status = self._post(body, timeout)
            except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
                if not reused:
                    raise
                # The server closed a kept-alive connection that idled past its keepalive (gunicorn.conf.py) while
                # the round's slowest screen computed: a browser sends the request again on a new connection.
                self.conn.close()
                self.conn = None
                payload, status = self._post(body, timeout)
        except (OSError, http.client.HTTPException) as exc:
            if self.conn is not None:
                self.conn.close()
            self.conn = None  # the next tick connects anew, as a browser does
            tick = Tick(started, -1, error=type(exc).__name__)
            self.ticks.append(tick)
            return tick
        tick = Tick(started, status)
        if status == 200:
            props = json.loads(payload)["response"]
            self.state = props["wall-state"]["data"]
            tick.stale, tick.version = self.state.get("stale"), self.state.get("version")
            tick.kpis = any(k.startswith("kpi-") for k in props)
        elif status == 204:
            tick.stale = (self.state or {}).get("stale")
            tick.version = (self.state or {}).get("version")
        else:
            tick.error = payload[:200].decode(errors="replace")
        self.ticks.append(tick)
        return tick

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
