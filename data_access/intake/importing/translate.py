"""Mapping files (TOML, README "File imports": which of their columns feeds which of our fields, how their values
translate; presets in presets/), and a batch of foreign records → candidate reports of ours by a mapping, column
by column, with the reason of each record that cannot land. Pure: the store's categories and OPDs are handed in."""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from core.bounded import EARLIEST_DAY
from core.formatting import clip
from core.rules import FINISHED_STATUSES, STATUSES
from data_access.intake.importing.cell_values import BadValue, DateColumn, clean_key, clean_text, is_missing, location
from data_access.intake.importing.readers import RawRecord
from data_access.store.schema import CHANNELS, DESCRIPTION_MAX, TITLE_MAX

PRESET_DIR = Path(__file__).with_name("presets")
# In [columns], title and description join every column listed; for the other fields the list gives alternatives.
FIELDS = ("external_id", "created_at", "closed_at", "updated_at", "first_response_at", "status", "category",
          "title", "description", "lat", "lon", "location", "address", "opd", "channel")
DATE_FIELDS = ("created_at", "closed_at", "updated_at", "first_response_at")
SECTIONS = ("columns", "status", "category", "opd", "channel", "defaults", "dates", "preset")
FUTURE_TOLERANCE = timedelta(hours=1)  # clocks of other systems drift; more than this is a wrong date
EARLIEST = datetime(EARLIEST_DAY.year, EARLIEST_DAY.month, EARLIEST_DAY.day, tzinfo=UTC)
EXTERNAL_ID_MAX = 64  # the store's column width
# Words that say whose agency it is, not which: "Dinas Kesehatan Kabupaten Mimika", "RSUD Mimika", "Pemkab Mimika -
# Dinas Sosial" name the same OPD as without them.
_REGION_WORDS = frozenset({"pemerintah", "pemkab", "kabupaten", "kab", "mimika"})
_WORD = re.compile(r"[^\W_]+")


class MappingError(ValueError):
    """A mapping file we cannot use; the message names the file and the problem."""


def fold(value: str) -> str:
    """How names are compared: case, surrounding and repeated spaces, and _/- do not matter."""
    return " ".join(value.replace("_", " ").casefold().split())


@dataclass(frozen=True)
class Mapping:
    name: str
    columns: dict[str, tuple[str, ...]] = field(default_factory=dict)
    status: dict[str, str] = field(default_factory=dict)  # folded their value → our status
    category: dict[str, str] = field(default_factory=dict)  # folded their value → our category code
    opd: dict[str, str] = field(default_factory=dict)
    channel: dict[str, str] = field(default_factory=dict)
    defaults: dict[str, str] = field(default_factory=dict)
    date_order: str | None = None
    detect: tuple[str, ...] = ()  # header names that identify a preset's files (--mapping omitted)

    @property
    def default_category(self) -> str:
        return self.defaults.get("category", "lainnya")

    @property
    def default_channel(self) -> str:
        return self.defaults.get("channel", "web")


