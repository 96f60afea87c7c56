"""Every input bounded: the bad-input probe's cases replayed (URLs, callback bodies), plus generated values thrown
at the URL parser and at every page callback. Nothing reaches a 5xx; the page says what was wrong in its language."""

from __future__ import annotations

import json
import logging
import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callbacks.url_filters import FilterError, filters_from_query
from layouts import briefing as briefing_page
from layouts import explorer as explorer_page
from layouts import opd as opd_page
from layouts import report as report_page
from layouts import sla as sla_page
from layouts import wall
from tests.support import NOW
from tests.support.dash_app import callback_body, get_app, logged_in, raw_post, url


@pytest.fixture(autouse=True)
def _fresh_pages():
    """One app serves the module (its pages stay registered)."""
    yield


@pytest.fixture(scope="module")
def app(seeded):
    import dash

    dash.page_registry.clear()
    app, _ = get_app(url(seeded))
    logged_in(app).get("/wall")  # Dash registers its page-routing callback on the first request
    yield app
    dash.page_registry.clear()


def route(app, pathname: str, search: str = ""):
    """The page Dash would render for pathname + search, as a logged-in pimpinan."""
    body = callback_body(app, "_pages_content.children",
                         {"_pages_location.pathname": pathname, "_pages_location.search": search})
    return raw_post(logged_in(app), body)


BAD_URLS = [
    ("/briefing", "?period=custom&start=2026-01-01&end=9999-12-31", "di luar jangkauan"),
    ("/opd", "?period=custom&start=2026-01-01&end=9999-12-31", "di luar jangkauan"),
    ("/opd/PUPR", "?period=custom&start=2026-01-01&end=9999-12-31", "di luar jangkauan"),
    ("/sla", "?period=custom&start=2026-01-01&end=9999-12-31", "di luar jangkauan"),
    ("/explorer", "?period=custom&start=2026-01-01&end=9999-12-31", "di luar jangkauan"),
    ("/briefing", "?period=custom&start=0001-01-01&end=2026-11-01", "di luar jangkauan"),
    ("/briefing", "?period=custom&start=0100-01-01&end=2026-11-01&lang=en", "out of range"),
    ("/briefing", "?period=custom&start=2001-01-01&end=2026-11-01", "terlalu panjang"),
    ("/opd/PUPR", "?code=DINKES", "dua kali"),
    ("/opd/PUPR", "?code=PUPR&code=DINKES", "dua kali"),
    ("/briefing", "?period=week&period=month", "lebih dari sekali"),
    ("/sla", "?hours=%C2%B2", ""),
    ("/sla", "?hours=99999999999999999999", ""),
    ("/report/5", "?report_id=7", "#5"),
    ("/report/%C2%B2", "", ""),
    ("/wall", "?rotate=map,sla,opd&dwell=2147484", 'data-dwell":"3600'),
    ("/wall", "?dwell=-5&lang=xx&measure=%00", 'data-dwell":"5'),
]


@pytest.mark.parametrize(("pathname", "search", "says"), BAD_URLS)
def test_bad_urls_get_a_page_with_a_message_not_a_500(app, pathname, search, says):
    """The probe's URLs: 200 with the page and, where the address was wrong, a message naming what."""
    from urllib.parse import unquote

    response = route(app, unquote(pathname), search)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    text = response.get_data(as_text=True)
    assert "Traceback" not in text
    if says:
        assert says in json.loads(text)["response"].__repr__() or says in text


def test_query_keys_never_override_the_path(app):
    """/opd/PUPR?code=DINKES renders PUPR's page (the path decides), with the filter banner."""
    text = route(app, "/opd/PUPR", "?code=DINKES").get_data(as_text=True)
    assert '"code":"PUPR"' in text.replace(" ", "") and '"code":"DINKES"' not in text.replace(" ", "")


def refresh_key(app, fragment: str) -> str:
    return next(k for k in app.callback_map if fragment in k)


