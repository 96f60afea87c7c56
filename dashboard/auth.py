"""Access control for every route: logins (Flask-Login), wall kiosks, the guard, /login and /logout.

Flask-Login rather than dash-auth: our users are our own table with Argon2 hashes, the form must work without
JavaScript, and every Dash route must be guarded by what the callback asks for (a kiosk may run the wall's
refresh and nothing else), which a ``before_request`` guard sees and dash-auth's route list does not.

The guard sets ``flask.g.viewer`` on every request; callbacks read it through ``callbacks.viewer`` and nowhere
else. The session cookie holds only a signed session key (user id, password stamp and a session id whose hash is
in ``app_session``); the role and the OPDs come from the store on each request, so disabling a user, changing a
password or logging out (which deletes the session's row) takes effect at once, for every copy of the cookie.
"""

from __future__ import annotations

import html
import json
import logging
import secrets
import time
from urllib.parse import quote

from dash import Dash
from flask import Response, g, redirect, request, session
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from sqlalchemy.exc import SQLAlchemyError

from core.bounded import local_path
from core.i18n import language
from core.settings import Settings
from data_access import accounts
from data_access.accounts import ANONYMOUS, Viewer
from data_access.store.engine import StoreUnavailable
from open311.formats import error_response as open311_error
from open311.formats import format_of

log = logging.getLogger(__name__)
KIOSK_COOKIE = "mimika_kiosk"
KIOSK_COOKIE_DAYS = 400  # browsers cap cookie lifetimes at about 400 days
MAX_FAILURES = 5  # password checks per account and per network within accounts.THROTTLE_WINDOW (15 minutes)
CSRF_KEY = "csrf"  # the session's token for its logout form (layouts/components.logout_form reads it from g)
# /open311/ answers for itself: reads are public, a POST is authorised by its api_key and never by a session.
# A prefix ends in "/": "/publik" alone let /publikasi (Dash's index for any path) past the login.
PUBLIC_PREFIXES = ("/assets/", "/_dash-component-suites/", "/publik/", "/open311/")
PUBLIC_PATHS = frozenset({"/login", "/logout", "/_favicon.ico", "/favicon.ico", "/healthz", "/publik"})
WALL_PATHS = frozenset({"/", "/wall"})
DASH_SHELL = frozenset({"/_dash-layout", "/_dash-dependencies"})
CALLBACK_PATH = "/_dash-update-component"
PAGES_LOCATION = "_pages_location"
PAGES_CONTENT = "_pages_content"
MAX_CALLBACK_BODY = 2 * 1024 * 1024


class RememberedViewers:
    """Who a session or kiosk was at the last successful look-up, for when the store is away.

    Every request asks the store (so a revocation shows at the next refresh); only when the store cannot answer
    does a screen keep the viewer it had, so the wall can say "data tidak dapat diambil" with its last numbers
    instead of turning into a login page. It shows no data the viewer could not see a moment before.
    """

    def __init__(self, limit: int = 10_000, grace_seconds: float = 24 * 3600) -> None:
        self.limit, self.grace = limit, grace_seconds
        self._known: dict[str, tuple[Viewer | None, float]] = {}

    def lookup(self, key: str, fetch) -> Viewer | None:
        try:
            viewer = fetch()
        except (SQLAlchemyError, StoreUnavailable):
            hit = self._known.get(key)
            if hit is not None and time.monotonic() - hit[1] < self.grace:
                return hit[0]
            return None
        if len(self._known) >= self.limit:
            self._known.pop(next(iter(self._known)))
        self._known[key] = (viewer, time.monotonic())
        return viewer

    def forget(self, key: str) -> None:
        """A session that ended here must not come back while the store is away."""
        self._known.pop(key, None)


class SessionUser(UserMixin):
    def __init__(self, viewer: Viewer) -> None:
        self.viewer = viewer

    def get_id(self) -> str:
        return self.viewer.session_key


def landing(viewer: Viewer) -> str:
    """Where a viewer lands after logging in: their own OPD, the wall for operators, the briefing otherwise."""
    if viewer.role == "opd" and viewer.opds:
        return f"/opd/{sorted(viewer.opds)[0]}"
    if viewer.role == "operator":
        return "/wall"
    return "/briefing"