def parse_mapping(data: dict, name: str) -> Mapping:
    """A mapping from parsed TOML; every value is checked so that a typo stops the import before it starts."""
    def table(section: str) -> dict:
        if not isinstance(data.get(section, {}), dict):
            raise MappingError(f"{name}: [{section}] must be a table")
        return data.get(section, {})

    if unknown := sorted(set(data) - set(SECTIONS)):
        raise MappingError(f"{name}: unknown section(s) {', '.join(unknown)} (known: {', '.join(SECTIONS)})")
    columns = {}
    for ours, theirs in table("columns").items():
        if ours not in FIELDS:
            raise MappingError(f"{name}: [columns] {ours!r} is not one of our fields ({', '.join(FIELDS)})")
        theirs = [theirs] if isinstance(theirs, str) else theirs
        if not (isinstance(theirs, list) and theirs and all(isinstance(t, str) and t.strip() for t in theirs)):
            raise MappingError(f"{name}: [columns] {ours} must be a column name or a list of column names")
        columns[ours] = tuple(theirs)
    tables = {}
    for section, known, what in (("status", STATUSES, "a status"), ("channel", CHANNELS, "a channel"),
                                 ("category", None, None), ("opd", None, None)):
        tables[section] = {}
        for theirs, ours in table(section).items():
            if known is not None and ours not in known:
                raise MappingError(f"{name}: [{section}] {theirs!r} = {ours!r} is not {what} ({', '.join(known)})")
            if not isinstance(ours, str) or not ours.strip():
                raise MappingError(f"{name}: [{section}] {theirs!r} must map to a code")
            tables[section][fold(theirs)] = ours.strip()
    defaults = table("defaults")
    for key, value in defaults.items():
        if key not in ("category", "status", "channel", "opd") or not isinstance(value, str):
            raise MappingError(f"{name}: [defaults] {key!r} must be one of category, status, channel, opd (text)")
    for key, known, what in (("status", STATUSES, "a status"), ("channel", CHANNELS, "a channel")):
        if key in defaults and defaults[key] not in known:
            raise MappingError(f"{name}: [defaults] {key} {defaults[key]!r} is not {what}")
    dates = table("dates")
    if dates.get("order") not in (None, "DMY", "MDY"):
        raise MappingError(f"{name}: [dates] order must be \"DMY\" or \"MDY\", not {dates['order']!r}")
    if unknown := sorted(set(dates) - {"order"}):
        raise MappingError(f"{name}: [dates] knows only 'order', not {', '.join(unknown)}")
    return Mapping(name, columns, **tables, defaults=dict(defaults), date_order=dates.get("order"),
                   detect=tuple(table("preset").get("detect", [])))


def presets() -> dict[str, Path]:
    return {p.stem: p for p in sorted(PRESET_DIR.glob("*.toml"))}


def load_mapping(spec: str | Path) -> Mapping:
    """``preset:NAME`` or a path to a TOML file."""
    spec = str(spec)
    if spec.startswith("preset:"):
        if (path := presets().get(spec.removeprefix("preset:"))) is None:
            raise MappingError(f"no preset {spec.removeprefix('preset:')!r} (presets: {', '.join(presets())})")
    elif not (path := Path(spec).expanduser()).is_file():
        raise MappingError(f"mapping file {path} does not exist")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"mapping {path.name}: not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise MappingError(f"mapping {path.name}: not UTF-8 text") from None
    return parse_mapping(data, spec if spec.startswith("preset:") else path.name)


def guess_mapping(columns: list[str] | None, fmt: str) -> Mapping:
    """``--mapping`` omitted: Open311 for JSON and XML, else the preset whose ``detect`` columns are all in the
    header, else the identity mapping (the file's columns are named like our fields)."""
    if columns is None:
        return load_mapping("preset:open311")
    folded = {fold(c) for c in columns}
    for name in presets():
        mapping = load_mapping(f"preset:{name}")
        if mapping.detect and all(fold(c) in folded for c in mapping.detect):
            return mapping
    return Mapping(name="(columns named like our fields)", columns={f: (f,) for f in FIELDS})


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


def agency_words(value: str) -> str:
    """An agency's name as its lower-case words without the regency's name (compared when the name is not exact)."""
    return " ".join(w for w in _WORD.findall(value.casefold()) if w not in _REGION_WORDS)


def _distinct(function, values: list) -> list:
    """``function`` of each value, worked out once per distinct value (the values of a column repeat)."""
    if set(map(type, values)) == {str}:  # text files: one table of the distinct texts
        table = {v: function(v) for v in set(values)}
        return list(map(table.__getitem__, values))
    table = {key: function(key[1]) for key in {(type(v), v) for v in values}}  # 1, 1.0 and True: typed keys
    return [table[(type(v), v)] for v in values]


