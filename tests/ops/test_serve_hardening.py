"""`python -m dashboard serve` against hostile or careless clients: secrets stay out of every log that writes a
URL, and a connection that trickles its request (slow-loris) or sits silent is closed within CONNECTION_TIMEOUT."""

from __future__ import annotations

import socket
import time
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from core.redact import redact_secrets
from data_access.accounts import log_access
from data_access.intake.api_keys import API_KEYS
from data_access.store.engine import make_engine
from data_access.store.schema import AccessLog
from tests.browser.support import kiosk_path, seeded_store_file, serve_dashboard

pytestmark = pytest.mark.cli  # runs `python -m dashboard serve` in a child process
TIMEOUT = 2  # CONNECTION_TIMEOUT of the server under test


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A served demo store with a kiosk link and an Open311 key; (base url, store file, kiosk path, api key)."""
    store = seeded_store_file(tmp_path_factory.mktemp("serve"), seed=5, days=2)
    engine = make_engine(f"sqlite:///{store}")
    key = API_KEYS.add(engine, "gateway-test")
    engine.dispose()
    wall = kiosk_path(store, "layar-uji")
    server = serve_dashboard(store, CONNECTION_TIMEOUT=str(TIMEOUT))
    base = next(server)
    yield base, store, wall, key
    server.close()


def _get(url: str, data: bytes | None = None) -> int:
    try:
        with urllib.request.urlopen(url, data=data, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_item14_redaction_replaces_every_secret_parameter():
    """kiosk, api_key, token, csrf and password lose their values, plain or percent-encoded in ?next=; the rest
    of the URL stays as it was."""
    assert redact_secrets("GET /wall?kiosk=Ab-9_x&lang=en HTTP/1.1") == "GET /wall?kiosk=[redacted]&lang=en HTTP/1.1"
    assert redact_secrets("/open311/v2/requests.json?service_code=jalan&API_KEY=m311_s3cret") == (
        "/open311/v2/requests.json?service_code=jalan&API_KEY=[redacted]")
    assert redact_secrets("/login?next=%2Fwall%3Fkiosk%3Dtok%26lang%3Den") == (
        "/login?next=%2Fwall%3Fkiosk%3D[redacted]%26lang%3Den")
    assert redact_secrets("token=a&csrf=b&password=c") == "token=[redacted]&csrf=[redacted]&password=[redacted]"
    assert redact_secrets("/publik?lang=en&tokens=3") == "/publik?lang=en&tokens=3"
    assert redact_secrets(None) is None


def test_item14_serve_logs_no_kiosk_token_and_no_api_key(served):
    """The kiosk link and an Open311 POST with ?api_key= leave `serve`'s request log without their secrets."""
    base, store, wall, key = served
    token = urllib.parse.parse_qs(urllib.parse.urlsplit(wall).query)["kiosk"][0]
    assert _get(base + wall) == 200  # redirected to the wall, the screen remembered
    form = urllib.parse.urlencode({"service_code": "jalan", "lat": "-4.5465", "long": "136.8839",
                                   "description": "Jalan berlubang di depan pasar"}).encode()
    assert _get(f"{base}/open311/v2/requests.json?api_key={key}", data=form) in (200, 201)
    time.sleep(0.5)  # the log line is written after the answer
    log = store.with_suffix(".log").read_text()
    assert "kiosk=[redacted]" in log and "api_key=[redacted]" in log, log[-2000:]
    assert token not in log and key not in log


def test_item14_access_log_table_keeps_no_secret(served):
    """A URL handed to the access log (as a target or a detail) is stored redacted."""
    _, store, _, _ = served
    engine = make_engine(f"sqlite:///{store}")
    log_access(engine, "uji", "export", "/opd/PUPR?kiosk=abc123", detail="from /wall?api_key=m311_zzz&lang=en")
    with engine.connect() as conn:
        row = conn.execute(select(AccessLog.target, AccessLog.detail).where(AccessLog.actor == "uji")).one()
    engine.dispose()
    assert row.target == "/opd/PUPR?kiosk=[redacted]" and row.detail == "from /wall?api_key=[redacted]&lang=en"


def test_item14_gunicorns_access_log_atoms_are_redacted(monkeypatch, tmp_path):
    """gunicorn.conf.py's logger: an access log turned on (--access-logfile) writes no token or key."""
    from gunicorn.config import Config

    # gunicorn.conf.py puts the metrics folder into the environment: this process's, for the rest of the run,
    # unless it is set (and so restored) here — other tests would read /metrics in multiprocess mode.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))

    from dashboard.logs import RedactingGunicornLogger

    namespace: dict = {}
    exec(compile(open("gunicorn.conf.py").read(), "gunicorn.conf.py", "exec"), namespace)  # noqa: S102
    assert namespace["logger_class"] == "dashboard.logs.RedactingGunicornLogger"
    logger = RedactingGunicornLogger(Config())
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": "/wall?kiosk=secret1", "SERVER_PROTOCOL": "HTTP/1.1",
               "PATH_INFO": "/wall", "QUERY_STRING": "kiosk=secret1", "HTTP_REFERER": "http://x/wall?kiosk=secret1"}
    response = SimpleNamespace(status="302 FOUND", headers=[], sent=0)
    atoms = logger.atoms(response, SimpleNamespace(headers=[]), environ, timedelta(milliseconds=3))
    assert "secret1" not in repr(atoms) and atoms["r"] == "GET /wall?kiosk=[redacted] HTTP/1.1"


def _closed_within(sock: socket.socket, seconds: float, trickle: bool) -> float | None:
    """Seconds until the server closed ``sock`` (a byte of header every half second when ``trickle``), or None."""
    started = time.monotonic()
    sock.settimeout(0.5)
    while time.monotonic() - started < seconds:
        try:
            if trickle:
                sock.sendall(b"X")
            if sock.recv(4096) == b"":
                return time.monotonic() - started
        except TimeoutError:
            continue
        except OSError:  # reset or broken pipe: closed too
            return time.monotonic() - started
    return None


@pytest.mark.parametrize("trickle", [False, True], ids=["silent", "slow-loris"])
def test_item14_serve_closes_slow_connections(served, trickle):
    """Half a request's headers, then silence (or a byte now and then): closed within CONNECTION_TIMEOUT, plus
    slack; the server answers others meanwhile."""
    base, _, _, _ = served
    host, port = urllib.parse.urlsplit(base).hostname, urllib.parse.urlsplit(base).port
    with socket.create_connection((host, port)) as sock:
        sock.sendall(b"GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        closed = _closed_within(sock, TIMEOUT + 6, trickle)
    assert closed is not None and closed < TIMEOUT + 3, closed
    assert _get(base + "/login") == 200