MALFORMED = [
    # (output fragment, input/state values by "id.property")
    (f"{wall.KPI_IDS[1]}.children", {f"{wall.STATE}.data": "garbage"}),
    (f"{wall.KPI_IDS[1]}.children", {f"{wall.STATE}.data": [1, 2]}),
    (f"{wall.KPI_IDS[1]}.children", {f"{wall.STATE}.data": {"newest": "garbage", "last_good": 5}}),
    (f"{wall.KPI_IDS[1]}.children", {f"{wall.LOCATION_CONFIG}.data": "id"}),
    (f"{wall.KPI_IDS[1]}.children", {f"{wall.LOCATION_CONFIG}.data": {"lang": 5, "measure": ["x"]}}),
    (f"{briefing_page.PERIOD}.children", {f"{briefing_page.CONFIG}.data": None}),
    (f"{briefing_page.PERIOD}.children", {f"{briefing_page.CONFIG}.data": {}}),
    (f"{briefing_page.PERIOD}.children", {f"{briefing_page.CONFIG}.data": "x"}),
    (f"{briefing_page.PERIOD}.children", {f"{briefing_page.CONFIG}.data": {"query": [1], "lang": ["id"]}}),
    (f"{opd_page.TILES}.children", {f"{opd_page.CONFIG}.data": {"code": None}}),
    (f"{opd_page.TILES}.children", {f"{opd_page.CONFIG}.data": {"code": ["PUPR"]}}),
    (f"{opd_page.TILES}.children", {f"{opd_page.CONFIG}.data": {"code": 7}}),
    (f"{opd_page.TILES}.children", {f"{opd_page.CONFIG}.data": {"code": "../../etc/x"}}),
    (f"{explorer_page.DISTRICTS}.hideout", {f"{explorer_page.MEASURE}.value": 5}),
    (f"{explorer_page.DISTRICTS}.hideout", {f"{explorer_page.MEASURE}.value": ["open"]}),
    (f"{explorer_page.PANEL}.children", {f"{explorer_page.PICK}.value": ["94.04.01"]}),
    (f"{explorer_page.PANEL}.children", {f"{explorer_page.PICK}.value": {"a": 1}}),
    (f"{explorer_page.PICK}.value", {f"{explorer_page.DISTRICTS}.clickData": {"latlng": ["a", "b"]}}),
    (f"{explorer_page.PICK}.value", {f"{explorer_page.DISTRICTS}.clickData": {"latlng": [1]}}),
    (f"{explorer_page.PICK}.value", {f"{explorer_page.DISTRICTS}.clickData": "click"}),
    (f"{report_page.BODY}.children", {f"{report_page.CONFIG}.data": {}}),
    (f"{report_page.BODY}.children", {f"{report_page.CONFIG}.data": {"id": "²"}}),
    (f"{sla_page.HEATMAP}.figure", {f"{sla_page.HOURS}.value": "²", f"{sla_page.KIND}.value": ["x"]}),
    (f"{opd_page.DOWNLOAD}.data", {f"{opd_page.EXPORT_CSV}.n_clicks": 1,
                                   f"{opd_page.CONFIG}.data": {"code": "../../etc/x", "query": {}}}),
]


@pytest.mark.parametrize(("fragment", "values"), MALFORMED)
def test_malformed_callback_inputs_never_500(app, fragment, values):
    """The probe's malformed callback inputs: answered (200 or 204), never a 500 from our code."""
    key = refresh_key(app, fragment)
    spec = app.callback_map[key]
    first = f"{spec['inputs'][0]['id']}.{spec['inputs'][0]['property']}"
    body = callback_body(app, fragment, {first: None, **values})
    response = raw_post(logged_in(app), body)
    assert response.status_code in (200, 204), response.get_data(as_text=True)[:800]
    if "download" in fragment:
        assert "../" not in response.get_data(as_text=True)


@pytest.mark.parametrize("body", [
    {}, {"output": "nope.children", "outputs": {}, "inputs": [], "state": []}, [], "x",
    {"output": None}, {"output": f"{report_page.BODY}.children", "outputs": {"id": report_page.BODY,
                                                                             "property": "children"},
                       "inputs": "wrong", "state": []},
])
def test_requests_dash_cannot_read_are_400(app, body):
    """A body that no page sends (missing output, unknown ids, wrong-shaped inputs): 400, not Dash's 500."""
    response = raw_post(logged_in(app), body)
    assert response.status_code == 400


def test_deeply_nested_json_is_400(app):
    """A 100,000-deep JSON document is refused before any parser recurses into it."""
    response = logged_in(app).post("/_dash-update-component", data="[" * 100_000 + "]" * 100_000,
                                   content_type="application/json")
    assert response.status_code == 400


def test_path_traversal_in_component_suites_is_400(app):
    """/_dash-component-suites/dash/../.. never reaches Dash's file server."""
    refused = logged_in(app).get("/_dash-component-suites/dash/../../etc/passwd")
    assert refused.status_code == 400 and "root:" not in refused.get_data(as_text=True)


# ---- generated values -------------------------------------------------------------------------------------------

text = st.text(max_size=40)
values = st.one_of(st.none(), text, st.integers(), st.lists(text, max_size=3), st.floats(allow_nan=True))


@settings(max_examples=300, deadline=None, derandomize=True)
@given(st.dictionaries(st.sampled_from(["period", "start", "end", "opd", "category", "district", "channel",
                                        "status", "lang", "x"]), values, max_size=6))
def test_the_url_parser_answers_any_query_with_filters_or_a_message(query):
    """Whatever a query holds, the parser gives Filters or a FilterError with a message, nothing else."""
    try:
        filters_from_query(query, NOW, {"opd": {"PUPR"}, "district": {"94.04.01"}})
    except FilterError as exc:
        assert exc.text("id") and exc.text("en")


json_values = st.recursive(st.one_of(st.none(), st.booleans(), st.integers(), text, st.floats(allow_nan=False)),
                           lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                   st.dictionaries(text, inner, max_size=3)), max_leaves=8)


