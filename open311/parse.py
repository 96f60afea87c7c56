"""What arrives from outside, turned into bounded values or refused with the reason the client will read.

Form bodies are decoded here rather than by Werkzeug, which silently replaces bad UTF-8: a report whose text
was mangled on the way in should be refused, not stored with question marks.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from datetime import datetime, timedelta
from urllib.parse import parse_qsl

from core.bounded import OutOfBounds, bounded_instant, bounded_int, is_code, single
from data_access.intake.open311_store import MAX_PAGE_SIZE, MAX_SPAN, OPEN311_STATUSES, NewRequest, RequestQuery
from data_access.rulebook.sla import WIT
from data_access.store.schema import CHANNELS, MEDIA_URL_MAX
from open311.documents import EXTENSION_ATTRIBUTES

MAX_BODY = 64 * 1024  # a 4000-character description in UTF-8 is at most 16 KB; the rest is room for the fields
MAX_FIELDS = 100
MAX_IDS = 200
MAX_PAGE = 10_000
MAX_DESCRIPTION = 4000
MAX_ATTRIBUTE_VALUES, MAX_ATTRIBUTE_TEXT = 20, 200
EXTENSION_CODES = frozenset(a["code"] for a in EXTENSION_ATTRIBUTES)
MAX_JSON_BRACKETS = 200  # a flat object with one attribute map; anything deeper is not a service request
IDEMPOTENCY_KEY = re.compile(r"[A-Za-z0-9_.:\-]{1,64}")
TOKEN = re.compile(r"[A-Za-z0-9_\-]{1,64}")
_COORDINATE = re.compile(r"[+-]?[0-9]{1,3}(?:\.[0-9]{1,15})?")
_EMAIL = re.compile(r"[^@\s]{1,64}@[A-Za-z0-9\-]{1,63}(?:\.[A-Za-z0-9\-]{1,63})+")
_PHONE = re.compile(r"\+?[0-9][0-9 ().\-]{4,30}")
_NIK = re.compile(r"[0-9]{16}")
# An http(s) URL with a host name (no user:password@, no other scheme); its length is bounded by MEDIA_URL_MAX.
_URL = re.compile(r"https?://[A-Za-z0-9](?:[A-Za-z0-9.\-]*[A-Za-z0-9])?(?::[0-9]{1,5})?(?:[/?#][^\s<>\"\\]*)?")
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_BREAK = re.compile("[\r\n\t]")
_SURROGATE = re.compile("[\ud800-\udfff]")
TRUE, FALSE = frozenset({"true", "1", "yes"}), frozenset({"false", "0", "no", ""})
# How far back a source may date a report it recorded offline (a district office whose link was down). A time
# ahead of our clock (a desk's clock running fast) is taken as now rather than refused: refusing would strand
# the report in the outbox.
MAX_BACKDATE = timedelta(days=30)


class Open311Error(Exception):
    """A request the server refuses; ``status`` is the HTTP status, ``description`` what to fix."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status, self.description, self.retry_after = status, description, retry_after


def bad(description: str) -> Open311Error:
    return Open311Error(400, description)


# --- bodies ----------------------------------------------------------------------------------------------------


def body_fields(mimetype: str, raw: bytes) -> dict[str, object]:
    """The fields of a POST body: form-encoded (the spec) or a JSON object (accepted too)."""
    if mimetype == "application/x-www-form-urlencoded":
        return _form_fields(raw)
    if mimetype == "application/json":
        return _json_fields(raw)
    raise bad("Content-Type must be application/x-www-form-urlencoded (or application/json)")


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise bad("the body is not UTF-8") from None


