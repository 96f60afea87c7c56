"""GET discovery, services, a service definition, requests, one request: both formats, the spec's shapes, public
data only (no reporter, rounded coordinates, confidential reports left out), filtering in SQL and bounded."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from data_access.intake.open311_store import CLOSED_STATUSES
from data_access.intake.writer import ReportWriter
from data_access.rulebook.sla import WorkCalendar
from data_access.store.schema import Category, Opd, Report, ReportEvent
from tests.open311 import schemas
from tests.open311.conftest import both_formats, parse_xml, xml_body
from tests.support import NOW


def test_discovery_names_the_endpoint_and_its_formats(center):
    """discovery.json and .xml: the GeoReport v2 endpoint at /open311/v2 in XML and JSON."""
    body = both_formats(center, "/discovery", schemas.DISCOVERY, "discovery")
    assert body["endpoints"][0]["url"].endswith("/open311/v2")
    assert set(body["endpoints"][0]["formats"]) == {"text/xml", "application/json"}
    assert center.get("/discovery.json").headers["Access-Control-Allow-Origin"] == "*"  # public data, any page


def test_services_are_our_categories_grouped_by_opd(center):
    """services: one realtime service per category, Indonesian name, the default OPD as its group."""
    body = both_formats(center, "/services", schemas.SERVICES, "services")
    with center.engine.connect() as conn:
        rows = conn.execute(select(Category.code, Category.name, Opd.name.label("opd"))
                            .join(Opd, Opd.code == Category.default_opd_code))
        expected = {row.code: (row.name, row.opd) for row in rows}
    assert {s["service_code"]: (s["service_name"], s["group"]) for s in body} == expected
    assert {s["type"] for s in body} == {"realtime"}


def test_service_definition_lists_the_extensions(center):
    """services/{code}: the optional extension attributes (nik, anonymous, confidential, channel, external_id)."""
    body = both_formats(center, "/services/jalan", schemas.SERVICE_DEFINITION, "service_definition")
    assert body["service_code"] == "jalan"
    assert [a["code"] for a in body["attributes"]] == ["nik", "anonymous", "confidential", "channel", "external_id",
                                                    "requested_datetime"]
    assert not any(a["required"] for a in body["attributes"])


def rows_for(center, ids: list[int]):
    with center.engine.connect() as conn:
        return {r.id: r for r in conn.execute(select(Report).where(Report.id.in_(ids)))}


def test_requests_default_to_the_last_90_days_newest_first(center):
    """GET requests without arguments: the last 90 days up to now, newest first, at most 1000, in both formats."""
    body = both_formats(center, "/requests", schemas.SERVICE_REQUESTS, "service_requests")
    assert 0 < len(body) <= 1000
    times = [datetime.fromisoformat(r["requested_datetime"]) for r in body]
    assert times == sorted(times, reverse=True)
    assert all(NOW - timedelta(days=90) <= t <= NOW for t in times)


def test_requests_map_statuses_opd_due_time_and_last_note(center):
    """status open/closed from the rule book, agency_responsible = the OPD, expected_datetime = resolution due
    (WIT), status_notes = the last note of a status change."""
    body = center.get("/requests.json", page_size=300).get_json()
    rows = rows_for(center, [int(r["service_request_id"]) for r in body])
    with center.engine.connect() as conn:
        opds = dict(conn.execute(select(Opd.code, Opd.name)).all())
    assert {r["status"] for r in body} == {"open", "closed"}
    for item in body:
        row = rows[int(item["service_request_id"])]
        assert item["status"] == ("closed" if row.status in CLOSED_STATUSES else "open")
        assert item["agency_responsible"] == opds[row.opd_code]
        assert datetime.fromisoformat(item["expected_datetime"]) == row.resolution_due_at.replace(microsecond=0)
        assert item["expected_datetime"].endswith("+09:00")
    sample = int(body[0]["service_request_id"])
    with center.engine.connect() as conn:
        last = conn.execute(select(ReportEvent.note).where(ReportEvent.report_id == sample,
                                                           ReportEvent.kind == "status", ReportEvent.note.is_not(None))
                            .order_by(ReportEvent.at.desc(), ReportEvent.id.desc()).limit(1)).scalar_one()
    assert body[0]["status_notes"] == last


def test_requests_carry_no_personal_data_and_rounded_coordinates(center):
    """No reporter name, phone, e-mail or NIK anywhere in the answers; lat/long rounded to 3 decimals in SQL."""
    assert center.personal
    answers = [center.get(f"/requests.{fmt}", page_size=1000).get_data(as_text=True) for fmt in ("json", "xml")]
    body = json.loads(answers[0])
    answers += [center.get(f"/requests/{r['service_request_id']}.{fmt}").get_data(as_text=True)
                for r in body[:20] for fmt in ("json", "xml")]
    everything = "\n".join(answers)
    leaked = [value for value in center.personal if value in everything]
    assert leaked == []
    rows = rows_for(center, [int(r["service_request_id"]) for r in body])
    located = [r for r in body if r["lat"] is not None]
    assert located
    for item in located:
        row = rows[int(item["service_request_id"])]
        # Rounded to 3 decimals in SQL (a half rounds away from zero there, to even in Python): within half a step
        # of the stored point and on the 0.001 grid, never the point itself.
        for got, stored in ((item["lat"], row.lat), (item["long"], row.lon)):
            assert abs(got - stored) <= 0.0005 + 1e-9
            assert got == pytest.approx(round(got, 3), abs=1e-9)
        assert item["lat"] == round(item["lat"], 3)


def test_confidential_reports_are_left_out(center):
    """A report marked confidential appears in no list and answers 404 on its own."""
    body = center.get("/requests.json", page_size=50).get_json()
    hidden = int(body[3]["service_request_id"])
    with center.engine.begin() as conn:
        conn.execute(update(Report).where(Report.id == hidden).values(confidential=True))
    try:
        listed = {int(r["service_request_id"]) for r in center.get("/requests.json").get_json()}
        by_id = {int(r["service_request_id"]) for r in center.get("/requests.json",
                                                                  service_request_id=f"{hidden},{body[4]['service_request_id']}").get_json()}
        assert hidden not in listed and hidden not in by_id and int(body[4]["service_request_id"]) in by_id
        assert center.get(f"/requests/{hidden}.json").status_code == 404
    finally:
        with center.engine.begin() as conn:
            conn.execute(update(Report).where(Report.id == hidden).values(confidential=False))


def test_filters_service_code_status_and_dates(center):
    """service_code, status and start/end_date filter in SQL; the answer matches a plain count of the store."""
    start, end = NOW - timedelta(days=10), NOW - timedelta(days=3)
    query = {"service_code": "jalan,sampah", "status": "open", "start_date": start.isoformat(),
             "end_date": end.isoformat()}
    body = both_formats(center, "/requests", schemas.SERVICE_REQUESTS, "service_requests", **query)
    with center.engine.connect() as conn:
        expected = set(conn.execute(select(Report.id).where(
            Report.category_code.in_(["jalan", "sampah"]), Report.status.not_in(CLOSED_STATUSES),
            Report.created_at >= start, Report.created_at <= end, Report.confidential.is_(False))).scalars())
    assert expected and {int(r["service_request_id"]) for r in body} == expected
    closed = center.get("/requests.json", status="closed").get_json()
    assert closed and {r["status"] for r in closed} == {"closed"}


def test_a_day_without_time_is_read_as_wit_midnight(center):
    """start_date=2026-11-20 means from 00:00 WIT that day."""
    body = center.get("/requests.json", start_date="2026-11-20", end_date="2026-11-21").get_json()
    assert body
    assert all("2026-11-20T00:00:00+09:00" <= r["requested_datetime"] <= "2026-11-21T00:00:00+09:00"
               for r in body)


def test_service_request_ids_override_the_other_arguments(center):
    """service_request_id=a,b returns exactly those, whatever the dates say (the spec)."""
    with center.engine.connect() as conn:
        oldest = list(conn.execute(select(Report.id).where(Report.confidential.is_(False))
                                   .order_by(Report.created_at).limit(2)).scalars())
    body = center.get("/requests.json", service_request_id=",".join(map(str, oldest)), status="open",
                      start_date="2026-11-22").get_json()
    assert sorted(int(r["service_request_id"]) for r in body) == sorted(oldest)


def test_pages_are_bounded_and_disjoint(center):
    """page/page_size (extension): pages of at most page_size, no report twice, together the whole window."""
    everything = [r["service_request_id"] for r in center.get("/requests.json").get_json()]
    pages = [center.get("/requests.json", page=p, page_size=100).get_json() for p in range(1, 6)]
    ids = [r["service_request_id"] for page in pages for r in page]
    assert len(everything) > 100, len(everything)  # more than one page to split
    assert all(len(page) <= 100 for page in pages)
    assert len(ids) == len(set(ids)) and ids == everything[:500]  # the five pages hold the first 500, in order


def test_the_default_window_counts_what_the_store_holds(center):
    """The default answer holds every public report of the last 90 days (fewer than 1000 here)."""
    with center.engine.connect() as conn:
        count = conn.execute(select(func.count()).select_from(Report).where(
            Report.created_at >= NOW - timedelta(days=90), Report.created_at <= NOW,
            Report.confidential.is_(False))).scalar_one()
    body = center.get("/requests.json").get_json()
    assert len(body) == min(count, 1000)


def test_one_request_in_both_formats(center):
    """requests/{id}: a list of one request, the same in XML and JSON."""
    first = center.get("/requests.json", page_size=1).get_json()[0]["service_request_id"]
    body = both_formats(center, f"/requests/{first}", schemas.SERVICE_REQUESTS, "service_requests")
    assert [r["service_request_id"] for r in body] == [first]


def test_xml_escapes_markup_and_drops_what_xml_cannot_carry(center):
    """A description with markup and a control character (a row written straight into the store): the XML
    parses, the markup comes back as text, the control character is gone; JSON carries it as written."""
    writer = ReportWriter(center.engine, WorkCalendar())
    with Session(center.engine) as session, session.begin():
        new_id = writer.create(session, category_code="jalan", title="x", created_at=NOW - timedelta(hours=1),
                               description='<b>Jalan</b> & "jembatan"\x01 rusak').id
    [item] = xml_body(parse_xml(center.get(f"/requests/{new_id}.xml")))
    assert item["description"] == '<b>Jalan</b> & "jembatan" rusak'
    assert center.get(f"/requests/{new_id}.json").get_json()[0]["description"] == '<b>Jalan</b> & "jembatan"\x01 rusak'
