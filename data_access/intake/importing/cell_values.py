"""Single values from foreign exports, cleaned or refused with :class:`BadValue` (its message is the reason the
rejects file gives): missing spellings, mojibake (ftfy), numbers, coordinates, and timestamps, recognised per
column from the values (README "File imports" lists the shapes). Pure functions, no store."""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime, timedelta, timezone
from functools import partial
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

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


clean_text = partial(_clean, line_break="\n")  # a title, description or address: paragraphs kept
clean_key = partial(_clean, line_break=" ")  # an identifier or a code-like value (id, status, service): one line


def parse_number(value: object) -> float | None:
    """A decimal number; a comma is accepted as the decimal separator ("-4,5467", common in Indonesian CSV)."""
    if isinstance(value, bool):
        raise BadValue(f"not a number: {value!r}")
    try:
        number = float(value)  # plain decimal text, the common case, first
    except (TypeError, ValueError):
        if is_missing(value):
            return None
        text = str(value).strip().replace("\u2212", "-")
        try:
            number = float(text.replace(",", ".") if text.count(",") == 1 and "." not in text else text)
        except ValueError:
            raise BadValue(f"not a number: {str(value)[:40]!r}") from None
    if math.isfinite(number):
        return number
    if is_missing(value):
        return None
    raise BadValue(f"not a number: {value!r}")


def parse_point(value: object) -> tuple[float | None, float | None]:
    """One "lat, lon" column such as "(-4.5467, 136.8883)" → (lat, lon); missing → (None, None)."""
    if is_missing(value):
        return None, None
    match = _PAIR.match(str(value))
    if not match:
        raise BadValue(f"not a 'lat, lon' pair: {str(value)[:40]!r}")
    return float(match.group(1)), float(match.group(2))


def location(lat: object, lon: object, point: object) -> tuple[float | None, float | None, str | None]:
    """(lat, lon, warning) of a latitude and a longitude, else of one "lat, lon" value."""
    try:
        lat, lon = parse_number(lat), parse_number(lon)
        if lat is None or lon is None:
            lat, lon = parse_point(point)
    except BadValue as exc:
        return None, None, f"location: {exc}: landed without a location"
    return usable_location(lat, lon)


def usable_location(lat: float | None, lon: float | None) -> tuple[float | None, float | None, str | None]:
    """(lat, lon, warning): missing, (0, 0) (GPS "no fix") and impossible values are none; swapped ones put back."""
    if lat is None or lon is None or lat == lon == 0:
        return None, None, None
    if abs(lat) > 90 and abs(lon) <= 90 and abs(lat) <= 180:
        return lon, lat, "latitude and longitude were swapped: swapped back"
    if abs(lat) > 90 or abs(lon) > 180:
        return None, None, f"coordinates out of range ({lat}, {lon}): landed without a location"
    return lat, lon, None


_TIME = r"(?:[T ,]+(\d{1,2})(?:[:.](\d{2})(?:[:.](\d{2})(?:[.,](\d+))?)?)?\s*([AaPp]\.?[Mm]\.?)?)?"
_ZONE = r"\s*(Z|UTC|GMT|WIB|WITA|WIT|[+-]\d{2}(?::?\d{2})?)?"
_DAY_MONTH = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})" + _TIME + _ZONE + r"$")
_YEAR_FIRST = re.compile(r"^(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})" + _TIME + _ZONE + r"$")
_NAMED_DAY_FIRST = re.compile(r"^(\d{1,2})[ -]([A-Za-z]{3,10})\.?[ -,]+(\d{4})" + _TIME + _ZONE + r"$")
_NAMED_MONTH_FIRST = re.compile(r"^([A-Za-z]{3,10})\.? (\d{1,2}),? (\d{4})" + _TIME + _ZONE + r"$")
_EPOCH = re.compile(r"^\d{10}(?:\.\d+)?$|^\d{13}$")
_ISO_START = re.compile(r"^\d{4}-\d{2}-\d{2}")
_MONTHS = {
    "jan": 1, "january": 1, "januari": 1, "feb": 2, "february": 2, "februari": 2, "peb": 2, "pebruari": 2,
    "mar": 3, "march": 3, "maret": 3, "apr": 4, "april": 4, "may": 5, "mei": 5, "jun": 6, "june": 6, "juni": 6,
    "jul": 7, "july": 7, "juli": 7, "aug": 8, "august": 8, "agu": 8, "agt": 8, "agus": 8, "agustus": 8,
    "sep": 9, "sept": 9, "september": 9, "oct": 10, "october": 10, "okt": 10, "oktober": 10, "nov": 11,
    "november": 11, "nop": 11, "nopember": 11, "dec": 12, "december": 12, "des": 12, "desember": 12,
}
_NAMED_ZONES = {"Z": UTC, "UTC": UTC, "GMT": UTC, "WIB": timezone(timedelta(hours=7)),
                "WITA": timezone(timedelta(hours=8)), "WIT": timezone(timedelta(hours=9))}
ZONE_ALIASES = {"WIT": "Asia/Jayapura", "WITA": "Asia/Makassar", "WIB": "Asia/Jakarta"}  # as people type them
DAY_FIRST, MONTH_FIRST, MIXED = "DMY", "MDY", "mixed"


def time_zone(name: str) -> ZoneInfo:
    """``--timezone``: an IANA name or WIT/WITA/WIB. Raises ValueError for anything else."""
    try:
        return ZoneInfo(ZONE_ALIASES.get(name.strip().upper(), name.strip()))
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not a time zone (try Asia/Jayapura, WIT, WITA, WIB or UTC)") from None


