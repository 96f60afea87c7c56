"""Store-and-forward from a district office: N reports recorded offline reach the center exactly once each,
through a proxy that drops, resets, cuts answers after the center committed, stalls, delays and says 503.

The center is the real app behind a real WSGI server (werkzeug) in a thread, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import dash
import pytest
from sqlalchemy import func, select
from werkzeug.serving import make_server

from data_access.intake import api_keys
from data_access.store.schema import Report
from outbox import forwarder
from outbox import store as outbox
from tests.open311.conftest import assert_error, release
from tests.store.test_cli import assert_one_line_error
from tests.support.cli import run_cli
from tests.support.dash_app import get_app, url
from tests.support.faulty_proxy import FaultyProxy

SOURCE = "distrik-agimuga"
FAST = forwarder.RetryPolicy(attempts=12, base_seconds=0.01, cap_seconds=0.1, timeout_seconds=0.6)


class Center:
    def __init__(self, engine) -> None:
        dash.page_registry.clear()
        self.engine = engine
        self.app, _ = get_app(url(engine), clock=lambda: datetime.now(UTC))
        self.key = api_keys.API_KEYS.add(engine, SOURCE)
        self.server = make_server("127.0.0.1", 0, self.app.server, threaded=True)
        self.port = self.server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        import threading

        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        dash.page_registry.clear()
        release(self.app, self.engine)

    def reports(self) -> dict[str, int]:
        """external_id → how many reports of the office carry it."""
        with self.engine.connect() as conn:
            return dict(conn.execute(select(Report.external_id, func.count()).where(Report.source == SOURCE)
                                     .group_by(Report.external_id)).all())


@pytest.fixture
def center(empty_store):
    running = Center(empty_store)
    yield running
    running.close()


@pytest.fixture
def sqlite_center(make_store):
    """The command-line test runs on SQLite only: it proves the commands, the other tests prove the stores."""
    running = Center(make_store("sqlite"))
    yield running
    running.close()


def record_many(path, n: int) -> list[outbox.OutboxItem]:
    codes = ["jalan", "air_bersih", "kesehatan", "sampah", "pendidikan"]
    return [outbox.record(path, {"service_code": codes[i % len(codes)], "lat": f"{-4.3 - i / 1000:.4f}",
                                 "long": "137.95", "description": f"Laporan nomor {i} dari distrik",
                                 "first_name": f"Warga{i}", "phone": f"0813{i:08d}"}) for i in range(n)]


def forward_until_done(path, target: str, key: str, passes: int = 60) -> None:
    rng = random.Random(5)
    for _ in range(passes):
        forwarder.forward_pending(path, forwarder.requests_url(target), key, policy=FAST, rng=rng)
        if not outbox.pending(path):
            return
    raise AssertionError(f"still pending after {passes} passes: {outbox.counts(path)}")


def test_fifty_reports_through_a_bad_link_arrive_exactly_once(center, tmp_path):
    """50 recorded → 50 in the store, none twice, each outbox item sent with the center's id for it, although
    the proxy cut many answers after the center had committed."""
    path = tmp_path / "outbox.db"
    recorded = record_many(path, 50)
    rng = random.Random(11)
    weights = {"pass": 30, "drop": 12, "reset": 8, "cut": 15, "cut_headers": 10, "stall": 8, "delay": 10, "busy": 7}
    proxy = FaultyProxy(center.port, lambda n: rng.choices(list(weights), list(weights.values()))[0])
    try:
        forward_until_done(path, proxy.url, center.key)
    finally:
        proxy.close()
    assert proxy.committed_then_cut >= 5, proxy.played  # the test did put lost answers in the way
    assert set(proxy.played) >= {"drop", "reset", "cut", "stall", "busy"}
    stored = center.reports()
    assert stored == {item.idempotency_key: 1 for item in recorded}
    sent = outbox.items(path)
    assert {item.state for item in sent} == {"sent"}
    with center.engine.connect() as conn:
        ids = dict(conn.execute(select(Report.external_id, Report.id).where(Report.source == SOURCE)).all())
    assert {item.idempotency_key: item.service_request_id for item in sent} == ids
    assert not any("phone" in item.fields or "first_name" in item.fields for item in sent)  # left with the center


def test_refusals_are_kept_with_their_reason(center, tmp_path):
    """An unknown service (404) and a key already used for other content (409) fail for good, kept with the
    reason; the good item next to them is sent."""
    path = tmp_path / "outbox.db"
    good, unknown, clash = (outbox.record(path, {"service_code": code, "address_string": "Kampung Amungun",
                                                 "description": "Jalan rusak"})
                            for code in ("jalan", "tidak_ada", "jalan"))
    client = center.app.server.test_client()
    assert client.post("/open311/v2/requests.json", data={"api_key": center.key, "service_code": "sampah",
                                                          "address_string": "lain", "description": "lain"},
                       headers={"Idempotency-Key": clash.idempotency_key}).status_code == 200
    summary = forwarder.forward_pending(path, forwarder.requests_url(center.url), center.key, policy=FAST)
    assert (summary.sent, summary.failed) == (1, 2)
    states = {item.id: item for item in outbox.items(path)}
    assert states[good.id].state == "sent"
    assert states[unknown.id].state == "failed" and "404" in states[unknown.id].last_error
    assert states[clash.id].state == "failed" and "409" in states[clash.id].last_error


def test_a_refused_key_stops_the_pass_and_keeps_everything(center, tmp_path):
    """A revoked key is the office's problem, not the reports': the pass stops, every item stays pending."""
    path = tmp_path / "outbox.db"
    record_many(path, 3)
    api_keys.API_KEYS.revoke(center.engine, SOURCE)
    assert_error(center.app.server.test_client().post("/open311/v2/requests.json",
                                                      data={"api_key": center.key}), 403)
    summary = forwarder.forward_pending(path, forwarder.requests_url(center.url), center.key, policy=FAST)
    assert summary.stopped and "API key" in summary.stopped
    assert outbox.counts(path) == {"pending": 3, "sent": 0, "failed": 0}


def test_a_dead_link_leaves_items_pending_after_bounded_retries(tmp_path):
    """Nobody listening: each pass gives up after its attempts (with backoff), nothing is lost or marked."""
    path = tmp_path / "outbox.db"
    record_many(path, 2)
    slept: list[float] = []
    summary = forwarder.forward_pending(path, "http://127.0.0.1:9/open311/v2/requests.json", "m311_x",
                                        policy=forwarder.RetryPolicy(attempts=4, base_seconds=0.5, cap_seconds=2),
                                        sleep=slept.append, rng=random.Random(1))
    assert summary.attempts == 4 and summary.stopped
    assert len(slept) == 3 and all(0 <= s <= min(2, 0.5 * 2**i) for i, s in enumerate(slept))
    assert outbox.counts(path) == {"pending": 2, "sent": 0, "failed": 0}


@pytest.mark.cli
def test_the_command_line_records_and_forwards(sqlite_center, tmp_path):
    """`outbox add` prints the key; `forward --once` sends; `outbox list` shows the center's ids; bad input at
    the desk is one error line and nothing is recorded."""
    center = sqlite_center
    path = str(tmp_path / "desk.db")
    keys = []
    for i in range(3):
        added = run_cli("outbox", "add", "--outbox", path, "--service-code", "kesehatan", "--description",
                        f"Obat habis di pustu ({i})", "--address", "Pustu Agimuga", "--first-name", "Maria",
                        "--phone", "081299887766")
        assert added.returncode == 0, added.stderr
        keys.append(added.stdout.strip().splitlines()[-1])
    assert_one_line_error(run_cli("outbox", "add", "--outbox", path, "--service-code", "nope", "--description", "x",
                                  "--address", "y"), "--service-code")
    assert_one_line_error(run_cli("outbox", "add", "--outbox", path, "--service-code", "jalan", "--description", "x"),
                          "location")
    sent = run_cli("forward", "--outbox", path, "--to", center.url, "--api-key", center.key, "--once")
    assert sent.returncode == 0, sent.stderr
    assert "3 sent" in sent.stderr
    assert center.reports() == {key: 1 for key in keys}
    listing = run_cli("outbox", "list", "--outbox", path).stdout
    assert listing.count("\tsent\t") == 3 and "Maria" not in listing
    assert_one_line_error(run_cli("forward", "--outbox", str(tmp_path / "none.db"), "--to", center.url,
                                  "--api-key", "k", "--once"), "outbox")
    assert_one_line_error(run_cli("forward", "--outbox", path, "--to", "ftp://x", "--api-key", "k", "--once"),
                          "--to")
