"""Issue #23 items 5, 6 and 8 as an attacker meets them, through the real app on SQLite and PostgreSQL: where a
login may send the browser, whether a logout ends the session on the server, and whether the login throttle can
be outrun by a burst, a replayed form or an IPv6 block."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest

from core.bounded import local_path
from dashboard.auth import safe_next
from data_access import accounts
from tests.support.dash_app import get_app, url

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
