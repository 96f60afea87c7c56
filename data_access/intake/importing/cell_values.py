"""Cleaning single values from foreign exports: what counts as missing, mojibake repair (ftfy), numbers, coordinates.

Pure functions, no store. Every function takes what a reader produced (text, or a number or datetime from a
spreadsheet cell) and either returns a clean value or raises :class:`BadValue` with a short reason.
"""

from __future__ import annotations

import math
import re

from ftfy import fix_encoding

# Spellings of "nothing here" seen in real exports. Compared after strip() and casefold().
MISSING = frozenset({"", "null", "none", "nil", "nan", "n/a", "na", "#n/a", "-", "--", "(null)", "tidak ada",
                     "undefined"})


class BadValue(ValueError):
    """A value that cannot be used; the message is the reason written to the rejects file."""


_MAX_MISSING = max(len(m) for m in MISSING)


def is_missing(value: object) -> bool:
    if value is None:
        return True
    if type(value) is str:
        # Long text is never a "missing" spelling: skip the strip/casefold for descriptions.
        return len(value) <= _MAX_MISSING + 4 and value.strip().casefold() in MISSING
    if isinstance(value, float) and math.isnan(value):
        return True
    return False


def repair_mojibake(text: str) -> str:
    """Undo "UTF-8 read as cp1252/latin-1" damage, also twice over and inside good text ("CafÃ©" → "Café",
    "â€“" → "–"), and leave real accents alone: ftfy's fix_encoding."""
    return fix_encoding(text)


_SPACES = re.compile(r"[ \t\u00a0]+")


def clean_text(value: object) -> str | None:
    """Text for a title, description or address: None when missing, mojibake repaired, runs of spaces folded,
    line breaks kept (a description may have paragraphs) but normalised to \\n."""
    if is_missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.isascii():
        text = repair_mojibake(text)
    if "  " in text or "\t" in text or "\u00a0" in text:
        text = _SPACES.sub(" ", text)
    return text.strip() or None


def clean_key(value: object) -> str | None:
    """An identifier or a code-like value (external id, status, category name): one line, no padding.

    Spreadsheet cells hand back 12345.0 for an id typed as 12345; that is the id "12345".
    """
    if is_missing(value):
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    if not text.isascii():
        text = repair_mojibake(text)
    if "\r" in text or "\n" in text:
        text = text.replace("\r", " ").replace("\n", " ")
    if "  " in text or "\t" in text or "\u00a0" in text:
        text = _SPACES.sub(" ", text)
    return text.strip() or None


def parse_number(value: object) -> float | None:
    """A decimal number; a comma is accepted as the decimal separator ("-4,5467", common in Indonesian CSV)."""
    if type(value) is str:
        # The common case first: plain decimal text. Everything float() refuses, and nan/inf, take the rules below.
        try:
            number = float(value)
        except ValueError:
            pass
        else:
            if math.isfinite(number):
                return number
    if is_missing(value):
        return None
    if isinstance(value, bool):
        raise BadValue(f"not a number: {value!r}")
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip().replace("\u2212", "-")
        if text.count(",") == 1 and "." not in text:
            text = text.replace(",", ".")
        try:
            number = float(text)
        except ValueError:
            raise BadValue(f"not a number: {str(value)[:40]!r}") from None
    if not math.isfinite(number):
        raise BadValue(f"not a number: {value!r}")
    return number


_PAIR = re.compile(r"^\s*[\(\[]?\s*([+-]?\d+(?:\.\d+)?)\s*[,; ]\s*([+-]?\d+(?:\.\d+)?)\s*[\)\]]?\s*$")


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
    if lat is None or lon is None:
        return None, None, None
    if lat == 0 and lon == 0:
        return None, None, None
    if abs(lat) > 90 and abs(lon) <= 90 and abs(lat) <= 180:
        return lon, lat, "latitude and longitude were swapped: swapped back"
    if abs(lat) > 90 or abs(lon) > 180:
        return None, None, f"coordinates out of range ({lat}, {lon}): landed without a location"
    return lat, lon, None
