"""The Open311 GeoReport v2 routes under /open311/v2/: parse → data_access → format, and nothing else.

Every answer, errors included, is an Open311 document in the format the path names (.xml or .json): the
blueprint's error handlers catch Werkzeug's own refusals (413 too large, 400 bad body, 405 method) and anything
unexpected, so a client never sees an HTML page or a traceback. Reads are public; POST needs an api_key, and a
logged-in session adds nothing to it.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, request
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from core.rate_limit import RateLimiter
from core.settings import Settings
from data_access.accounts import log_access
from data_access.intake import api_keys, open311_store
from data_access.intake.placing import WriterOnFirstUse
from data_access.queries.cache import QueryCache
from data_access.store.engine import StoreUnavailable
from open311 import documents, parse
from open311.formats import FORMATS, error_response, format_of, respond
from open311.parse import Open311Error

log = logging.getLogger(__name__)
# All routed here, so a wrong one gets an Open311 405; OPTIONS is ours too (the CORS preflight), not Flask's.
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
# CORS for the public reads: any page may fetch them, with the headers a reading script sends. Never POST: a key
# put in a web page is a key for everyone, so a browser on another origin gets no way to send one (see
# refuse_browser_posts).
READ_METHODS = "GET, HEAD, OPTIONS"
READ_HEADERS = "Accept, Accept-Language, Content-Language, If-None-Match, If-Modified-Since, X-Requested-With"
PREFLIGHT_MAX_AGE = "86400"
# A district office forwarding a day's outbox sends a few hundred at once and backs off on 429 (it honours
# Retry-After); a key guessed at from one address gets a few tries a quarter-hour, as the login page does.
REJECTED_KEYS_MAX, REJECTED_KEYS_WINDOW = 20, 900


def make_blueprint(query_cache: QueryCache, settings: Settings) -> Blueprint:
    bp = Blueprint("open311", __name__, url_prefix="/open311")
    routes = Open311Routes(query_cache, settings)
    bp.before_request(bound_the_body)
    bp.before_request(answer_preflight)
    bp.after_request(readable_anywhere)
    _route(bp, "discovery", routes.discovery)
    _route(bp, "services", routes.services)
    _route(bp, "services/<code>", routes.service_definition)
    _route(bp, "requests", routes.requests)
    _route(bp, "requests/<report_id>", routes.one_request)
    _route(bp, "tokens/<token>", routes.token)
    bp.add_url_rule("/<path:rest>", "unknown", unknown, methods=METHODS)
    bp.add_url_rule("/", "unknown", unknown, methods=METHODS)
    bp.register_error_handler(Open311Error, open311_error)
    bp.register_error_handler(HTTPException, http_error)
    bp.register_error_handler(Exception, unexpected)
    return bp


def _route(bp: Blueprint, path: str, view) -> None:
    """``view`` at /v2/<path> (the format from the Accept header) and at /v2/<path>.<fmt>."""
    bp.add_url_rule(f"/v2/{path}", view.__name__, view, methods=METHODS, defaults={"fmt": None})
    bp.add_url_rule(f"/v2/{path}.<fmt>", view.__name__, view, methods=METHODS)


def bound_the_body() -> None:
    request.max_content_length = parse.MAX_BODY
    request.max_form_memory_size = parse.MAX_BODY


def readable_anywhere(response: Response) -> Response:
    # The reads are public data: a citizen's map on another site may fetch them. POSTs carry a key and are
    # made by servers and apps, not by pages, so they get no CORS header.
    if request.method in ("GET", "HEAD"):
        response.headers["Access-Control-Allow-Origin"] = "*"
    return response


def answer_preflight() -> Response | None:
    """OPTIONS on a resource: 204 with its Allow; a CORS preflight for a read (GET or HEAD) also gets the reads'
    Access-Control-Allow-*. A preflight for anything else (a page asking to POST) gets none of them, so its
    browser does not send the request. An unknown path falls through to its 404."""
    if request.method != "OPTIONS" or request.endpoint in (None, "open311.unknown"):
        return None
    methods = "GET, POST, HEAD, OPTIONS" if request.endpoint == "open311.requests" else READ_METHODS
    response = Response(status=204, headers={"Allow": methods})
    if request.headers.get("Access-Control-Request-Method", "").strip().upper() in ("GET", "HEAD"):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Allow-Methods"] = READ_METHODS
        response.headers["Access-Control-Allow-Headers"] = READ_HEADERS
        response.headers["Access-Control-Max-Age"] = PREFLIGHT_MAX_AGE
    return response


def refuse_browser_posts() -> None:
    """403 for a POST a browser sends from a page of another site (it names that site in ``Origin``; servers,
    apps and the outbox forwarder send none). A form POST needs no preflight, so the preflight alone does not
    keep a page that holds a key from posting blindly."""
    origin = request.headers.get("Origin")
    if origin is not None and origin.rstrip("/") != request.host_url.rstrip("/"):
        raise Open311Error(403, "a POST from a web page of another site is not accepted: an api_key belongs to a "
                                "server or an app, never to a page")


def allow(fmt: str | None, *methods: str) -> str:
    """The format to answer in (the path's suffix, else the Accept header's choice), once the method is one
    of ``methods``."""
    if fmt is None:
        fmt = answer_format()
    elif fmt not in FORMATS:
        raise Open311Error(404, f"unknown format {fmt[:20]!r}: use .xml or .json")
    if request.method not in (*methods, "HEAD", "OPTIONS"):
        raise Open311Error(405, f"{request.method} is not allowed here; use {' or '.join(methods)}")
    return fmt


class Open311Routes:
    """The handlers of /open311/v2/: the reads, and the POST with its key check and throttles."""

    def __init__(self, query_cache: QueryCache, settings: Settings) -> None:
        self.query_cache, self.settings = query_cache, settings
        self.engine = query_cache.engine
        self.limiter = RateLimiter(settings.redis_url)
        self.writer = WriterOnFirstUse(self.engine, settings)


    # --- reads -------------------------------------------------------------------------------------------------------

    def discovery(self, fmt: str | None) -> Response:
        fmt = allow(fmt, "GET")
        return respond(fmt, "discovery", None, documents.discovery(request.url_root.rstrip("/") + "/open311/v2"))

    def services(self, fmt: str | None) -> Response:
        fmt = allow(fmt, "GET")
        items = [documents.service_item(row) for row in open311_store.services(self.engine)]
        return respond(fmt, "services", "service", items)

    def service_definition(self, code: str, fmt: str | None) -> Response:
        fmt = allow(fmt, "GET")
        if open311_store.service(self.engine, code) is None:
            raise Open311Error(404, f"service_code {code[:40]!r} not found")
        return respond(fmt, "service_definition", None, documents.service_definition(code))

    def requests(self, fmt: str | None) -> Response:
        """GET lists service requests, POST submits one."""
        fmt = allow(fmt, "GET", "POST")
        if request.method == "POST":
            return self.post_request(fmt)
        query = parse.request_query(request.args, open311_store.known_service_codes(self.engine),
                                    self.query_cache.now())
        return respond(fmt, "service_requests", "request", open311_store.service_requests(self.engine, query))

    def one_request(self, report_id: str, fmt: str | None) -> Response:
        fmt = allow(fmt, "GET")
        found = open311_store.service_request(self.engine, parse.request_id(report_id))
        if found is None:
            raise Open311Error(404, "service_request_id not found")
        return respond(fmt, "service_requests", "request", [found])

    def token(self, token: str, fmt: str | None) -> Response:
        fmt = allow(fmt, "GET")
        found = open311_store.request_for_token(self.engine, token) if parse.TOKEN.fullmatch(token) else None
        if found is None:
            raise Open311Error(404, "token not found")
        return respond(fmt, "service_requests", "request", [found])

    # --- the POST ----------------------------------------------------------------------------------------------------

    def post_request(self, fmt: str) -> Response:
        refuse_browser_posts()
        self.refuse_key_guessers()
        fields = parse.body_fields(request.mimetype, request.get_data(cache=True))
        source = self.authorised_source(fields.get("api_key") or request.args.get("api_key"))
        self.throttle_source(source)
        key = parse.idempotency_key(request.headers.get("Idempotency-Key"))
        now = self.query_cache.now()
        new = parse.new_request(fields, open311_store.known_service_codes(self.engine), now)
        try:
            accepted = open311_store.submit(self.engine, self.writer(), new, source=source, now=now,
                                            idempotency_key=key, client_address=client_address())
        except open311_store.IdempotencyConflict as exc:
            raise Open311Error(409, str(exc)) from None
        body = [{"service_request_id": str(accepted.service_request_id), "token": accepted.token,
                 "service_notice": accepted.service_notice, "account_id": None}]
        return respond(fmt, "service_requests", "request", body)

    def refuse_key_guessers(self) -> None:
        """429 for an address that sent too many wrong keys lately, before its body is even read."""
        if self.limiter.count(f"badkey:{client_address()}", REJECTED_KEYS_WINDOW) >= REJECTED_KEYS_MAX:
            raise Open311Error(429, "too many requests with a wrong api_key from this address; try again later",
                               retry_after=REJECTED_KEYS_WINDOW)

    def authorised_source(self, key: object) -> str:
        """The source whose active key ``key`` is; 403 (counted against the address, and logged) otherwise."""
        if not key:
            raise Open311Error(403, "api_key is required to POST a service request")
        found = api_keys.API_KEYS.owner(self.engine, str(key))
        if found is None or found[1]:
            self.limiter.hit(f"badkey:{client_address()}", REJECTED_KEYS_WINDOW)
            log_access(self.engine, "anonim" if found is None else f"apikey:{found[0]}", "apikey_rejected",
                       address=client_address(), detail="revoked" if found else "unknown key")
            raise Open311Error(403, "api_key is not valid (unknown or revoked)")
        return found[0]

    def throttle_source(self, source: str) -> None:
        """429 for a source past its posts a minute."""
        limit = self.settings.open311_posts_per_minute
        posted, left = self.limiter.hit(f"post:{source}", 60)
        if posted > limit:
            raise Open311Error(429, f"more than {limit} requests a minute from {source}; try again in {left} s",
                               retry_after=left)


def unknown(rest: str = "") -> Response:
    raise Open311Error(404, "no such Open311 resource; start at /open311/v2/discovery.xml")


# --- errors: every one an Open311 document in the format the path names --------------------------------------------


def open311_error(exc: Open311Error) -> Response:
    headers = {"Allow": "GET, POST" if request.path.split(".")[0].endswith("/requests") else "GET"} \
        if exc.status == 405 else None
    if exc.retry_after is not None:
        headers = {"Retry-After": str(exc.retry_after)}
    return error_response(answer_format(), exc.status, exc.description, headers)


def http_error(exc: HTTPException) -> Response:
    # Werkzeug's refusals (413 from max_content_length, 400 from a broken body, …) in the spec's format.
    status = exc.code or 400
    description = {413: f"the body is larger than {parse.MAX_BODY // 1024} KB"}.get(status, exc.description
                                                                                   or exc.name)
    return error_response(answer_format(), status, description)


def unexpected(exc: Exception) -> Response:
    if isinstance(exc, SQLAlchemyError | StoreUnavailable):
        log.warning("open311: the store is unavailable: %s", str(exc).splitlines()[0] if str(exc) else exc)
        return error_response(answer_format(), 503, "the store is unavailable; try again shortly",
                              {"Retry-After": "30"})
    log.exception("open311: unexpected error on %s %s", request.method, request.path)
    return error_response(answer_format(), 500, "internal error; it has been logged")


def answer_format() -> str:
    return format_of(request.path, request.accept_mimetypes)


def client_address() -> str:
    return (request.remote_addr or "?")[:64]
