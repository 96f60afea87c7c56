"""/publik and its open data: Flask routes (no Dash, no login), cached hard so public traffic never slows the wall.

The figures are computed once per ``PUBLIC_BUCKET_SECONDS`` whatever the number of visitors (single flight through
the query cache, shared by every worker when Redis is configured), and a reverse proxy may keep the answer for
``MAX_AGE`` seconds. When the store is away the last figures this process computed are served, with their own
"data as of" time, rather than an error page.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, request

from core.i18n import language, t
from core.settings import Settings
from data_access.queries.cache import QueryCache
from data_access.queries.public import public_figures
from data_access.rulebook.scope import Filters, Scope
from data_access.store.engine import StoreUnavailable
from layouts import public as view

log = logging.getLogger(__name__)
PUBLIC_BUCKET_SECONDS = 900
MAX_AGE = 300
PUBLIC_SCOPE = Scope(None, False, "publik", public=True)


class PublicFiguresCache:
    """The public figures of the current bucket; the last good ones while the store is away."""

    def __init__(self, query_cache: QueryCache, settings: Settings) -> None:
        self.query_cache, self.settings = query_cache, settings
        self._last = None
        self._lock = threading.Lock()

    def get(self):
        now = self.query_cache.now()
        bucket = int(now.timestamp()) // PUBLIC_BUCKET_SECONDS
        # "now" is the bucket's start, so every visitor of a bucket sees the same figures and the same as-of time.
        at = datetime.fromtimestamp(bucket * PUBLIC_BUCKET_SECONDS, tz=now.tzinfo)
        try:
            figures = self.query_cache.memo(
                ("publik", bucket, self.settings.suppress_below),
                lambda: self._compute(at))
        except StoreUnavailable:
            with self._lock:
                if self._last is None:
                    raise
                log.warning("publik: the store is away; serving the figures of %s", self._last.now.isoformat())
                return self._last
        with self._lock:
            self._last = figures
        return figures

    def _compute(self, at: datetime):
        from sqlalchemy.exc import SQLAlchemyError

        try:
            return public_figures(self.query_cache.engine, Filters(), PUBLIC_SCOPE, at,
                                  suppress_below=self.settings.suppress_below)
        except SQLAlchemyError as exc:
            raise StoreUnavailable(str(getattr(exc, "orig", exc)).splitlines()[0]) from exc


def _cached(response: Response) -> Response:
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response.headers["Vary"] = "Accept-Encoding"
    return response


def register(server: Flask, query_cache: QueryCache, settings: Settings) -> None:
    figures = PublicFiguresCache(query_cache, settings)

    def unavailable(lang: str) -> Response:
        body = f"<main><h1>{t('pub.title', lang)}</h1><p>{t('pub.unavailable', lang)}</p></main>"
        response = Response(view.document(t("pub.title", lang), body, lang), status=503, mimetype="text/html")
        response.headers["Retry-After"] = "60"
        return response

    def answer(lang: str, build: Callable[[Any], Response]) -> Response:
        """``build``'s response from the current public figures (cacheable), or the page saying the store is away."""
        try:
            found = figures.get()
        except StoreUnavailable:
            return unavailable(lang)
        return _cached(build(found))

    @server.route("/publik", methods=["GET", "HEAD"])
    @server.route("/publik/", methods=["GET", "HEAD"])
    def public_page():
        lang = language(request.args.get("lang"))
        other = "/publik?" + urlencode({"lang": "en" if lang == "id" else "id"})
        return answer(lang, lambda found: Response(view.page(found, lang, other_lang_href=other),
                                                   mimetype="text/html"))

    @server.route("/publik/data.csv", methods=["GET", "HEAD"])
    def public_csv():
        return answer("id", _open_data_csv)

    @server.route("/publik/data.json", methods=["GET", "HEAD"])
    def public_json():
        return answer("id", lambda found: _licensed(Response(view.open_data_json(found),
                                                             mimetype="application/json")))


def _open_data_csv(found) -> Response:
    response = Response(view.open_data_csv(found), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{view.open_data_filename(found, "csv")}"'
    return _licensed(response)


def _licensed(response: Response) -> Response:
    """The licence as a header field (RFC 8288 rel="license"), with data.json's meta (publisher, suppression
    threshold, notes) as the file that describes the data: a CSV starts with its own header row."""
    response.headers["Link"] = f'<{view.LICENCE_URL}>; rel="license", </publik/data.json>; rel="describedby"'
    return response
