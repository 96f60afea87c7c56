"""/publik/lapor and /publik/lacak: a citizen files a report and follows it, without login (Flask routes, no Dash).

Anyone may call both, so each is bounded and counted per address: a form post is at most ``FORM_MAX_BODY``,
every field has its limit, and an address gets ``REPORTS_PER_HOUR`` filings (``POSTS_PER_HOUR`` tries) and
``LOOKUPS_PER_WINDOW`` look-ups (core/rate_limit.py, the counter Open311's POSTs use). A filing goes through the
same writer as every other way in (Open311's submit: due times, default OPD, point-in-district, the timeline, an
intake record with its token), on channel ``web``. A look-up answers an unknown token and a malformed one with the
same page, and never names the report id, so the token is the only handle and there is none to walk.

The form is protected as /login is: a token kept in the session (its cookie is SameSite=Lax, so another site's
page cannot post with it) and a POST naming another origin is refused outright. The token doubles as the
filing's idempotency key: a second press of "Kirim" on a slow link answers with the first report's token.
"""

from __future__ import annotations

import logging
import re
import secrets

from flask import Flask, Response, request, session
from sqlalchemy.exc import SQLAlchemyError

from callbacks import page_data
from core.i18n import language, t
from core.rate_limit import RateLimiter
from core.rules import NO_DISTRICT
from core.settings import Settings
from data_access.intake import open311_store
from data_access.intake.bulk_load import DEMO_WEB_SOURCE
from data_access.intake.placing import WriterOnFirstUse
from data_access.queries.cache import QueryCache
from data_access.queries.tracking import tracked_report
from data_access.store.engine import StoreUnavailable
from layouts import citizen as view

log = logging.getLogger(__name__)
# An address filing more than this in an hour is not one person (mobile NAT shares a few); attempts, corrected
# mistakes included, get more room but are counted too, so a script cannot probe the form without end.
REPORTS_PER_HOUR, POSTS_PER_HOUR = 10, 30
LOOKUPS_PER_WINDOW, LOOKUP_WINDOW = 30, 900
FORM_MAX_BODY = 32 * 1024  # every field at its limit in UTF-8 fits with room to spare
FORM_TOKEN_KEY, LAST_FORM_TOKEN_KEY = "lapor_csrf", "lapor_csrf_sent"
TOKEN = re.compile(r"[A-Za-z0-9_\-]{1,64}")
_COORDINATE = re.compile(r"[+-]?[0-9]{1,3}(?:[.,][0-9]{1,12})?")
_PHONE = re.compile(r"\+?[0-9][0-9 ().\-]{4,30}")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")
_LINE_BREAK = re.compile("[\r\n\t]")


def _private(response: Response) -> Response:
    # A form carrying this visitor's token, or one report's status: never kept by a proxy or a shared browser cache.
    response.headers["Cache-Control"] = "no-store"
    return response


def client_address() -> str:
    return (request.remote_addr or "?")[:64]


