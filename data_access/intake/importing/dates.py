"""Timestamps as foreign exports write them, recognised per column from the values themselves.

Accepted without being spelled out: ISO 8601 with or without a zone (``T`` or a space, any number of fraction
digits, truncated to hours or to the day), ``DD/MM/YYYY`` and ``MM/DD/YYYY`` (``/``, ``-`` or ``.``) with
optional ``hh:mm[:ss[.f]]`` and ``AM``/``PM``, two-digit years (``69``→2069, ``70``→1970, as POSIX does),
month names in English or Indonesian (``12 Nov 2026 08:15``, ``1 Desember 2026``), Unix epoch seconds or
milliseconds, and spreadsheet date cells. A time without a zone is read in the import's time zone (WIT unless
``--timezone`` says otherwise); zone suffixes ``Z``, ``UTC``, ``+09:00``, ``WIB``, ``WITA`` and ``WIT`` are
honoured.

Day-first or month-first is decided per column: a value like ``23/11/2026`` proves day-first, ``11/23/2026``
month-first. The importer shows every column's values to :meth:`DateColumn.observe` in a pre-scan, so the
decision covers the whole file; a column with no deciding value borrows the decision of another date column of
the same file, then the mapping's ``[dates] order``; only when all three are silent is a value such as
``03/04/2026`` rejected as ambiguous (``04/04/2026`` is not ambiguous).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from data_access.intake.importing.cell_values import BadValue, is_missing

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
# Time zone names people type for Indonesia's three zones.
ZONE_ALIASES = {"WIT": "Asia/Jayapura", "WITA": "Asia/Makassar", "WIB": "Asia/Jakarta"}

DAY_FIRST, MONTH_FIRST, MIXED = "DMY", "MDY", "mixed"
ISO_AWARE = "ISO8601 with zones"  # parse_column's name for ISO text read with utc=True
_HAS_ZONE = re.compile(r"(?:Z|[+-]\d{2}:?\d{2})$")
# Times of day after a DD/MM/YYYY date that pandas reads in one call (others are read value by value).
_CLOCKS = ("", " %H:%M", " %H:%M:%S", " %H:%M:%S.%f", " %I:%M:%S %p", " %I:%M %p", " %H.%M")


def time_zone(name: str) -> ZoneInfo:
    """``--timezone``: an IANA name or WIT/WITA/WIB. Raises ValueError for anything else."""
    from zoneinfo import ZoneInfoNotFoundError

    key = ZONE_ALIASES.get(name.strip().upper(), name.strip())
    try:
        return ZoneInfo(key)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"{name!r} is not a time zone (try Asia/Jayapura, WIT, WITA, WIB or UTC)") from None


def fixed_offset(tz) -> timedelta | None:
    """The zone's offset when it has had one and the same since 2000 (Indonesia's three zones), else None.

    Importable dates lie between 2000 and now, so for such a zone a local time is UTC by one subtraction: a
    quarter of the time ``astimezone`` takes with the zone database, on every date of a file."""
    offsets = {tz.utcoffset(datetime(year, month, 15, 12)) for year in range(2000, datetime.now(UTC).year + 2)
               for month in (1, 4, 7, 10)}
    return offsets.pop() if len(offsets) == 1 and None not in offsets else None


def _two_digit_year(year: int) -> int:
    return year + (2000 if year < 70 else 1900)


def _zone(text: str | None, default) -> object:
    if not text:
        return default
    named = _NAMED_ZONES.get(text)
    if named is not None:
        return named
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:4] or 0)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _time_of_day(groups: tuple, raw: str) -> tuple[int, int, int, int]:
    """(hour, minute, second, µs) of _TIME's groups, AM/PM applied; the ranges are checked by datetime()."""
    hour_s, minute_s, second_s, fraction_s, meridiem, _ = groups
    hour = int(hour_s) if hour_s else 0
    if meridiem:
        if not 1 <= hour <= 12:
            raise BadValue(f"not a time: {raw[:40]!r}")
        hour = hour % 12 + (12 if meridiem[0] in "Pp" else 0)
    return (hour, int(minute_s) if minute_s else 0, int(second_s) if second_s else 0,
            int(fraction_s[:6].ljust(6, "0")) if fraction_s else 0)


