"""Accounts as an administrator meets them: the users and kiosk commands, sessions that end when they should,
the login form with its throttle, and the access log."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, func, select

from dashboard.auth import safe_next
from data_access import accounts
from data_access.store.schema import AccessLog
from tests.store.test_cli import assert_one_line_error, run
from tests.support.cli import run_cli
from tests.support.dash_app import get_app, url


@pytest.fixture(scope="module")
def store_env(tmp_path_factory) -> dict:
    path = tmp_path_factory.mktemp("accounts") / "accounts.db"
    env = {"DATABASE_URL": f"sqlite:///{path}"}
    assert run("init-db", env=env).returncode == 0
    return env


def users(env, *args, password: str | None = None) -> subprocess.CompletedProcess:
    return _run_with_stdin(env, ("users", *args), password)


def _run_with_stdin(env, args, stdin):
    return run_cli(*args, env=env, input=stdin)


@pytest.mark.cli
def test_users_add_list_disable_passwd(store_env):
    """users add/list/disable/passwd do what they say; the password never appears on the command line."""
    added = users(store_env, "add", "kadis-pupr", "--role", "opd", "--opd", "PUPR", "--opd", "BPBD",
                  "--password-stdin", password="rahasia-sekali\n")
    assert added.returncode == 0, added.stderr
    listing = users(store_env, "list").stdout
    assert re.search(r"^kadis-pupr\topd\tPUPR,BPBD\tactive$|^kadis-pupr\topd\tBPBD,PUPR\tactive$", listing, re.M)
    engine = create_engine(store_env["DATABASE_URL"])
    assert accounts.authenticate(engine, "kadis-pupr", "rahasia-sekali").opds == {"PUPR", "BPBD"}
    assert users(store_env, "passwd", "kadis-pupr", "--password-stdin", password="baru-lagi-123\n").returncode == 0
    assert accounts.authenticate(engine, "kadis-pupr", "rahasia-sekali") is None
    assert accounts.authenticate(engine, "kadis-pupr", "baru-lagi-123") is not None
    assert users(store_env, "disable", "kadis-pupr").returncode == 0
    assert accounts.authenticate(engine, "kadis-pupr", "baru-lagi-123") is None
    assert "disabled" in users(store_env, "list").stdout


@pytest.mark.parametrize(("args", "password", "fragment"), [
    (("add", "x1", "--role", "raja", "--password-stdin"), "panjang-sekali\n", "unknown role"),
    (("add", "x2", "--role", "opd", "--opd", "NOPE", "--password-stdin"), "panjang-sekali\n", "unknown OPD"),
    (("add", "x3", "--role", "opd", "--password-stdin"), "panjang-sekali\n", "--opd"),
    (("add", "x4", "--role", "admin", "--password-stdin"), "\n", "empty"),
    (("add", "x5", "--role", "admin", "--password-stdin"), "pendek\n", "at least"),
    (("add", "x6", "--role", "admin"), "panjang-sekali\n", "--password-stdin"),
    (("add", "bad name!", "--role", "admin", "--password-stdin"), "panjang-sekali\n", "name"),
    (("disable", "nobody"), None, "no user"),
])
@pytest.mark.cli
def test_bad_account_input_is_one_clear_line(store_env, args, password, fragment):
    """Unknown role, unknown OPD, an empty or short password: one error line, exit 2, nothing created."""
    assert_one_line_error(users(store_env, *args, password=password), fragment)


@pytest.mark.cli
def test_kiosk_add_prints_the_wall_path_last_and_revoke_ends_it(store_env):
    """kiosk add prints /wall?kiosk=<token> as its last line; the token works until kiosk revoke."""
    result = _run_with_stdin(store_env, ("kiosk", "add", "dinding-1"), None)
    assert result.returncode == 0, result.stderr
    path = result.stdout.strip().splitlines()[-1]
    assert path.startswith("/wall?kiosk=")
    token = path.split("=", 1)[1]
    engine = create_engine(store_env["DATABASE_URL"])
    assert accounts.KIOSKS.owner(engine, token) == ("dinding-1", False)
    assert "dinding-1" in _run_with_stdin(store_env, ("kiosk", "list"), None).stdout
    assert _run_with_stdin(store_env, ("kiosk", "revoke", "dinding-1"), None).returncode == 0
    assert accounts.KIOSKS.owner(engine, token) == ("dinding-1", True)
    assert_one_line_error(_run_with_stdin(store_env, ("kiosk", "revoke", "dinding-1"), None), "no active kiosk")
    with engine.connect() as conn:
        actions = set(conn.execute(select(AccessLog.action).where(AccessLog.target == "kiosk:dinding-1")).scalars())
    assert {"kiosk_added", "kiosk_revoked"} <= actions


@pytest.mark.cli
def test_serve_refuses_to_start_without_a_secret_key(store_env):
    """Without SECRET_KEY (and outside demo mode) serve stops with one clear line instead of signing with nothing."""
    result = run("serve", "--port", "1", env={**store_env, "SECRET_KEY": "", "DEMO_MODE": "0"})
    assert_one_line_error(result, "SECRET_KEY")


def login(client, name: str, password: str, address: str = "10.0.0.1"):
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    return client.post("/login", data={"username": name, "password": password, "csrf": csrf},
                       environ_base={"REMOTE_ADDR": address})


@pytest.fixture
def app_and_engine(empty_store, fresh_page_registry):
    app, query_cache = get_app(url(empty_store))
    return app, empty_store


def test_login_lands_each_role_where_its_work_is(app_and_engine):
    """After login: an OPD user on their OPD page, an operator on the wall, the Bupati on the briefing."""
    app, engine = app_and_engine
    for name, role, opds, landing in (("kadis", "opd", ("DINKES",), "/opd/DINKES"),
                                      ("op", "operator", (), "/wall"), ("bupati", "pimpinan", (), "/briefing")):
        accounts.add_user(engine, name, role, "kata-sandi-kuat", opds)
        response = login(app.server.test_client(), name, "kata-sandi-kuat")
        assert response.status_code == 302 and response.headers["Location"] == landing
        cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("mimika_session="))
        assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_wrong_password_is_a_generic_message_and_logged(app_and_engine):
    """A wrong password and an unknown user get the same message; both are written to the access log."""
    app, engine = app_and_engine
    accounts.add_user(engine, "bupati", "pimpinan", "kata-sandi-kuat")
    wrong = login(app.server.test_client(), "bupati", "salah-sandi-123")
    unknown = login(app.server.test_client(), "siapa", "salah-sandi-123")
    assert wrong.status_code == unknown.status_code == 401
    assert "Nama pengguna atau kata sandi salah." in wrong.get_data(as_text=True)
    assert "Nama pengguna atau kata sandi salah." in unknown.get_data(as_text=True)
    with engine.connect() as conn:
        failed = conn.execute(select(func.count()).select_from(AccessLog).where(
            AccessLog.action == "login_failed")).scalar_one()
    assert failed == 2


def test_five_failures_make_the_account_wait(app_and_engine):
    """After 5 failed attempts in 15 minutes even the right password waits (429), from any address."""
    app, engine = app_and_engine
    accounts.add_user(engine, "bupati", "pimpinan", "kata-sandi-kuat")
    for i in range(5):
        assert login(app.server.test_client(), "bupati", "salah", address=f"10.0.1.{i}").status_code == 401
    blocked = login(app.server.test_client(), "bupati", "kata-sandi-kuat", address="10.0.2.1")
    assert blocked.status_code == 429
    assert "15 menit" in blocked.get_data(as_text=True)


def test_five_failures_from_one_address_make_it_wait(app_and_engine):
    """The throttle counts per address too: guessing across many accounts from one address stops at 5."""
    app, engine = app_and_engine
    accounts.add_user(engine, "bupati", "pimpinan", "kata-sandi-kuat")
    for i in range(5):
        login(app.server.test_client(), f"tebak{i}", "salah", address="10.9.9.9")
    assert login(app.server.test_client(), "bupati", "kata-sandi-kuat", address="10.9.9.9").status_code == 429


def test_login_form_without_its_token_is_refused(app_and_engine):
    """A POST that did not come from our form (no CSRF token) logs nobody in."""
    app, engine = app_and_engine
    accounts.add_user(engine, "bupati", "pimpinan", "kata-sandi-kuat")
    response = app.server.test_client().post("/login", data={"username": "bupati", "password": "kata-sandi-kuat"})
    assert response.status_code == 400


def test_changing_the_password_or_disabling_ends_open_sessions(app_and_engine):
    """A session stops working at the next request once its user's password changed or the user was disabled."""
    app, engine = app_and_engine
    accounts.add_user(engine, "bupati", "pimpinan", "kata-sandi-kuat")
    client = app.server.test_client()
    assert login(client, "bupati", "kata-sandi-kuat").status_code == 302
    assert client.get("/briefing").status_code == 200
    accounts.set_password(engine, "bupati", "kata-sandi-baru")
    assert client.get("/briefing").status_code == 302  # back to /login
    assert login(client, "bupati", "kata-sandi-baru").status_code == 302
    accounts.disable_user(engine, "bupati")
    assert client.get("/_dash-layout").status_code == 401


