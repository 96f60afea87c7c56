"""Operations on every web process: /healthz, /metrics (Prometheus), and one structured log line per request.

- ``/healthz`` (public): is the store reachable, how old is its newest report, is the cache (Redis) reachable.
  JSON; 200 while the store answers (``"status": "degraded"`` when Redis is away: the app keeps serving from its
  in-process cache), 503 when it does not — a load balancer takes that process out, not the whole site.
- ``/metrics``: the Prometheus text format. Counters and histograms come from core.prometheus_metrics, added up across
  gunicorn workers (and the background worker) when ``PROMETHEUS_MULTIPROC_DIR`` is set (gunicorn.conf.py);
  gauges (store up, newest data age, cache up, surge alerts) are measured at scrape time. Who may read it: with
  ``METRICS_TOKEN`` set, whoever sends ``Authorization: Bearer <token>``; without it, only a direct connection
  from the machine itself (loopback, no X-Forwarded-For: a request relayed by the reverse proxy is not local).
  Every label value comes from a fixed set (``request_labels``): the app's routes, pages and callbacks, or "other".
- Every request is logged as JSON (logger ``mimika.request``): method, path, status, milliseconds, bytes, the
  viewer (``flask.g.viewer``: user name and role) and, for callbacks, which one.
"""

from __future__ import annotations

import hmac
import json
import logging
import os
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

import dash
from dash import Dash
from flask import Response, g, request
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily
from werkzeug.exceptions import HTTPException

from core.prometheus_metrics import REFRESH_SECONDS, REQUEST_SECONDS
from core.settings import Settings
from data_access.queries.cache import QueryCache
from data_access.queries.surges import surge_alerts
from data_access.queries.version import store_times
from data_access.rulebook.scope import Filters, Scope
from data_access.store.heartbeat import staleness

log = logging.getLogger("mimika.request")
HEALTH_PATH = "/healthz"
METRICS_PATH = "/metrics"
LOOPBACK = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1"})
STATIC_PREFIXES = ("/_dash-component-suites/", "/assets/", "/static/")
QUIET_PREFIXES = ("/_dash-component-suites/", "/assets/", "/_favicon", "/favicon", HEALTH_PATH, METRICS_PATH)


OTHER = "other"  # every request or callback the app does not know shares this one label
CALLBACK_PATH = "/_dash-update-component"
DASH_CATCH_ALL = frozenset({"/", "/<path:path>"})  # Dash's index routes: the page registry says which page


@dataclass(frozen=True)
class RequestLabels:
    """What /metrics and the request log say about one request, each from a fixed set."""

    route: str
    callback: str | None = None  # a callback request's registered output (its first id), else OTHER
    refresh: str | None = None  # the page whose interval that callback serves, if it has one


def request_labels(app: Dash, status: int) -> RequestLabels:
    """The one mapping from a request to its labels: never the raw path or a value the browser sent, or anyone
    could grow /metrics (and the process) without bound with ``curl /_dash<random>`` or a forged callback body.

    ``route``: "static" for bundles and assets; the rule Flask matched (Dash's own routes without their slash,
    the API's rules as written); for Dash's catch-all, the registered page's path or template; else OTHER.
    ``callback`` and ``refresh`` come from the app's callback map, looked up by the body's output: the refreshed
    page is read from the registered callback's own interval input, not from the ids the body names.
    """
    route = _route(app)
    if request.path != CALLBACK_PATH or 400 <= status < 500:  # a refused body may not even be readable
        return RequestLabels(route)
    try:  # Dash and the guard parsed it already (cached)
        body = request.get_json(silent=True, cache=True)
    except (ValueError, RecursionError, HTTPException):  # HTTPException: over the size limit (413)
        body = None
    output = body.get("output") if isinstance(body, dict) else None
    spec = app.callback_map.get(output) if isinstance(output, str) else None
    if spec is None:
        return RequestLabels(route, OTHER)
    pages = [item["id"].removesuffix("-interval")[:30] for item in spec.get("inputs", [])
             if item.get("property") == "n_intervals" and isinstance(item.get("id"), str)]
    return RequestLabels(route, output.strip(".").split(".")[0][:60], pages[0] if pages else None)


def _route(app: Dash) -> str:
    path = request.path
    if path in (HEALTH_PATH, METRICS_PATH):  # answered before routing (/metrics) or a rule of ours (/healthz)
        return path
    if path.startswith(STATIC_PREFIXES):
        return "static"
    rule = request.url_rule.rule if request.url_rule is not None else None
    if rule is None:
        return OTHER
    if rule in DASH_CATCH_ALL:
        return _page(path)
    return rule.lstrip("/") if rule.startswith("/_") else rule


def _page(path: str) -> str:
    """The registered page ``path`` renders (its path, or its template such as /opd/<code>), else OTHER."""
    wanted = path.strip("/").split("/")
    for page in dash.page_registry.values():
        template = page.get("path_template")
        if template:
            parts = template.strip("/").split("/")
            if len(parts) == len(wanted) and all(p == w or (p.startswith("<") and w)
                                                 for p, w in zip(parts, wanted, strict=True)):
                return template
        elif page.get("path", "").strip("/").split("/") == wanted:
            return page["path"]
    return OTHER


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
        # Labelled by the reference codes only (18 districts and "luar", the categories): a bounded set.
        surges = GaugeMetricFamily("mimika_surge_alert", "1 for each district × category in surge now (the wall's "
                                   "surge alert)", labels=["district", "category"])
        surge_count = GaugeMetricFamily("mimika_surge_alerts_active", "District × category cells in surge now")
        now = self.query_cache.now()
        try:
            created, updated = store_times(self.query_cache.engine)
            up.add_metric([], 1)
            if updated is not None:
                age.add_metric([], max(0.0, (now - updated).total_seconds()))
            if created is not None:
                newest.add_metric([], max(0.0, (now - created).total_seconds()))
            alerts = self.query_cache.query(surge_alerts, Filters(), Scope.wall(), self.query_cache.version(), now)
            for row in alerts.itertuples(index=False):
                surges.add_metric([row.district_code, row.category_code], 1)
            surge_count.add_metric([], len(alerts))
        except Exception:  # the store is away: say so with the gauge, never fail the scrape
            up.add_metric([], 0)
        cache_up.add_metric([], 1 if not self.query_cache.redis_url_set or self.query_cache.ping_redis() else 0)
        yield from (up, age, newest, cache_up, surges, surge_count)


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
        labels = request_labels(app, response.status_code)
        REQUEST_SECONDS.labels(labels.route, str(response.status_code)).observe(seconds)
        fields = {"method": request.method, "path": path[:200], "status": response.status_code,
                  "ms": round(seconds * 1000, 1), "bytes": response.calculate_content_length(),
                  "addr": (request.remote_addr or "?")[:64]}
        viewer = getattr(g, "viewer", None)
        if viewer is not None:
            fields.update(user=viewer.name, role=viewer.role)
        if labels.callback is not None:
            fields["callback"] = labels.callback
        if labels.refresh is not None:
            REFRESH_SECONDS.labels(labels.refresh).observe(seconds)
            fields["refresh"] = labels.refresh
        level = logging.DEBUG if path.startswith(QUIET_PREFIXES) and response.status_code < 400 else logging.INFO
        log.log(level, "%s %s %s %.0f ms", request.method, path[:200], response.status_code, seconds * 1000,
                extra=fields)
        return response

