"""The spec names the format by the path's suffix; a client that leaves it off gets what its Accept header
prefers, XML (the spec's required format) when it says nothing or accepts anything — errors included."""

from __future__ import annotations

import pytest

from tests.open311 import schemas
from tests.open311.conftest import BASE, assert_error, parse_json, parse_xml, xml_body
from tests.open311.test_post import citizen

JSON = {"Accept": "application/json"}


@pytest.mark.parametrize("path, schema", [("/discovery", schemas.DISCOVERY), ("/services", schemas.SERVICES),
                                          ("/services/jalan", schemas.SERVICE_DEFINITION),
                                          ("/requests", schemas.SERVICE_REQUESTS)])
def test_a_path_without_suffix_answers_in_the_accepted_format(center, path, schema):
    as_json = parse_json(center.client.get(BASE + path, headers=JSON), schema)
    for accept in (None, "*/*", "text/xml", "application/xml, application/json;q=0.5"):
        root = parse_xml(center.client.get(BASE + path, headers={"Accept": accept} if accept else {}))
        if isinstance(as_json, list):
            assert len(xml_body(root)) == len(as_json)
    # The suffix wins over the header.
    parse_xml(center.client.get(f"{BASE}{path}.xml", headers=JSON))


def test_one_request_and_a_post_without_suffix(center):
    posted = center.client.post(f"{BASE}/requests", data={"api_key": center.key, **citizen()}, headers=JSON)
    body = parse_json(posted, schemas.POST_RESPONSE)
    one = parse_json(center.client.get(f"{BASE}/requests/{body[0]['service_request_id']}", headers=JSON),
                     schemas.SERVICE_REQUESTS)
    assert one[0]["service_request_id"] == body[0]["service_request_id"]
    assert parse_xml(center.client.get(f"{BASE}/tokens/{body[0]['token']}")).tag == "service_requests"


def test_errors_without_suffix_follow_the_accept_header(center):
    assert_error(center.client.get(f"{BASE}/services/tidak_ada", headers=JSON), 404, "json")
    assert_error(center.client.get(f"{BASE}/services/tidak_ada"), 404, "xml")
    assert_error(center.client.post(f"{BASE}/requests", data=citizen(), headers=JSON), 403, "json")
    assert_error(center.client.delete(f"{BASE}/services", headers=JSON), 405, "json")
    assert_error(center.client.get(f"{BASE}/requests", query_string={"start_date": "kemarin"}, headers=JSON),
                 400, "json")
    assert_error(center.client.get(f"{BASE}/services.yaml", headers=JSON), 404, "json")
