"""One bounded parser for what arrives from outside (URLs, callback bodies, forms): whole numbers, dates and
codes, each within the range a person could mean. Anything else is refused with a reason, never a traceback.

ASCII only on purpose: ``"²".isdigit()`` is true and ``int("²")`` fails, and Arabic-Indic digits would be read
as numbers by ``int`` — neither is what anyone typing a URL meant.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

_INT = re.compile(r"[+-]?[0-9]{1,12}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_CODE = re.compile(r"[A-Za-z0-9_.\-]{1,32}")
# W3C-DTF (www.w3.org/TR/NOTE-datetime) as Open311 uses it: a day, or a time of day with a zone (Z or ±hh:mm).
# The note allows "one or more digits" of a second's fraction (.NET writes seven); the whole text is bounded below.
_INSTANT = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(?:T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]+))?)?"
                      r"(Z|[+-][0-9]{2}:[0-9]{2}))?")

# The earliest day a report can carry (the SP4N-LAPOR! era begins in 2011; 2000 leaves room for back-filled
# archives) and the longest period a page or an export will cover.
EARLIEST_DAY = date(2000, 1, 1)
LONGEST_PERIOD_DAYS = 10 * 366


class OutOfBounds(ValueError):
    """An outside value that cannot be used; ``reason`` is a short machine-readable cause."""

    def __init__(self, reason: str, value: object) -> None:
        super().__init__(f"{reason}: {value!r}"[:200])
        self.reason, self.value = reason, value


def single(raw: object) -> str | None:
    """The one text value of a query key; None when missing. A key repeated with different values is refused
    (a link that says two things at once is a broken link)."""
    if raw is None:
        return None
    if isinstance(raw, list | tuple):
        values = {str(v) for v in raw}
        if len(values) > 1:
            raise OutOfBounds("repeated", sorted(values))
        return next(iter(values)) if values else None
    if isinstance(raw, str | int):
        return str(raw)
    raise OutOfBounds("shape", type(raw).__name__)


def bounded_int(raw: object, lo: int, hi: int, *, default: int | None = None) -> int:
    """A whole number within [lo, hi]. Missing → ``default`` (or refused when there is none)."""
    if raw is None or raw == "":
        if default is None:
            raise OutOfBounds("missing", raw)
        return default
    if isinstance(raw, bool):
        raise OutOfBounds("not_a_number", raw)
    if isinstance(raw, int):
        value = raw
    else:
        text = single(raw)
        if text is None or not _INT.fullmatch(text.strip()):
            raise OutOfBounds("not_a_number", raw)
        value = int(text.strip())
    if not lo <= value <= hi:
        raise OutOfBounds("out_of_range", value)
    return value


def clamped_int(raw: object, lo: int, hi: int, default: int) -> int:
    """A whole number pulled into [lo, hi]; anything unreadable → ``default`` (for display options like a
    rotation's dwell, where the bounded value is shown rather than an error)."""
    try:
        return min(hi, max(lo, bounded_int(raw, -(10**12), 10**12, default=default)))
    except OutOfBounds:
        return default


def bounded_date(raw: object, *, earliest: date = EARLIEST_DAY, latest: date | None = None) -> date:
    """A YYYY-MM-DD day within [earliest, latest]."""
    text = single(raw)
    if text is None or not _DATE.fullmatch(text.strip()):
        raise OutOfBounds("not_a_date", raw)
    try:
        day = date.fromisoformat(text.strip())
    except ValueError:
        raise OutOfBounds("not_a_date", raw) from None
    if day < earliest or (latest is not None and day > latest):
        raise OutOfBounds("out_of_range", text)
    return day


def is_code(value: object) -> bool:
    """A reference code as they look in the store (letters, digits, . _ -; at most 32)."""
    return isinstance(value, str) and bool(_CODE.fullmatch(value))


def bounded_instant(raw: object, *, day_zone: timezone, earliest: date = EARLIEST_DAY,
                    latest: date | None = None) -> datetime:
    """A W3C date-time with its zone (``2026-11-23T09:30:00+09:00``, ``…Z``), or a bare day read as its
    midnight in ``day_zone``; the day must lie within [earliest, latest]. A time without a zone is refused:
    nine hours either way is exactly the bug a zone prevents."""
    text = single(raw)
    match = _INSTANT.fullmatch(text.strip()) if text is not None and len(text) <= 40 else None
    if match is None:
        raise OutOfBounds("not_a_datetime", raw)
    day_text, hour, minute, second, fraction, zone = match.groups()
    day = bounded_date(day_text, earliest=earliest, latest=latest)
    if hour is None:
        return datetime(day.year, day.month, day.day, tzinfo=day_zone)
    if zone == "Z":
        tz = timezone.utc
    else:
        zone_hours, zone_minutes = int(zone[1:3]), int(zone[4:6])
        if zone_hours > 14 or zone_minutes > 59:
            raise OutOfBounds("not_a_datetime", raw)
        offset = timedelta(hours=zone_hours, minutes=zone_minutes)
        tz = timezone(offset if zone[0] == "+" else -offset)
    # Digits past the microsecond are cut, not rounded: rounding .9999999 up could carry into the next second,
    # and at 23:59:59 into the next day.
    microsecond = int((fraction or "0")[:6].ljust(6, "0"))
    try:
        return datetime(day.year, day.month, day.day, int(hour), int(minute), int(second or 0), microsecond,
                        tzinfo=tz)
    except ValueError:  # 25:00, 12:61
        raise OutOfBounds("not_a_datetime", raw) from None


_LOCAL_PATH = re.compile(r"/[\x21-\x7e]*")  # visible ASCII only: no control character, no white space
_ESCAPE = re.compile(r"%[0-9A-Fa-f]{2}")


def local_path(raw: object, max_length: int = 500) -> str | None:
    """A path on this site to send a browser to (``/opd/PUPR?period=week``), or None when it could leave it.

    Browsers drop tabs and line breaks from a URL before they read it, take a backslash for a slash, and a second
    slash (or a scheme) names another host: ``/\\t/evil.example``, ``/\\evil.example`` and ``//evil.example`` all
    leave. So a path is taken only as a single "/" then a character that is neither "/" nor "\\", in visible ASCII
    with no backslash anywhere — and the same must hold once its escapes are decoded (``/%2F/evil.example``), for
    whoever decodes it next.
    """
    if not isinstance(raw, str) or len(raw) > max_length:
        return None
    text = raw
    for _ in range(4):  # an escape of an escape (%252F) is decoded too; four rounds is more than any real link
        if not _LOCAL_PATH.fullmatch(text) or text[1:2] in ("/", "\\") or "\\" in text:
            return None
        decoded = _ESCAPE.sub(lambda m: chr(int(m.group()[1:], 16)), text)
        if decoded == text:
            return raw
        text = decoded
    return None
