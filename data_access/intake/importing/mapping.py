"""Mapping files (TOML): which foreign column feeds which of our fields, and how their statuses, service names,
agencies and channels translate to ours. Presets ship beside this module (``preset:open311``,
``preset:lapor``).

Shape (README "File imports" documents it for scripts)::

    [columns]    # our field = their column, or a list of columns
    external_id = "Unique Key"
    created_at = "Created Date"
    title = ["Complaint Type", "Descriptor"]   # title and description join several columns with " – "
    [status]     # their value = our status (compared without case or surrounding spaces)
    "Closed" = "selesai"
    [category]   # their value = our category code
    "Street Light Condition" = "penerangan"
    [opd]        # their agency = our OPD code (optional)
    [channel]    # their channel = ours (optional)
    [defaults]   # category (default "lainnya"), status, channel (default "web"), opd
    category = "lainnya"
    [dates]      # optional: order = "DMY" or "MDY", used only when no value in the file decides it
"""

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
DEFAULT_CATEGORY = "lainnya"
DEFAULT_CHANNEL = "web"


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
        return self.defaults.get("category", DEFAULT_CATEGORY)

    @property
    def default_channel(self) -> str:
        return self.defaults.get("channel", DEFAULT_CHANNEL)


def _strings(value: object, where: str) -> tuple[str, ...]:
    if isinstance(value, str) and value.strip():
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) and v.strip() for v in value):
        return tuple(value)
    raise MappingError(f"{where} must be a column name or a list of column names")


def _table(data: dict, section: str, name: str) -> dict:
    table = data.get(section, {})
    if not isinstance(table, dict):
        raise MappingError(f"{name}: [{section}] must be a table")
    return table


def parse_mapping(data: dict, name: str) -> Mapping:
    """A mapping from parsed TOML; every value is checked so that a typo stops the import before it starts."""
    unknown = sorted(set(data) - set(SECTIONS))
    if unknown:
        raise MappingError(f"{name}: unknown section(s) {', '.join(unknown)} (known: {', '.join(SECTIONS)})")
    columns = {}
    for ours, theirs in _table(data, "columns", name).items():
        if ours not in FIELDS:
            raise MappingError(f"{name}: [columns] {ours!r} is not one of our fields ({', '.join(FIELDS)})")
        columns[ours] = _strings(theirs, f"{name}: [columns] {ours}")
    status = {}
    for theirs, ours in _table(data, "status", name).items():
        if ours not in STATUSES:
            raise MappingError(f"{name}: [status] {theirs!r} = {ours!r} is not a status ({', '.join(STATUSES)})")
        status[fold(theirs)] = ours
    channel = {}
    for theirs, ours in _table(data, "channel", name).items():
        if ours not in CHANNELS:
            raise MappingError(f"{name}: [channel] {theirs!r} = {ours!r} is not a channel ({', '.join(CHANNELS)})")
        channel[fold(theirs)] = ours
    category, opd = {}, {}
    for section, target in (("category", category), ("opd", opd)):
        for theirs, ours in _table(data, section, name).items():
            if not isinstance(ours, str) or not ours.strip():
                raise MappingError(f"{name}: [{section}] {theirs!r} must map to a code")
            target[fold(theirs)] = ours.strip()
    defaults = {}
    for key, value in _table(data, "defaults", name).items():
        if key not in ("category", "status", "channel", "opd") or not isinstance(value, str):
            raise MappingError(f"{name}: [defaults] {key!r} must be one of category, status, channel, opd (text)")
        defaults[key] = value
    if "status" in defaults and defaults["status"] not in STATUSES:
        raise MappingError(f"{name}: [defaults] status {defaults['status']!r} is not a status")
    if "channel" in defaults and defaults["channel"] not in CHANNELS:
        raise MappingError(f"{name}: [defaults] channel {defaults['channel']!r} is not a channel")
    dates = _table(data, "dates", name)
    order = dates.get("order")
    if order is not None and order not in ("DMY", "MDY"):
        raise MappingError(f"{name}: [dates] order must be \"DMY\" or \"MDY\", not {order!r}")
    unknown_dates = sorted(set(dates) - {"order"})
    if unknown_dates:
        raise MappingError(f"{name}: [dates] knows only 'order', not {', '.join(unknown_dates)}")
    detect = _table(data, "preset", name).get("detect", [])
    return Mapping(name=name, columns=columns, status=status, category=category, opd=opd, channel=channel,
                   defaults=defaults, date_order=order, detect=tuple(detect))


def presets() -> dict[str, Path]:
    return {p.stem: p for p in sorted(PRESET_DIR.glob("*.toml"))}


def load_mapping(spec: str | Path) -> Mapping:
    """``preset:NAME`` or a path to a TOML file."""
    text_spec = str(spec)
    if text_spec.startswith("preset:"):
        name = text_spec.removeprefix("preset:")
        known = presets()
        if name not in known:
            raise MappingError(f"no preset {name!r} (presets: {', '.join(known)})")
        path = known[name]
    else:
        path = Path(text_spec).expanduser()
        if not path.is_file():
            raise MappingError(f"mapping file {path} does not exist")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"mapping {path.name}: not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise MappingError(f"mapping {path.name}: not UTF-8 text") from None
    return parse_mapping(data, text_spec if text_spec.startswith("preset:") else path.name)


def identity_mapping() -> Mapping:
    """No mapping and no preset recognised: the file's columns are named like our fields."""
    return Mapping(name="(columns named like our fields)", columns={f: (f,) for f in FIELDS})


def guess_mapping(columns: list[str] | None, fmt: str) -> Mapping:
    """``--mapping`` omitted: Open311 for JSON and XML, else the preset whose ``detect`` columns are all in the
    header, else the identity mapping."""
    if columns is None:
        return load_mapping("preset:open311")
    folded = {fold(c) for c in columns}
    for name in presets():
        mapping = load_mapping(f"preset:{name}")
        if mapping.detect and all(fold(c) in folded for c in mapping.detect):
            return mapping
    return identity_mapping()
