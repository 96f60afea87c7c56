"""Page weight: the bytes each page's first load puts on the wire, as Chromium receives them.

Serves the dashboard (`python -m dashboard serve`) on a demo store, logs in as an operator, and opens each page in
headless Debian chromium with its cache disabled; per page it prints the requests, the bytes on the wire (Chrome's
encodedDataLength: compressed bodies plus headers) and the largest resources. The wall's target is 800 KB (issue:
"light on a poor link"); later refreshes are measured by bench_wall.py.

    .venv/bin/python benchmarks/bench_page_weight.py [--db data/mimika.db] [--pages /wall,/briefing,...]
"""

from __future__ import annotations

import argparse
import collections
import os
import secrets
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from benchmarks.bench_common import fmt_bytes, publish  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
PAGES = ("/wall", "/briefing", "/opd", "/opd/PUPR", "/sla", "/explorer", "/report/1", "/publik", "/login")
WALL_TARGET = 800_000
SETTLE_MS = 4000  # the first refresh of every panel has arrived by then on this machine


@dataclass
class Weight:
    path: str
    requests: int = 0
    wire: int = 0
    largest: list[tuple[int, str]] = field(default_factory=list)
    plotly_js_of_its_own: bool = False  # plotly's full bundle fetched (the lighter one in assets/ not used)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(database_url: str, port: int, log_path: Path) -> subprocess.Popen:
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": secrets.token_hex(32), "PYTHONUNBUFFERED": "1"}
    log = open(log_path, "w")  # noqa: SIM115 - handed to the child for its whole life
    proc = subprocess.Popen([sys.executable, "-m", "dashboard", "serve", "--port", str(port)], cwd=REPO, env=env,
                            stdout=log, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=2):
                return proc
        except OSError:
            if proc.poll() is not None:
                break
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("the dashboard did not start: " + log_path.read_text()[-2000:])


def operator_account(database_url: str) -> tuple[str, str]:
    from data_access.accounts import AccountError, add_user
    from data_access.store.engine import make_engine

    engine = make_engine(database_url)
    try:
        add_user(engine, "bench-weight", "operator", "password-for-bench-weight")
    except AccountError as exc:
        if "already exists" not in str(exc):
            raise
    finally:
        engine.dispose()
    return "bench-weight", "password-for-bench-weight"


def measure(base_url: str, pages: tuple[str, ...], user: tuple[str, str], settle_ms: int = SETTLE_MS) -> list[Weight]:
    """First-load bytes of each page for a logged-in operator, cache disabled."""
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1920, "height": 1080})
        login = context.new_page()
        login.goto(base_url + "/login")
        login.fill("input[name=username]", user[0])
        login.fill("input[name=password]", user[1])
        with login.expect_navigation():
            login.click("button[type=submit]")
        login.close()
        for path in pages:
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Network.enable")
            cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
            urls: dict[str, str] = {}
            sizes: collections.Counter = collections.Counter()
            cdp.on("Network.responseReceived", lambda e, urls=urls: urls.__setitem__(e["requestId"],
                                                                                    e["response"]["url"]))
            cdp.on("Network.loadingFinished", lambda e, sizes=sizes: sizes.__setitem__(e["requestId"],
                                                                                      e["encodedDataLength"]))
            page.goto(base_url + path, wait_until="load")
            page.wait_for_timeout(settle_ms)
            weight = Weight(path, len(sizes), int(sum(sizes.values())))
            weight.largest = [(n, urls.get(rid, "?").removeprefix(base_url).split("?")[0])
                              for rid, n in sizes.most_common(5)]
            weight.plotly_js_of_its_own = any("/plotly/package_data/plotly.min.js" in u for u in urls.values())
            out.append(weight)
            page.close()
        browser.close()
    return out


def report(weights: list[Weight], store: str) -> str:
    lines = [f"# Page weight (first load, cache disabled, logged in as an operator; store {store})", "",
             f"Command: `{' '.join([Path(sys.executable).name, *sys.argv])}`", "",
             "| page | requests | on the wire | largest resources |", "|---|---:|---:|---|"]
    for w in weights:
        biggest = "; ".join(f"{Path(u).name} {fmt_bytes(n)}" for n, u in w.largest[:3])
        lines.append(f"| {w.path} | {w.requests} | {fmt_bytes(w.wire)} ({w.wire:,} B) | {biggest} |")
    wall = next((w for w in weights if w.path in ("/wall", "/")), None)
    if wall is not None:
        verdict = "met" if wall.wire <= WALL_TARGET else "MISSED"
        lines += ["", f"Wall first load: {wall.wire:,} B against the target of {WALL_TARGET:,} B: {verdict}."]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=None, help="a SQLite store (default: a fresh 60-day demo store)")
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated paths")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        if args.db is None:
            from datetime import UTC, datetime

            from data_access.rulebook.sla import WorkCalendar
            from data_access.store.engine import make_engine
            from data_access.store.migrate import upgrade
            from data_access.store.reference import load_reference
            from demo.seed import DemoConfig, seed_demo

            db = Path(tmp) / "weight.db"
            engine = make_engine(f"sqlite:///{db}", create=True)
            upgrade(engine)
            load_reference(engine)
            seed_demo(engine, WorkCalendar(), DemoConfig(seed=3, days=60, per_day=45.0, now=datetime.now(UTC)))
            engine.dispose()
        else:
            db = args.db
        url = f"sqlite:///{db}"
        port = free_port()
        proc = serve(url, port, Path(tmp) / "serve.log")
        try:
            weights = measure(f"http://127.0.0.1:{port}", tuple(p for p in args.pages.split(",") if p),
                              operator_account(url))
        finally:
            proc.terminate()
            proc.wait(timeout=10)
    publish(args.out, "page_weight", report(weights, str(args.db or "60-day demo")))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