def _form_fields(raw: bytes) -> dict[str, object]:
    """The body's fields, one value each; ``attribute[code]=v`` in ``fields["attribute"]``, and the spec's
    multi-value form ``attribute[code][]=a&attribute[code][]=b`` there as the list ``[a, b]``."""
    try:
        pairs = parse_qsl(_decode(raw), keep_blank_values=True, max_num_fields=MAX_FIELDS, errors="strict")
    except UnicodeDecodeError:
        raise bad("a percent-encoded value is not UTF-8") from None
    except ValueError:
        raise bad(f"the body has more than {MAX_FIELDS} fields") from None
    fields: dict[str, object] = {}
    singles: dict[str, list[str]] = {}
    lists: dict[str, list[str]] = {}
    for name, value in pairs:
        match = re.fullmatch(r"attribute\[([A-Za-z0-9_]{1,32})\](\[\])?", name)
        if match:
            (lists if match.group(2) else singles).setdefault(match.group(1), []).append(value)
        else:
            fields.setdefault(name, []).append(value)
    fields = {name: _one(name, values) for name, values in fields.items()}
    if singles.keys() & lists.keys():
        code = sorted(singles.keys() & lists.keys())[0]
        raise bad(f"attribute[{code}] is given both as one value and as a list (attribute[{code}][])")
    fields["attribute"] = {**{code: _one(f"attribute[{code}]", values) for code, values in singles.items()},
                           **lists}
    return fields


def _one(name: str, values: list) -> object:
    try:
        return single(values)
    except OutOfBounds:
        raise bad(f"{name} is given more than once with different values") from None


def _json_fields(raw: bytes) -> dict[str, object]:
    text = _decode(raw)
    if text.count("{") + text.count("[") > MAX_JSON_BRACKETS:
        raise bad("the JSON body is nested too deeply")
    try:
        body = json.loads(text)
    except (ValueError, RecursionError):
        raise bad("the body is not valid JSON") from None
    if isinstance(body, list) and len(body) == 1:
        body = body[0]
    if not isinstance(body, dict):
        raise bad("the JSON body must be one object of fields")
    if len(body) > MAX_FIELDS:
        raise bad(f"the body has more than {MAX_FIELDS} fields")
    attributes = body.get("attribute", body.get("attributes", {}))
    if not isinstance(attributes, dict) or len(attributes) > MAX_FIELDS:
        raise bad("attribute must be an object of code: value")
    fields = {k: v for k, v in body.items() if k not in ("attribute", "attributes")}
    # An attribute may be a list of values (a multivaluelist, as attribute[code][] says in a form); a field may not.
    values = [*fields.items(), *((name, item) for name, value in attributes.items()
                                 for item in (value if isinstance(value, list) else [value]))]
    for name, value in values:
        if value is not None and not isinstance(value, str | int | float | bool):
            raise bad(f"{name} must be a single value")
        # JSON may escape half of a surrogate pair ("\ud83c"): text that no UTF-8 can carry, to the store or back
        if any(isinstance(text, str) and _SURROGATE.search(text) for text in (name, value)):
            raise bad(f"{ascii(name)[1:-1][:40]} holds half a surrogate pair (not valid Unicode text)")
    fields["attribute"] = dict(attributes)
    return fields


# --- POST requests -----------------------------------------------------------------------------------------------


def _text(fields: dict, name: str, limit: int, *, lines: bool = False) -> str | None:
    value = fields.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad(f"{name} must be text")
    value = value.strip()
    if not value:
        return None
    if len(value) > limit:
        raise bad(f"{name} is longer than {limit} characters")
    if _CONTROL.search(value) or (not lines and _LINE_BREAK.search(value)):
        raise bad(f"{name} contains control characters")
    return value


def _matching(fields: dict, name: str, pattern: re.Pattern, limit: int, what: str) -> str | None:
    value = _text(fields, name, limit)
    if value is not None and not pattern.fullmatch(value):
        raise bad(f"{name} is not {what}")
    return value


def _coordinate(fields: dict, name: str, limit: float) -> float | None:
    value = fields.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise bad(f"{name} is not a number")
    if isinstance(value, int) and not -limit <= value <= limit:  # before float(): 10**400 overflows it
        raise bad(f"{name} is out of range (WGS84: -{limit:g} to {limit:g})")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str) and _COORDINATE.fullmatch(value.strip()):
        number = float(value.strip())
    else:
        raise bad(f"{name} is not a number in decimal degrees")
    if not math.isfinite(number) or not -limit <= number <= limit:
        raise bad(f"{name} {value!r} is out of range (WGS84: -{limit:g} to {limit:g})")
    return number


def _flag(value: object, name: str) -> bool:
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise bad(f"{name} must be true or false")


