"""POST requests: through the ReportWriter (due times, OPD, district, timeline), reporter fields kept apart,
extensions, idempotency (replay, conflict, concurrent twins), tokens, and the wall seeing the report at once."""

from __future__ import annotations

import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from data_access.queries import headline_kpis, newest_reports
from data_access.rulebook.scope import Filters, Scope
from data_access.store.schema import AccessLog, IntakeRequest, Report, Reporter, ReportEvent
from tests.open311 import schemas
from tests.open311.conftest import SOURCE, assert_error, parse_json, parse_xml, xml_body
from tests.support import NOW
from tests.support.dash_app import BOUNDARIES

TIMIKA = {"lat": "-4.5465", "long": "136.8839"}  # Mimika Baru


def report(center, report_id: int):
    with center.engine.connect() as conn:
        return conn.execute(select(Report).where(Report.id == report_id)).one()


def reports_of(center, external_id: str) -> list[int]:
    with center.engine.connect() as conn:
        return list(conn.execute(select(Report.id).where(Report.source == SOURCE,
                                                         Report.external_id == external_id)).scalars())


def citizen(**extra) -> dict:
    return {"service_code": "jalan", **TIMIKA, "description": "Jalan berlubang di depan pasar\nSudah dua minggu.",
            "first_name": "Yohana", "last_name": "Magal", "email": "yohana.magal@example.id", "phone": "081344556677",
            **extra}


def test_post_writes_through_the_report_writer(center):
    """A form POST makes one report: source = the key's source, channel app, due times and OPD from the category,
    district from the boundaries, a timeline entry, the reporter in the reporter table."""
    response = center.post("json", citizen())
    assert response.status_code == 200, response.get_data(as_text=True)
    body = parse_json(response, schemas.POST_RESPONSE)
    assert "Access-Control-Allow-Origin" not in response.headers  # a POST is made with a key, never by a page
    row = report(center, int(body[0]["service_request_id"]))
    assert (row.source, row.channel, row.category_code, row.opd_code, row.status) == (SOURCE, "app", "jalan", "PUPR",
                                                                                      "baru")
    assert row.title == "Jalan berlubang di depan pasar"
    assert row.created_at == NOW and row.updated_at == NOW
    assert row.response_due_at > NOW and row.resolution_due_at > row.response_due_at
    if BOUNDARIES.exists():
        assert row.district_code == "94.04.01"
    with center.engine.connect() as conn:
        who = conn.execute(select(Reporter).where(Reporter.id == row.reporter_id)).one()
        events = conn.execute(select(ReportEvent.to_status).where(ReportEvent.report_id == row.id)).scalars().all()
        logged = conn.execute(select(AccessLog.actor).where(AccessLog.action == "apikey_used",
                                                            AccessLog.target == f"report:{row.id}")).scalars().all()
    assert (who.name, who.phone, who.email) == ("Yohana Magal", "081344556677", "yohana.magal@example.id")
    assert events == ["baru"] and logged == [f"apikey:{SOURCE}"]


def test_the_wall_sees_a_posted_report_at_once(center):
    """Right after the POST: the store version changed, the ticker lists it, the open count grew by one."""
    query_cache = center.app.server.config["MIMIKA_QUERY_CACHE"]
    before_version = query_cache.version()
    before = int(headline_kpis(center.engine, Filters(), Scope.wall(), NOW, timedelta(hours=24))["open"].iloc[0])
    new_id = int(center.post("json", citizen(description="Lampu jalan mati")).get_json()[0]["service_request_id"])
    assert query_cache.version() != before_version
    assert new_id in newest_reports(center.engine, Filters(), Scope.wall(), NOW)["id"].tolist()
    after = int(headline_kpis(center.engine, Filters(), Scope.wall(), NOW, timedelta(hours=24))["open"].iloc[0])
    assert after == before + 1


def test_json_bodies_are_accepted_and_xml_answers(center):
    """application/json with an attribute object works as the form does; the .xml answer parses."""
    response = center.client.post("/open311/v2/requests.xml", json={
        "api_key": center.key, "service_code": "sampah", "lat": -4.55, "long": 136.88, "description": "Sampah",
        "attribute": {"channel": "whatsapp", "anonymous": True}})
    assert response.status_code == 200, response.get_data(as_text=True)
    root = parse_xml(response)
    assert root.tag == "service_requests"
    [item] = xml_body(root)
    row = report(center, int(item["service_request_id"]))
    assert (row.category_code, row.channel, row.anonymous, row.confidential) == ("sampah", "whatsapp", True, False)


def test_an_address_without_coordinates_is_kept_in_the_description(center):
    """address_string only: no geocoder, so the district stays NULL (outside/unknown) and the address is kept."""
    body = center.post("json", {"service_code": "air_bersih", "address_string": "Jl. Cenderawasih, SP2",
                                "description": "Air tidak mengalir"}).get_json()
    row = report(center, int(body[0]["service_request_id"]))
    assert row.district_code is None and row.lat is None
    assert "Jl. Cenderawasih, SP2" in row.description


def test_extensions_set_the_report_columns(center):
    """attribute[nik], [confidential], [channel]: the NIK goes to the reporter, the flags to the report; a
    confidential report is then invisible to GET."""
    body = center.post("json", citizen(**{"attribute[nik]": "9109012345678901", "attribute[confidential]": "true",
                                         "attribute[channel]": "sms"})).get_json()
    row = report(center, int(body[0]["service_request_id"]))
    with center.engine.connect() as conn:
        nik = conn.execute(select(Reporter.nik).where(Reporter.id == row.reporter_id)).scalar_one()
    assert (row.confidential, row.anonymous, row.channel, nik) == (True, False, "sms", "9109012345678901")
    assert center.get(f"/requests/{row.id}.json").status_code == 404