class Translator:
    """Each of our fields is read from the batch's column, every value but dates through a table of the batch's
    distinct values (a few dozen statuses, services and agencies), so the per-record work is a few look-ups."""

    def __init__(self, mapping: Mapping, columns: list[str] | None, reference: Reference, tz: ZoneInfo,
                 now: datetime) -> None:
        self.mapping, self.reference, self.now = mapping, reference, now
        self.latest = now + FUTURE_TOLERANCE
        self.recount()
        self.dates = {f: DateColumn(f, tz) for f in DATE_FIELDS if f in mapping.columns}
        self._category_names = {fold(key): code for code, (name, name_en, _) in reference.categories.items()
                                for key in (name, name_en, code)}
        self._opd_names = {}
        for code, (name, short) in reference.opds.items():
            for key in (code, name, short):
                self._opd_names[fold(key)] = code
                self._opd_names.setdefault(agency_words(key), code)
        # Longest names first, so "Dinas Pemberdayaan Perempuan …" wins over a shorter name inside it; full names
        # inside the value first, then short names and codes as whole words ("RSUD Mimika", "UPTD Dinkes …").
        contained = {agency_words(name): code for code, (name, _) in reference.opds.items()}
        short = {words: code for code, (_, short_name) in reference.opds.items() for key in (short_name, code)
                 if (words := agency_words(key)) not in contained}
        self._opd_contained = [*sorted(contained.items(), key=lambda pair: -len(pair[0])),
                               *sorted(short.items(), key=lambda pair: -len(pair[0]))]
        self.resolved = None if columns is None else self._resolve(columns)
        self.missing_columns: list[str] = []
        self._check(columns)

    def recount(self) -> None:
        """The summary's counts start again (after the pre-scan's translation)."""
        self.unmapped_category, self.unmapped_opd, self.derived_ids = Counter(), Counter(), 0

    def _check(self, columns: list[str] | None) -> None:
        """Every category and OPD the mapping names must exist in the store (a typo would misfile reports), and the
        file must have the columns a report needs."""
        m, ref = self.mapping, self.reference
        if m.default_category not in ref.categories:
            hint = " (run: python -m dashboard init-db)" if m.default_category == "lainnya" else ""
            raise MappingError(f"{m.name}: the default category {m.default_category!r} is not in the store{hint}")
        if bad := sorted({c for c in m.category.values() if c not in ref.categories}):
            raise MappingError(f"{m.name}: [category] maps to codes the store does not have: {', '.join(bad)}")
        if bad := sorted({o for o in [*m.opd.values(), *([m.defaults["opd"]] if "opd" in m.defaults else [])]
                          if o not in ref.opds}):
            raise MappingError(f"{m.name}: [opd] maps to OPD codes the store does not have: {', '.join(bad)}")
        if columns is None:
            return
        if "created_at" not in self.resolved:
            looked = ", ".join(self.mapping.columns.get("created_at", ("created_at",)))
            raise MappingError(f"{self.mapping.name}: the file has no column for created_at (looked for {looked}; "
                               f"the file has {', '.join(columns[:12])}{' …' if len(columns) > 12 else ''})")
        if not {"title", "description", "category"} & set(self.resolved):
            raise MappingError(f"{self.mapping.name}: the file has no column for title, description or category")
        if not self.mapping.name.startswith("("):  # the identity mapping lists every field; most are absent
            self.missing_columns = sorted(f for f in self.mapping.columns if f not in self.resolved)

    def _resolve(self, names) -> dict[str, tuple[str, ...]]:
        """Our field → the file's column names that feed it, matched without case or spacing differences."""
        by_fold: dict[str, list[str]] = {}
        for name in names:
            by_fold.setdefault(fold(name), []).append(name)
        return {ours: present for ours, theirs in self.mapping.columns.items()
                if (present := tuple(n for t in theirs for n in by_fold.get(fold(t), ())))}

    def observe(self, records: list[RawRecord]) -> None:
        """Show a batch's date values to their columns until each is decided."""
        for name, column in self.dates.items():
            for value in (v for values in self._columns(records, self._keys(records), name) for v in values):
                if column.order is not None:
                    break
                column.observe(value)

    def raw_ids(self, records: list[RawRecord]) -> list[str | None]:
        """The records' own ids as translate reads them (None: translate derives one)."""
        return [clean_key(v) for v in self._column(records, self._keys(records), "external_id")]

    def _keys(self, records: list[RawRecord]) -> dict[str, tuple[str, ...]]:
        """The columns per field: the header's, or those the batch's records name (JSON, XML)."""
        if self.resolved is not None:
            return self.resolved
        return self._resolve(dict.fromkeys(key for record in records for key in record.fields))

    @staticmethod
    def _columns(records: list[RawRecord], keys: dict, name: str) -> list[list]:
        """The values of every column that feeds ``name``, one list per column (in the mapping's order)."""
        return [[r.fields.get(key) for r in records] for key in keys.get(name, ())]

    def _column(self, records: list[RawRecord], keys: dict, name: str) -> list:
        """The value of ``name`` per record: the first column of its list that is not missing."""
        columns = self._columns(records, keys, name)
        if len(columns) == 1:
            return columns[0]
        if not columns:
            return [None] * len(records)
        return [next((v for v in values if not is_missing(v)), None) for values in zip(*columns, strict=True)]

    def _dates(self, name: str, records, keys, problems: dict[int, str]) -> list[datetime | None]:
        """Aware UTC or None per record; ``problems`` gets the reason of each other value (left None)."""
        if name not in self.dates:
            return [None] * len(records)
        moments = _distinct(self.dates[name].read, self._column(records, keys, name))
        for i, moment in enumerate(moments):
            if isinstance(moment, BadValue):
                problems.setdefault(i, f"{name}: {moment}")
            elif moment is not None and moment < EARLIEST:
                problems.setdefault(i, f"{name} {moment:%Y-%m-%d} is before {EARLIEST_DAY.year}")
            elif moment is not None and moment > self.latest:
                problems.setdefault(i, f"{name} {moment.isoformat()} is in the future "
                                       f"(now is {self.now:%Y-%m-%d %H:%M} UTC)")
            else:
                continue
            moments[i] = None
        return moments

    def translate(self, records: list[RawRecord]) -> tuple[list[Candidate], dict[int, str]]:
        """The candidates that land (with their warnings), and the reason of each record that cannot, by its place."""
        reasons = {i: str(r.fields["__error__"]) for i, r in enumerate(records) if "__error__" in r.fields}
        keys = self._keys(records)
        created = self._dates("created_at", records, keys, reasons)
        for i in (i for i, moment in enumerate(created) if moment is None):
            reasons.setdefault(i, "created_at is missing")
        warnings: list[list[str]] = [list(r.notes) for r in records]
        optional = {}
        for name in ("closed_at", "updated_at", "first_response_at"):
            problems: dict[int, str] = {}
            optional[name] = self._dates(name, records, keys, problems)
            # Another time that cannot be read (a San Francisco dump's repeated key leaves updated_datetime =
            # "true") is left unknown with a warning; the record still lands.
            for i, reason in problems.items():
                warnings[i].append(f"{reason}: left unknown")
        statuses = _distinct(clean_key, self._column(records, keys, "status"))
        verdicts = _distinct(self._status, statuses)
        for i, (status, warning) in enumerate(verdicts):
            if status is None:
                reasons.setdefault(i, warning)
            elif warning:
                warnings[i].append(warning)
        keep = [i for i in range(len(records)) if i not in reasons]
        records = [records[i] for i in keep] if len(keep) < len(records) else records
        categories = self._categories(records, keys)
        opds = _distinct(clean_key, self._column(records, keys, "opd"))
        opd_codes = _distinct(self._opd_code, opds)
        channels = _distinct(self._channel, _distinct(clean_key, self._column(records, keys, "channel")))
        titles = [_distinct(clean_text, column) for column in self._columns(records, keys, "title")]
        descriptions = [_distinct(clean_text, column) for column in self._columns(records, keys, "description")]
        addresses = _distinct(clean_text, self._column(records, keys, "address"))
        locations = list(map(location, *(self._column(records, keys, name) for name in ("lat", "lon", "location"))))
        ids = [clean_key(v) for v in self._column(records, keys, "external_id")]
        names, default_opd = self.reference.categories, self.mapping.defaults.get("opd")
        out = []
        for j, i in enumerate(keep):
            notes, status, created_i = warnings[i], verdicts[i][0], created[i]
            closed, responded = optional["closed_at"][i], optional["first_response_at"][i]
            if closed is not None and status not in FINISHED_STATUSES:
                notes.append(f"a closing time ({closed:%Y-%m-%d %H:%M} UTC) on status {status!r}: ignored")
                closed = None
            if closed is not None and closed < created_i:
                notes.append(f"closed_at {closed.isoformat()} is before created_at {created_i.isoformat()}: "
                             "taken as created_at")
                closed = created_i
            if responded is not None and responded < created_i:
                notes.append("first_response_at is before created_at: taken as created_at")
                responded = created_i
            category_raw, category = categories[j]
            if (opd := opd_codes[j]) is None:
                if opds[j] is not None:
                    self.unmapped_opd[opds[j]] += 1
                opd = default_opd or names[category][2]
            title = " – ".join([column[j] for column in titles if column[j]])
            description = "\n".join([column[j] for column in descriptions if column[j]]) or None
            if not title:
                title = (description.split("\n", 1)[0] if description else None) or (
                    addresses[j] and f"{names[category][0]} – {addresses[j]}") or names[category][0]
            title = clip(title.replace("\n", " "), TITLE_MAX)
            if addresses[j]:
                description = f"{description}\n\nAlamat: {addresses[j]}" if description else f"Alamat: {addresses[j]}"
            lat, lon, warning = locations[j]
            if warning:
                notes.append(warning)
            if (external_id := ids[j]) is None:  # derived from what was reported, not from how far it has got
                parts = [created_i.isoformat(), category_raw or "", title, description or "",
                         "" if lat is None else f"{lat:.6f}", "" if lon is None else f"{lon:.6f}"]
                external_id = "h-" + hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]
                self.derived_ids += 1
            elif len(external_id) > EXTERNAL_ID_MAX:
                digest = hashlib.sha256(external_id.encode()).hexdigest()[:16]
                external_id = f"{external_id[:EXTERNAL_ID_MAX - 17]}~{digest}"
            if description is not None and len(description) > DESCRIPTION_MAX:  # cut after the id: it stays
                notes.append(f"description cut to {DESCRIPTION_MAX} characters (it had {len(description)})")
                description = clip(description, DESCRIPTION_MAX)
            out.append(Candidate(records[j].number, external_id, created_i, status, statuses[i], category, opd,
                                 channels[j], title, description, lat, lon, closed, optional["updated_at"][i],
                                 responded, notes))
        return out, reasons

    def _status(self, raw: str | None) -> tuple[str | None, str | None]:
        """(our status, a warning), or (None, the reason the record is refused)."""
        default = self.mapping.defaults.get("status")
        if raw is None:
            return default or "baru", None
        if ours := self.mapping.status.get(fold(raw)) or {fold(s): s for s in STATUSES}.get(fold(raw)):
            return ours, None
        if default:
            return default, f"status {raw!r} is not in the mapping: taken as {default!r}"
        return None, f"status {raw!r} is not in the mapping's [status] (nor one of ours)"

    def _category_code(self, raw: str | None) -> str | None:
        return None if raw is None else self.mapping.category.get(fold(raw)) or self._category_names.get(fold(raw))

    def _categories(self, records, keys) -> list[tuple[str | None, str]]:
        """(their value, our code) per record: the first of the category columns that maps, else the default."""
        columns = [_distinct(clean_key, column) for column in self._columns(records, keys, "category")]
        pairs = [list(zip(column, _distinct(self._category_code, column), strict=True)) for column in columns]
        out = []
        for choices in zip(*pairs, strict=True) if pairs else [()] * len(records):
            found = next((pair for pair in choices if pair[1]), None)
            if found is None:
                first = next((raw for raw, _ in choices if raw is not None), None)
                self.unmapped_category[first or "(empty)"] += 1
                found = (first, self.mapping.default_category)
            out.append(found)
        return out

    def _opd_code(self, value: str | None) -> str | None:
        if value is None:
            return None
        if code := self.mapping.opd.get(fold(value)) or self._opd_names.get(fold(value)):
            return code
        words = agency_words(value)
        return self._opd_names.get(words) or next(
            (c for name, c in self._opd_contained if name and f" {name} " in f" {words} "), None)

    def _channel(self, value: str | None) -> str:
        if value is None:  # most files have no channel column
            return self.mapping.default_channel
        ours = self.mapping.channel.get(fold(value)) or fold(value).replace(" ", "_")
        return ours if ours in CHANNELS else self.mapping.default_channel
