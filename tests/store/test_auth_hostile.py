"""Issue #23 items 5, 6 and 8 as an attacker meets them, through the real app on SQLite and PostgreSQL: where a
login may send the browser, whether a logout ends the session on the server, and whether the login throttle can
be outrun by a burst, a replayed form or an IPv6 block."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from core.bounded import local_path
from dashboard.auth import MAX_FAILURES, safe_next
from data_access import accounts
from data_access.store.schema import AccessLog, AppSession, AppUser
from tests.support.dash_app import callback_body, get_app, raw_post, url

PASSWORD = "kata-sandi-kuat"


@pytest.fixture
def app_and_engine(empty_store, fresh_page_registry):
    app, _ = get_app(url(empty_store))
    accounts.add_user(empty_store, "bupati", "pimpinan", PASSWORD)
    return app, empty_store


def login_form(client, query: str = "") -> str:
    page = client.get("/login" + query).get_data(as_text=True)
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def login(client, name: str, password: str, *, address: str = "10.0.0.1", next_path: str | None = None):
    data = {"username": name, "password": password, "csrf": login_form(client)}
    if next_path is not None:
        data["next"] = next_path
    return client.post("/login", data=data, environ_base={"REMOTE_ADDR": address})


# --- item 5: the open redirect after login ----------------------------------------------------------------------

# Each leaves the site in some browser: tabs and line breaks are dropped before parsing, a backslash reads as a
# slash, a scheme or a second slash names another host; the escaped forms are what a link carries.
LEAVING = [
    "/\t/evil.example/phish", "/\n/evil.example", "/\r/evil.example", "/\r\n/evil.example", "\t//evil.example",
    "/%09/evil.example/phish", "/%0a/evil.example", "/%0d/evil.example", "/%0D%0A/evil.example",
    "//evil.example", "///evil.example", "/\\evil.example", "\\/evil.example", "\\\\evil.example",
    "/%2F/evil.example", "/%2f%2fevil.example", "%2F%2Fevil.example", "/%5Cevil.example", "/%5cevil.example",
    "/%252F/evil.example", "https://evil.example", "http:evil.example", "https:/evil.example",
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", " /evil.example", "/ /evil.example",
    "/\x00/evil.example", "/\x0b/evil.example", "/\x0c/evil.example", "/\x7f/evil.example",
    "/\u2028/evil.example", "/\u3000/evil.example", "/\uff0f/evil.example", "\uff0f\uff0fevil.example",
    "/" + "a" * 600, "", "evil.example", "?next=//evil.example", "#//evil.example",
]
STAYING = ["/opd/PUPR?period=week", "/briefing", "/report/12", "/wall?lang=en", "/explorer?district=94.04.01",
           "/sla?period=custom&start=2026-11-01&end=2026-11-22"]


@pytest.mark.parametrize("raw", LEAVING)
def test_item5_next_that_leaves_the_site_is_dropped(raw):
    """safe_next (and the rule it uses, core.bounded.local_path) refuses every variant that leaves the site."""
    assert safe_next(raw) is None
    assert local_path(raw) is None


@pytest.mark.parametrize("raw", STAYING)
def test_item5_local_paths_are_kept(raw):
    """A path on this site, with its query, is where the login returns to."""
    assert safe_next(raw) == raw


def test_item5_login_never_redirects_off_site(app_and_engine):
    """The real form: a login with a hostile ?next= lands on the viewer's own page, on this site."""
    app, _ = app_and_engine
    for raw in ("/%09/evil.example/phish", "/%0a/evil.example", "/\\evil.example", "/%2F/evil.example",
                "//evil.example", "https://evil.example", "/\t/evil.example"):
        client = app.server.test_client()
        csrf = login_form(client, "?next=" + quote(raw, safe=""))
        response = client.post("/login?next=" + quote(raw, safe=""),
                               data={"username": "bupati", "password": PASSWORD, "csrf": csrf})
        assert response.status_code == 302
        assert response.headers["Location"] == "/briefing", raw
    # The query exactly as the attacker's link wrote it: %09 reaches the app as a tab.
    client = app.server.test_client()
    csrf = login_form(client)
    response = client.post("/login?next=/%09/evil.example/phish",
                           data={"username": "bupati", "password": PASSWORD, "csrf": csrf})
    assert response.headers["Location"] == "/briefing"


def test_item5_login_returns_to_a_local_path(app_and_engine):
    """The good case stays: ?next=/sla?period=week brings the viewer back there."""
    app, _ = app_and_engine
    client = app.server.test_client()
    response = login(client, "bupati", PASSWORD, next_path="/sla?period=week")
    assert response.headers["Location"] == "/sla?period=week"


