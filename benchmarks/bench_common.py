"""What the benchmark scripts share: byte formatting and where their Markdown results go."""

from __future__ import annotations

import os
import shlex
import sys
from pathlib import Path


def log(message: str) -> None:
    """Progress on stderr, so stdout keeps only the results."""
    print(message, file=sys.stderr, flush=True)


def loadavg() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def shown_command() -> str:
    return f"cd {shlex.quote(os.getcwd())} && {shlex.join([sys.executable, *sys.argv])}"


def fmt_bytes(value: float) -> str:
    if value < 1024:
        return f"{value:,.0f} B"
    if value < 1024 * 1024:
        return f"{value / 1024:,.1f} KB"
    return f"{value / 1024 / 1024:,.2f} MB"


def publish(out_dir: Path, name: str, text: str) -> Path:
    """Print the results and keep them as benchmarks/results/<name>.md (or under --out)."""
    results = Path(out_dir) / "results" / f"{name}.md"
    results.parent.mkdir(parents=True, exist_ok=True)
    results.write_text(text, encoding="utf-8")
    print(text)
    print(f"Written to {results}")
    return results


KIOSK_COOKIE = "mimika_kiosk"  # dashboard/auth.py: the cookie a wall screen's kiosk link sets


def kiosk_token(engine, name: str = "bench-wall") -> str:
    """A fresh kiosk token for benchmark screens (a wall screen is a kiosk): the store is migrated first."""
    from data_access.accounts import KIOSKS
    from data_access.store.migrate import upgrade

    upgrade(engine)
    return KIOSKS.replace(engine, name)


def kiosk_client(app, engine):
    """A Flask test client of ``app`` that is a wall screen (kiosk cookie set)."""
    client = app.server.test_client()
    client.set_cookie(KIOSK_COOKIE, kiosk_token(engine))
    return client


def person_client(app, database_url: str, role: str = "pimpinan"):
    """A Flask test client of ``app`` logged in through /login as a benchmark user with ``role``."""
    import re

    from data_access.accounts import AccountError, add_user
    from data_access.store.engine import make_engine
    from data_access.store.migrate import upgrade

    engine = make_engine(database_url)
    try:
        upgrade(engine)
        name, password = f"bench-{role}", f"password-for-bench-{role}"
        try:
            add_user(engine, name, role, password)
        except AccountError as exc:
            if "already exists" not in str(exc):
                raise
    finally:
        engine.dispose()
    client = app.server.test_client()
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": name, "password": password, "csrf": csrf})
    if response.status_code != 302:
        raise RuntimeError(f"benchmark login failed: HTTP {response.status_code}")
    return client


def rss(pid: int) -> int:
    """The resident memory of process ``pid`` in bytes (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        return 0
    return 0