def _build(year: int, month: int, day: int, groups: tuple, default_zone, raw: str) -> datetime:
    """Aware UTC from a date and _TIME + _ZONE's groups; datetime() checks the ranges."""
    hour_s, minute_s, second_s, fraction_s, meridiem, zone = groups
    hour = int(hour_s or 0)
    try:
        if meridiem:
            if not 1 <= hour <= 12:
                raise ValueError(hour)
            hour = hour % 12 + (12 if meridiem[0] in "Pp" else 0)
        if zone and zone not in _NAMED_ZONES:
            digits = zone[1:].replace(":", "")
            offset = timedelta(hours=int(digits[:2]), minutes=int(digits[2:4] or 0))
            default_zone = timezone(-offset if zone[0] == "-" else offset)
        return datetime(year, month, day, hour, int(minute_s or 0), int(second_s or 0),
                        int(fraction_s[:6].ljust(6, "0")) if fraction_s else 0,
                        tzinfo=_NAMED_ZONES.get(zone, default_zone)).astimezone(UTC)
    except ValueError:
        raise BadValue(f"not a date: {raw[:40]!r}") from None


class DateColumn:
    """One column's timestamps as aware UTC (no zone: the import's). Day-first or month-first is decided per column
    from every value (:meth:`observe`: ``23/11/2026`` proves day-first), else borrowed (:func:`share_decisions`);
    only then is ``03/04/2026`` refused as ambiguous."""

    def __init__(self, name: str, tz: ZoneInfo) -> None:
        self.name, self.tz = name, tz
        self.day_first_seen = self.month_first_seen = False
        self.fallback: str | None = None  # another column's decision, or the mapping's [dates] order

    def observe(self, value: object) -> None:
        """The pre-scan: a day or month past 12 decides the column."""
        if isinstance(value, str) and (match := _DAY_MONTH.match(value.strip())):
            a, b = int(match.group(1)), int(match.group(2))
            self.day_first_seen |= a > 12 >= b
            self.month_first_seen |= b > 12 >= a

    @property
    def order(self) -> str | None:
        """DMY, MDY, mixed (the column proves both), or None (nothing decides it)."""
        if self.day_first_seen:
            return MIXED if self.month_first_seen else DAY_FIRST
        return MONTH_FIRST if self.month_first_seen else None

    def parse(self, value: object) -> datetime | None:
        """Aware UTC, or None when missing; :class:`BadValue` with a reason otherwise."""
        if is_missing(value):
            return None
        if isinstance(value, datetime):
            return (value if value.tzinfo is not None else value.replace(tzinfo=self.tz)).astimezone(UTC)
        if isinstance(value, date):
            return datetime(value.year, value.month, value.day, tzinfo=self.tz).astimezone(UTC)
        if isinstance(value, int | float) and not isinstance(value, bool):
            return self._epoch(float(value), value)
        text = str(value).strip()
        if _ISO_START.match(text):
            try:
                moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
            except ValueError:
                pass  # ISO-like but with AM/PM or a zone name: read as year-first below
            else:
                return (moment if moment.tzinfo is not None else moment.replace(tzinfo=self.tz)).astimezone(UTC)
        if match := _YEAR_FIRST.match(text):
            g = match.groups()
            return _build(int(g[0]), int(g[1]), int(g[2]), g[3:], self.tz, text)
        if match := _DAY_MONTH.match(text):
            return self._day_month(match, text)
        if match := _NAMED_DAY_FIRST.match(text) or _NAMED_MONTH_FIRST.match(text):
            g = match.groups()
            day_s, month_s = (g[0], g[1]) if g[0].isdigit() else (g[1], g[0])
            if month_s.lower() in _MONTHS:
                return _build(int(g[2]), _MONTHS[month_s.lower()], int(day_s), g[3:], self.tz, text)
        elif _EPOCH.match(text):
            return self._epoch(float(text), text)
        raise BadValue(f"not a date: {text[:40]!r}")

    def read(self, value: object) -> datetime | BadValue | None:
        """:meth:`parse`'s moment, or the BadValue it raises."""
        try:
            return self.parse(value)
        except BadValue as exc:
            return exc

    def _epoch(self, seconds: float, raw: object) -> datetime:
        if seconds > 1e12:  # milliseconds
            seconds /= 1000.0
        if not 9.4e8 < seconds < 4.2e9:  # 2000 … 2100: anything else is a number, not a moment
            raise BadValue(f"not a date: {str(raw)[:40]!r}")
        return datetime.fromtimestamp(seconds, UTC)

    def _day_month(self, match: re.Match, text: str) -> datetime:
        a, b, year = int(match.group(1)), int(match.group(2)), int(match.group(3))
        if len(match.group(3)) == 2:
            year += 2000 if year < 70 else 1900  # as POSIX does
        order = self.order or self.fallback
        if b > 12 >= a or (order == MONTH_FIRST and not a > 12 >= b and a != b):
            a, b = b, a
        elif not (a > 12 >= b or a == b or order in (DAY_FIRST, MONTH_FIRST)):
            raise BadValue(f"ambiguous date {text[:40]!r} in column {self.name!r}: day/month or month/day, and "
                           "no value in the file decides it (set [dates] order = \"DMY\" or \"MDY\" in the mapping)")
        return _build(year, b, a, match.groups()[3:], self.tz, text)


def share_decisions(columns: list[DateColumn], hint: str | None) -> None:
    """A column nothing decides takes the file's other date columns' decision (one tool wrote them), else the hint."""
    decided = {c.order for c in columns if c.order in (DAY_FIRST, MONTH_FIRST)}
    borrowed = decided.pop() if len(decided) == 1 else None
    for column in columns:
        if column.order is None or column.order == MIXED:
            column.fallback = borrowed or hint
