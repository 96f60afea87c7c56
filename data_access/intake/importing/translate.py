"""One foreign record → one candidate report of ours, or a rejection with its reason.

Pure: the store's reference data (categories, OPDs) is handed in. What lands and what is refused:

* refused: junk the reader flagged (wrong field count, a repeated header), no usable ``created_at`` (missing, not
  a date, before 2000 or in the future beyond :data:`FUTURE_TOLERANCE`), a status the mapping does not know
  (unless ``[defaults] status`` is set);
* lands with a warning: any other time that is not a date, before 2000 or in the future (left unknown), a closing
  time before the creation time (taken as the creation time), coordinates out of range or swapped, a closing time
  on an open status (ignored), duplicate keys in JSON or XML;
* lands quietly: missing or ``0,0`` coordinates (no location: counted "outside"), a service name the mapping does
  not know (the default category, counted as ``unmapped_category``), an agency it does not know (the category's
  OPD, counted as ``unmapped_opd``).

A record without an external id gets one derived from its content: ``h-`` and the first 32 hex digits of the
SHA-256 of its creation time, category, title, description, address and coordinates — the fields that say what
was reported, not how far it has got, so a later export of the same report with a new status is recognised.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from core.bounded import EARLIEST_DAY
from core.formatting import clip
from core.rules import FINISHED_STATUSES, STATUSES
from data_access.intake.importing.cell_values import (
    BadValue,
    clean_key,
    clean_text,
    is_missing,
    parse_number,
    parse_point,
    usable_location,
)
from data_access.intake.importing.dates import DateColumn, share_decisions
from data_access.intake.importing.mapping import DATE_FIELDS, Mapping, MappingError, fold
from data_access.intake.importing.readers import RawRecord
from data_access.store.schema import CHANNELS, DESCRIPTION_MAX, TITLE_MAX

FUTURE_TOLERANCE = timedelta(hours=1)  # clocks of other systems drift; more than this is a wrong date
EARLIEST = datetime(EARLIEST_DAY.year, EARLIEST_DAY.month, EARLIEST_DAY.day, tzinfo=UTC)
TITLE_JOIN = " – "
EXTERNAL_ID_MAX = 64  # the store's column width
_STATUS_NAMES = {fold(s): s for s in STATUSES}
MEMO_MAX = 10_000
MEMO_VALUE_MAX = 200  # longer text (a description) is cleaned each time: rarely repeated, costly to keep


class Rejected(Exception):
    """The record cannot land; ``reason`` goes to the rejects file."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(slots=True)
class Candidate:
    number: int
    external_id: str
    created_at: datetime
    status: str
    status_raw: str | None
    category_code: str
    opd_code: str
    channel: str
    title: str
    description: str | None
    lat: float | None
    lon: float | None
    closed_at: datetime | None = None  # their closing time, if they gave one (and the status is finished)
    updated_at: datetime | None = None  # when they last changed it, if they said
    first_response_at: datetime | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Reference:
    """What the store knows: category code → (name, English name, default OPD); OPD code → (name, short name)."""

    categories: dict[str, tuple[str, str, str]]
    opds: dict[str, tuple[str, str]]


@dataclass
class Tally:
    unmapped_category: Counter = field(default_factory=Counter)
    unmapped_opd: Counter = field(default_factory=Counter)
    derived_ids: int = 0


