"""API keys of intake sources (the Open311 POST): one key per source, shown once, stored as a SHA-256 hash.

The same reasoning as kiosk tokens (data_access/accounts.py): a key has 256 bits of entropy, so a fast hash is
enough and every POST checks it cheaply. A source's name becomes ``report.source`` of everything it sends.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime

from sqlalchemy import Engine, insert, select, update

from data_access.accounts import AccountError, token_hash
from data_access.store.schema import ApiKey

SOURCE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.\-]{1,31}$")  # report.source is 32 characters
KEY_PREFIX = "m311_"  # recognisable in a leaked config file or a log, so it can be found and revoked
MAX_KEY = 128
# Sources the dashboard itself writes with: an API key under one of these names would mix outside reports in.
RESERVED_SOURCES = frozenset({"dashboard", "demo", "simulator"})


def _now() -> datetime:
    return datetime.now(UTC)


def check_source(source: str) -> str:
    if not source or not SOURCE_PATTERN.match(source):
        raise AccountError(f"source {source!r} must be 2–32 lower-case letters, digits or . _ - "
                           "(starting with a letter or digit)")
    if source in RESERVED_SOURCES:
        raise AccountError(f"source {source!r} is the dashboard's own: choose another name")
    return source


def add_api_key(engine: Engine, source: str) -> str:
    """A new key for ``source``; returns the key, which is never stored and cannot be shown again.

    A revoked source gets a new key this way (rotation: revoke, then add); an active one must be revoked first.
    """
    source = check_source(source)
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    with engine.begin() as conn:
        row = conn.execute(select(ApiKey.id, ApiKey.revoked_at).where(ApiKey.source == source)).first()
        if row is not None and row.revoked_at is None:
            raise AccountError(f"source {source!r} already has an active key (revoke it first)")
        if row is None:
            conn.execute(insert(ApiKey).values(source=source, key_hash=token_hash(key), created_at=_now()))
        else:
            conn.execute(update(ApiKey).where(ApiKey.id == row.id).values(key_hash=token_hash(key),
                                                                        created_at=_now(), revoked_at=None))
    return key


def revoke_api_key(engine: Engine, source: str) -> None:
    with engine.begin() as conn:
        done = conn.execute(update(ApiKey).where(ApiKey.source == source, ApiKey.revoked_at.is_(None))
                            .values(revoked_at=_now())).rowcount
    if not done:
        raise AccountError(f"no active API key for source {source!r}")


def list_api_keys(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(select(ApiKey.source, ApiKey.created_at, ApiKey.revoked_at)
                                              .order_by(ApiKey.source)).mappings()]


def source_for_key(engine: Engine, key: str) -> tuple[str, bool] | None:
    """(source, revoked?) for a key, or None when no source ever had it."""
    if not key or len(key) > MAX_KEY:
        return None
    with engine.connect() as conn:
        row = conn.execute(select(ApiKey.source, ApiKey.revoked_at).where(ApiKey.key_hash == token_hash(key))).first()
    return None if row is None else (row.source, row.revoked_at is not None)
