"""Requests no page sends, refused with a 4xx before Dash meets them, instead of a 500 and a traceback in the log.

auth's guard already refuses bodies that cannot be a callback at all (not JSON, unknown output, wrong shape). What is
left here is what passes that check and still breaks Dash or our code further in:

- a string with half a surrogate pair: JSON may escape one ("\\ud83c"), and such a string cannot be encoded as
  UTF-8 anywhere (a cache key, a log line, the store);
- a page-routing request whose location is not what a browser sends (text starting with "/", bounded): Dash's
  router calls ``.startswith`` on it;
- a file under /_dash-component-suites/ that Dash does not serve (``metadata.json``, a made-up package): Dash raises
  DependencyException, a 500 without this.
"""

from __future__ import annotations

import json
import logging

from dash import Dash
from dash.exceptions import DependencyException
from flask import Response, request

log = logging.getLogger(__name__)
CALLBACK_PATH = "/_dash-update-component"
PAGES_LOCATION = "_pages_location"
MAX_PATHNAME = 2048  # browsers send far shorter paths; ours are at most /opd/<code>?…
MAX_SEARCH = 4096


def install(app: Dash) -> None:
    """Call after auth.install: an anonymous request is turned away by the guard before its body is walked."""
    app.server.before_request(refuse_unusable_callback)
    app.server.register_error_handler(DependencyException, not_a_bundle)


def refused(status: int, text: str) -> Response:
    return Response(json.dumps({"error": text}), status=status, mimetype="application/json")


def refuse_unusable_callback():
    if request.path != CALLBACK_PATH or request.method != "POST":
        return None
    body = request.get_json(silent=True, cache=True)  # the guard checked it is a JSON object within the limits
    if not isinstance(body, dict):
        return None
    problem = lone_surrogate(body) or routing_problem(body)
    if problem:
        log.info("callback request refused: %s", problem)
        return refused(400, problem)
    return None


def has_surrogate(text: str) -> bool:
    return not text.isascii() and any("\ud800" <= ch <= "\udfff" for ch in text)


def lone_surrogate(body: object) -> str | None:
    """Why ``body`` cannot be encoded (a string or key holding half a surrogate pair), else None.

    Iterative: the guard allows up to 5,000 brackets, deeper than Python's recursion limit."""
    pending = [body]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if has_surrogate(item):
                return "text with half a surrogate pair"
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return None


def routing_problem(body: dict) -> str | None:
    """Why the page router's location in ``body`` is not one a browser sends, else None."""
    for item in body.get("inputs") or []:
        if not isinstance(item, dict) or item.get("id") != PAGES_LOCATION:
            continue
        value, prop = item.get("value"), item.get("property")
        if prop == "pathname" and not (isinstance(value, str) and value.startswith("/")
                                       and len(value) <= MAX_PATHNAME):
            return "pathname is not a path"
        if prop == "search" and not (value is None or (isinstance(value, str) and len(value) <= MAX_SEARCH
                                                       and (value == "" or value.startswith("?")))):
            return "search is not a query string"
    return None


def not_a_bundle(exc: DependencyException) -> Response:
    log.info("no such component file: %s", request.path[:200])
    return refused(404, "no such file")
