"""What the browser tests share: Debian's chromium, a free port, and the real dashboard in a subprocess."""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from data_access.accounts import KIOSKS, AccountError, add_user
from data_access.rulebook.sla import WorkCalendar
from data_access.store.engine import make_engine
from data_access.store.migrate import upgrade
from data_access.store.reference import load_reference
from demo.seed import DemoConfig, seed_demo
from tests.support import REPO

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seeded_store_file(folder: Path, *, seed: int, days: int, per_day: float = 30.0) -> Path:
    """A fresh SQLite store in ``folder`` with ``days`` of demo reports ending a minute ago."""
    path = folder / "mimika.db"
    engine = make_engine(f"sqlite:///{path}", create=True)
    upgrade(engine)
    load_reference(engine)
    seed_demo(engine, WorkCalendar(), DemoConfig(seed=seed, days=days, per_day=per_day,
                                                  now=datetime.now(UTC) - timedelta(minutes=1)))
    engine.dispose()
    return path


def account(store_file: Path, role: str, opds: tuple[str, ...] = ()) -> tuple[str, str]:
    """A real user of the store with ``role`` (created once); returns (name, password)."""
    name = f"browser-{role}" + "".join(f"-{code.lower()}" for code in opds)
    password = f"password-for-{name}"
    engine = make_engine(f"sqlite:///{store_file}")
    try:
        add_user(engine, name, role, password, opds)
    except AccountError as exc:
        assert "already exists" in str(exc), exc
    finally:
        engine.dispose()
    return name, password


def kiosk_path(store_file: Path, name: str) -> str:
    """The path that opens the wall for a new kiosk called ``name``."""
    engine = make_engine(f"sqlite:///{store_file}")
    try:
        return f"/wall?kiosk={KIOSKS.add(engine, name)}"
    finally:
        engine.dispose()


def log_in(page, base_url: str, name: str, password: str) -> None:
    """Log in through the plain HTML form, as a person (or a password manager) would."""
    page.goto(base_url + "/login")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")


def serve_dashboard(store_file: Path, probe: str = "/login", **env: str) -> Iterator[str]:
    """`python -m dashboard serve` on ``store_file`` until the generator is closed; yields its base URL."""
    port = free_port()
    # Browser tests check what a page shows, not how fast a loaded machine computes it: a refresh past the default
    # 8 s limit (PAGE_QUERY_SECONDS) under the whole suite would show "persempit periode" instead of the tables.
    # tests/callbacks/test_refresh_deadline.py tests the limit itself.
    full_env = {**os.environ, "DATABASE_URL": f"sqlite:///{store_file}", "PYTHONUNBUFFERED": "1",
                "SECRET_KEY": secrets.token_hex(32), "PAGE_QUERY_SECONDS": "120", **env}
    log_path = store_file.with_suffix(".log")
    with open(log_path, "w") as log:
        proc = subprocess.Popen([sys.executable, "-m", "dashboard", "serve", "--port", str(port)], cwd=REPO,
                                env=full_env, stdout=log, stderr=subprocess.STDOUT)
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + probe, timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                pytest.fail("the dashboard did not start: " + log_path.read_text()[-2000:])
            time.sleep(0.3)
        try:
            yield url
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
