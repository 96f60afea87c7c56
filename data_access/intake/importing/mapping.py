"""Mapping files (TOML, README "File imports"): which of their columns feeds which of our fields, and how their
statuses, services, agencies and channels translate to ours. Presets ship in presets/ (``preset:lapor``)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from core.rules import STATUSES
from data_access.store.schema import CHANNELS

PRESET_DIR = Path(__file__).with_name("presets")
# In [columns], title and description join every column listed; for the other fields the list gives alternatives.
FIELDS = ("external_id", "created_at", "closed_at", "updated_at", "first_response_at", "status", "category",
          "title", "description", "lat", "lon", "location", "address", "opd", "channel")
DATE_FIELDS = ("created_at", "closed_at", "updated_at", "first_response_at")
SECTIONS = ("columns", "status", "category", "opd", "channel", "defaults", "dates", "preset")


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
