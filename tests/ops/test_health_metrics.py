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

    # A scrape writes the counter first and may then ask the surge alerts (a gauge measured at scrape time, cached
    # for the minute, so a scrape that crosses the minute asks again): each reading is therefore paired with the
    # count taken just before its scrape
    count_before = query_cache.query_count
    before = total()
    assert client.get("/briefing").status_code == 200
    from callbacks.wall import warm_once

    assert warm_once(query_cache, app.server.config["MIMIKA_SETTINGS"])
    count_after = query_cache.query_count
    assert count_after > count_before
    assert total() - before == count_after - count_before


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


def _series(client, metric: str) -> set[str]:
    """The label sets of ``metric`` (one per time series) in /metrics."""
    text = client.get("/metrics").get_data(as_text=True)
    return {line.split("{", 1)[1].rsplit("}", 1)[0] for line in text.splitlines() if line.startswith(metric + "{")}


def _label_values(series: set[str], label: str) -> set[str]:
    return {part.split('="', 1)[1].rstrip('"') for labels in series for part in labels.split('",')
            if part.startswith(f'{label}="')}


def test_item7_hostile_paths_and_callbacks_add_no_metric_labels(app):
    """500 random paths (anonymous and logged in) and 500 callback bodies with random outputs and random interval
    inputs add no time series to /metrics: route and page labels come from the app's own routes, pages and
    callbacks, anything else is "other"."""
    import random
    import string

    from layouts import wall
    from tests.support.dash_app import callback_body, raw_post

    rng = random.Random(7)
    user, anonymous = client_as(app, "pimpinan"), app.server.test_client()
    metrics = app.server.test_client()
    wall_output = next(k for k, spec in app.callback_map.items() if "callback" in spec
                       and any(item["id"] == wall.INTERVAL for item in spec["inputs"]))

    def word() -> str:
        return "".join(rng.choices(string.ascii_letters + string.digits + "-_", k=rng.randint(1, 30)))

    def hostile_round() -> None:
        for client in (anonymous, user):
            client.get(f"/_dash{word()}")
            client.get(f"/{word()}/{word()}")
            client.get(f"/opd/{word()}")
            client.post(f"/_dash-update-component/{word()}", data="{}", content_type="application/json")
        body = {"output": f"{word()}.children", "outputs": {"id": word(), "property": "children"},
                "inputs": [{"id": f"{word()}-interval", "property": "n_intervals", "value": 1}], "state": []}
        raw_post(user, body)
        forged = callback_body(app, wall_output, {f"{wall.INTERVAL}.n_intervals": 1})
        forged["inputs"] = [{"id": f"{word()}-interval", "property": "n_intervals", "value": 1}
                            for _ in forged["inputs"]]
        raw_post(user, forged)

    for _ in range(3):  # every kind of answer once: the labels any such request may add, at most
        hostile_round()
    routes_before = _series(metrics, "mimika_request_seconds_count")
    pages_before = _series(metrics, "mimika_refresh_seconds_count")
    for _ in range(100):  # 500 random paths and 200 random callbacks more
        hostile_round()
    routes_after = _series(metrics, "mimika_request_seconds_count")
    pages_after = _series(metrics, "mimika_refresh_seconds_count")
    assert routes_after == routes_before, sorted(routes_after - routes_before)[:10]
    assert pages_after == pages_before, sorted(pages_after - pages_before)[:10]
    assert len(_label_values(routes_after, "route")) < 40  # the app's routes and pages, not the paths asked for


def test_item7_route_labels_name_the_app_routes_and_pages(app):
    """Known routes keep their names (pages by their registered path or template, Dash's own routes, the API's
    rules); a callback that refreshes a page counts under that page."""
    from tests.support.dash_app import post

    user = client_as(app, "pimpinan")
    for path in ("/briefing", "/opd/PUPR", "/report/12", "/publik", "/open311/v2/services.json", "/nope/x"):
        user.get(path)
    from layouts import briefing as page

    post(app, f"{page.PERIOD}.children", {f"{page.CONFIG}.data": {"lang": "id", "query": {}},
                                          f"{page.INTERVAL}.n_intervals": 1}, client=user)
    routes = _label_values(_series(app.server.test_client(), "mimika_request_seconds_count"), "route")
    for label in ("/briefing", "/opd/<code>", "/report/<report_id>", "/publik", "/open311/v2/services.<fmt>",
                  "other", "_dash-update-component"):
        assert label in routes, (label, routes)
    pages = _label_values(_series(app.server.test_client(), "mimika_refresh_seconds_count"), "page")
    assert page.INTERVAL.removesuffix("-interval") in pages, pages
