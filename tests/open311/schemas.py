"""JSON Schemas of the GeoReport v2 resources, written from the spec (wiki.open311.org/GeoReport_v2).

``additionalProperties: false`` everywhere: a field the spec does not name (a reporter's phone, say) fails.
"""

from __future__ import annotations

# The spec's schema types service_request_id (and token) as a string; ours are the report ids, in decimal.
REQUEST_ID = {"type": "string", "pattern": "^[1-9][0-9]{0,15}$"}
W3C = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(Z|[+-][0-9]{2}:[0-9]{2})$"
HTTP_URL = r"^https?://[^\s]+$"
WIT = r"\+09:00$"
TEXT_OR_NULL = {"type": ["string", "null"]}


def _object(properties: dict, required: list[str] | None = None) -> dict:
    return {"type": "object", "properties": properties, "required": required or list(properties),
            "additionalProperties": False}


def _list_of(item: dict, min_items: int = 0, max_items: int | None = None) -> dict:
    schema = {"type": "array", "items": item, "minItems": min_items}
    if max_items is not None:
        schema["maxItems"] = max_items
    return schema


DISCOVERY = _object({
    "changeset": {"type": "string", "pattern": W3C},
    "contact": {"type": "string"},
    "key_service": {"type": "string"},
    "endpoints": _list_of(_object({
        "specification": {"const": "http://wiki.open311.org/GeoReport_v2"},
        "url": {"type": "string", "pattern": "^https?://.+/open311/v2$"},
        "changeset": {"type": "string", "pattern": W3C},
        "type": {"enum": ["production", "test"]},
        "formats": _list_of({"enum": ["text/xml", "application/json"]}, 1),
    }), 1),
})

SERVICES = _list_of(_object({
    "service_code": {"type": "string", "minLength": 1},
    "service_name": {"type": "string", "minLength": 1},
    "description": TEXT_OR_NULL,
    "metadata": {"type": "boolean"},
    "type": {"enum": ["realtime", "batch", "blackbox"]},
    "keywords": TEXT_OR_NULL,
    "group": TEXT_OR_NULL,
}), 1)

SERVICE_DEFINITION = _object({
    "service_code": {"type": "string"},
    "attributes": _list_of(_object({
        "variable": {"type": "boolean"},
        "code": {"type": "string"},
        "datatype": {"enum": ["string", "number", "datetime", "text", "singlevaluelist", "multivaluelist"]},
        "required": {"type": "boolean"},
        "datatype_description": TEXT_OR_NULL,
        "order": {"type": "integer", "minimum": 1},
        "description": {"type": "string"},
        "values": {"oneOf": [{"type": "null"}, _list_of(_object({"key": {"type": ["string", "number"]},
                                                                  "name": {"type": "string"}}), 1)]},
    })),
})

# POST: the spec returns service_request_id or token; we create synchronously and return both (the token also
# works with tokens/{token}).
POST_RESPONSE = _list_of(_object({
    "service_request_id": REQUEST_ID,
    "token": {"type": "string", "minLength": 1},
    "service_notice": TEXT_OR_NULL,
    "account_id": TEXT_OR_NULL,
}, ["service_request_id", "service_notice"]), 1, 1)

SERVICE_REQUEST = _object({
    "service_request_id": REQUEST_ID,
    "status": {"enum": ["open", "closed"]},
    "status_notes": TEXT_OR_NULL,
    "service_name": {"type": "string"},
    "service_code": {"type": "string"},
    "description": {"type": ["string", "null"], "maxLength": 4000},
    "agency_responsible": TEXT_OR_NULL,
    "service_notice": TEXT_OR_NULL,
    "requested_datetime": {"type": "string", "pattern": WIT},
    "updated_datetime": {"type": "string", "pattern": WIT},
    "expected_datetime": {"type": ["string", "null"], "pattern": WIT},
    "address": TEXT_OR_NULL,
    "address_id": TEXT_OR_NULL,
    "zipcode": TEXT_OR_NULL,
    "lat": {"type": ["number", "null"], "minimum": -90, "maximum": 90},
    "long": {"type": ["number", "null"], "minimum": -180, "maximum": 180},
    "media_url": {"type": ["string", "null"], "pattern": HTTP_URL, "maxLength": 500},
})
for _field in ("requested_datetime", "updated_datetime"):
    SERVICE_REQUEST["properties"][_field]["allOf"] = [{"pattern": W3C}]

SERVICE_REQUESTS = _list_of(SERVICE_REQUEST, 0, 1000)

TOKENS = _list_of(_object({"service_request_id": REQUEST_ID,
                           "token": {"type": "string"}}), 1, 1)

ERRORS = _list_of(_object({"code": {"type": "integer", "minimum": 400, "maximum": 599},
                           "description": {"type": "string", "minLength": 1}}), 1)
