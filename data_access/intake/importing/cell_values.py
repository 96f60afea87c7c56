"""Single values from foreign exports, cleaned or refused with :class:`BadValue` (its message is the reason the
rejects file gives): missing spellings, mojibake (ftfy), numbers, coordinates. Pure functions, no store."""

from __future__ import annotations

import math
import re

from ftfy import fix_encoding as repair_mojibake  # "CafÃ©" → "Café", also twice over; real accents stay

# Spellings of "nothing here" seen in real exports, compared after strip() and casefold().
MISSING = frozenset({"", "null", "none", "nil", "nan", "n/a", "na", "#n/a", "-", "--", "(null)", "tidak ada",
                     "undefined"})
_MAX_MISSING = max(map(len, MISSING)) + 4  # longer text is never a missing spelling: no strip/casefold for it
_SPACES = re.compile(r"[ \t\u00a0]+")
_PAIR = re.compile(r"^\s*[\(\[]?\s*([+-]?\d+(?:\.\d+)?)\s*[,; ]\s*([+-]?\d+(?:\.\d+)?)\s*[\)\]]?\s*$")


class BadValue(ValueError):
    """A value that cannot be used; the message is the reason written to the rejects file."""


def is_missing(value: object) -> bool:
    if isinstance(value, str):
        return len(value) <= _MAX_MISSING and value.strip().casefold() in MISSING
    return value is None or (isinstance(value, float) and math.isnan(value))


def _clean(value: object, line_break: str) -> str | None:
    if is_missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a spreadsheet cell's 12345.0 is the id "12345"
    text = str(value)
    if not text.isascii():
        text = repair_mojibake(text)
    if "\r" in text or "\n" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", line_break)
    if "  " in text or "\t" in text or "\u00a0" in text:
        text = _SPACES.sub(" ", text)
    return text.strip() or None


def clean_text(value: object) -> str | None:
    """A title, description or address: line breaks kept as \\n (a description may have paragraphs)."""
    return _clean(value, "\n")


def clean_key(value: object) -> str | None:
    """An identifier or a code-like value (external id, status, category name): one line."""
    return _clean(value, " ")


def parse_number(value: object) -> float | None:
    """A decimal number; a comma is accepted as the decimal separator ("-4,5467", common in Indonesian CSV)."""
    if is_missing(value):
        return None
    if isinstance(value, bool):
        raise BadValue(f"not a number: {value!r}")
    text = value if isinstance(value, int | float) else str(value).strip().replace("\u2212", "-")
    if isinstance(text, str) and text.count(",") == 1 and "." not in text:
        text = text.replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        raise BadValue(f"not a number: {str(value)[:40]!r}") from None
    if not math.isfinite(number):
        raise BadValue(f"not a number: {value!r}")
    return number


def parse_point(value: object) -> tuple[float | None, float | None]:
    """One "lat, lon" column such as "(-4.5467, 136.8883)" → (lat, lon); missing → (None, None)."""
    if is_missing(value):
        return None, None
    match = _PAIR.match(str(value))
    if not match:
        raise BadValue(f"not a 'lat, lon' pair: {str(value)[:40]!r}")
    return float(match.group(1)), float(match.group(2))


def usable_location(lat: float | None, lon: float | None) -> tuple[float | None, float | None, str | None]:
    """(lat, lon, warning). Missing, (0, 0) — the GPS "no fix" value — and impossible values land as no location;
    a pair given the wrong way round (|lat| > 90 but |lon| <= 90) is swapped back, with a warning."""
    if lat is None or lon is None or lat == lon == 0:
        return None, None, None
    if abs(lat) > 90 and abs(lon) <= 90 and abs(lat) <= 180:
        return lon, lat, "latitude and longitude were swapped: swapped back"
    if abs(lat) > 90 or abs(lon) > 180:
        return None, None, f"coordinates out of range ({lat}, {lon}): landed without a location"
    return lat, lon, None