@pytest.mark.parametrize("path", ["/\\evil.example", "//evil.example", "/%2F/evil.example", "https://evil.example",
                                  "/\t/evil.example", None, 7])
def test_item5_filter_bar_never_sends_the_browser_off_site(path):
    """The filter bar's "apply" builds its URL from a path the browser sends back: the same rule holds there."""
    from layouts import components as c

    assert c.query_from_bar({"path": path, "query": {}}, "week", None, None, {}) == "/?period=week"


# --- item 6: a logout ends the session on the server ------------------------------------------------------------

SESSION_COOKIE = "mimika_session"


def logged_in_client(app, name: str = "bupati", password: str = PASSWORD):
    client = app.server.test_client()
    assert login(client, name, password).status_code == 302
    return client


def copy_of(app, client):
    """Another browser holding a copy of ``client``'s session cookie (as one stolen from a shared computer)."""
    other = app.server.test_client()
    other.set_cookie(SESSION_COOKIE, client.get_cookie(SESSION_COOKIE).value)
    return other


def logout_token(client) -> str:
    page = client.get("/logout")
    assert page.status_code == 200
    return re.search(r'name="csrf" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def test_item6_logout_ends_session_on_server(app_and_engine):
    """A copied mimika_session cookie opens /briefing before the logout and nothing after it, on every route."""
    app, engine = app_and_engine
    client = logged_in_client(app)
    copy = copy_of(app, client)
    assert copy.get("/briefing").status_code == 200
    assert client.post("/logout", data={"csrf": logout_token(client)}).headers["Location"] == "/login"
    assert copy.get("/briefing").status_code == 302
    assert copy.get("/_dash-layout").status_code == 401
    assert copy.post("/_dash-update-component", json={}).status_code in (400, 401)
    assert client.get("/briefing").status_code == 302
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(AppSession)).scalar_one() == 0


def test_item6_get_logout_only_shows_the_form(app_and_engine):
    """GET /logout (a link or an image on another site) logs nobody out: it answers the form that POSTs."""
    app, _ = app_and_engine
    client = logged_in_client(app)
    page = client.get("/logout")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert '<form method="post" action="/logout"' in text and 'name="csrf"' in text
    assert client.get("/briefing").status_code == 200


@pytest.mark.parametrize("sent", [None, "", "salah", "x" * 5000, "another-session"])
def test_item6_logout_post_without_the_sessions_token_is_refused(app_and_engine, sent):
    """A logout POST without this session's token (a form on another site, another session's token) is 400 and
    the session goes on."""
    app, _ = app_and_engine
    client = logged_in_client(app)
    if sent == "another-session":
        sent = logout_token(logged_in_client(app))
    response = client.post("/logout", data={} if sent is None else {"csrf": sent})
    assert response.status_code == 400
    assert client.get("/briefing").status_code == 200


def test_item6_navigation_logs_out_with_a_post_form_carrying_the_token(app_and_engine):
    """The pages' "Keluar" is a form that POSTs /logout with the session's token (rendered by Dash's router)."""
    app, _ = app_and_engine
    client = logged_in_client(app)
    body = callback_body(app, "_pages_content.children",
                         {"_pages_location.pathname": "/sla", "_pages_location.search": ""})
    tree = raw_post(client, body).get_json()["response"]["_pages_content"]["children"]
    form = find_props(tree, lambda p: p.get("action") == "/logout")
    assert form is not None and form["method"] == "post"
    button = find_props(form, lambda p: p.get("id") == "nav-logout")
    assert button["type"] == "submit" and button["name"] == "csrf"
    assert button["value"] == logout_token(client)
    assert client.post("/logout", data={"csrf": button["value"]}).status_code == 302
    assert client.get("/sla").status_code == 302


def test_item6_a_cookie_of_the_old_form_is_no_session(app_and_engine):
    """A session cookie that names only "user id:password stamp" (signed, as before) no longer opens anything:
    without a server-side session there is nothing to end at logout."""
    app, engine = app_and_engine
    user_id = accounts.list_users(engine)[0]["id"]
    with engine.connect() as conn:
        changed = conn.execute(select(AppUser.password_changed_at).where(AppUser.id == user_id)).scalar_one()
    client = app.server.test_client()
    with client.session_transaction() as sess:
        sess["_user_id"] = f"{user_id}:{round(changed.timestamp() * 1_000_000)}"
        sess["_fresh"] = True
    assert client.get("/briefing").status_code == 302


def test_item6_password_change_ends_every_session_row(app_and_engine):
    """Changing the password or disabling removes the user's sessions from the store, not only their use."""
    app, engine = app_and_engine
    logged_in_client(app), logged_in_client(app)
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(AppSession)).scalar_one() == 2
    accounts.set_password(engine, "bupati", "kata-sandi-baru")
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(AppSession)).scalar_one() == 0