def client_address() -> str:
    # Behind the reverse proxy of deploy/, ProxyFix turns X-Forwarded-For into remote_addr; never trust it here.
    return (request.remote_addr or "?")[:64]


def install(app: Dash, settings: Settings, engine, kiosk_callbacks: set[str]) -> None:
    """Guard every route of ``app`` and add /login and /logout."""
    server = app.server
    configure_cookies(server, settings)
    gate = Gate(app, settings, engine, kiosk_callbacks)
    manager = LoginManager(server)
    manager.session_protection = "basic"
    manager.user_loader(gate.load_user)
    server.before_request(gate.refuse_malformed)
    server.before_request(gate.guard)
    server.after_request(security_headers)
    server.add_url_rule("/login", "login", gate.login, methods=["GET", "POST"])
    server.add_url_rule("/logout", "logout", gate.logout, methods=["GET", "POST"])


def configure_cookies(server, settings: Settings) -> None:
    """The session's signing key and the cookies' flags, and the largest request body."""
    secret = settings.secret_key
    if not secret:
        # Only serve/WSGI refuse to start without SECRET_KEY (outside demo mode); an app built in a test or a
        # demo gets a key of its own, so its sessions end with the process.
        secret = secrets.token_hex(32)
    server.config.update(
        SECRET_KEY=secret,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.cookie_secure,
        SESSION_COOKIE_NAME="mimika_session",
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=settings.cookie_secure,
        MAX_CONTENT_LENGTH=MAX_CALLBACK_BODY,
    )


def security_headers(response: Response) -> Response:
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    # The kiosk link carries its token once: never let it leave in a Referer header.
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response


def denied(status: int, text: str) -> Response:
    return Response(json.dumps({"error": text}), status=status, mimetype="application/json")


def html_response(status: int, title: str, body: str) -> Response:
    return Response(page_html(title, body), status=status, mimetype="text/html")


def page_router(app: Dash) -> str | None:
    """The callback-map key of Dash pages' router (it renders a page's layout into the page container)."""
    return next((key for key in app.callback_map if f"{PAGES_CONTENT}.children" in key.strip(".").split("...")),
                None)


def routing_path(body: dict) -> str | None:
    """The page path a Dash callback body routes to (the pages location's pathname), if it carries one."""
    for item in body.get("inputs") or []:
        if isinstance(item, dict) and item.get("id") == PAGES_LOCATION and item.get("property") == "pathname":
            return item.get("value") if isinstance(item.get("value"), str) else None
    return None


def without_kiosk_token() -> str:
    """The requested path and query without the kiosk token, so it leaves the address bar."""
    args = {k: v for k, v in request.args.items() if k != "kiosk"}
    query = "&".join(f"{quote(k)}={quote(v)}" for k, v in args.items())
    return request.path + (f"?{query}" if query else "")


