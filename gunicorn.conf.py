"""gunicorn's configuration for the dashboard's web processes: `gunicorn -c gunicorn.conf.py` (from this folder).

Every value can be overridden from the environment (deploy/mimika.env) or on the command line. Web processes only
serve: the background work runs in the one `python -m dashboard worker` of the deployment.

Metrics: prometheus-client's multiprocess mode. PROMETHEUS_MULTIPROC_DIR (default: a fresh folder per master) is
set here, before any worker imports the app, so each worker — and the background worker, when it has the same
PROMETHEUS_MULTIPROC_DIR — writes its counters there and /metrics on any worker adds them all up. A worker that
exits is marked dead (child_exit) so its live gauges go; its counters stay counted.
"""

import os
import tempfile
from pathlib import Path

from dashboard.logs import logging_config

wsgi_app = "dashboard.wsgi:server"
bind = os.environ.get("BIND", "127.0.0.1:8050")
workers = int(os.environ.get("WEB_CONCURRENCY", "3"))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "8"))  # a wall tick mostly waits on the store or Redis
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))  # a worker stuck this long is killed and replaced
graceful_timeout = 30
keepalive = 5  # wall screens poll every few seconds: keep their connections open between ticks
# Recycling workers bounds a slow leak; off by default (each recycle closes the screens' kept-alive connections).
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "0"))
max_requests_jitter = max(0, max_requests // 10)
preload_app = False  # each worker opens its own database pool and Redis connections after the fork
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
logconfig_dict = logging_config()
# gunicorn's control socket defaults to one path per user (~/.gunicorn/gunicorn.ctl): two servers on a machine
# (web and a test, or two deployments) would take it from each other. Off unless a path is given.
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if not control_socket_disable:
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
accesslog = None  # dashboard/ops.py writes one JSON line per request, with the user
logger_class = "dashboard.logs.RedactingGunicornLogger"  # an access log turned on writes no kiosk token or api_key

_metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR") or tempfile.mkdtemp(prefix="mimika-metrics-")
os.environ["PROMETHEUS_MULTIPROC_DIR"] = _metrics_dir


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def on_starting(server):
    """Start from clean metric files, keeping those of processes still running (the background worker)."""
    folder = Path(_metrics_dir)
    folder.mkdir(parents=True, exist_ok=True)
    for path in folder.glob("*.db"):
        pid = path.stem.rsplit("_", 1)[-1]
        if not pid.isdigit() or not _alive(int(pid)):
            path.unlink(missing_ok=True)
    server.log.info("metrics of all workers in %s", folder)


def child_exit(server, worker):
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