def test_logout_ends_the_session_and_is_logged(app_and_engine):
    """/logout (the form's POST with its token): the next page asks for a login again; login and logout are in
    the access log."""
    app, engine = app_and_engine
    accounts.add_user(engine, "bupati", "pimpinan", "kata-sandi-kuat")
    client = app.server.test_client()
    login(client, "bupati", "kata-sandi-kuat")
    csrf = re.search(r'name="csrf" value="([^"]+)"', client.get("/logout").get_data(as_text=True)).group(1)
    assert client.post("/logout", data={"csrf": csrf}).headers["Location"] == "/login"
    assert client.get("/briefing").status_code == 302
    with engine.connect() as conn:
        log = [dict(r) for r in conn.execute(select(AccessLog).order_by(AccessLog.id.desc())).mappings()]
    assert [row["action"] for row in log[:2]] == ["logout", "login"]
    assert log[0]["at"] <= datetime.now(UTC)


def test_kiosk_link_sets_a_long_lived_cookie_and_hides_the_token(app_and_engine):
    """Opening the printed kiosk path remembers the screen in an HttpOnly cookie and redirects to a clean /wall."""
    app, engine = app_and_engine
    token = accounts.KIOSKS.add(engine, "dinding")
    response = app.server.test_client().get(f"/wall?kiosk={token}&lang=en")
    assert response.status_code == 302 and response.headers["Location"] == "/wall?lang=en"
    cookie = response.headers["Set-Cookie"]
    assert f"mimika_kiosk={token}" in cookie and "HttpOnly" in cookie and "Max-Age=" in cookie
    assert app.server.test_client().get("/wall?kiosk=not-a-token").status_code == 403


@pytest.mark.parametrize(("raw", "safe"), [
    ("/opd/PUPR?period=week", "/opd/PUPR?period=week"), ("//evil.example/x", None), ("https://evil.example", None),
    ("/\\evil", None), (None, None), ("", None), ("/" + "a" * 600, None),
])
def test_login_returns_only_to_local_paths(raw, safe):
    """?next= after login: a local path only, never another host (no open redirect)."""
    assert safe_next(raw) == safe