class Gate:
    """Who is asking, and whether they may: the session and kiosk look-ups, the request guard, /login and /logout."""

    def __init__(self, app: Dash, settings: Settings, engine, kiosk_callbacks: set[str]) -> None:
        self.app, self.settings, self.engine = app, settings, engine
        self.kiosk_callbacks = kiosk_callbacks
        self.remembered = RememberedViewers()

    # --- who is asking ---------------------------------------------------------------------------------------------

    def load_user(self, session_key: str) -> SessionUser | None:
        """Flask-Login's user loader: the session's viewer, as the store says now."""
        viewer = self.remembered.lookup(f"s:{session_key}",
                                        lambda: accounts.viewer_for_session(self.engine, session_key))
        return SessionUser(viewer) if viewer is not None else None

    def kiosk_viewer(self, token: str) -> Viewer | None:
        found = accounts.KIOSKS.owner(self.engine, token)
        if found is None:
            return None
        name, revoked = found
        return Viewer(f"kiosk:{name}", "kiosk_revoked" if revoked else "kiosk")

    def resolve_viewer(self) -> Viewer:
        """The logged-in person, else the wall screen of the kiosk cookie, else anonymous."""
        if current_user.is_authenticated:
            return current_user.viewer
        token = request.cookies.get(KIOSK_COOKIE)
        if token:
            viewer = self.remembered.lookup("k:" + accounts.token_hash(token), lambda: self.kiosk_viewer(token))
            if viewer is not None:
                return viewer
        return ANONYMOUS

    # --- the guard ---------------------------------------------------------------------------------------------------

    def refuse_malformed(self):
        """Dash answers some malformed requests with a 500 before any of our code runs: turn them into 400s."""
        path = request.path
        if ".." in path or "\\" in path:
            if path.startswith("/open311/"):  # Open311 clients parse the spec's error document, not ours
                return open311_error(format_of(path), 400, "bad path")
            return denied(400, "bad path")
        if path == CALLBACK_PATH and request.method == "POST":
            problem = callback_problem(request, self.app)
            if problem:
                log.info("callback request refused: %s", problem)
                return denied(400, problem)
        return None

    def guard(self):
        """Every request: open the kiosk link, let public paths through, and hold everyone else to their role."""
        path = request.path
        # The kiosk link: remember the screen in a cookie, then drop the token from the address bar.
        if path in WALL_PATHS and request.args.get("kiosk"):
            return self.open_kiosk(request.args["kiosk"])
        if path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES):
            return None
        g.viewer = viewer = self.resolve_viewer()
        if current_user.is_authenticated:
            g.csrf_token = session.get(CSRF_KEY, "")
        is_dash = path.startswith("/_dash") or path.startswith("/_reload")
        if viewer.role == "anonymous":
            return send_to_login(path, is_dash)
        if viewer.role in ("kiosk", "kiosk_revoked"):
            return self.hold_kiosk_to_wall(viewer, path, is_dash)
        return None

    def hold_kiosk_to_wall(self, viewer: Viewer, path: str, is_dash: bool):
        """A wall screen gets the wall and its refreshes; a revoked one is told so."""
        if path in DASH_SHELL:
            return None
        if path == CALLBACK_PATH:
            return None if self.kiosk_may_call(callback_body()) else denied(403, "kiosk: wall only")
        if viewer.role == "kiosk_revoked" and not is_dash:
            return html_response(403, "Akses dicabut", "<p>Layar ini tidak lagi punya akses ke dinding. "
                                 "Hubungi admin Mimika Center.</p>")
        if path in WALL_PATHS:
            return None
        return redirect("/wall") if not is_dash else denied(403, "kiosk: wall only")

    def kiosk_may_call(self, body: dict) -> bool:
        """The wall's own callbacks, and Dash's page router rendering the wall: decided by the callback the server
        will run (``output``, its key in the callback map), never by a value the request carries. The router's
        pathname only narrows it (refuse_malformed has checked that the pathname sits where the router reads it)."""
        output = body.get("output")
        if output in self.kiosk_callbacks:
            return True
        return output == page_router(self.app) and routing_path(body) in WALL_PATHS

    def open_kiosk(self, token: str):
        """The kiosk link: check its token, log it, and remember the screen in a cookie."""
        try:
            found = accounts.KIOSKS.owner(self.engine, token)
        except (SQLAlchemyError, StoreUnavailable):
            return html_response(503, "Data tidak dapat diambil", "<p>Coba lagi sebentar lagi.</p>")
        if found is None or found[1]:
            accounts.log_access(self.engine, "anonim", "kiosk_token_rejected", address=client_address())
            return html_response(403, "Akses ditolak", "<p>Tautan layar ini tidak berlaku atau sudah dicabut.</p>")
        accounts.log_access(self.engine, f"kiosk:{found[0]}", "kiosk_token_used", address=client_address())
        response = redirect(without_kiosk_token())
        response.set_cookie(KIOSK_COOKIE, token, max_age=KIOSK_COOKIE_DAYS * 86400, httponly=True, samesite="Lax",
                            secure=self.settings.cookie_secure)
        return response

    # --- /login and /logout ----------------------------------------------------------------------------------------

    def login(self):
        """/login: GET shows the form, POST checks it (its token, the throttle, the password) and starts the
        session."""
        lang = language(request.args.get("lang") or request.form.get("lang"), self.settings.language)
        next_path = safe_next(request.values.get("next"))
        if request.method == "GET":
            return login_page(lang, next_path)
        # The token is the session's own; popping it ends it in the reply's cookie only, so a copy of the old
        # cookie still holds it: claim_login_attempt makes each token count once in the store.
        sent, expected = request.form.get("csrf") or "", session.pop("login_csrf", None) or ""
        issued = session.pop("login_csrf_at", 0)
        age = time.time() - issued if isinstance(issued, int | float) else -1
        # As bytes: compare_digest refuses str with non-ASCII text (a TypeError, so a 500, for "csrf=é")
        if not expected or not secrets.compare_digest(sent.encode(), expected.encode()) or not \
                0 <= age <= accounts.LOGIN_FORM_LIFETIME.total_seconds():  # a form we did not serve, or too old
            return login_page(lang, next_path, failed=True), 400
        name = (request.form.get("username") or "").strip()[:64]
        password = (request.form.get("password") or "")[: accounts.MAX_PASSWORD + 1]
        address = client_address()
        try:
            claimed = accounts.claim_login_attempt(self.engine, name, address, sent, MAX_FAILURES)
            if claimed is None:
                accounts.log_access(self.engine, name or "?", "login_form_replayed", address=address)
                return login_page(lang, next_path, failed=True), 400
            attempt, verdict = claimed
            if verdict == "throttled":
                accounts.finish_login_attempt(self.engine, attempt, "throttled")
                accounts.log_access(self.engine, name or "?", "login_throttled", address=address)
                return login_page(lang, next_path, throttled=True), 429
            try:
                if verdict != "check":
                    raise accounts.Busy("attempts in progress for this account or network")
                viewer = accounts.authenticate(self.engine, name, password)
            except accounts.Busy:
                accounts.finish_login_attempt(self.engine, attempt, "busy")
                return login_page(lang, next_path, busy=True), 503, {"Retry-After": "5"}
            if viewer is None:
                accounts.finish_login_attempt(self.engine, attempt, "failed")
                accounts.log_access(self.engine, name or "?", "login_failed", address=address)
                return login_page(lang, next_path, failed=True), 401
            accounts.finish_login_attempt(self.engine, attempt, "ok")
            viewer = accounts.open_session(self.engine, viewer)
        except (SQLAlchemyError, StoreUnavailable) as exc:
            log.warning("login: store unavailable: %s", str(exc).splitlines()[0] if str(exc) else exc)
            return login_page(lang, next_path, unavailable=True), 503
        return self.start_session(viewer, next_path, address)

    def start_session(self, viewer: Viewer, next_path: str | None, address: str):
        session.clear()
        login_user(SessionUser(viewer))
        session[CSRF_KEY] = secrets.token_urlsafe(24)
        accounts.log_access(self.engine, viewer.name, "login", address=address, detail=viewer.role)
        response = redirect(next_path or landing(viewer))
        response.delete_cookie(KIOSK_COOKIE)  # a person logging in on a wall screen takes the screen over
        return response

    def logout(self):
        """/logout: a POST with the session's token ends the session on the server (every copy of its cookie
        stops working); a GET only shows that form, so a link or an image elsewhere cannot log anyone out."""
        lang = language(request.args.get("lang") or request.form.get("lang"), self.settings.language)
        if not current_user.is_authenticated:
            session.clear()
            return redirect("/login")
        if request.method == "GET":
            return logout_page(lang)
        sent, expected = request.form.get("csrf") or "", session.get(CSRF_KEY) or ""
        if not expected or not secrets.compare_digest(sent, expected):
            return logout_page(lang, failed=True), 400
        viewer = current_user.viewer
        try:
            accounts.end_session(self.engine, viewer.session_key)
        except (SQLAlchemyError, StoreUnavailable) as exc:
            # The session is still valid on the server: say so and keep the form, rather than pretend.
            log.warning("logout of %s: store unavailable: %s", viewer.name, str(exc).splitlines()[0] if str(exc)
                        else exc)
            return logout_page(lang, unavailable=True), 503
        self.remembered.forget(f"s:{viewer.session_key}")
        try:
            accounts.log_access(self.engine, viewer.name, "logout", address=client_address())
        except (SQLAlchemyError, StoreUnavailable):
            log.warning("logout of %s not logged: the store is away", viewer.name)
        logout_user()
        session.clear()
        return redirect("/login")


