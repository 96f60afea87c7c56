"""`python -m dashboard apikeys add|list|revoke` as an admin meets it (real subprocesses, real stores), and a
revoked key refused by the running server at its next POST."""

from __future__ import annotations

import dash
import pytest
from sqlalchemy import select

from data_access.store.schema import AccessLog, ApiKey
from tests.open311.conftest import assert_error, release
from tests.open311.test_post import citizen
from tests.store.test_cli import assert_one_line_error, run
from tests.support.dash_app import get_app, url

pytestmark = pytest.mark.cli  # every test here runs `python -m dashboard` in a child process


@pytest.fixture
def store_env(empty_store) -> dict:
    return {"DATABASE_URL": url(empty_store)}


def test_add_list_revoke_and_the_server_agrees(empty_store, store_env):
    """add prints the key as its last line (stored only hashed); it works at once; list shows it; revoke makes
    the next POST 403; each step is in the access log."""
    added = run("apikeys", "add", "puskesmas-agimuga", env=store_env)
    assert added.returncode == 0, added.stderr
    key = added.stdout.strip().splitlines()[-1]
    assert key.startswith("m311_") and len(key) > 40
    with empty_store.connect() as conn:
        stored = conn.execute(select(ApiKey.key_hash)).scalars().all()
    assert key not in stored and len(stored) == 1

    dash.page_registry.clear()
    app, _ = get_app(url(empty_store))
    client = app.server.test_client()
    response = client.post("/open311/v2/requests.json", data={"api_key": key, **citizen()})
    assert response.status_code == 200, response.get_data(as_text=True)

    listed = run("apikeys", "list", env=store_env)
    assert listed.returncode == 0 and "puskesmas-agimuga" in listed.stdout and "active" in listed.stdout
    assert key not in listed.stdout + listed.stderr
    assert run("apikeys", "revoke", "puskesmas-agimuga", env=store_env).returncode == 0
    assert "revoked" in run("apikeys", "list", env=store_env).stdout
    assert_error(client.post("/open311/v2/requests.json", data={"api_key": key, **citizen()}), 403)
    assert_error(client.post("/open311/v2/requests.xml", data={"api_key": key, **citizen()}), 403, "xml")
    dash.page_registry.clear()
    release(app)

    with empty_store.connect() as conn:
        actions = conn.execute(select(AccessLog.action).order_by(AccessLog.id)).scalars().all()
    assert actions == ["apikey_added", "apikey_used", "apikey_revoked", "apikey_rejected", "apikey_rejected"]
    empty_store.dispose()


def test_a_revoked_source_gets_a_new_key_with_add(empty_store, store_env):
    """Rotation: revoke, then add again; the old key stays refused, the new one works."""
    old = run("apikeys", "add", "wa-gateway", env=store_env).stdout.strip().splitlines()[-1]
    assert_one_line_error(run("apikeys", "add", "wa-gateway", env=store_env), "already has an active key")
    run("apikeys", "revoke", "wa-gateway", env=store_env)
    new = run("apikeys", "add", "wa-gateway", env=store_env).stdout.strip().splitlines()[-1]
    assert new != old
    from data_access.intake.api_keys import API_KEYS

    assert API_KEYS.owner(empty_store, old) is None
    assert API_KEYS.owner(empty_store, new) == ("wa-gateway", False)
    empty_store.dispose()


@pytest.mark.parametrize(("args", "fragment"), [
    (("apikeys", "add", "Bad Name"), "source"),
    (("apikeys", "add", "x"), "source"),
    (("apikeys", "add", "a" * 40), "source"),
    (("apikeys", "add", "dashboard"), "dashboard"),
    (("apikeys", "revoke", "nobody"), "no active API key"),
])
def test_bad_input_is_one_clear_line(make_store, args, fragment):
    """A bad source name, a reserved one, revoking what is not there: one `error:` line, exit 2."""
    assert_one_line_error(run(*args, env={"DATABASE_URL": url(make_store("sqlite"))}), fragment)
