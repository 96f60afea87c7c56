"""Open311 documents in the two formats the spec names: XML (required) and JSON (Spark convention).

XML is built with the standard library's ElementTree, which escapes text; characters XML 1.0 cannot carry at all
(NUL and the other C0 controls) are dropped first, so a row written straight into the store cannot break a
client's parser.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET

from flask import Response

FORMATS = ("xml", "json")
MIMETYPES = {"xml": "text/xml", "json": "application/json"}
# Plural elements and the element of each of their items (the spec's ⇊ and ↴).
ITEM_TAGS = {"endpoints": "endpoint", "formats": "format", "attributes": "attribute", "values": "value"}
_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    return _NOT_XML.sub("", str(value))


def _fill(parent: ET.Element, fields: dict) -> None:
    for name, value in fields.items():
        child = ET.SubElement(parent, name)
        if value is None:
            continue
        if isinstance(value, list | tuple):
            for item in value:
                grandchild = ET.SubElement(child, ITEM_TAGS.get(name, "item"))
                if isinstance(item, dict):
                    _fill(grandchild, item)
                else:
                    grandchild.text = _text(item)
        else:
            child.text = _text(value)


def xml_document(root_tag: str, item_tag: str | None, body: list[dict] | dict) -> str:
    """``<root><item>…</item>…</root>`` for a list, ``<root>…</root>`` for one object; UTF-8 declared."""
    root = ET.Element(root_tag)
    if isinstance(body, dict):
        _fill(root, body)
    else:
        for item in body:
            _fill(ET.SubElement(root, item_tag or "item"), item)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")


def respond(fmt: str, root_tag: str, item_tag: str | None, body: list[dict] | dict, status: int = 200) -> Response:
    if fmt == "json":
        text = json.dumps(body, ensure_ascii=False)
    else:
        text = xml_document(root_tag, item_tag, body)
    return Response(text, status=status, content_type=f"{MIMETYPES[fmt]}; charset=utf-8")


def error_response(fmt: str, status: int, description: str, headers: dict | None = None) -> Response:
    """The spec's error document: a list of {code, description}; ``code`` is the HTTP status."""
    response = respond(fmt, "errors", "error", [{"code": status, "description": description}], status)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def format_of(path: str, accept=None) -> str:
    """The format a path asks for by its suffix, as the spec has it; a path without one (some clients leave it
    off) gets what its ``Accept`` header prefers (Werkzeug's MIMEAccept); XML, the spec's required format, by
    default."""
    if path.endswith(".json"):
        return "json"
    if path.endswith(".xml") or accept is None:
        return "xml"
    return "json" if accept.best_match(["text/xml", "application/xml", "application/json"]) == "application/json" \
        else "xml"
