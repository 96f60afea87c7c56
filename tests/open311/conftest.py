"""The Open311 server as clients meet it: the real app (create_app) on a real store, SQLite and PostgreSQL.

Each module gets a store with a month of demo reports (named reporters with phones and e-mails, so that a leak
would show) and an API key for the source ``app-warga``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

import dash
import jsonschema
import pytest
from sqlalchemy import select

from data_access.intake import api_keys
from data_access.store.schema import Reporter
from demo.seed import DemoConfig
from tests.open311 import schemas
from tests.support import BACKENDS, NOW
from tests.support.dash_app import get_app, url

BASE = "/open311/v2"
SOURCE = "app-warga"
# Plural XML elements and their items, as the spec nests them.
XML_ITEMS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value"}
LIST_ROOTS = {"services": "service", "service_requests": "request", "errors": "error"}


@dataclass
class Center:
    app: object
    engine: object
    client: object
    key: str
    backend: str
    personal: list[str]  # every reporter name, phone, e-mail and NIK in the store

    def get(self, path: str, **query):
        return self.client.get(BASE + path, query_string=query)

    def post(self, fmt: str = "json", data: dict | None = None, headers: dict | None = None, **kwargs):
        body = {"api_key": self.key, **(data or {})}
        return self.client.post(f"{BASE}/requests.{fmt}", data=body, headers=headers or {}, **kwargs)


@pytest.fixture(scope="module", params=BACKENDS)
def center(request, make_store, workcal):
    engine = make_store(request.param, demo=DemoConfig(seed=5, days=30, per_day=12.0, now=NOW))
    dash.page_registry.clear()
    app, _ = get_app(url(engine))
    with engine.connect() as conn:
        personal = [value for row in conn.execute(select(Reporter.name, Reporter.phone, Reporter.email,
                                                         Reporter.nik)) for value in row if value]
    yield Center(app, engine, app.server.test_client(), api_keys.API_KEYS.add(engine, SOURCE), request.param,
                 personal)
    dash.page_registry.clear()
    release(app, engine)


def release(app, *engines) -> None:
    """Close the pooled connections of an app's engine and of stores a test is done with: PostgreSQL serves
    every test run on the machine, and idle pools add up to its connection limit."""
    app.server.config["MIMIKA_QUERY_CACHE"].engine.dispose()
    for engine in engines:
        engine.dispose()


def parse_json(response, schema: dict):
    """The JSON body of ``response``, checked against ``schema``."""
    assert response.content_type == "application/json; charset=utf-8", response.content_type
    body = response.get_json()
    jsonschema.validate(body, schema)
    return body


def parse_xml(response) -> ET.Element:
    """The XML body of ``response``, parsed by a real parser, with the declaration the spec asks for."""
    assert response.content_type == "text/xml; charset=utf-8", response.content_type
    raw = response.get_data()
    assert raw.startswith(b'<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(raw)


def xml_value(element: ET.Element):
    """An element as plain Python: text, or a list/dict for the spec's nested elements."""
    if element.tag in XML_ITEMS:
        return [xml_value(child) if child.tag in XML_ITEMS.values() and len(child) == 0 else
                {c.tag: xml_value(c) for c in child} for child in element] if len(element) else None
    if len(element):
        return {child.tag: xml_value(child) for child in element}
    return element.text


def xml_body(root: ET.Element):
    """The whole document as the JSON would say it (lists for list roots), values as text."""
    if root.tag in LIST_ROOTS:
        assert all(child.tag == LIST_ROOTS[root.tag] for child in root)
        return [{c.tag: xml_value(c) for c in child} for child in root]
    return {child.tag: xml_value(child) for child in root}


def as_text(value):
    """A JSON value as the XML carries it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, list):
        return [as_text(v) for v in value] if value else None
    if isinstance(value, dict):
        return {k: as_text(v) for k, v in value.items()}
    return value if value != "" else None


def both_formats(center: Center, path: str, schema: dict, root: str, **query):
    """GET ``path`` as .json and .xml; the two say the same thing. Returns the JSON body."""
    as_json = parse_json(center.get(f"{path}.json", **query), schema)
    document = parse_xml(center.get(f"{path}.xml", **query))
    assert document.tag == root
    assert xml_body(document) == as_text(as_json)
    return as_json


def assert_error(response, status: int, fmt: str = "json") -> str:
    """An Open311 error document with ``status``, in ``fmt``, never HTML or a traceback; its description."""
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    text = response.get_data(as_text=True)
    assert "<html" not in text.lower() and "Traceback" not in text
    if fmt == "json":
        body = parse_json(response, schemas.ERRORS)
        assert len(body) == 1 and body[0]["code"] == status and body[0]["description"]
        return body[0]["description"]
    root = parse_xml(response)
    assert root.tag == "errors"
    errors = xml_body(root)
    assert len(errors) == 1 and errors[0]["code"] == str(status) and errors[0]["description"]
    return errors[0]["description"]