def _extension(fields: dict, name: str) -> object:
    """An extension sent as attribute[name] or as a plain field; both at once must agree. Every extension takes
    one value, so the list form (attribute[name][]) is refused rather than cut to its first item."""
    plain, attribute = fields.get(name), fields["attribute"].get(name)
    if isinstance(attribute, list):
        raise bad(f"attribute[{name}] takes one value, not a list")
    if plain is not None and attribute is not None and str(plain) != str(attribute):
        raise bad(f"{name} and attribute[{name}] disagree")
    return attribute if attribute is not None else plain


def _extension_text(fields: dict, name: str, pattern: re.Pattern, limit: int, what: str) -> str | None:
    value = _extension(fields, name)
    return _matching({name: None if value is None else str(value)}, name, pattern, limit, what)


def _requested_at(fields: dict, now: datetime) -> datetime | None:
    raw = _extension(fields, "requested_datetime")
    if raw is None or raw == "":
        return None
    try:
        moment = bounded_instant(str(raw), day_zone=WIT, latest=(now + timedelta(days=2)).date())
    except OutOfBounds:
        raise bad("requested_datetime must be a W3C date-time with its zone, e.g. 2026-11-23T09:30:00+09:00") \
            from None
    if moment < now - MAX_BACKDATE:
        raise bad(f"requested_datetime must lie within the last {MAX_BACKDATE.days} days")
    return min(moment, now)


def _other_attributes(fields: dict) -> tuple[tuple[str, str | tuple[str, ...]], ...]:
    """The attributes that are none of our extensions, bounded, as (code, value) with a multi-value attribute's
    value a tuple: kept with the intake record as the client sent them (the spec's attribute[code][] is a list)."""
    kept = []
    for code, value in sorted(fields["attribute"].items()):
        if code in EXTENSION_CODES:
            continue
        if not re.fullmatch(r"[A-Za-z0-9_]{1,32}", str(code)):
            raise bad(f"attribute code {ascii(code)[1:-1][:40]!r} is not a code (letters, digits, _)")
        if isinstance(value, list):
            if len(value) > MAX_ATTRIBUTE_VALUES:
                raise bad(f"attribute[{code}][] lists more than {MAX_ATTRIBUTE_VALUES} values")
            items = tuple(item for item in dict.fromkeys(_attribute_value(code, v) for v in value) if item is not None)
            if items:
                kept.append((code, items))
        elif (one := _attribute_value(code, value)) is not None:
            kept.append((code, one))
    return tuple(kept)


def _attribute_value(code: str, value: object) -> str | None:
    if value is None or isinstance(value, bool):
        return None if value is None else ("true" if value else "false")
    name = f"attribute[{code}]"
    return _text({name: str(value)}, name, MAX_ATTRIBUTE_TEXT)


def new_request(fields: dict, known_codes: Iterable[str], now: datetime) -> NewRequest:
    """A bounded NewRequest from a POST's fields, or Open311Error saying what is wrong."""
    code = fields.get("service_code")
    if code is None or code == "":
        raise bad("service_code is required")
    if not isinstance(code, str) or not is_code(code):
        raise bad("service_code is not a service code")
    if code not in set(known_codes):
        raise Open311Error(404, f"service_code {code!r} not found (see services.xml)")
    lat, lon = _coordinate(fields, "lat", 90), _coordinate(fields, "long", 180)
    if (lat is None) != (lon is None):
        raise bad("lat and long must be sent together")
    address = _text(fields, "address_string", 400)
    if lat is None and address is None:
        if fields.get("address_id"):
            raise bad("address_id is not supported here: send lat and long, or address_string")
        raise bad("a location is required: lat and long, or address_string")
    channel = _extension(fields, "channel") or "app"
    if channel not in CHANNELS:
        raise bad(f"channel must be one of {', '.join(CHANNELS)}")
    nik = _extension_text(fields, "nik", _NIK, 16, "a 16-digit NIK")
    external_id = _extension_text(fields, "external_id", IDEMPOTENCY_KEY, 64, "an id of letters, digits and _ . : -")
    return NewRequest(
        service_code=code, description=_text(fields, "description", MAX_DESCRIPTION, lines=True), lat=lat, lon=lon,
        address=address, channel=channel, external_id=external_id,
        anonymous=_flag(_extension(fields, "anonymous"), "anonymous"),
        confidential=_flag(_extension(fields, "confidential"), "confidential"),
        first_name=_text(fields, "first_name", 60), last_name=_text(fields, "last_name", 60),
        email=_matching(fields, "email", _EMAIL, 120, "an e-mail address"),
        phone=_matching(fields, "phone", _PHONE, 32, "a phone number"), nik=nik,
        media_url=_matching(fields, "media_url", _URL, MEDIA_URL_MAX, "an http(s) URL"),
        requested_at=_requested_at(fields, now), attributes=_other_attributes(fields),
    )


