"""Secrets out of logs: a URL, a request line or a whole log message with the values of known secret query
parameters replaced, so a log file (or whoever reads it) never holds a kiosk token or an API key.

One function for every line that writes a URL: the request log of `serve` (dashboard/serving.py), gunicorn's access
log when one is configured (dashboard/logs.py), and the access_log table (data_access/accounts.log_access).
Imports nothing but the standard library: gunicorn's master loads it before any worker exists.
"""

from __future__ import annotations

import re

# kiosk: the wall screen's link; api_key: an Open311 POST; token/csrf/password: never ours in a URL, but a client
# that puts one there must not have it written down either.
SECRET_PARAMETERS = ("kiosk", "api_key", "apikey", "token", "access_token", "csrf", "password")
REDACTED = "[redacted]"
_NAMES = "|".join(SECRET_PARAMETERS)
# name=value after ? or & (or ;), and percent-encoded inside another parameter (/login?next=%2Fwall%3Fkiosk%3D…)
_PLAIN = re.compile(rf"(?i)((?:[?&;]|^)(?:{_NAMES})=)[^&#\s\"'<>]*")
_ENCODED = re.compile(rf"(?i)((?:%3F|%26)(?:{_NAMES})%3D)(?:(?!%26)[^&#\s\"'<>])*")


def redact_secrets(text: str | None) -> str | None:
    """``text`` with the value of every secret query parameter replaced by [redacted]; None stays None."""
    if not text:
        return text
    return _ENCODED.sub(rf"\g<1>{REDACTED}", _PLAIN.sub(rf"\g<1>{REDACTED}", text))
