"""Structured logs: one JSON object a line (the request, the user, the timings), for journald or a log shipper.

Imports nothing of the app but core.redact (standard library only), so gunicorn's master can load it from
gunicorn.conf.py before any worker exists.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time

from gunicorn.glogging import Logger as GunicornLogger

from core.redact import redact_secrets

# The attributes every LogRecord has; anything else passed in ``extra=`` becomes a field of the JSON line.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """``{"ts": …, "level": …, "logger": …, "msg": …, **extra}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created)) + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "pid": record.process,
            "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and not key.startswith("_"):
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


def logging_config(level: str | None = None) -> dict:
    """A ``logging.config.dictConfig`` dict: JSON lines on stderr (gunicorn.conf.py hands it to gunicorn too)."""
    level = (level or os.environ.get("LOG_LEVEL") or "INFO").upper()
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stderr"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": JsonFormatter}},
        "handlers": {"stderr": handler},
        "root": {"level": level, "handlers": ["stderr"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["stderr"], "propagate": False},
            # Our own request line (dashboard/ops.py) says more than gunicorn's access log; keep that one quiet.
            "gunicorn.access": {"level": "WARNING", "handlers": ["stderr"], "propagate": False},
            "werkzeug": {"level": "WARNING"},
        },
    }


class RedactingGunicornLogger(GunicornLogger):
    """gunicorn's logger (gunicorn.conf.py's ``logger_class``) with secrets out of the access log: off by default
    (ops.py writes the request line, path only), but ``--access-logfile`` turns it on, and its request line,
    query string and referer would carry a kiosk token or an Open311 api_key in full."""

    def atoms(self, resp, req, environ, request_time):
        return {key: redact_secrets(value) if isinstance(value, str) else value
                for key, value in super().atoms(resp, req, environ, request_time).items()}


def configure_logging(level: str | None = None) -> None:
    import logging.config

    logging.config.dictConfig(logging_config(level))
    logging.captureWarnings(True)
    sys.excepthook = _log_uncaught


def _log_uncaught(kind, value, traceback) -> None:
    logging.getLogger("mimika").critical("uncaught exception", exc_info=(kind, value, traceback))
