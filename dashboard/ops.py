"""Operations on every web process: /healthz, /metrics (Prometheus), and one structured log line per request.

- ``/healthz`` (public): is the store reachable, how old is its newest report, is the cache (Redis) reachable.
  JSON; 200 while the store answers (``"status": "degraded"`` when Redis is away: the app keeps serving from its
  in-process cache), 503 when it does not — a load balancer takes that process out, not the whole site.
- ``/metrics``: the Prometheus text format. Counters and histograms come from core.prometheus_metrics, added up across
  gunicorn workers (and the background worker) when ``PROMETHEUS_MULTIPROC_DIR`` is set (gunicorn.conf.py);
  gauges (store up, newest data age, cache up) are measured at scrape time. Who may read it: with
  ``METRICS_TOKEN`` set, whoever sends ``Authorization: Bearer <token>``; without it, only a direct connection
  from the machine itself (loopback, no X-Forwarded-For: a request relayed by the reverse proxy is not local).
- Every request is logged as JSON (logger ``mimika.request``): method, path, status, milliseconds, bytes, the
  viewer (``flask.g.viewer``: user name and role) and, for callbacks, which one.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import time
from datetime import datetime, timedelta

from dash import Dash
from flask import Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily

from core.prometheus_metrics import REFRESH_SECONDS, REQUEST_SECONDS
from core.settings import Settings
from data_access.queries.cache import QueryCache
from data_access.queries.version import store_times
from data_access.store.heartbeat import staleness

log = logging.getLogger("mimika.request")
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
LOOPBACK = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1"})
QUIET_PREFIXES = ("/_dash-component-suites/", "/assets/", "/_favicon", "/favicon", HEALTH_PATH, METRICS_PATH)


def route_label(path: str) -> str:
    """A few labels, never the raw path: a label per report id would grow Prometheus without bound."""
    if path.startswith(("/_dash-component-suites/", "/assets/")):
        return "static"
    if path.startswith("/_dash"):
        return path.split("/")[1][:40]
    if path.startswith("/publik"):
        return "/publik"
    if path in ("/login", "/logout", HEALTH_PATH, METRICS_PATH):
        return path
    first = path.split("/")[1] if path.count("/") >= 1 else ""
    return f"/{first}"[:20] if first in ("wall", "briefing", "opd", "sla", "explorer", "report") else "page"


def _callback_info() -> tuple[str | None, str | None]:
    """(output, page refreshed) of a callback request: a refresh is a callback whose input is a page interval."""
    try:  # Dash and the guard parsed it already (cached); a body the guard refused may not even parse
        body = request.get_json(silent=True, cache=True)
    except (ValueError, RecursionError):
        return None, None
    if not isinstance(body, dict):
        return None, None
    output = body.get("output") if isinstance(body.get("output"), str) else None
    page = None
    for item in body.get("inputs") or []:
        if isinstance(item, dict) and isinstance(item.get("id"), str) and item.get("property") == "n_intervals":
            page = item["id"].removesuffix("-interval")[:30]
    return (output.strip(".").split(".")[0][:60] if output else None), page


def health(query_cache: QueryCache, settings: Settings) -> tuple[dict, int]:
    now = query_cache.now()
    store: dict = {"ok": False, "backend": query_cache.engine.dialect.name}
    try:
        if query_cache.engine.dialect.name == "sqlite":
            query_cache.version()  # also says when the file is missing
        created, updated = store_times(query_cache.engine)
        store.update(ok=True, newest_report_at=created.isoformat() if created else None,
                     newest_report_age_seconds=round((now - created).total_seconds(), 1) if created else None,
                     last_change_age_seconds=round((now - updated).total_seconds(), 1) if updated else None)
    except Exception as exc:  # any failure is "unavailable" here: the probe must answer, not raise
        store["error"] = str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__
    cache: dict = {"backend": "redis" if query_cache.redis_url_set else "memory", "ok": True}
    if query_cache.redis_url_set:
        cache["ok"] = query_cache.ping_redis()
        if not cache["ok"]:
            cache["fallback"] = "in-process cache and locks"
    reason = None
    if store["ok"]:  # the wall's rule (data_access/store/heartbeat.py): a quiet store whose writers beat is not stale
        after = timedelta(minutes=settings.stale_after_minutes)
        newest = datetime.fromisoformat(store["newest_report_at"]) if store.get("newest_report_at") else None
        try:
            reason, pipeline = staleness(newest, lambda: query_cache.pipeline_beat(now), now, after)
            if pipeline is not None and pipeline.known:
                store["heartbeat_at"] = pipeline.at.isoformat() if pipeline.at else None
                store["heartbeat_age_seconds"] = round((now - pipeline.at).total_seconds(), 1) if pipeline.at else None
        except Exception as exc:  # the store went away between the two questions
            store.update(ok=False, error=str(exc).splitlines()[0][:300] if str(exc) else type(exc).__name__)
    status = "unavailable" if not store["ok"] else ("degraded" if not cache["ok"] else "ok")
    body = {"status": status, "store": store, "cache": cache, "stale": reason is not None, "stale_reason": reason,
            "pid": os.getpid(), "at": now.isoformat()}
    return body, 200 if store["ok"] else 503


class ScrapeTimeGauges:
    """Gauges measured when Prometheus scrapes (they would not add up across processes as counters do)."""

    def __init__(self, query_cache: QueryCache) -> None:
        self.query_cache = query_cache

    def collect(self):
        up = GaugeMetricFamily("mimika_store_up", "1 when the store answered this scrape")
        age = GaugeMetricFamily("mimika_store_version_age_seconds",
                                "Seconds since the store last changed (newest updated_at)")
        newest = GaugeMetricFamily("mimika_store_newest_report_age_seconds", "Seconds since the newest report")
        cache_up = GaugeMetricFamily("mimika_cache_up", "1 when the shared cache (Redis) answers, or no Redis is set")
        now = self.query_cache.now()
        try:
            created, updated = store_times(self.query_cache.engine)
            up.add_metric([], 1)
            if updated is not None:
                age.add_metric([], max(0.0, (now - updated).total_seconds()))
            if created is not None:
                newest.add_metric([], max(0.0, (now - created).total_seconds()))
        except Exception:  # the store is away: say so with the gauge, never fail the scrape
            up.add_metric([], 0)
        cache_up.add_metric([], 1 if not self.query_cache.redis_url_set or self.query_cache.ping_redis() else 0)
        yield from (up, age, newest, cache_up)


def metrics_allowed(settings: Settings) -> bool:
    if settings.metrics_token:
        sent = request.headers.get("Authorization", "")
        return hmac.compare_digest(sent.encode(), f"Bearer {settings.metrics_token}".encode())
    return request.remote_addr in LOOPBACK and "X-Forwarded-For" not in request.headers


def metrics_text(query_cache: QueryCache) -> bytes:
    scrape = CollectorRegistry()
    scrape.register(ScrapeTimeGauges(query_cache))
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry) + generate_latest(scrape)
    return generate_latest(REGISTRY) + generate_latest(scrape)


def install(app: Dash, settings: Settings, query_cache: QueryCache) -> None:
    """Add /healthz and /metrics and the request log; call before auth.install so /metrics skips the login."""
    server = app.server

    @server.before_request
    def start_clock():
        g.mimika_started = time.perf_counter()
        if request.path == METRICS_PATH:
            if not metrics_allowed(settings):
                return Response(json.dumps({"error": "metrics: not for you"}), status=403,
                                mimetype="application/json")
            return Response(metrics_text(query_cache), content_type=CONTENT_TYPE_LATEST,
                            headers={"Cache-Control": "no-store"})
        return None

    @server.route(HEALTH_PATH)
    def healthz():
        body, status = health(query_cache, settings)
        return Response(json.dumps(body), status=status, mimetype="application/json",
                        headers={"Cache-Control": "no-store"})

    @server.after_request
    def record(response: Response) -> Response:
        started = g.pop("mimika_started", None)
        if started is None:
            return response
        seconds = time.perf_counter() - started
        path = request.path
        REQUEST_SECONDS.labels(route_label(path), str(response.status_code)).observe(seconds)
        fields = {"method": request.method, "path": path[:200], "status": response.status_code,
                  "ms": round(seconds * 1000, 1), "bytes": response.calculate_content_length(),
                  "addr": (request.remote_addr or "?")[:64]}
        viewer = getattr(g, "viewer", None)
        if viewer is not None:
            fields.update(user=viewer.name, role=viewer.role)
        if path == "/_dash-update-component" and response.status_code != 400:
            output, page = _callback_info()
            fields["callback"] = output
            if page:
                REFRESH_SECONDS.labels(page).observe(seconds)
                fields["refresh"] = page
        level = logging.DEBUG if path.startswith(QUIET_PREFIXES) and response.status_code < 400 else logging.INFO
        log.log(level, "%s %s %s %.0f ms", request.method, path[:200], response.status_code, seconds * 1000,
                extra=fields)
        return response