def callback_body() -> dict:
    return request.get_json(silent=True, cache=True) or {}


def send_to_login(path: str, is_dash: bool):
    """An anonymous request: 401 for Dash's routes, a redirect to /login (and back) for a page."""
    if is_dash:
        return denied(401, "login required")
    target = request.full_path if request.query_string else path
    return redirect(f"/login?next={quote(target, safe='')}")


def login_page(lang: str, next_path: str | None, *, failed: bool = False, throttled: bool = False,
               unavailable: bool = False, busy: bool = False) -> str:
    texts = LOGIN_TEXT[lang]
    token = secrets.token_urlsafe(24)
    session["login_csrf"], session["login_csrf_at"] = token, int(time.time())
    message = ""
    if unavailable:
        message = f'<p class="error" role="alert">{texts["unavailable"]}</p>'
    elif busy:
        message = f'<p class="error" role="alert">{texts["busy"]}</p>'
    elif throttled:
        message = f'<p class="error" role="alert">{texts["throttled"]}</p>'
    elif failed:
        message = f'<p class="error" role="alert">{texts["failed"]}</p>'
    other = "en" if lang == "id" else "id"
    hidden = f'<input type="hidden" name="next" value="{html.escape(next_path)}">' if next_path else ""
    body = f"""
<form method="post" action="/login" class="login">
  <h1>Mimika Center</h1>
  <p class="sub">{texts["subtitle"]}</p>
  {message}
  <label for="username">{texts["username"]}</label>
  <input id="username" name="username" autocomplete="username" required maxlength="64" autofocus>
  <label for="password">{texts["password"]}</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024">
  <input type="hidden" name="csrf" value="{token}">
  <input type="hidden" name="lang" value="{lang}">
  {hidden}
  <button type="submit">{texts["submit"]}</button>
  <p class="links"><a href="/login?lang={other}">{texts["other"]}</a> · <a href="/publik">{texts["public"]}</a></p>
</form>"""
    return page_html(texts["title"], body, lang)