def find_props(tree, wanted):
    """The props of the first component in a JSON tree whose props satisfy ``wanted``."""
    if isinstance(tree, list):
        for item in tree:
            hit = find_props(item, wanted)
            if hit is not None:
                return hit
    elif isinstance(tree, dict):
        props = tree.get("props", tree)
        if wanted(props):
            return props
        return find_props(props.get("children"), wanted)
    return None


# --- item 8: the login throttle cannot be outrun ----------------------------------------------------------------

def failed_checks(engine) -> int:
    """Passwords checked and found wrong: the access log's login_failed rows."""
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(AccessLog).where(
            AccessLog.action == "login_failed")).scalar_one()


def burst(app, attempts: list[dict]) -> list[int]:
    """Every attempt POSTed at once, each from a browser (session and form) of its own; their status codes."""
    forms = []
    for attempt in attempts:
        client = app.server.test_client()
        forms.append((client, login_form(client), attempt))
    gate = threading.Barrier(len(forms))

    def post(form):
        client, csrf, attempt = form
        gate.wait()
        return client.post("/login", data={"username": attempt["name"], "password": "salah-sandi-123",
                                           "csrf": csrf}, environ_base={"REMOTE_ADDR": attempt["address"]}).status_code

    with ThreadPoolExecutor(len(forms)) as pool:
        return list(pool.map(post, forms))


BURSTS = {
    "one account, many addresses": [{"name": "bupati", "address": f"10.0.3.{i}"} for i in range(30)],
    "many accounts, one address": [{"name": f"tebak{i}", "address": "10.9.9.9"} for i in range(30)],
    "many accounts, one IPv6 /64": [{"name": f"tebak{i}", "address": f"2001:db8:1:2:{i:x}::{i + 1:x}"}
                                    for i in range(30)],
}


@pytest.mark.parametrize("kind", BURSTS)
def test_item8_concurrent_logins_check_at_most_five_passwords(app_and_engine, kind):
    """30 wrong passwords POSTed at once (one CSRF form each) on one account, from one address or from one IPv6
    /64: at most 5 passwords are checked; the others are told to wait (429) or that the server is busy (503)."""
    app, engine = app_and_engine
    codes = burst(app, BURSTS[kind])
    assert failed_checks(engine) <= MAX_FAILURES
    assert codes.count(401) == failed_checks(engine)
    assert set(codes) <= {401, 429, 503}
    assert codes.count(429) >= len(codes) - MAX_FAILURES - codes.count(503)


def test_item8_login_form_token_is_single_use(app_and_engine):
    """A form's token checks one password: replaying the same cookie and token — one after another, or 20 at
    once — is refused (400) without a password check."""
    app, engine = app_and_engine
    client = app.server.test_client()
    csrf = login_form(client)
    cookie = client.get_cookie(SESSION_COOKIE).value
    data = {"username": "bupati", "password": "salah-sandi-123", "csrf": csrf}
    assert client.post("/login", data=data).status_code == 401
    replay = app.server.test_client()
    replay.set_cookie(SESSION_COOKIE, cookie)
    assert replay.post("/login", data=data).status_code == 400
    assert replay.post("/login", data={**data, "password": PASSWORD}).status_code == 400
    assert failed_checks(engine) == 1

    fresh = app.server.test_client()
    csrf = login_form(fresh)
    cookie = fresh.get_cookie(SESSION_COOKIE).value
    gate = threading.Barrier(20)

    def post(_):
        copy = app.server.test_client()
        copy.set_cookie(SESSION_COOKIE, cookie)
        gate.wait()
        return copy.post("/login", data={**data, "csrf": csrf}, environ_base={"REMOTE_ADDR": "10.4.4.4"}).status_code

    with ThreadPoolExecutor(20) as pool:
        codes = list(pool.map(post, range(20)))
    assert codes.count(401) == 1 and codes.count(400) == 19
    assert failed_checks(engine) == 2


def test_item8_login_token_is_bound_to_its_session(app_and_engine):
    """A token from one browser's form does not work with another browser's session (400, nothing checked)."""
    app, engine = app_and_engine
    mine, theirs = app.server.test_client(), app.server.test_client()
    login_form(mine)
    stolen = login_form(theirs)
    response = mine.post("/login", data={"username": "bupati", "password": PASSWORD, "csrf": stolen})
    assert response.status_code == 400
    assert app.server.test_client().post("/login", data={"username": "bupati", "password": PASSWORD,
                                                         "csrf": stolen}).status_code == 400
    assert failed_checks(engine) == 0


