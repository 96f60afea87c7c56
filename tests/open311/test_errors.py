"""Every refusal is the spec's error document ({code, description} list) in the format the path names, with the
right status: bad input 400, keys 403, unknown things 404, wrong methods 405, conflicts 409, big bodies 413.
Never an HTML page, never a traceback; nothing is written."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from data_access.store.schema import Report
from tests.open311.conftest import BASE, assert_error
from tests.open311.test_post import citizen
from tests.support.dash_app import client_as


def count(center) -> int:
    with center.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Report)).scalar_one()


POST_400 = {
    "missing service_code": {"service_code": ""},
    "no location": {"lat": "", "long": ""},
    "lat without long": {"long": ""},
    "lat out of range": {"lat": "91"},
    "long out of range": {"long": "-180.5"},
    "lat not a number": {"lat": "nan"},
    "lat with a comma": {"lat": "-4,55"},
    "description too long": {"description": "x" * 4001},
    "control characters": {"description": "ada\x00nol"},
    "name with a line break": {"first_name": "Yo\nhana"},
    "bad e-mail": {"email": "not-an-address"},
    "bad phone": {"phone": "call me"},
    "bad nik": {"nik": "12345"},
    "bad channel": {"attribute[channel]": "telegram"},
    "bad flag": {"attribute[confidential]": "maybe"},
    "extension disagreeing": {"confidential": "true", "attribute[confidential]": "false"},
    "bad media_url": {"media_url": "javascript:alert(1)"},
    "address_id only": {"lat": "", "long": "", "address_id": "123"},
    "service_code not a code": {"service_code": "<script>"},
    "requested_datetime too old": {"attribute[requested_datetime]": "2026-09-01T00:00:00+09:00"},
    "requested_datetime far ahead": {"attribute[requested_datetime]": "2026-11-30T09:00:00+09:00"},
    "requested_datetime without zone": {"attribute[requested_datetime]": "2026-11-22T09:00:00"},
}


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("change", POST_400.values(), ids=POST_400.keys())
def test_bad_post_fields_are_400(center, change, fmt):
    """Each malformed or out-of-range field: 400 naming the problem, no report written."""
    before = count(center)
    assert_error(center.post(fmt, citizen(**change)), 400, fmt)
    assert count(center) == before


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_code_in_a_post_is_404(center, fmt):
    """The spec: a service_code that is not found is 404."""
    assert "service_code" in assert_error(center.post(fmt, citizen(service_code="tidak_ada")), 404, fmt)


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("key", [None, "", "m311_wrong", "x" * 500])
def test_missing_or_wrong_api_key_is_403(center, fmt, key):
    """No api_key, an empty one, a wrong one, an absurd one: 403, nothing written."""
    before = count(center)
    body = citizen()
    if key is not None:
        body["api_key"] = key
    response = center.client.post(f"{BASE}/requests.{fmt}", data=body)
    assert_error(response, 403, fmt)
    assert count(center) == before


def test_a_logged_in_session_cannot_post_without_a_key(center):
    """A dashboard login is no api_key: an admin's session POSTing without one gets 403."""
    admin = client_as(center.app, "admin")
    assert admin.get("/briefing").status_code == 200  # the session is real
    assert_error(admin.post(f"{BASE}/requests.json", data=citizen()), 403)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_bodies_that_cannot_be_read_are_400(center, fmt):
    """Bad JSON, JSON of the wrong shape, bad UTF-8 (raw or percent-encoded), a wrong or missing content type,
    repeated fields that disagree, a deeply nested JSON."""
    path = f"{BASE}/requests.{fmt}"
    post = center.client.post
    cases = [
        post(path, data="{not json", content_type="application/json"),
        post(path, data="[1, 2]", content_type="application/json"),
        post(path, data='{"service_code": {"a": 1}}', content_type="application/json"),
        post(path, data="[" * 5000, content_type="application/json"),
        post(path, data=b"service_code=jalan&description=\xff\xfe", content_type="application/x-www-form-urlencoded"),
        post(path, data="service_code=jalan&description=%C3%28", content_type="application/x-www-form-urlencoded"),
        post(path, data="service_code=jalan", content_type="text/plain"),
        post(path, data="service_code=jalan"),
        post(path, data=b"--x\r\n", content_type="multipart/form-data; boundary=x"),
        post(path, data=f"api_key={center.key}&service_code=jalan&service_code=sampah",
             content_type="application/x-www-form-urlencoded"),
        post(path, data="&".join(f"f{i}=1" for i in range(200)), content_type="application/x-www-form-urlencoded"),
    ]
    for response in cases:
        assert_error(response, 400, fmt)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_body_over_the_limit_is_413(center, fmt):
    """A body over 64 KB is refused before it is read: 413 in the Open311 format (Flask's limit, our answer)."""
    response = center.client.post(f"{BASE}/requests.{fmt}", data="description=" + "x" * 70_000,
                                  content_type="application/x-www-form-urlencoded")
    assert_error(response, 413, fmt)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_bad_idempotency_key_is_400(center, fmt):
    """An Idempotency-Key that is no id (too long, spaces) is refused, not truncated."""
    assert_error(center.post(fmt, citizen(), headers={"Idempotency-Key": "x" * 65}), 400, fmt)
    assert_error(center.post(fmt, citizen(), headers={"Idempotency-Key": "a b"}), 400, fmt)