def logout_page(lang: str, *, failed: bool = False, unavailable: bool = False) -> str:
    """The form /logout answers a GET with (and a POST it could not act on): one button that POSTs the token."""
    texts = LOGIN_TEXT[lang]
    message = ""
    if unavailable:
        message = f'<p class="error" role="alert">{texts["logout_unavailable"]}</p>'
    elif failed:
        message = f'<p class="error" role="alert">{texts["logout_again"]}</p>'
    token = html.escape(session.get(CSRF_KEY, ""))
    body = f"""
<form method="post" action="/logout" class="login">
  <h1>Mimika Center</h1>
  <p class="sub">{texts["logout_question"]}</p>
  {message}
  <input type="hidden" name="csrf" value="{token}">
  <input type="hidden" name="lang" value="{lang}">
  <button type="submit">{texts["logout"]}</button>
</form>"""
    return page_html(texts["logout_title"], body, lang)


MAX_BRACKETS = 5000  # a wall refresh sends about 200; a 100k-deep JSON document is an attack, not a screen


def callback_problem(req, app: Dash) -> str | None:
    """Why a /_dash-update-component body cannot be a request our pages send, or None when it can."""
    raw = req.get_data(cache=True, as_text=True)
    if raw.count("[") + raw.count("{") > MAX_BRACKETS:
        return "body too complex"
    try:
        body = json.loads(raw)
    except (ValueError, RecursionError):
        return "body is not JSON"
    if not isinstance(body, dict):
        return "body is not an object"
    output = body.get("output")
    if not isinstance(output, str) or "callback" not in app.callback_map.get(output, {}):
        return "unknown output"  # not a callback, or one that runs in the browser only
    if not isinstance(body.get("outputs"), dict | list):
        return "outputs missing"
    for part in ("inputs", "state"):
        items = body.get(part, [])
        if not isinstance(items, list) or not all(isinstance(i, dict) and "id" in i and "property" in i
                                                  for i in items):
            return f"{part} malformed"
    spec = app.callback_map[output]
    # Dash hands the values to the callback by position: each must come from the component and property the
    # callback listens to there, or a value could stand in for another (the kiosk's /wall pathname did).
    for part in ("inputs", "state"):
        sent, wanted = body.get(part) or [], spec.get(part, [])
        if len(sent) != len(wanted) or not all(same_dependency(i, w) for i, w in zip(sent, wanted, strict=True)):
            return f"{part} do not match the callback"
    if not isinstance(body.get("changedPropIds", []), list):
        return "changedPropIds malformed"
    return None