class CitizenRoutes:
    def __init__(self, query_cache: QueryCache, settings: Settings) -> None:
        self.query_cache, self.settings = query_cache, settings
        self.limiter = RateLimiter(settings.redis_url)
        self.writer = WriterOnFirstUse(self.query_cache.engine, settings)
        self.source = DEMO_WEB_SOURCE if settings.demo else "web"


    # --- /publik/lacak ---------------------------------------------------------------------------------------

    def track(self) -> Response:
        lang = language(request.args.get("lang"))
        raw = request.args.get("token")
        if raw is None:
            return _private(Response(view.track_page(lang), mimetype="text/html"))
        _, left = counted = self.limiter.hit(f"lacak:{client_address()}", LOOKUP_WINDOW)
        if counted[0] > LOOKUPS_PER_WINDOW:
            response = Response(view.track_page(lang, outcome="throttled"), status=429, mimetype="text/html")
            response.headers["Retry-After"] = str(left)
            return _private(response)
        token = raw.strip()
        try:
            found = tracked_report(self.query_cache.engine, token, self.query_cache.now()) \
                if TOKEN.fullmatch(token) else None
        except (SQLAlchemyError, StoreUnavailable) as exc:
            log.warning("lacak: the store is unavailable: %s", str(exc).splitlines()[0] if str(exc) else exc)
            response = Response(view.track_page(lang, outcome="unavailable"), status=503, mimetype="text/html")
            response.headers["Retry-After"] = "30"
            return _private(response)
        if found is None:  # the same page whatever was typed: nothing tells a guess apart from a typo
            return _private(Response(view.track_page(lang, outcome="unknown"), status=404, mimetype="text/html"))
        return _private(Response(view.track_page(lang, token=token, found=found, outcome="found"),
                                 mimetype="text/html"))

    # --- /publik/lapor ---------------------------------------------------------------------------------------

    def report(self) -> Response:
        if request.method == "POST":
            return self.file_report()
        lang = language(request.args.get("lang"))
        try:
            return self.form(lang)
        except (SQLAlchemyError, StoreUnavailable):
            return self.unavailable(lang)

    def form(self, lang: str, values: dict | None = None, errors: dict | None = None, status: int = 200
             ) -> Response:
        token = session.get(FORM_TOKEN_KEY)
        if not isinstance(token, str) or not token:
            token = session[FORM_TOKEN_KEY] = secrets.token_urlsafe(24)
        lists = page_data.reference(self.query_cache)
        categories = sorted(((code, name_en if lang == "en" and name_en else name)
                             for code, name, name_en, _ in lists.categories), key=lambda item: item[1].casefold())
        districts = sorted(((code, name) for code, name, *_ in lists.districts if code != NO_DISTRICT),
                           key=lambda item: item[1].casefold())
        page = view.report_form(lang, categories=categories, districts=districts, csrf=token, values=values,
                                errors=errors)
        return _private(Response(page, status=status, mimetype="text/html"))

    def unavailable(self, lang: str) -> Response:
        body = f"<main><h1>{t('cit.report.title', lang)}</h1><p>{t('pub.unavailable', lang)}</p></main>"
        response = Response(view.document(t("cit.report.title", lang), body, lang), status=503,
                            mimetype="text/html")
        response.headers["Retry-After"] = "60"
        return _private(response)

    def file_report(self) -> Response:
        request.max_content_length = FORM_MAX_BODY
        request.max_form_memory_size = FORM_MAX_BODY
        lang = language(request.form.get("lang"))
        origin = request.headers.get("Origin")
        if origin is not None and origin.rstrip("/") != request.host_url.rstrip("/"):
            return _private(Response(t("cit.err.origin", lang), status=403, mimetype="text/plain"))
        posted, left = self.limiter.hit(f"lapor-post:{client_address()}", 3600)
        filed = self.limiter.count(f"lapor:{client_address()}", 3600)
        values = {name: str(request.form.get(name, ""))[:view.DESCRIPTION_MAX + 1] for name in
                  ("category", "description", "district", "address", "lat", "lon", "name", "phone", "anonymous")}
        try:
            if filed >= REPORTS_PER_HOUR or posted > POSTS_PER_HOUR:
                response = self.form(lang, values, {"form": "cit.err.throttled"}, status=429)
                response.headers["Retry-After"] = str(left)
                return response
            sent = request.form.get("csrf") or ""
            known = [session.get(FORM_TOKEN_KEY), session.get(LAST_FORM_TOKEN_KEY)]
            if not any(isinstance(k, str) and k and secrets.compare_digest(sent.encode(), k.encode())
                       for k in known):
                return self.form(lang, values, {"form": "cit.err.expired"}, status=400)
            lists = page_data.reference(self.query_cache)
            new, errors = parse_form(values, {code for code, *_ in lists.categories},
                                     {code for code, *_ in lists.districts if code != NO_DISTRICT})
            if errors:
                return self.form(lang, values, errors, status=400)
            now = self.query_cache.now()
            try:
                accepted = open311_store.submit(
                    self.query_cache.engine, self.writer(), new, source=self.source, now=now, idempotency_key=sent,
                    client_address=client_address(), via=("publik:lapor", "report_filed", "/publik/lapor"))
            except open311_store.IdempotencyConflict:  # this form was sent before, with other words
                session[FORM_TOKEN_KEY] = secrets.token_urlsafe(24)
                return self.form(lang, values, {"form": "cit.err.resent"}, status=409)
            due = tracked_report(self.query_cache.engine, accepted.token, now)
        except (SQLAlchemyError, StoreUnavailable) as exc:
            log.warning("lapor: the store is unavailable: %s", str(exc).splitlines()[0] if str(exc) else exc)
            return self.unavailable(lang)
        if not accepted.replayed:
            self.limiter.hit(f"lapor:{client_address()}", 3600)
        # The next form gets a new token; this one still answers a repeated press with the same report.
        session[LAST_FORM_TOKEN_KEY], session[FORM_TOKEN_KEY] = sent, secrets.token_urlsafe(24)
        page = view.filed_page(lang, token=accepted.token, response_due=due and due["response_due_at"],
                               resolution_due=due and due["resolution_due_at"])
        return _private(Response(page, status=201 if not accepted.replayed else 200, mimetype="text/html"))