GET_400 = {
    "start not a date": {"start_date": "yesterday"},
    "start without a zone": {"start_date": "2026-11-20T09:00:00"},
    "end impossible": {"end_date": "2026-02-30T00:00:00Z"},
    "span over 90 days": {"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-11-01T00:00:00Z"},
    "end before start": {"start_date": "2026-11-20T00:00:00Z", "end_date": "2026-11-10T00:00:00Z"},
    "before 2000": {"start_date": "1999-12-01"},
    "far future": {"end_date": "2099-01-01T00:00:00Z"},
    "unknown status": {"status": "pending"},
    "unknown service_code": {"service_code": "jalan,tidak_ada"},
    "id not a number": {"service_request_id": "1,abc"},
    "too many ids": {"service_request_id": ",".join(str(i) for i in range(1, 300))},
    "page_size too big": {"page_size": "5000"},
    "page zero": {"page": "0"},
    "page not a number": {"page": "²"},
}


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("query", GET_400.values(), ids=GET_400.keys())
def test_bad_get_arguments_are_400(center, query, fmt):
    """Every bounded argument of GET requests refuses what it cannot mean with 400."""
    assert_error(center.get(f"/requests.{fmt}", **query), 400, fmt)


def test_repeated_arguments_that_disagree_are_400(center):
    """?page=1&page=2 or two start_dates say two things: refused rather than guessed. (The list arguments —
    service_request_id, service_code, status — may be repeated: test_conformance.py.)"""
    assert_error(center.client.get(f"{BASE}/requests.json?page=1&page=2"), 400)
    assert_error(center.client.get(f"{BASE}/requests.json?start_date=2026-11-20&start_date=2026-11-21"), 400)


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("path", ["/requests/999999999", "/requests/abc", "/requests/0", "/services/tidak_ada",
                                  "/nothing", "/tokens/" + "x" * 80, "/requests/1/extra"])
def test_unknown_resources_are_404(center, path, fmt):
    """Requests, services, tokens and paths that do not exist: 404, in the named format."""
    assert_error(center.get(f"{path}.{fmt}"), 404, fmt)


def test_unknown_formats_and_bare_prefixes_are_404_in_xml(center):
    """A format we do not serve (.csv) or a bare prefix: 404 in XML, the spec's required format (a resource
    without a suffix answers in the Accept header's format: test_negotiation.py)."""
    for path in (f"{BASE}/requests.csv", f"{BASE}/servicez", "/open311/", f"{BASE}/"):
        assert_error(center.client.get(path), 404, "xml")


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(("method", "path", "allow"), [
    ("put", "/requests", "GET, POST"), ("delete", "/requests", "GET, POST"), ("post", "/services", "GET"),
    ("post", "/discovery", "GET"), ("patch", "/requests/1", "GET"), ("post", "/tokens/abc", "GET")])
def test_wrong_methods_are_405(center, method, path, allow, fmt):
    """A method a resource does not take: 405 with Allow, in the Open311 format."""
    response = getattr(center.client, method)(f"{BASE}{path}.{fmt}")
    assert_error(response, 405, fmt)
    assert response.headers["Allow"] == allow