@settings(max_examples=int(os.environ.get("HYPOTHESIS_EXAMPLES", "60")), deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_every_page_callback_answers_generated_inputs_without_a_500(app, data):
    """Generated JSON values in every input and state of every server callback: no 5xx, ever."""
    keys = sorted(k for k, spec in app.callback_map.items() if "_pages_content" not in k and "callback" in spec)
    key = data.draw(st.sampled_from(keys))
    spec = app.callback_map[key]
    generated = {f"{x['id']}.{x['property']}": data.draw(json_values) for x in spec["inputs"] + spec["state"]}
    body = callback_body(app, key, generated)
    response = raw_post(logged_in(app), body)
    assert response.status_code < 500, (key, json.dumps(generated)[:300], response.get_data(as_text=True)[:500])


# ---- item 10: what an anonymous (or any) request could turn into a 500 -----------------------------------------

def assert_no_traceback(caplog) -> None:
    """Nothing logged with a traceback, nothing at ERROR: a refusal is not an incident."""
    bad = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not bad, [(r.name, r.getMessage()[:200]) for r in bad]


@pytest.mark.parametrize("who", ["anonymous", "pimpinan"])
def test_item10_a_3mb_callback_body_is_413_without_a_traceback(app, caplog, who):
    """A body over the 2 MB limit: 413 from the guard, and the request log (which reads the callback's name from
    the body) does not raise the 413 again as a 500."""
    caplog.set_level(logging.INFO)
    client = app.server.test_client() if who == "anonymous" else logged_in(app)
    response = client.post("/_dash-update-component", data=b"x" * (3 * 1024 * 1024), content_type="application/json")
    assert response.status_code == 413
    assert_no_traceback(caplog)


@pytest.mark.parametrize("path", [
    "/_dash-component-suites/dash/dcc/metadata.json",
    "/_dash-component-suites/dash/no-such-file.js",
    "/_dash-component-suites/no_such_package/x.js",
    "/_dash-component-suites/dash/%ED%A0%BC.js",
])
def test_item10_an_unknown_component_suite_file_is_404(app, caplog, path):
    """A file Dash does not serve under /_dash-component-suites/ (public: no login needed): 404, no traceback."""
    caplog.set_level(logging.INFO)
    response = app.server.test_client().get(path)
    assert response.status_code == 404
    assert "Traceback" not in response.get_data(as_text=True)
    assert_no_traceback(caplog)


def routing_body(app, pathname, search) -> dict:
    body = callback_body(app, "_pages_content.children", {"_pages_location.pathname": "/wall"})
    for item in body["inputs"]:
        if item["property"] == "pathname":
            item["value"] = pathname
        elif item["property"] == "search":
            item["value"] = search
    return body


@pytest.mark.parametrize(("pathname", "search"), [
    (None, ""), (5, ""), (["/wall"], ""), ({"a": 1}, ""), ("wall", ""), ("/" + "x" * 5000, ""),
    ("/briefing", 7), ("/briefing", ["?period=week"]), ("/briefing", "?" + "a=1&" * 5000),
])
def test_item10_a_routing_request_with_a_location_no_browser_sends_is_400(app, caplog, pathname, search):
    """Dash's page router expects the browser's location (text starting with "/"): anything else is a 400 from
    the guard, not a 500 from inside Dash."""
    caplog.set_level(logging.INFO)
    response = raw_post(logged_in(app), routing_body(app, pathname, search))
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert_no_traceback(caplog)


@pytest.mark.parametrize("where", ["input", "key", "search"])
def test_item10_a_lone_surrogate_in_a_callback_body_is_400(app, caplog, where):
    """JSON may escape half of a surrogate pair ("\\ud83c"); such a string cannot be encoded anywhere (a cache
    key, a log line, the store): 400 at the guard. A whole pair (an emoji) is fine."""
    caplog.set_level(logging.INFO)
    key = refresh_key(app, f"{opd_page.TILES}.children")
    body = callback_body(app, key, {f"{opd_page.CONFIG}.data": {"code": "PUPR", "query": {}, "lang": "id"}})
    text = json.dumps(body)
    if where == "input":
        text = text.replace('"code": "PUPR"', '"code": "PUPR\\ud83c"')
    elif where == "key":
        text = text.replace('"query": {}', '"query": {"\\udc00": "1"}')
    else:
        text = json.dumps(routing_body(app, "/briefing", "?lang=\ud83d\ude00")).replace("\\ud83d\\ude00", "\\ud83d")
    response = logged_in(app).post("/_dash-update-component", data=text, content_type="application/json")
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert_no_traceback(caplog)
    emoji = raw_post(logged_in(app), routing_body(app, "/briefing", "?x=\ud83d\ude00"))
    assert emoji.status_code == 200


@pytest.mark.parametrize("csrf", ["١٢٣", "\u202e", "é" * 40])
def test_item10_a_login_form_with_non_ascii_csrf_is_refused_not_500(app, caplog, csrf):
    """A CSRF field with non-ASCII text (compare_digest refuses to compare such str): the login page again, as for
    any wrong token, not a TypeError."""
    caplog.set_level(logging.INFO)
    client = app.server.test_client()
    client.get("/login")
    response = client.post("/login", data={"username": "x", "password": "y", "csrf": csrf})
    assert response.status_code < 500
    assert_no_traceback(caplog)