def _build(year: int, month: int, day: int, groups: tuple, default_zone, raw: str) -> datetime:
    try:
        return datetime(year, month, day, *_time_of_day(groups, raw), tzinfo=_zone(groups[5], default_zone))
    except ValueError:
        raise BadValue(f"not a date: {raw[:40]!r}") from None


class DateColumn:
    """Parses one column's timestamps to aware UTC datetimes, deciding day/month order from the column."""

    def __init__(self, name: str, tz: ZoneInfo, order: str | None = None) -> None:
        self.name, self.tz = name, tz
        self.offset = fixed_offset(tz)
        self.forced = order
        self.day_first_seen = self.month_first_seen = False
        self.fallback: str | None = None  # another column's decision, or the mapping's [dates] order

    # -- the pre-scan --------------------------------------------------------------------------------------
    def observe(self, value: object) -> None:
        if not isinstance(value, str) or self.forced:
            return
        match = _DAY_MONTH.match(value.strip())
        if match:
            a, b = int(match.group(1)), int(match.group(2))
            if a > 12 >= b:
                self.day_first_seen = True
            elif b > 12 >= a:
                self.month_first_seen = True

    @property
    def order(self) -> str | None:
        """DMY, MDY, mixed (the column proves both), or None (nothing decides it)."""
        if self.forced:
            return self.forced
        if self.day_first_seen and self.month_first_seen:
            return MIXED
        if self.day_first_seen:
            return DAY_FIRST
        if self.month_first_seen:
            return MONTH_FIRST
        return None

    @property
    def decided(self) -> bool:
        return self.order is not None

    # -- parsing -------------------------------------------------------------------------------------------
    def parse(self, value: object) -> datetime | None:
        """Aware UTC, or None when missing; :class:`BadValue` with a reason otherwise."""
        if is_missing(value):
            return None
        if isinstance(value, datetime):
            moment = value if value.tzinfo is not None else value.replace(tzinfo=self.tz)
            return moment.astimezone(UTC)
        elif isinstance(value, date):
            return datetime(value.year, value.month, value.day, tzinfo=self.tz).astimezone(UTC)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            return self._epoch(float(value), value)
        else:
            text = str(value).strip()
        for pattern in (self._iso, self._year_first, self._day_month_text, self._named, self._epoch_text):
            moment = pattern(text)
            if moment is not None:
                return moment
        raise BadValue(f"not a date: {text[:40]!r}")

    def parse_column(self, values: list) -> tuple[list[datetime | None], dict[int, str]]:
        """Every value of a batch: aware UTC or None when missing, and the reason for each that is no date.

        Text of the column's shape is read by pandas in one call, with the format that reads the first value as
        :meth:`parse` does (ISO, or day/month in the column's decided order) in a zone of one offset; whatever
        that format does not read (another shape, a day/month the other way round, a typo) is read one distinct
        value at a time by :meth:`parse`, which gives the reason."""
        out: list[datetime | None] = [None] * len(values)
        rest = range(len(values))
        fmt, sample = self._format(values)
        if fmt is not None:
            texts = pd.Series(values, dtype=object)
            texts = texts.where(texts.map(type).eq(str))  # a spreadsheet's datetime cells: read by parse
            try:
                parsed = _fixed_width(texts, fmt, sample)
                if parsed is None:
                    parsed = pd.to_datetime(texts, format=fmt, errors="coerce", utc=fmt == ISO_AWARE)
            except ValueError:  # e.g. ISO text with and without zones in one column
                parsed = None
            if parsed is not None:
                if fmt == ISO_AWARE:  # a value without a zone is local time, which utc=True would not read
                    parsed = parsed.where(texts.str.contains(_HAS_ZONE, na=False))
                else:
                    parsed = (parsed - self.offset).dt.tz_localize(UTC)
                good = parsed.notna().to_numpy()
                moments = parsed[good].dt.as_unit("us").dt.to_pydatetime().tolist()
                for i, moment in zip(np.flatnonzero(good).tolist(), moments, strict=True):
                    out[i] = moment
                rest = np.flatnonzero(~good).tolist()
        errors: dict[int, str] = {}
        seen: dict = {}
        for i in rest:
            value = values[i]
            key = (type(value), value)
            if key not in seen:
                try:
                    seen[key] = self.parse(value)
                except BadValue as exc:
                    seen[key] = exc
            result = seen[key]
            if isinstance(result, BadValue):
                errors[i] = str(result)
            else:
                out[i] = result
        return out, errors

    def _format(self, values: list) -> tuple[str | None, str | None]:
        """A format pandas reads the column's text with, exactly as :meth:`parse` reads its first value (None when
        there is none: another shape, an undecided day/month order, a zone whose offset changes), and that value."""
        sample = next((v.strip() for v in values if type(v) is str and not is_missing(v)), None)
        if sample is None or self.offset is None:
            return None, None
        try:
            want = self.parse(sample)
        except BadValue:
            return None, None
        if _ISO_START.match(sample):
            return ISO_AWARE if _HAS_ZONE.search(sample) else "ISO8601", sample
        match = _DAY_MONTH.match(sample)
        order = self.order or self.fallback
        if match is None or len(match.group(3)) != 4 or order not in (DAY_FIRST, MONTH_FIRST):
            return None, None
        sep = sample[match.end(1)]
        day = f"%d{sep}%m{sep}%Y" if order == DAY_FIRST else f"%m{sep}%d{sep}%Y"
        for clock in _CLOCKS:
            try:
                local = datetime.strptime(sample, day + clock)
            except ValueError:
                continue
            if local.replace(tzinfo=UTC) - self.offset == want:
                return day + clock, sample
        return None, None

    # Each pattern returns None when the text is not of its shape, raises BadValue when it is but is no date.
    def _iso(self, text: str) -> datetime | None:
        if not _ISO_START.match(text):
            return None
        try:
            moment = datetime.fromisoformat(text[:-1] + "+00:00" if text.endswith("Z") else text)
        except ValueError:
            return None  # ISO-like but with AM/PM or a zone name: _year_first reads it
        if moment.tzinfo is None:
            if self.offset is not None:
                return moment.replace(tzinfo=UTC) - self.offset
            moment = moment.replace(tzinfo=self.tz)
        return moment.astimezone(UTC)

    def _year_first(self, text: str) -> datetime | None:
        match = _YEAR_FIRST.match(text)
        if not match:
            return None
        g = match.groups()
        return _build(int(g[0]), int(g[1]), int(g[2]), g[3:], self.tz, text).astimezone(UTC)

    def _day_month_text(self, text: str) -> datetime | None:
        match = _DAY_MONTH.match(text)
        return None if match is None else self._day_month(match, text).astimezone(UTC)

    def _named(self, text: str) -> datetime | None:
        match = _NAMED_DAY_FIRST.match(text) or _NAMED_MONTH_FIRST.match(text)
        if not match:
            return None
        g = match.groups()
        day_s, month_s = (g[0], g[1]) if g[0].isdigit() else (g[1], g[0])
        month = _MONTHS.get(month_s.lower())
        if month is None:
            raise BadValue(f"not a date: {text[:40]!r}")
        return _build(int(g[2]), month, int(day_s), g[3:], self.tz, text).astimezone(UTC)

    def _epoch_text(self, text: str) -> datetime | None:
        return self._epoch(float(text), text) if _EPOCH.match(text) else None

    def _epoch(self, seconds: float, raw: object) -> datetime:
        if seconds > 1e12:  # milliseconds
            seconds /= 1000.0
        if not 9.4e8 < seconds < 4.2e9:  # 2000 … 2100: anything else is a number, not a moment
            raise BadValue(f"not a date: {str(raw)[:40]!r}")
        return datetime.fromtimestamp(seconds, UTC)

    def _day_month(self, match: re.Match, text: str) -> datetime:
        g = match.groups()
        a, b, year = int(g[0]), int(g[1]), int(g[2])
        if len(g[2]) == 2:
            year = _two_digit_year(year)
        order = self.order or self.fallback
        if a > 12 >= b:
            day, month = a, b
        elif b > 12 >= a:
            day, month = b, a
        elif a == b:
            day = month = a
        elif order == DAY_FIRST:
            day, month = a, b
        elif order == MONTH_FIRST:
            day, month = b, a
        else:
            raise BadValue(f"ambiguous date {text[:40]!r} in column {self.name!r}: day/month or month/day, and "
                           "no value in the file decides it (set [dates] order = \"DMY\" or \"MDY\" in the mapping)")
        return _build(year, month, day, g[3:], self.tz, text)