def same_dependency(sent: dict, wanted: dict) -> bool:
    """Whether an input or state item of a request names the component and property the callback declared (for
    a pattern-matching id, every key it names, with the same value where the pattern is not a wildcard)."""
    if sent.get("property") != wanted.get("property"):
        return False
    want_id = wanted.get("id")
    if isinstance(want_id, str) and not want_id.startswith("{"):
        return sent.get("id") == want_id
    try:
        pattern = json.loads(want_id) if isinstance(want_id, str) else want_id
    except ValueError:
        return False
    got = sent.get("id")
    return (isinstance(pattern, dict) and isinstance(got, dict) and got.keys() == pattern.keys()
            and all(isinstance(v, list) or got[k] == v for k, v in pattern.items()))  # [MATCH], [ALL]: any value


def safe_next(raw: str | None) -> str | None:
    """A local path to return to after login; anything that could leave the site is dropped (core.bounded)."""
    return local_path(raw)


# The login page's words: (Bahasa Indonesia, English) for each key.
_LOGIN_WORDS = {
    "title": ("Masuk · Mimika Center", "Log in · Mimika Center"),
    "subtitle": ("Dasbor pengaduan masyarakat Kabupaten Mimika", "Citizen complaints dashboard, Mimika Regency"),
    "username": ("Nama pengguna", "User name"), "password": ("Kata sandi", "Password"), "submit": ("Masuk", "Log in"),
    "failed": ("Nama pengguna atau kata sandi salah.", "Wrong user name or password."),
    "throttled": ("Terlalu banyak percobaan gagal. Coba lagi dalam 15 menit.",
                  "Too many failed attempts. Try again in 15 minutes."),
    "other": ("English", "Bahasa Indonesia"), "public": ("Data publik", "Public data"),
    "unavailable": ("Data tidak dapat diambil saat ini. Coba lagi sebentar lagi.",
                    "The data cannot be reached right now. Try again shortly."),
    "busy": ("Server sedang sibuk. Coba lagi dalam beberapa detik.", "The server is busy. Try again in a few seconds."),
    "logout_title": ("Keluar · Mimika Center", "Log out · Mimika Center"),
    "logout_question": ("Keluar dari Mimika Center di peramban ini?", "Log out of Mimika Center in this browser?"),
    "logout": ("Keluar", "Log out"),
    "logout_again": ("Formulir ini tidak berlaku lagi. Tekan Keluar sekali lagi.",
                     "This form is no longer valid. Press Log out once more."),
    "logout_unavailable": ("Data tidak dapat diambil: sesi Anda belum diakhiri. Coba lagi sebentar lagi.",
                           "The data cannot be reached: your session has not ended yet. Try again shortly."),
}
LOGIN_TEXT = {lang: {key: pair[i] for key, pair in _LOGIN_WORDS.items()} for i, lang in enumerate(("id", "en"))}

PAGE_STYLE = """
body{margin:0;font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#0f1a24;color:#e8eef3;
display:flex;min-height:100vh;align-items:center;justify-content:center}
.login,.notice{background:#172633;padding:2rem 2.25rem;border-radius:10px;width:min(22rem,90vw);
box-shadow:0 10px 30px rgba(0,0,0,.35)}
h1{margin:0 0 .25rem;font-size:1.6rem}.sub{margin:0 0 1.25rem;color:#9fb3c2;font-size:.95rem}
label{display:block;margin:.75rem 0 .3rem;font-size:.95rem}
input{width:100%;box-sizing:border-box;padding:.6rem .7rem;font-size:1rem;border-radius:6px;border:1px solid #4a6275;
background:#0f1a24;color:#e8eef3}
button{margin-top:1.25rem;width:100%;padding:.7rem;font-size:1.05rem;border:0;border-radius:6px;background:#56B4E9;
color:#0f1a24;font-weight:600;cursor:pointer}
.error{background:#5a1f1f;color:#ffd7d7;padding:.6rem .75rem;border-radius:6px}
.links{margin-top:1rem;font-size:.9rem;text-align:center}a{color:#9fd3f5}
"""


def page_html(title: str, body: str, lang: str = "id") -> str:
    # <main>: a screen reader's "skip to content" and axe's landmark rules find the form or notice there
    if "<form" not in body:
        body = f'<div class="notice"><h1>{html.escape(title)}</h1>{body}</div>'
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">'
            f'<meta name="viewport" content="width=device-width,initial-scale=1">'
            f"<title>{html.escape(title)}</title><style>{PAGE_STYLE}</style></head><body><main>{body}</main></body></html>")