def test_item8_ipv6_addresses_count_by_their_64(app_and_engine):
    """Five failures from five addresses of one IPv6 /64 make the sixth address there wait; the next /64 is
    another subscriber and may try."""
    app, engine = app_and_engine
    for i in range(5):
        response = login(app.server.test_client(), f"tebak{i}", "salah", address=f"2001:db8:aa:bb::{i + 1:x}")
        assert response.status_code == 401
    assert login(app.server.test_client(), "bupati", PASSWORD, address="2001:db8:aa:bb:ffff:1:2:3").status_code \
        == 429
    assert login(app.server.test_client(), "bupati", PASSWORD, address="2001:db8:aa:bc::1").status_code == 302


@pytest.mark.parametrize(("address", "network"), [
    ("10.1.2.3", "10.1.2.3"), ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"),
    ("2001:DB8:1:2::9", "2001:db8:1:2::/64"), ("2001:0db8:0001:0002:0000:0000:0000:0001", "2001:db8:1:2::/64"),
    ("::ffff:10.1.2.3", "10.1.2.3"), ("fe80::1%eth0", "fe80::/64"), ("?", "?"), ("not-an-address", "not-an-address"),
])
def test_item8_throttle_network_of_each_address_form(address, network):
    """Every spelling of an IPv6 address lands in its /64; an IPv4 one mapped into IPv6 counts as itself."""
    assert accounts.throttle_network(address) == network


def test_item8_password_checks_run_at_most_two_at_once(app_and_engine, monkeypatch):
    """Argon2 checks (64 MiB each) in flight in one process stay within ARGON2_SLOTS, whatever the burst; a login
    that cannot get a slot soon is answered 503 with Retry-After, and counts as no attempt."""
    app, engine = app_and_engine
    monkeypatch.setattr(accounts, "ARGON2_WAIT_SECONDS", 0.05)
    running, most = [0], [0]
    lock = threading.Lock()

    class Counting:
        """The real hasher, counting how many of its checks run at once."""

        def __init__(self, hasher):
            self.hasher = hasher

        def verify(self, *args):
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            try:
                return self.hasher.verify(*args)
            finally:
                with lock:
                    running[0] -= 1

    monkeypatch.setattr(accounts, "_hasher", Counting(accounts._hasher))
    codes = burst(app, [{"name": f"orang{i}", "address": f"10.7.{i}.1"} for i in range(16)])
    assert most[0] <= accounts.ARGON2_SLOTS
    assert set(codes) <= {401, 503} and codes.count(401) >= 1
    assert failed_checks(engine) == codes.count(401)


def test_item8_people_behind_one_address_are_not_throttled_by_each_other(app_and_engine):
    """Ten people behind one office address logging in at the same moment with their right passwords: attempts
    in progress hold the others back only briefly — nobody is told to wait 15 minutes (no 429)."""
    app, engine = app_and_engine
    for i in range(10):
        accounts.add_user(engine, f"staf{i}", "operator", PASSWORD)
    forms = []
    for i in range(10):
        client = app.server.test_client()
        forms.append((client, login_form(client), f"staf{i}"))
    gate = threading.Barrier(len(forms))

    def post(form):
        client, csrf, name = form
        gate.wait()
        return client.post("/login", data={"username": name, "password": PASSWORD, "csrf": csrf},
                           environ_base={"REMOTE_ADDR": "10.5.5.5"}).status_code

    with ThreadPoolExecutor(len(forms)) as pool:
        codes = list(pool.map(post, forms))
    assert 429 not in codes and set(codes) <= {302, 503}
    assert codes.count(302) >= MAX_FAILURES


def test_item8_two_workers_count_each_others_attempts(app_and_engine):
    """Two apps on one store (as two gunicorn workers, each with its own password-check slots): a burst split
    between them still checks at most 5 passwords — the count lives in the store, not in a process."""
    app, engine = app_and_engine
    other, _ = get_app(url(engine))
    forms = []
    for i in range(24):
        client = (app if i % 2 else other).server.test_client()
        forms.append((client, login_form(client), f"10.0.8.{i}"))
    gate = threading.Barrier(len(forms))

    def post(form):
        client, csrf, address = form
        gate.wait()
        return client.post("/login", data={"username": "bupati", "password": "salah-sandi-123", "csrf": csrf},
                           environ_base={"REMOTE_ADDR": address}).status_code

    with ThreadPoolExecutor(len(forms)) as pool:
        codes = list(pool.map(post, forms))
    assert failed_checks(engine) <= MAX_FAILURES
    assert codes.count(401) == failed_checks(engine) and set(codes) <= {401, 429, 503}