def test_posted_personal_data_never_comes_back(center):
    """The reporter's name, phone, e-mail and NIK are in no answer: not the POST's, not GET's."""
    fields = citizen(description="Jembatan rusak, telepon saya 0813 4455 6677", **{"nik": "9109012345678902"})
    posted = center.post("xml", fields).get_data(as_text=True)
    new_id = int(xml_body(parse_xml_text(posted))[0]["service_request_id"])
    answers = posted + "".join(center.get(f"/requests/{new_id}.{fmt}").get_data(as_text=True) + center.get(
        f"/requests.{fmt}").get_data(as_text=True) for fmt in ("json", "xml"))
    assert f">{new_id}<" in answers
    for secret in ("Yohana", "Magal", "081344556677", "yohana.magal@example.id", "9109012345678902", "0813 4455 6677"):
        assert secret not in answers


def parse_xml_text(text: str):
    import xml.etree.ElementTree as ET

    return ET.fromstring(text.encode())


def test_same_idempotency_key_same_body_returns_the_same_request(center):
    """A retried POST (the response was lost) gets the same service_request_id and the same body, 200."""
    key = str(uuid.uuid4())
    first = center.post("json", citizen(), headers={"Idempotency-Key": key})
    again = center.post("json", citizen(), headers={"Idempotency-Key": key})
    assert first.status_code == again.status_code == 200
    assert first.get_json() == again.get_json()
    assert reports_of(center, key) == [int(first.get_json()[0]["service_request_id"])]


def test_same_key_as_json_is_the_same_request(center):
    """The content hash is of the parsed request: form and JSON saying the same thing are one request."""
    key = str(uuid.uuid4())
    first = center.post("json", citizen(), headers={"Idempotency-Key": key}).get_json()
    again = center.client.post("/open311/v2/requests.json", json={"api_key": center.key, **citizen()},
                               headers={"Idempotency-Key": key}).get_json()
    assert first == again


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_same_key_other_body_is_a_conflict(center, fmt):
    """The same key with other content: 409 in the Open311 error format, and no second report."""
    key = str(uuid.uuid4())
    assert center.post(fmt, citizen(), headers={"Idempotency-Key": key}).status_code == 200
    response = center.post(fmt, citizen(description="Lain cerita"), headers={"Idempotency-Key": key})
    assert "Idempotency-Key" in assert_error(response, 409, fmt)
    assert len(reports_of(center, key)) == 1


def test_external_id_without_a_key_is_idempotent_too(center):
    """No Idempotency-Key but attribute[external_id]: (source, external_id) makes the resend a replay."""
    external = f"WA-{uuid.uuid4().hex[:12]}"
    fields = citizen(**{"attribute[external_id]": external})
    first, again = center.post("json", fields), center.post("json", fields)
    assert first.get_json() == again.get_json()
    assert len(reports_of(center, external)) == 1
    assert_error(center.post("json", {**fields, "description": "beda"}), 409)


def test_concurrent_identical_posts_make_one_report(center):
    """Eight clients sending the same request with the same key at the same moment: one report, one answer."""
    key = str(uuid.uuid4())
    barrier = threading.Barrier(8)
    answers: list = []

    def send():
        client = center.app.server.test_client()
        barrier.wait()
        response = client.post("/open311/v2/requests.json", data={"api_key": center.key, **citizen()},
                               headers={"Idempotency-Key": key})
        answers.append((response.status_code, response.get_json()))

    threads = [threading.Thread(target=send) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert len(answers) == 8
    assert {status for status, _ in answers} == {200}
    assert len({body[0]["service_request_id"] for _, body in answers}) == 1
    assert len(reports_of(center, key)) == 1
    with center.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(IntakeRequest)
                            .where(IntakeRequest.idempotency_key == key)).scalar_one() == 1


def test_the_token_gives_the_service_request_id(center):
    """tokens/{token}: the token a POST returned answers with its service_request_id, in both formats."""
    posted = center.post("json", citizen()).get_json()[0]
    body = parse_json(center.get(f"/tokens/{posted['token']}.json"), schemas.TOKENS)
    assert body == [{"service_request_id": posted["service_request_id"], "token": posted["token"]}]
    root = parse_xml(center.get(f"/tokens/{posted['token']}.xml"))
    assert xml_body(root) == [{"service_request_id": str(posted["service_request_id"]), "token": posted["token"]}]
    assert_error(center.get("/tokens/no-such-token.json"), 404)
    assert_error(center.get("/tokens/no-such-token.xml"), 404, "xml")


def test_a_report_recorded_offline_keeps_its_time(center):
    """attribute[requested_datetime] (a district office forwarding later): created_at is that time, due times
    count from it, and updated_at is now so the wall's version check sees it."""
    recorded = NOW - timedelta(days=2, hours=3)
    body = center.post("json", citizen(**{"attribute[requested_datetime]": recorded.isoformat()})).get_json()
    row = report(center, int(body[0]["service_request_id"]))
    assert row.created_at == recorded and row.updated_at == NOW
    assert row.response_due_at < NOW + timedelta(days=3)


def test_a_desk_clock_running_fast_counts_as_now(center):
    """requested_datetime a little ahead of the center's clock is taken as now, not refused."""
    ahead = NOW + timedelta(hours=5)
    body = center.post("json", citizen(**{"attribute[requested_datetime]": ahead.isoformat()})).get_json()
    assert report(center, int(body[0]["service_request_id"])).created_at == NOW
