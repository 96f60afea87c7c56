"""/healthz, /metrics and the request log, through the app's own test client on real stores."""

from __future__ import annotations

import json
import logging
import os
import time

import pytest
from flask_caching import Cache

from core.settings import Settings
from dashboard.app import create_app
from dashboard.cache import cache_config
from data_access.queries.cache import QueryCache
from tests.support.dash_app import client_as, url


def get_app(database_url: str, **settings):
    settings = Settings(database_url=database_url, boundaries_districts=None, **settings)
    cache = Cache(config=cache_config(settings))
    query_cache = QueryCache(settings, cache)
    app = create_app(settings, query_cache=query_cache)
    cache.init_app(app.server)
    return app


@pytest.fixture
def app(seeded, fresh_page_registry):
    return get_app(url(seeded))


def test_healthz_reports_store_data_age_and_cache(app, seeded):
    """200 with the store reachable, its newest report's age, and the cache backend; no login needed."""
    from datetime import UTC, datetime

    from sqlalchemy import func, select

    from data_access.store.schema import Report

    with seeded.connect() as conn:
        newest = conn.execute(select(func.max(Report.created_at))).scalar_one()
    newest = newest if newest.tzinfo else newest.replace(tzinfo=UTC)
    asked = datetime.now(UTC)
    response = app.server.test_client().get("/healthz")
    answered = datetime.now(UTC)
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ok" and body["store"]["ok"] is True
    assert datetime.fromisoformat(body["store"]["newest_report_at"]) == newest
    # the age of that report at the moment of asking (rounded to 0.1 s), not merely some positive number
    age = body["store"]["newest_report_age_seconds"]
    assert (asked - newest).total_seconds() - 0.05 <= age <= (answered - newest).total_seconds() + 0.05, age
    assert body["cache"] == {"backend": "memory", "ok": True}
    assert response.headers["Cache-Control"] == "no-store"


def test_healthz_is_503_when_the_store_is_away(tmp_path, fresh_page_registry):
    """A store that is not there: 503 and a one-line reason, not a traceback."""
    app = get_app(f"sqlite:///{tmp_path / 'missing.db'}")
    response = app.server.test_client().get("/healthz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "unavailable" and body["store"]["ok"] is False and "does not exist" in body["store"][
        "error"]


def test_healthz_says_degraded_without_redis(seeded, fresh_page_registry):
    """REDIS_URL pointing at nothing: still 200 (the app serves from its own cache), status degraded."""
    app = get_app(url(seeded), redis_url="redis://127.0.0.1:1/0")
    body = app.server.test_client().get("/healthz").get_json()
    assert body["status"] == "degraded" and body["cache"]["ok"] is False


def test_metrics_only_from_loopback_without_a_token(app):
    """No METRICS_TOKEN: a direct local request reads /metrics; another address, or one relayed by the proxy
    (X-Forwarded-For), gets 403."""
    client = app.server.test_client()
    local = client.get("/metrics")
    assert local.status_code == 200 and local.mimetype == "text/plain"
    assert local.headers["Content-Type"].count("charset") == 1  # Prometheus' own type, not a second charset
    text = local.get_data(as_text=True)
    for name in ("mimika_store_queries_total", "mimika_cache_requests_total", "mimika_request_seconds_bucket",
                 "mimika_store_version_age_seconds", "mimika_store_up"):
        assert name in text, name
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"}).status_code == 403
    assert client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403


def test_metrics_with_a_token_wants_the_token(seeded, fresh_page_registry):
    """METRICS_TOKEN set: the bearer token opens /metrics from anywhere; without it (even locally) 403."""
    app = get_app(url(seeded), metrics_token="s3cret-scrape")
    client = app.server.test_client()
    assert client.get("/metrics").status_code == 403
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 403
    ok = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.1.2.3"},
                    headers={"Authorization": "Bearer s3cret-scrape"})
    assert ok.status_code == 200 and b"mimika_store_up 1.0" in ok.get_data()


def test_store_queries_counter_counts_database_queries(app):
    """mimika_store_queries_total grows by exactly the queries QueryCache sent to the database."""
    query_cache = app.server.config["MIMIKA_QUERY_CACHE"]
    client = client_as(app, "pimpinan")

    def total() -> float:
        text = app.server.test_client().get("/metrics").get_data(as_text=True)
        return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
                   if line.startswith("mimika_store_queries_total{"))

    before, count_before = total(), query_cache.query_count
    assert client.get("/briefing").status_code == 200
    from callbacks.wall import warm_once

    assert warm_once(query_cache, app.server.config["MIMIKA_SETTINGS"])
    assert query_cache.query_count > count_before
    assert total() - before == query_cache.query_count - count_before


def test_each_request_is_logged_as_json_with_the_user(app, caplog):
    """One structured line per request: method, path, status, ms, and the viewer (user and role)."""
    client = client_as(app, "operator")
    caplog.set_level(logging.INFO, logger="mimika.request")
    started = time.perf_counter()
    client.get("/briefing")
    took_ms = (time.perf_counter() - started) * 1000
    record = next(r for r in caplog.records if r.name == "mimika.request" and getattr(r, "path", "") == "/briefing")
    assert record.status == 200 and record.user == "test-operator" and record.role == "operator"
    assert 0 < record.ms <= took_ms + 0.05 and record.method == "GET"  # the request's own time, rounded to 0.1 ms
    from dashboard.logs import JsonFormatter

    line = json.loads(JsonFormatter().format(record))
    assert line["user"] == "test-operator" and line["path"] == "/briefing" and line["logger"] == "mimika.request"


def test_command_line_runs_keep_out_of_the_services_metrics_folder(tmp_path):
    """With the deployment's environment (PROMETHEUS_MULTIPROC_DIR set): init-db before the services made the folder
    runs (it used to stop with FileNotFoundError at its first counter), and once the folder exists a one-off
    command writes no counter file into it (a dead pid's file would be summed into /metrics)."""
    import subprocess
    import sys

    metrics = tmp_path / "run" / "metrics"
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}",
           "PROMETHEUS_MULTIPROC_DIR": str(metrics)}
    done = subprocess.run([sys.executable, "-m", "dashboard", "init-db"], env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not metrics.exists()
    metrics.mkdir(parents=True)
    done = subprocess.run([sys.executable, "-m", "dashboard", "kpis", "--json"], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert list(metrics.iterdir()) == []
