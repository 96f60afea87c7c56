"""For gunicorn: `gunicorn -w 4 -b 0.0.0.0:8050 dashboard.wsgi:server` (set REDIS_URL to share the cache)."""

from callbacks.export_runner import start_forkserver
from callbacks.wall import start_warmer
from core.settings import Settings
from dashboard.app import create_app
from dashboard.sweeper import start_sweeper

settings = Settings.from_env()
if not settings.secret_key and not settings.demo:
    raise SystemExit("error: SECRET_KEY is not set; the dashboard will not start without it (see README)")
app = create_app(settings)
server = app.server
start_forkserver()  # the export children's parent, ready before the first export
start_sweeper(settings)
start_warmer(app.server.config["MIMIKA_QUERY_CACHE"], settings)
