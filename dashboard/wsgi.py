"""The WSGI entry for gunicorn: `gunicorn dashboard.wsgi:server` (gunicorn.conf.py beside the repo sets it up).

Web only: no sweeper, no warmer, no scheduled job starts here, so N workers (or `--preload`) change nothing in
the background. One `python -m dashboard worker` per deployment does that work (see deploy/ and the README).
Set REDIS_URL to share the cache and locks between workers, BEHIND_PROXY=1 behind the reverse proxy of deploy/.
"""

import os

from callbacks.export_runner import start_forkserver
from core.settings import Settings
from dashboard.app import create_app

settings = Settings.from_env()
if not settings.secret_key and not settings.demo:
    raise SystemExit("error: SECRET_KEY is not set; the dashboard will not start without it (see README)")
app = create_app(settings)
server = app.server
if os.environ.get("BEHIND_PROXY", "0") == "1":
    # nginx sets X-Forwarded-For and -Proto: the client's address (login throttling, the access log) and https
    from werkzeug.middleware.proxy_fix import ProxyFix

    server.wsgi_app = ProxyFix(server.wsgi_app, x_for=1, x_proto=1, x_host=1)

start_forkserver()  # the export children's parent, ready before the first export
