"""The Prometheus metrics every layer counts into; /metrics (dashboard/ops.py) exposes them.

Definitions only, so the store layer can count its queries without knowing about the web. Under gunicorn,
``PROMETHEUS_MULTIPROC_DIR`` (set by gunicorn.conf.py before any worker imports this) makes every process write
its counters to files in that folder and /metrics adds them up across workers and the background worker.
Only counters and histograms live here: they add up across processes; gauges are computed when scraped.
"""

from __future__ import annotations

from prometheus_client import Counter, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)

STORE_QUERIES = Counter("mimika_store_queries", "Queries that reached the database (cache misses that ran)",
                        ["query"])
DB_STATEMENTS = Counter("mimika_db_statements", "Every SQL statement sent to the store (version checks, logins, "
                        "queries, writes)")
STORE_ERRORS = Counter("mimika_store_errors", "Times the store could not be reached or failed a query")
CACHE_REQUESTS = Counter("mimika_cache_requests", "Query-cache look-ups by result (hit or miss)", ["result"])
CACHE_FALLBACKS = Counter("mimika_cache_fallbacks", "Cache operations served in-process because Redis was away")
REFRESH_SECONDS = Histogram("mimika_refresh_seconds", "Server time of one page refresh callback", ["page"],
                            buckets=LATENCY_BUCKETS)
REQUEST_SECONDS = Histogram("mimika_request_seconds", "Server time of one HTTP request", ["route", "status"],
                            buckets=LATENCY_BUCKETS)
SWEEPS = Counter("mimika_swept_reports", "Reports written directly by intake systems and completed by the sweep")
JOB_RUNS = Counter("mimika_worker_job_runs", "Background job runs by job and outcome", ["job", "outcome"])