def idempotency_key(header: str | None) -> str | None:
    if header is None:
        return None
    if not IDEMPOTENCY_KEY.fullmatch(header):
        raise bad("Idempotency-Key must be 1–64 letters, digits or _ . : - (a UUID, say)")
    return header


# --- GET requests ------------------------------------------------------------------------------------------------


def _list(args, name: str, limit: int) -> list[str]:
    """A list argument, comma-separated (``a,b``), repeated (``name=a&name=b``, as the spec's "can be declared
    multiple times" and many clients have it), or both; each value once, in the order given."""
    items = [item.strip() for raw in args.getlist(name) for item in str(raw).split(",") if item.strip()]
    items = list(dict.fromkeys(items))
    if len(items) > limit:
        raise bad(f"{name} lists more than {limit} values")
    return items


def request_query(args, known_codes: Iterable[str], now: datetime) -> RequestQuery:
    """GET requests' arguments as a bounded RequestQuery: default the last 90 days, at most 1000 a page.

    A service_request_id list overrides every other argument, as the spec says: the others are not even read,
    so a bad start_date beside ids is no error."""
    ids = []
    for item in _list(args, "service_request_id", MAX_IDS):
        try:
            ids.append(bounded_int(item, 1, 2**53))
        except OutOfBounds:
            raise bad(f"service_request_id {item!r} is not a request id") from None
    if ids:
        return RequestQuery(start=now - MAX_SPAN, end=now, ids=tuple(ids), page_size=MAX_PAGE_SIZE)
    known = set(known_codes)
    codes = _list(args, "service_code", 100)
    for code in codes:
        if not is_code(code) or code not in known:
            raise bad(f"service_code {code[:40]!r} is not a known service (see services.xml)")
    statuses = _list(args, "status", 2)
    for status in statuses:
        if status not in OPEN311_STATUSES:
            raise bad("status must be open or closed (comma-separated for both)")
    start, end = _instant(args, "start_date", now), _instant(args, "end_date", now)
    if start is None and end is None:
        start, end = now - MAX_SPAN, now
    elif start is None:
        start = end - MAX_SPAN
    elif end is None:
        end = start + MAX_SPAN
    if end < start:
        raise bad("end_date is before start_date")
    if end - start > MAX_SPAN:
        raise bad("start_date to end_date may not span more than 90 days")
    try:
        page = bounded_int(_one("page", args.getlist("page")), 1, MAX_PAGE, default=1)
        page_size = bounded_int(_one("page_size", args.getlist("page_size")), 1, MAX_PAGE_SIZE,
                                default=MAX_PAGE_SIZE)
    except OutOfBounds:
        raise bad(f"page must be 1–{MAX_PAGE} and page_size 1–{MAX_PAGE_SIZE}") from None
    return RequestQuery(start=start, end=end, ids=tuple(ids), service_codes=tuple(codes), statuses=tuple(statuses),
                        page=page, page_size=page_size)


def _instant(args, name: str, now: datetime) -> datetime | None:
    raw = _one(name, args.getlist(name))
    if raw is None or raw == "":
        return None
    try:
        return bounded_instant(raw, day_zone=WIT, latest=(now + timedelta(days=2)).date())
    except OutOfBounds:
        raise bad(f"{name} must be a W3C date-time with its zone, e.g. 2026-11-23T09:30:00+09:00, "
                  "between 2000 and tomorrow") from None


def request_id(raw: str) -> int:
    try:
        return bounded_int(raw, 1, 2**53)
    except OutOfBounds:
        raise Open311Error(404, "service_request_id not found") from None
