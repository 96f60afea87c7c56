"""#24 item 4, Open311 edges: what clients written elsewhere send and expect — string ids, .NET's seven-digit
fractions, the spec's multi-value attributes and repeated list arguments, ids overriding the other arguments,
media_url kept and returned, and CORS for the public reads but never for POST."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from urllib.parse import urlencode

import jsonschema
import pytest
from sqlalchemy import func, select

from core.bounded import bounded_instant
from data_access.rulebook.sla import WIT
from data_access.store.schema import IntakeRequest, Report
from tests.open311 import schemas
from tests.open311.conftest import BASE, assert_error, both_formats, parse_json, parse_xml, xml_body
from tests.open311.test_post import citizen, report
from tests.support import NOW


def posted_id(response) -> int:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return int(parse_json(response, schemas.POST_RESPONSE)[0]["service_request_id"])


def count(center) -> int:
    with center.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Report)).scalar_one()


def intake_attributes(center, report_id: int):
    with center.engine.connect() as conn:
        return conn.execute(select(IntakeRequest.attributes).where(IntakeRequest.report_id == report_id)
                            ).scalar_one()


# --- string ids --------------------------------------------------------------------------------------------------


def test_ids_are_json_strings_and_the_same_text_in_xml(center):
    """service_request_id is a string in every JSON answer (the GeoReport v2 schema's type), validated by the
    schema; the XML carries the same digits."""
    posted = center.post("json", citizen()).get_json()[0]
    jsonschema.validate([posted], schemas.POST_RESPONSE)
    assert isinstance(posted["service_request_id"], str) and isinstance(posted["token"], str)
    new_id = posted["service_request_id"]
    [one] = both_formats(center, f"/requests/{new_id}", schemas.SERVICE_REQUESTS, "service_requests")
    assert one["service_request_id"] == new_id
    listed = parse_json(center.get("/requests.json", page_size=50), schemas.SERVICE_REQUESTS)
    assert listed and all(isinstance(r["service_request_id"], str) for r in listed)
    [by_token] = parse_json(center.get(f"/tokens/{posted['token']}.json"), schemas.TOKENS)
    assert by_token == {"service_request_id": new_id, "token": posted["token"]}
    # The schema would have refused the number the answers used to carry.
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate([{**one, "service_request_id": int(new_id)}], schemas.SERVICE_REQUESTS)


# --- times with more than six fraction digits ---------------------------------------------------------------------


def test_dotnet_round_trip_times_are_read(center):
    """start_date/end_date in .NET's round-trip format (seven fraction digits) filter as their microsecond-cut
    instant would; a posted requested_datetime in that format is the report's creation time."""
    start, end = "2026-11-20T08:00:00.0000000+09:00", "2026-11-21T07:59:59.9999999+09:00"
    dotnet = center.get("/requests.json", start_date=start, end_date=end)
    assert dotnet.status_code == 200, dotnet.get_data(as_text=True)
    plain = center.get("/requests.json", start_date="2026-11-20T08:00:00+09:00",
                       end_date="2026-11-21T07:59:59.999999+09:00").get_json()
    assert dotnet.get_json() == plain and plain

    recorded = (NOW - timedelta(days=1)).astimezone(datetime.fromisoformat(start).tzinfo)
    text = recorded.strftime("%Y-%m-%dT%H:%M:%S") + ".1234567+09:00"
    new_id = posted_id(center.post("json", citizen(**{"attribute[requested_datetime]": text})))
    assert report(center, new_id).created_at == recorded.replace(microsecond=123456)


def test_extra_fraction_digits_are_cut_not_rounded_into_the_next_day(center):
    """23:59:59.9999999 stays on its day: the digits past the microsecond are cut, never rounded up."""
    moment = bounded_instant("2026-11-19T23:59:59.9999999+09:00", day_zone=WIT)
    assert (moment.day, moment.second, moment.microsecond) == (19, 59, 999999)
    body = center.get("/requests.json", start_date="2026-11-19T00:00:00+09:00",
                      end_date="2026-11-19T23:59:59.9999999+09:00").get_json()
    assert body and all(r["requested_datetime"].startswith("2026-11-19") for r in body)


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("raw", ["2026-11-20T08:00:00.+09:00", "2026-11-20T08:00:00.12a4567+09:00",
                                 "2026-11-20T08:00:00." + "0" * 30 + "+09:00", "2026-11-20T08:00.5+09:00",
                                 "2026-11-20T08:00:00.0000000"])
def test_garbage_times_are_still_400(center, raw, fmt):
    """A dot without digits, a letter among them, a fraction that makes the text absurdly long, a fraction of
    a minute, a fraction without a zone: the same 400 as before."""
    assert "start_date" in assert_error(center.get(f"/requests.{fmt}", start_date=raw), 400, fmt)


# --- multi-value attributes -----------------------------------------------------------------------------------------


def test_multi_value_attributes_are_kept_as_lists(center):
    """attribute[x][]=a&attribute[x][]=b (the spec's multivaluelist form) is accepted and kept with the intake
    record as the list [a, b]; attribute[y]=c as the value c; our extensions still set their columns."""
    body = urlencode([("api_key", center.key), *citizen(description="Pohon tumbang").items(),
                      ("attribute[jenis][]", "pohon"), ("attribute[jenis][]", "kabel"),
                      ("attribute[jenis][]", "pohon"), ("attribute[lajur]", "kiri"), ("attribute[channel]", "sms")])
    response = center.client.post(f"{BASE}/requests.json", data=body,
                                  content_type="application/x-www-form-urlencoded")
    new_id = posted_id(response)
    assert intake_attributes(center, new_id) == {"jenis": ["pohon", "kabel"], "lajur": "kiri"}
    assert report(center, new_id).channel == "sms"

    as_json = center.client.post(f"{BASE}/requests.json", json={
        "api_key": center.key, **citizen(), "attribute": {"jenis": ["pohon", "kabel"], "anonymous": True}})
    json_id = posted_id(as_json)
    assert intake_attributes(center, json_id) == {"jenis": ["pohon", "kabel"]}
    assert report(center, json_id).anonymous is True


def test_a_post_without_other_attributes_keeps_none(center):
    assert intake_attributes(center, posted_id(center.post("json", citizen()))) is None


def test_the_attribute_list_is_part_of_the_request(center):
    """The same Idempotency-Key with another list is another request: 409, not a replay."""
    key = str(uuid.uuid4())
    first = citizen(**{"attribute[jenis][]": ["pohon", "kabel"]})
    assert center.post("json", first, headers={"Idempotency-Key": key}).status_code == 200
    assert center.post("json", first, headers={"Idempotency-Key": key}).status_code == 200
    assert_error(center.post("json", citizen(**{"attribute[jenis][]": ["pohon"]}),
                             headers={"Idempotency-Key": key}), 409)


MULTI_400 = {
    "a list for a one-value extension": {"attribute[channel][]": ["sms", "web"]},
    "one value and a list for one code": {"attribute[jenis]": "a", "attribute[jenis][]": ["b", "c"]},
    "too many values": {"attribute[jenis][]": [f"v{i}" for i in range(21)]},
    "a value too long": {"attribute[jenis][]": ["x" * 201]},
    "a control character": {"attribute[jenis][]": ["a\x01b"]},
}


@pytest.mark.parametrize("change", MULTI_400.values(), ids=MULTI_400.keys())
def test_bad_attribute_lists_are_400(center, change):
    before = count(center)
    assert_error(center.post("json", citizen(**change)), 400)
    assert count(center) == before


# --- list arguments of GET requests -----------------------------------------------------------------------------


def ids_of(response) -> list[str]:
    return [r["service_request_id"] for r in parse_json(response, schemas.SERVICE_REQUESTS)]


def test_repeated_list_arguments_mean_a_list(center):
    """service_code=a&service_code=b is the list a,b (as the comma form); so are status and
    service_request_id."""
    repeated = center.client.get(f"{BASE}/requests.json?service_code=jalan&service_code=sampah")
    comma = center.get("/requests.json", service_code="jalan,sampah")
    assert repeated.status_code == 200 and ids_of(repeated) == ids_of(comma)
    assert {r["service_code"] for r in comma.get_json()} == {"jalan", "sampah"}
    both = center.client.get(f"{BASE}/requests.json?status=open&status=closed")
    assert ids_of(both) == ids_of(center.get("/requests.json", status="open,closed"))
    some = ids_of(comma)[:3]
    by_ids = center.client.get(f"{BASE}/requests.json?service_request_id={some[0]}"
                               f"&service_request_id={some[1]},{some[2]}")
    assert sorted(ids_of(by_ids)) == sorted(some)


def test_ids_override_bad_and_any_other_arguments(center):
    """With a service_request_id list the other arguments are ignored (the spec): a bad start_date, an unknown
    service_code, a status and dates that exclude the reports change nothing."""
    some = ids_of(center.get("/requests.json", page_size=2))
    for noise in ({"start_date": "kemarin"}, {"end_date": "2026-02-30T00:00:00Z", "service_code": "tidak_ada"},
                  {"status": "pending", "page": "0"}, {"start_date": "2026-01-01", "end_date": "2026-01-02"}):
        response = center.get("/requests.json", service_request_id=",".join(some), **noise)
        assert response.status_code == 200, (noise, response.get_data(as_text=True))
        assert sorted(ids_of(response)) == sorted(some)


# --- media_url ----------------------------------------------------------------------------------------------------


def test_media_url_is_stored_and_returned(center):
    """A posted media_url is kept in report.media_url (not in the description) and GET answers with it, in both
    formats."""
    link = "https://foto.mimika.example/laporan/jalan-berlubang.jpg?ukuran=besar"
    new_id = posted_id(center.post("json", citizen(media_url=link)))
    row = report(center, new_id)
    assert row.media_url == link and link not in (row.description or "")
    [one] = both_formats(center, f"/requests/{new_id}", schemas.SERVICE_REQUESTS, "service_requests")
    assert one["media_url"] == link
    listed = {r["service_request_id"]: r["media_url"] for r in center.get("/requests.json").get_json()}
    assert listed[str(new_id)] == link


def test_a_media_url_carrying_a_phone_number_is_not_shown(center):
    """A link whose text holds a phone number is stored but not shown: masking part of it would only break it."""
    new_id = posted_id(center.post("json", citizen(media_url="https://foto.example/081344556677.jpg")))
    assert report(center, new_id).media_url == "https://foto.example/081344556677.jpg"
    assert center.get(f"/requests/{new_id}.json").get_json()[0]["media_url"] is None


@pytest.mark.parametrize("link", ["ftp://foto.example/a.jpg", "http://user:rahasia@foto.example/a.jpg",
                                  "https://foto.example/" + "a" * 500, "https:///a.jpg", "//foto.example/a.jpg",
                                  "https://foto.example/a b.jpg"])
def test_media_urls_that_are_not_plain_http_links_are_400(center, link):
    before = count(center)
    assert "media_url" in assert_error(center.post("json", citizen(media_url=link)), 400)
    assert count(center) == before


# --- CORS -----------------------------------------------------------------------------------------------------------

READS = ["/services.json", "/services/jalan.json", "/requests.json", "/requests.xml", "/discovery.json"]
ORIGIN = {"Origin": "https://peta-warga.example"}


@pytest.mark.parametrize("path", READS)
def test_reads_are_open_to_every_origin(center, path):
    """GET and HEAD of the public reads carry Access-Control-Allow-Origin: *."""
    for method in (center.client.get, center.client.head):
        response = method(BASE + path, headers=ORIGIN)
        assert response.status_code == 200
        assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_one_request_is_open_to_every_origin(center):
    some = ids_of(center.get("/requests.json", page_size=1))[0]
    assert center.client.get(f"{BASE}/requests/{some}.json", headers=ORIGIN).headers[
        "Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize("path", [*READS, "/requests"])
def test_a_preflight_for_a_read_is_answered(center, path):
    """OPTIONS with Access-Control-Request-Method: GET (a page's script with its own headers): 204, any origin,
    GET, HEAD and OPTIONS, the headers a reading script sends; no body."""
    response = center.client.options(BASE + path, headers={
        **ORIGIN, "Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "x-requested-with"})
    assert response.status_code == 204 and response.get_data() == b""
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    allowed = {h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")}
    assert {"accept", "x-requested-with"} <= allowed and "content-type" not in allowed
    assert "POST" not in response.headers["Access-Control-Allow-Methods"]


@pytest.mark.parametrize("headers", ["content-type", "idempotency-key", "x-requested-with", ""])
def test_a_preflight_for_a_post_allows_nothing(center, headers):
    """A page on another site asking to POST (with a JSON body, an Idempotency-Key, …) gets no
    Access-Control-Allow-* at all: its browser does not send the POST."""
    response = center.client.options(f"{BASE}/requests.json", headers={
        **ORIGIN, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": headers})
    assert response.status_code == 204
    assert not [name for name in response.headers.keys() if name.lower().startswith("access-control-")]
    assert "POST" in response.headers["Allow"]  # the resource takes POSTs — from servers and apps


def test_a_post_gets_no_cors_header_and_a_browsers_post_from_elsewhere_is_refused(center):
    """A POST's answer carries no Access-Control-Allow-Origin; a POST that names another site in Origin (a page's
    form or script, which needs no preflight) is 403 and writes nothing."""
    ok = center.post("json", citizen())
    assert ok.status_code == 200 and "Access-Control-Allow-Origin" not in ok.headers
    before = count(center)
    refused = center.post("json", citizen(), headers=ORIGIN)
    assert "another site" in assert_error(refused, 403)
    assert "Access-Control-Allow-Origin" not in refused.headers
    assert count(center) == before


def test_options_on_other_resources_and_unknown_paths(center):
    """OPTIONS without a preflight: 204 with the resource's methods; an unknown path stays 404 (in XML)."""
    plain = center.client.options(f"{BASE}/services.json")
    assert plain.status_code == 204 and plain.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert center.client.options(f"{BASE}/requests.json").headers["Allow"] == "GET, POST, HEAD, OPTIONS"
    assert_error(center.client.options(f"{BASE}/nothing.xml"), 404, "xml")
    root = parse_xml(center.client.get(f"{BASE}/services.xml"))
    assert xml_body(root)  # the reads themselves are unchanged
