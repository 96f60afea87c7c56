"""The store version: cheap enough to ask every few seconds from every screen."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from data_access.schema import Report


def store_version(engine: Engine) -> str:
    """A token that changes whenever a report is added or changes (two index look-ups, no scan)."""
    with engine.connect() as conn:
        newest = conn.execute(select(func.max(Report.updated_at))).scalar()
        last_id = conn.execute(select(func.max(Report.id))).scalar()
    return f"{last_id or 0}@{newest or '-'}"
