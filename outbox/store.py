"""A district office's outbox: reports recorded while the link is down, kept in a small SQLite file of their own.

Not the report store: a distrik office or Puskesmas desk has no copy of it, only this file. Each item gets its
UUID when it is recorded; that UUID is the Idempotency-Key of every attempt to send it, so however often a lost
answer makes the forwarder try again, the center makes one report. An item is ``pending`` until the center
confirms it (``sent``, with the center's service_request_id) or refuses it for good (``failed``, with the reason).
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS outbox_item (
    id INTEGER PRIMARY KEY,
    idempotency_key TEXT NOT NULL UNIQUE,
    recorded_at TEXT NOT NULL,
    fields TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    service_request_id INTEGER,
    done_at TEXT
);
CREATE INDEX IF NOT EXISTS ix_outbox_item_state ON outbox_item (state, id);
"""
MAX_ERROR = 500
# The reporter's fields leave the office's file once the center has them: a desk PC is shared, and sometimes lost.
PERSONAL_FIELDS = ("first_name", "last_name", "phone", "email", "attribute[nik]", "nik")


@dataclass(frozen=True)
class OutboxItem:
    id: int
    idempotency_key: str
    recorded_at: datetime
    fields: dict[str, str]
    state: str
    attempts: int
    last_error: str | None
    service_request_id: int | None


@contextmanager
def _connect(path: str | Path, *, create: bool = False) -> Iterator[sqlite3.Connection]:
    path = Path(path)
    if not create and not path.exists():
        raise FileNotFoundError(2, "no outbox here (record a report with `outbox add` first)", str(path))
    if create:
        path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path, timeout=30)
    try:
        conn.execute("PRAGMA journal_mode=WAL")  # `outbox add` at the desk while `forward` runs beside it
        conn.executescript(SCHEMA)
        with conn:
            yield conn
    finally:
        conn.close()


def record(path: str | Path, fields: dict[str, str], *, now: datetime | None = None) -> OutboxItem:
    """Keep one report for sending; its Idempotency-Key is minted here, once."""
    recorded_at = (now or datetime.now(UTC)).astimezone(UTC)
    key = str(uuid.uuid4())
    text = json.dumps(fields, ensure_ascii=False, sort_keys=True)
    with _connect(path, create=True) as conn:
        item_id = conn.execute("INSERT INTO outbox_item (idempotency_key, recorded_at, fields) VALUES (?, ?, ?)",
                               (key, recorded_at.isoformat(), text)).lastrowid
    return OutboxItem(item_id, key, recorded_at, fields, "pending", 0, None, None)


def _item(row) -> OutboxItem:
    return OutboxItem(row[0], row[1], datetime.fromisoformat(row[2]), json.loads(row[3]), row[4], row[5], row[6],
                      row[7])


_COLUMNS = "id, idempotency_key, recorded_at, fields, state, attempts, last_error, service_request_id"


def items(path: str | Path, state: str | None = None) -> list[OutboxItem]:
    with _connect(path) as conn:
        if state is None:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM outbox_item ORDER BY id").fetchall()
        else:
            rows = conn.execute(f"SELECT {_COLUMNS} FROM outbox_item WHERE state = ? ORDER BY id", (state,)).fetchall()
    return [_item(row) for row in rows]


def pending(path: str | Path) -> list[OutboxItem]:
    return items(path, "pending")


def counts(path: str | Path) -> dict[str, int]:
    with _connect(path) as conn:
        found = dict(conn.execute("SELECT state, count(*) FROM outbox_item GROUP BY state").fetchall())
    return {state: int(found.get(state, 0)) for state in ("pending", "sent", "failed")}


def note_attempt(path: str | Path, item_id: int, error: str | None) -> None:
    with _connect(path) as conn:
        conn.execute("UPDATE outbox_item SET attempts = attempts + 1, last_error = ? WHERE id = ?",
                     (None if error is None else error[:MAX_ERROR], item_id))


def mark_sent(path: str | Path, item_id: int, service_request_id: int) -> None:
    """Only after the center confirmed: from now on the item is never sent again, and the reporter's personal
    data is dropped from the outbox (the center's reporter table has it)."""
    with _connect(path) as conn:
        row = conn.execute("SELECT fields FROM outbox_item WHERE id = ? AND state = 'pending'", (item_id,)).fetchone()
        if row is None:
            return
        kept = {k: v for k, v in json.loads(row[0]).items() if k not in PERSONAL_FIELDS}
        conn.execute("UPDATE outbox_item SET state = 'sent', service_request_id = ?, last_error = NULL, done_at = ?, "
                     "fields = ? WHERE id = ? AND state = 'pending'",
                     (service_request_id, _now(), json.dumps(kept, ensure_ascii=False, sort_keys=True), item_id))


def mark_failed(path: str | Path, item_id: int, reason: str) -> None:
    """The center refused it for good (a conflict, a bad field): kept, with the reason, for a person to look at."""
    with _connect(path) as conn:
        conn.execute("UPDATE outbox_item SET state = 'failed', last_error = ?, done_at = ? "
                     "WHERE id = ? AND state = 'pending'", (reason[:MAX_ERROR], _now(), item_id))


def _now() -> str:
    return datetime.now(UTC).isoformat()