def test_a_store_that_is_away_is_503_to_retry(make_store, tmp_path):
    """The store gone (moved away): reads and POSTs answer 503 with Retry-After in the Open311 format, so a
    forwarder retries instead of giving up."""
    import shutil

    import dash

    from data_access.intake import api_keys
    from tests.support.dash_app import get_app, url

    engine = make_store("sqlite")  # SQLite: a file that can be moved away
    key = api_keys.API_KEYS.add(engine, "app-away")
    dash.page_registry.clear()
    app, _ = get_app(url(engine))
    engine.dispose()
    app.server.config["MIMIKA_QUERY_CACHE"].engine.dispose()
    database = engine.url.database
    shutil.move(database, tmp_path / "elsewhere.db")
    try:
        client = app.server.test_client()
        for response, fmt in ((client.get(f"{BASE}/services.json"), "json"),
                              (client.get(f"{BASE}/requests.xml"), "xml"),
                              (client.post(f"{BASE}/requests.json", data={"api_key": key, **citizen()}), "json")):
            assert_error(response, 503, fmt)
            assert response.headers["Retry-After"] == "30"
    finally:
        shutil.move(tmp_path / "elsewhere.db", database)
        dash.page_registry.clear()


# ---- item 10: values that used to reach a 500 ------------------------------------------------------------------

def post_json_text(center, text: str, fmt: str = "json"):
    """POST a JSON body written by hand (json.dumps cannot write a 400-digit number as a float or a lone
    surrogate escape the way a hostile client does)."""
    return center.client.post(f"{BASE}/requests.{fmt}", data=text, content_type="application/json")


def json_with(center, **raw: str) -> str:
    """A valid citizen POST as JSON text with the fields in ``raw`` replaced by raw JSON values."""
    import json

    fields = {"api_key": center.key, **citizen()}
    fields.update({name: f"@@{name}@@" for name in raw})
    text = json.dumps(fields)
    for name, value in raw.items():
        text = text.replace(f'"@@{name}@@"', value)
    return text


def assert_no_traceback(caplog) -> None:
    bad = [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not bad, [(r.name, r.getMessage()[:200]) for r in bad]


HUGE_NUMBERS = {
    "400-digit lat": {"lat": "1" * 400},
    "400-digit long": {"long": "-" + "9" * 400},
    "1e999 lat": {"lat": "1e999"},
    "NaN lat": {"lat": "NaN"},
    "Infinity long": {"long": "Infinity"},
    "-Infinity lat": {"lat": "-Infinity"},
    "lat as text of 400 digits": {"lat": '"' + "1" * 400 + '"'},
    "lat as a list": {"lat": "[1, 2]"},
    "lat as true": {"lat": "true"},
}


@pytest.mark.parametrize("raw", HUGE_NUMBERS.values(), ids=HUGE_NUMBERS.keys())
def test_item10_huge_or_non_finite_numbers_as_coordinates_are_400(center, caplog, raw):
    """A 400-digit number as lat (a JSON integer Python cannot make a float of), NaN, Infinity: 400 in the spec's
    format, nothing written, nothing logged as an error."""
    caplog.set_level(logging.INFO)
    before = count(center)
    assert_error(post_json_text(center, json_with(center, **raw)), 400)
    assert count(center) == before
    assert_no_traceback(caplog)


def test_item10_a_400_digit_lat_in_a_form_is_400(center, caplog):
    """The same in a form body (the spec's encoding)."""
    caplog.set_level(logging.INFO)
    assert_error(center.post("xml", citizen(lat="1" * 400)), 400, "xml")
    assert_no_traceback(caplog)


SURROGATES = {
    "description": {"description": '"Jalan rusak \\ud83c"'},
    "description low half": {"description": '"\\udc00 jalan"'},
    "address_string": {"address_string": '"Jl. \\ud83c"', "lat": '""', "long": '""'},
    "first_name": {"first_name": '"Yo\\ud83c"'},
    "api_key": {"api_key": '"\\ud83c"'},
    "service_code": {"service_code": '"\\ud83c"'},
    "attribute key": {"attribute": '{"\\ud83c": "1"}'},
}


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("raw", SURROGATES.values(), ids=SURROGATES.keys())
def test_item10_a_lone_surrogate_in_a_json_field_is_400(center, caplog, raw, fmt):
    """Half a surrogate pair escaped in a JSON field ("\\ud83c" — it cannot be encoded as UTF-8, so it used to
    fail as UnicodeEncodeError in content_hash): 400 naming the problem, nothing written, no traceback. A whole
    pair (an emoji) is accepted."""
    caplog.set_level(logging.INFO)
    before = count(center)
    assert "surrogate" in assert_error(post_json_text(center, json_with(center, **raw), fmt), 400, fmt)
    assert count(center) == before
    assert_no_traceback(caplog)


def test_item10_an_emoji_escaped_as_a_surrogate_pair_is_accepted(center):
    """The whole pair "\\ud83d\\ude00" is one character (😀): a description may hold it."""
    response = post_json_text(center, json_with(center, description='"Jalan rusak \\ud83d\\ude00"'))
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