class Translator:
    def __init__(self, mapping: Mapping, columns: list[str] | None, reference: Reference, tz: ZoneInfo,
                 now: datetime) -> None:
        self.mapping, self.reference, self.now = mapping, reference, now
        self.latest = now + FUTURE_TOLERANCE
        self.tally = Tally()
        self.missing_columns: list[str] = []
        self.dates = {f: DateColumn(f, tz) for f in DATE_FIELDS if f in mapping.columns}
        self._category_names = self._names_index()
        self._opd_names = {}
        for code, (name, short) in reference.opds.items():
            for key in (code, name, short):
                self._opd_names[fold(key)] = code
                self._opd_names.setdefault(agency_words(key), code)
        # Longest names first, so "Dinas Pemberdayaan Perempuan …" wins over a shorter name inside it; full names
        # inside the value first, then short names and codes as whole words ("RSUD Mimika", "UPTD Dinkes …").
        contained = {agency_words(name): code for code, (name, _) in reference.opds.items()}
        short = {agency_words(key): code for code, (_, short_name) in reference.opds.items()
                 for key in (short_name, code)}
        self._opd_contained = [*sorted(contained.items(), key=lambda pair: -len(pair[0])),
                               *sorted(((k, c) for k, c in short.items() if k not in contained),
                                       key=lambda pair: -len(pair[0]))]
        self._opd_memo: dict[str, str | None] = {}
        # Foreign values repeat (a few dozen statuses and service names in a million rows): translate each once.
        # Memos are cleared when they grow past MEMO_MAX, so a column of unique junk cannot grow memory.
        self._status_memo: dict[str, str] = {}
        self._category_memo: dict[str, str] = {}
        self._channel_memo: dict[str, str] = {}
        self._resolved_cache: dict[tuple, dict[str, tuple[str, ...]]] = {}
        # clean_key / clean_text of short raw values: addresses, descriptors, agency names repeat too.
        self._keys: dict[str, str | None] = {}
        self._texts: dict[str, str | None] = {}
        self.check_targets()
        self.resolved = self._resolve(columns) if columns is not None else None
        if columns is not None:
            self._check_columns(columns)

    # -- set-up ---------------------------------------------------------------------------------------------
    def _names_index(self) -> dict[str, str]:
        names = {}
        for code, (name, name_en, _) in self.reference.categories.items():
            for key in (name, name_en, code):
                names[fold(key)] = code
        return names

    def check_targets(self) -> None:
        """Every category and OPD the mapping names must exist in the store (a typo would misfile reports)."""
        m, ref = self.mapping, self.reference
        if m.default_category not in ref.categories:
            hint = " (run: python -m dashboard init-db)" if m.default_category == "lainnya" else ""
            raise MappingError(f"{m.name}: the default category {m.default_category!r} is not in the store{hint}")
        bad = sorted({c for c in m.category.values() if c not in ref.categories})
        if bad:
            raise MappingError(f"{m.name}: [category] maps to codes the store does not have: {', '.join(bad)}")
        bad = sorted({o for o in [*m.opd.values(), *([m.defaults['opd']] if 'opd' in m.defaults else [])]
                      if o not in ref.opds})
        if bad:
            raise MappingError(f"{m.name}: [opd] maps to OPD codes the store does not have: {', '.join(bad)}")

    def _resolve(self, names: list[str] | tuple[str, ...]) -> dict[str, tuple[str, ...]]:
        """Our field → the file's column names that feed it, matched without case or spacing differences."""
        by_fold: dict[str, str] = {}
        for name in names:
            by_fold.setdefault(fold(name), name)
        resolved = {}
        for ours, theirs in self.mapping.columns.items():
            present = tuple(by_fold[fold(t)] for t in theirs if fold(t) in by_fold)
            if present:
                resolved[ours] = present
        return resolved

    def _check_columns(self, columns: list[str]) -> None:
        resolved = self.resolved
        if "created_at" not in resolved:
            looked = ", ".join(self.mapping.columns.get("created_at", ("created_at",)))
            raise MappingError(f"{self.mapping.name}: the file has no column for created_at (looked for {looked}; "
                               f"the file has {', '.join(columns[:12])}{' …' if len(columns) > 12 else ''})")
        if not {"title", "description", "category"} & set(resolved):
            raise MappingError(f"{self.mapping.name}: the file has no column for title, description or category")
        if not self.mapping.name.startswith("("):  # the identity mapping lists every field; most are absent
            self.missing_columns = sorted(f for f in self.mapping.columns if f not in resolved)

    def observe(self, record: RawRecord) -> None:
        """The pre-scan: show a record's date values to their columns."""
        resolved = self._columns_of(record)
        for name, column in self.dates.items():
            for key in resolved.get(name, ()):
                column.observe(record.fields.get(key))

    def raw_id(self, record: RawRecord) -> str | None:
        """The record's own id as translate reads it (None: it has none, and translate derives one)."""
        keys = self._columns_of(record).get("external_id", ())
        return clean_key(self._first(record.fields, keys)) if keys else None

    def decide_dates(self) -> None:
        share_decisions(list(self.dates.values()), self.mapping.date_order)

    def dates_settled(self) -> bool:
        return all(c.decided for c in self.dates.values())

    # -- one record -----------------------------------------------------------------------------------------
    def _columns_of(self, record: RawRecord) -> dict[str, tuple[str, ...]]:
        if self.resolved is not None:
            return self.resolved
        keys = tuple(record.fields)
        found = self._resolved_cache.get(keys)
        if found is None:
            if len(self._resolved_cache) > 1000:
                self._resolved_cache.clear()
            found = self._resolved_cache[keys] = self._resolve(keys)
        return found

    @staticmethod
    def _first(fields: dict, keys: tuple[str, ...]) -> object:
        if len(keys) == 1:  # the common case; callers treat missing spellings themselves
            return fields.get(keys[0])
        for key in keys:
            value = fields.get(key)
            if not is_missing(value):
                return value
        return None

    def _key(self, value: object) -> str | None:
        """clean_key, remembered for short text."""
        return _remembered(self._keys, clean_key, value)

    def _text(self, value: object) -> str | None:
        """clean_text, remembered for short text."""
        return _remembered(self._texts, clean_text, value)

    def _date(self, name: str, fields: dict, cols: dict) -> datetime | None:
        keys = cols.get(name)
        if not keys:
            return None
        value = fields.get(keys[0]) if len(keys) == 1 else self._first(fields, keys)
        try:
            moment = self.dates[name].parse(value)
        except BadValue as exc:
            raise Rejected(f"{name}: {exc}") from None
        if moment is None:
            return None
        if moment < EARLIEST:
            raise Rejected(f"{name} {moment:%Y-%m-%d} is before {EARLIEST_DAY.year}")
        if moment > self.latest:
            raise Rejected(f"{name} {moment.isoformat()} is in the future (now is {self.now:%Y-%m-%d %H:%M} UTC)")
        return moment

    def _optional_date(self, name: str, fields: dict, cols: dict, warnings: list[str]) -> datetime | None:
        """A time other than the creation: one the importer cannot read (a San Francisco dump's repeated key
        leaves ``updated_datetime`` = "true") is left unknown with a warning; the record still lands."""
        try:
            return self._date(name, fields, cols)
        except Rejected as exc:
            warnings.append(f"{exc.reason}: left unknown")
            return None

    def translate(self, record: RawRecord) -> Candidate:
        if record.number & 4095 == 0:
            for memo in (self._status_memo, self._category_memo, self._channel_memo, self._opd_memo, self._keys,
                         self._texts):
                if len(memo) > MEMO_MAX:
                    memo.clear()
        fields = record.fields
        error = fields.get("__error__")
        if error is not None:
            raise Rejected(str(error))
        cols = self._columns_of(record)
        warnings = list(record.notes)

        created = self._date("created_at", fields, cols)
        if created is None:
            raise Rejected("created_at is missing")
        closed = self._optional_date("closed_at", fields, cols, warnings) if "closed_at" in cols else None
        updated = self._optional_date("updated_at", fields, cols, warnings) if "updated_at" in cols else None
        responded = (self._optional_date("first_response_at", fields, cols, warnings)
                     if "first_response_at" in cols else None)

        # One value per field; inline for the common single column (a call per field costs more than the look-up).
        get, first = fields.get, self._first
        keys = cols.get("status", ())
        status_raw = self._key(get(keys[0]) if len(keys) == 1 else first(fields, keys))
        status = self._status(status_raw, warnings)
        if closed is not None and status not in FINISHED_STATUSES:
            warnings.append(f"a closing time ({closed:%Y-%m-%d %H:%M} UTC) on status {status!r}: ignored")
            closed = None
        if closed is not None and closed < created:
            warnings.append(f"closed_at {closed.isoformat()} is before created_at {created.isoformat()}: "
                            "taken as created_at")
            closed = created
        if responded is not None and responded < created:
            warnings.append("first_response_at is before created_at: taken as created_at")
            responded = created

        category_raw, category = self._category(fields, cols)
        keys = cols.get("opd", ())
        opd = self._opd(get(keys[0]) if len(keys) == 1 else first(fields, keys), category)
        keys = cols.get("channel", ())
        channel = self._channel(get(keys[0]) if len(keys) == 1 else first(fields, keys))
        text = self._text
        title_parts = [text(get(k)) for k in cols.get("title", ())]
        title = TITLE_JOIN.join([p for p in title_parts if p])
        description_parts = [text(get(k)) for k in cols.get("description", ())]
        description = "\n".join([p for p in description_parts if p]) or None
        keys = cols.get("address", ())
        address = text(get(keys[0]) if len(keys) == 1 else first(fields, keys))
        if not title:
            title = (description.split("\n", 1)[0] if description else None) or (
                address and f"{self.reference.categories[category][0]} – {address}") or \
                self.reference.categories[category][0]
        title = clip(title.replace("\n", " "), TITLE_MAX)
        if address:
            description = f"{description}\n\nAlamat: {address}" if description else f"Alamat: {address}"

        lat, lon = self._location(fields, cols, warnings)
        keys = cols.get("external_id", ())
        external_id = clean_key(get(keys[0]) if len(keys) == 1 else first(fields, keys))
        if external_id is None:
            external_id = self._derived_id(created, category_raw, title, description, lat, lon)
            self.tally.derived_ids += 1
        elif len(external_id) > EXTERNAL_ID_MAX:
            digest = hashlib.sha256(external_id.encode()).hexdigest()[:16]
            external_id = f"{external_id[:EXTERNAL_ID_MAX - 17]}~{digest}"
        if description is not None and len(description) > DESCRIPTION_MAX:  # cut after the id: it stays the same
            warnings.append(f"description cut to {DESCRIPTION_MAX} characters (it had {len(description)})")
            description = clip(description, DESCRIPTION_MAX)
        # Positional: the order of Candidate's fields (keywords cost a noticeable part of a row's time).
        return Candidate(record.number, external_id, created, status, status_raw, category, opd, channel,
                         title, description, lat, lon, closed, updated, responded, warnings)

    def _status(self, raw: str | None, warnings: list[str]) -> str:
        default = self.mapping.defaults.get("status")
        if raw is None:
            return default or "baru"
        ours = self._status_memo.get(raw)
        if ours is None:
            key = fold(raw)
            ours = self._status_memo[raw] = self.mapping.status.get(key) or _STATUS_NAMES.get(key) or ""
        if ours:
            return ours
        if default:
            warnings.append(f"status {raw!r} is not in the mapping: taken as {default!r}")
            return default
        raise Rejected(f"status {raw!r} is not in the mapping's [status] (nor one of ours)")

    def _category(self, fields: dict, cols: dict) -> tuple[str | None, str]:
        first_raw = None
        for key in cols.get("category", ()):
            raw = self._key(fields.get(key))
            if raw is None:
                continue
            first_raw = first_raw or raw
            code = self._category_memo.get(raw)
            if code is None:
                folded = fold(raw)
                code = self._category_memo[raw] = (self.mapping.category.get(folded)
                                                   or self._category_names.get(folded) or "")
            if code:
                return raw, code
        self.tally.unmapped_category[first_raw or "(empty)"] += 1
        return first_raw, self.mapping.default_category

    def _opd(self, raw: object, category: str) -> str:
        default = self.mapping.defaults.get("opd") or self.reference.categories[category][2]
        value = self._key(raw)
        if value is None:
            return default
        memo = self._opd_memo
        if value in memo:
            code = memo[value]
        else:
            key = fold(value)
            code = self.mapping.opd.get(key) or self._opd_names.get(key)
            if code is None:
                words = agency_words(value)
                code = self._opd_names.get(words) or next(
                    (c for name, c in self._opd_contained if name and f" {name} " in f" {words} "), None)
            memo[value] = code
        if code is None:
            self.tally.unmapped_opd[value] += 1
            return default
        return code

    def _channel(self, raw: object) -> str:
        if raw is None:  # most files have no channel column
            return self.mapping.default_channel
        value = self._key(raw)
        if value is None:
            return self.mapping.default_channel
        ours = self._channel_memo.get(value)
        if ours is None:
            key = fold(value)
            ours = self.mapping.channel.get(key) or (key.replace(" ", "_") if key.replace(" ", "_") in CHANNELS
                                                     else None) or self.mapping.default_channel
            self._channel_memo[value] = ours
        return ours

    def _location(self, fields: dict, cols: dict, warnings: list[str]) -> tuple[float | None, float | None]:
        try:
            keys = cols.get("lat", ())
            lat = parse_number(fields.get(keys[0]) if len(keys) == 1 else self._first(fields, keys))
            keys = cols.get("lon", ())
            lon = parse_number(fields.get(keys[0]) if len(keys) == 1 else self._first(fields, keys))
            if (lat is None or lon is None) and cols.get("location"):
                lat, lon = parse_point(self._first(fields, cols["location"]))
        except BadValue as exc:
            warnings.append(f"location: {exc}: landed without a location")
            return None, None
        lat, lon, warning = usable_location(lat, lon)
        if warning:
            warnings.append(warning)
        return lat, lon

    @staticmethod
    def _derived_id(created: datetime, category: str | None, title: str, description: str | None,
                    lat: float | None, lon: float | None) -> str:
        parts = [created.isoformat(), category or "", title, description or "",
                 "" if lat is None else f"{lat:.6f}", "" if lon is None else f"{lon:.6f}"]
        return "h-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


# Words that say whose agency it is, not which: "Dinas Kesehatan Kabupaten Mimika", "RSUD Mimika", "Pemkab Mimika -
# Dinas Sosial" name the same OPD as without them.
_REGION_WORDS = frozenset({"pemerintah", "pemkab", "kabupaten", "kab", "mimika"})
_WORD = re.compile(r"[^\W_]+")


def agency_words(value: str) -> str:
    """An agency's name as its words, lower case, without the regency's name: how names and values are compared
    when the exact name does not match."""
    return " ".join(w for w in _WORD.findall(value.casefold()) if w not in _REGION_WORDS)


def _remembered(memo: dict, clean, value: object):
    """``clean(value)``, kept in ``memo`` for short text (the raw values that repeat row after row)."""
    if type(value) is str and len(value) <= MEMO_VALUE_MAX:
        if value in memo:
            return memo[value]
        cleaned = memo[value] = clean(value)
        return cleaned
    return clean(value)
