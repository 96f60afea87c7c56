"""Configuration from environment variables (and a .env file beside the repository), with safe defaults."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path

from core.clock import Clock, SimulatedClock, parse_simulated_clock, wall_clock

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DB = REPO_ROOT / "data" / "mimika.db"
# Tests and local demos read the real Mimika boundaries from the shared folder beside the checkout.
SHARED_BOUNDARIES = REPO_ROOT.parent / "shared" / "data" / "mimika"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class SettingsError(ValueError):
    """A setting has a value we cannot use; the message names it."""


def _load_dotenv() -> None:
    env_file = REPO_ROOT / ".env"
    if env_file.exists():
        from dotenv import load_dotenv

        load_dotenv(env_file, override=False)


def _int(name: str, default: int, minimum: int = 0) -> int:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{name} must be at least {minimum}, not {value}")
    return value


def _seconds(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a number of seconds, not {raw!r}") from None
    if not 0 < value <= 3600:  # also refuses nan and inf
        raise SettingsError(f"{name} must be more than 0 and at most 3600 seconds, not {raw!r}")
    return value


def _flag(name: str) -> bool:
    raw = (os.environ.get(name) or "").strip().lower()
    if raw in ("", "0", "false", "no", "tidak"):
        return False
    if raw in ("1", "true", "yes", "ya"):
        return True
    raise SettingsError(f"{name} must be 1 or 0, not {raw!r}")


def _time(name: str, default: time) -> time:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        return time.fromisoformat(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a time like 08:00, not {raw!r}") from None


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{DEFAULT_DB}"
    redis_url: str | None = None
    boundaries_districts: Path | None = None
    boundaries_villages: Path | None = None
    refresh_seconds: int = 10
    stale_after_minutes: int = 30  # no new data for this long: the wall says its numbers may be old
    no_data_days: int = 14  # a district silent this long shows "tidak ada data", not zero
    at_risk_hours: int = 24
    suppress_below: int = 5
    office_start: time = time(8, 0)
    office_end: time = time(16, 0)
    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    tile_url: str | None = None
    soft_reload_hours: int = 6
    language: str = "id"
    secret_key: str | None = None  # signs session and kiosk cookies; from SECRET_KEY, never from the code
    demo: bool = False  # DEMO_MODE=1: a throwaway key is allowed (make demo), never in production
    cookie_secure: bool = False  # COOKIE_SECURE=1 behind HTTPS: cookies only travel encrypted
    metrics_token: str | None = None  # METRICS_TOKEN: /metrics wants it as a bearer token (else loopback only)
    open311_posts_per_minute: int = 600  # per intake source (API key): more gets 429 with Retry-After
    simulated_clock: SimulatedClock | None = None  # SIMULATED_CLOCK (with DEMO_MODE=1 only): see core/clock.py
    # CONNECTION_TIMEOUT: `serve` closes a connection silent this long, or not done sending a request's headers
    connection_timeout_seconds: int = 30
    # PAGE_QUERY_SECONDS: a page's refresh (its queries, stopped in the database) answers within this or says to
    # narrow the filters; the exports' own budget is 8 s of their 10 (callbacks/export_runner.py).
    page_query_seconds: float = 8.0

    def clock(self) -> Clock:
        """Where every process of the app reads "now": the wall clock unless a simulated one is set."""
        return self.simulated_clock or wall_clock

    @classmethod
    def from_env(cls) -> Settings:
        _load_dotenv()

        def path(name: str) -> Path | None:
            raw = os.environ.get(name)
            return Path(raw).expanduser() if raw else None

        try:
            extra = parse_extra_holidays(os.environ.get("EXTRA_HOLIDAYS", ""))
        except ValueError as exc:
            raise SettingsError(f"EXTRA_HOLIDAYS: {exc}") from None
        simulated = None
        if os.environ.get("SIMULATED_CLOCK"):
            if not _flag("DEMO_MODE"):
                raise SettingsError("SIMULATED_CLOCK is for soaks and demos: it needs DEMO_MODE=1")
            try:
                simulated = parse_simulated_clock(os.environ["SIMULATED_CLOCK"])
            except ValueError as exc:
                raise SettingsError(f"SIMULATED_CLOCK: {exc}") from None
        districts = path("BOUNDARIES_DISTRICTS")
        villages = path("BOUNDARIES_VILLAGES")
        if districts is None:
            districts = boundaries_file("districts.geojson")
            villages = villages or boundaries_file("villages.geojson")
        return cls(
            database_url=os.environ.get("DATABASE_URL") or cls.database_url,
            redis_url=os.environ.get("REDIS_URL") or None,
            boundaries_districts=districts,
            boundaries_villages=villages,
            refresh_seconds=_int("REFRESH_SECONDS", 10, 1),
            stale_after_minutes=_int("STALE_AFTER_MINUTES", 30, 1),
            no_data_days=_int("NO_DATA_DAYS", 14, 1),
            at_risk_hours=_int("AT_RISK_HOURS", 24, 1),
            suppress_below=_int("SUPPRESS_BELOW", 5, 1),
            office_start=_time("OFFICE_START", time(8, 0)),
            office_end=_time("OFFICE_END", time(16, 0)),
            extra_holidays=extra,
            tile_url=os.environ.get("TILE_URL") or None,
            soft_reload_hours=_int("SOFT_RELOAD_HOURS", 6, 1),
            language=os.environ.get("DASHBOARD_LANGUAGE", "id"),
            secret_key=os.environ.get("SECRET_KEY") or None,
            demo=_flag("DEMO_MODE"),
            cookie_secure=_flag("COOKIE_SECURE"),
            metrics_token=os.environ.get("METRICS_TOKEN") or None,
            open311_posts_per_minute=_int("OPEN311_POSTS_PER_MINUTE", 600, 1),
            simulated_clock=simulated,
            connection_timeout_seconds=_int("CONNECTION_TIMEOUT", 30, 1),
            page_query_seconds=_seconds("PAGE_QUERY_SECONDS", 8.0),
        )


def argon2_cost() -> tuple[int, int]:
    """(time cost, memory in KiB) of the Argon2id password hashes: ARGON2_TIME_COST (default 3) and ARGON2_MEMORY_KIB
    (default 65,536: 64 MiB), argon2-cffi's recommendation. Lower only where passwords guard nothing (the tests, whose
    hundreds of logins spent minutes of CPU at full cost); a hash keeps its own parameters, so one written at either
    cost verifies under the other."""
    return _int("ARGON2_TIME_COST", 3, minimum=1), _int("ARGON2_MEMORY_KIB", 65_536, minimum=64)


def boundaries_file(name: str) -> Path | None:
    """``name`` in the boundaries folder (``BOUNDARIES_DIR``, else the shared Mimika data), if it is there."""
    # An explicit BOUNDARIES_DIR wins outright: falling back to the shared copy would hide a misconfiguration.
    configured = os.environ.get("BOUNDARIES_DIR")
    folder = Path(configured) if configured else SHARED_BOUNDARIES
    candidate = folder / name
    return candidate if candidate.is_file() else None


def parse_extra_holidays(text: str) -> frozenset[date]:
    """Parse a configuration list like ``"2026-12-24,2026-12-31"`` (commas, semicolons or whitespace).

    Empty text gives an empty set. A malformed or impossible date raises ValueError naming the item.
    """
    result: set[date] = set()
    for position, item in enumerate((part for part in re.split(r"[,;\s]+", text or "") if part), start=1):
        # fromisoformat alone would also accept "20261224" on 3.11; the config format is strictly YYYY-MM-DD.
        if not _ISO_DATE.fullmatch(item):
            raise ValueError(f"extra holiday item {position} {item!r} is not a YYYY-MM-DD date")
        try:
            result.add(date.fromisoformat(item))
        except ValueError as exc:
            raise ValueError(f"extra holiday item {position} {item!r} is not a valid date: {exc}") from None
    return frozenset(result)