def _text(values: dict, name: str, limit: int, errors: dict, *, lines: bool = False) -> str | None:
    value = values.get(name, "").strip()
    if not value:
        return None
    if len(value) > limit:
        errors[name] = f"cit.err.{name}.long"
    elif _CONTROL.search(value) or (not lines and _LINE_BREAK.search(value)):
        errors[name] = "cit.err.control"
    return value


def _coordinate(raw: str, limit: float) -> float | None:
    raw = raw.strip()
    if not _COORDINATE.fullmatch(raw):
        return None
    number = float(raw.replace(",", "."))
    return number if -limit <= number <= limit else None


def parse_form(values: dict, categories: set[str], districts: set[str]
               ) -> tuple[open311_store.NewRequest | None, dict[str, str]]:
    """The form's fields as a bounded NewRequest (channel ``web``), or the fields to fix, each with its message."""
    errors: dict[str, str] = {}
    category = values.get("category", "")
    if category not in categories:
        errors["category"] = "cit.err.category"
    description = _text(values, "description", view.DESCRIPTION_MAX, errors, lines=True)
    if description is None:
        errors["description"] = "cit.err.description"
    district = values.get("district", "") or None
    if district is not None and district not in districts:
        errors["district"] = "cit.err.district"
    address = _text(values, "address", view.ADDRESS_MAX, errors)
    lat_raw, lon_raw = values.get("lat", "").strip(), values.get("lon", "").strip()
    lat = lon = None
    if lat_raw or lon_raw:
        lat, lon = _coordinate(lat_raw, 90), _coordinate(lon_raw, 180)
        if lat is None or lon is None:
            errors["coords"] = "cit.err.coords"
    if district is None and address is None and lat is None and "coords" not in errors:
        errors["district"] = "cit.err.location"
    name = _text(values, "name", view.NAME_MAX, errors)
    phone = _text(values, "phone", view.PHONE_MAX, errors)
    if phone is not None and "phone" not in errors and not _PHONE.fullmatch(phone):
        errors["phone"] = "cit.err.phone"
    if errors:
        return None, errors
    return open311_store.NewRequest(
        service_code=category, description=description, lat=lat, lon=lon, address=address, channel="web",
        anonymous=bool(values.get("anonymous")), first_name=name, phone=phone, district_code=district), {}


def register(server: Flask, query_cache: QueryCache, settings: Settings) -> None:
    routes = CitizenRoutes(query_cache, settings)
    server.add_url_rule("/publik/lacak", "publik_lacak", routes.track, methods=["GET", "HEAD"])
    server.add_url_rule("/publik/lapor", "publik_lapor", routes.report, methods=["GET", "HEAD", "POST"])