_WIDTHS = {"%Y": 4, "%m": 2, "%d": 2, "%H": 2, "%I": 2, "%M": 2, "%S": 2, "%p": 2}


def _fixed_width(texts: pd.Series, fmt: str, sample: str) -> pd.Series | None:
    """Local times of the values written like ``sample`` (every number zero-padded, so each at its place): read
    from the characters by position in a few array operations, ten times faster than pandas' strptime. NaT for a
    value of another width or no valid time (parse_column reads those one by one); None when ``fmt`` has a field
    of no fixed width."""
    if "%" not in fmt:
        return None
    places, literal, at = {}, [], 0
    for part in re.findall(r"%.|[^%]", fmt):
        if part.startswith("%"):
            if part not in _WIDTHS:
                return None
            places[part], at = at, at + _WIDTHS[part]
        else:
            literal.append(at)
            at += 1
    if at != len(sample):
        return None
    width = texts.str.len().to_numpy(dtype=float, na_value=-1) == at
    chars = np.array(texts.where(width, sample).tolist(), dtype=f"<U{at}").view(np.uint32).reshape(-1, at)
    ok = width & (chars[:, literal] == np.array([ord(sample[i]) for i in literal], dtype=np.uint32)).all(axis=1)

    def number(part: str) -> np.ndarray:
        nonlocal ok
        digits = chars[:, places[part]:places[part] + _WIDTHS[part]].astype(np.int64) - 48
        ok &= ((digits >= 0) & (digits <= 9)).all(axis=1)
        return digits @ (10 ** np.arange(digits.shape[1] - 1, -1, -1))

    month, day = number("%m"), number("%d")
    hour = number("%H") if "%H" in places else np.zeros(len(chars), np.int64)
    if "%p" in places:
        hour = number("%I")
        meridiem = chars[:, places["%p"]:places["%p"] + 2] | 32  # lower case
        pm = meridiem[:, 0] == ord("p")
        ok &= ((meridiem[:, 0] == ord("a")) | pm) & (meridiem[:, 1] == ord("m")) & (hour >= 1) & (hour <= 12)
        hour = hour % 12 + 12 * pm
    minute = number("%M") if "%M" in places else 0
    second = number("%S") if "%S" in places else 0
    months = ((number("%Y") - 1970) * 12 + month - 1).astype("datetime64[M]")
    days = months.astype("datetime64[D]") + (day - 1).astype("timedelta64[D]")
    ok &= (month >= 1) & (month <= 12) & (day >= 1) & (days.astype("datetime64[M]") == months)
    ok &= (hour <= 23) & (minute <= 59) & (second <= 59)
    local = days.astype("datetime64[us]") + ((hour * 60 + minute) * 60 + second) * np.timedelta64(1, "s")
    return pd.Series(np.where(ok, local, np.datetime64("NaT")), index=texts.index)


def share_decisions(columns: list[DateColumn], hint: str | None) -> None:
    """A column that nothing decides takes the decision of the file's other date columns (one export tool wrote
    them all), else the mapping's hint."""
    decided = {c.order for c in columns if c.order in (DAY_FIRST, MONTH_FIRST)}
    borrowed = decided.pop() if len(decided) == 1 else None
    for column in columns:
        if column.order is None or column.order == MIXED:
            column.fallback = borrowed or hint
