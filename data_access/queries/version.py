"""The store version: cheap enough to ask every few seconds from every screen."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from data_access.schema import Report


def store_version(engine: Engine) -> str:
    """A token that changes whenever a report is added or changes (two index look-ups, no scan)."""
    with engine.connect() as conn:
        newest = conn.execute(select(func.max(Report.updated_at))).scalar()
        last_id = conn.execute(select(func.max(Report.id))).scalar()
    return f"{last_id or 0}@{newest or '-'}"


def store_times(engine: Engine) -> tuple[datetime | None, datetime | None]:
    """The newest report's ``created_at`` and the newest change (``updated_at``), both aware UTC or None."""
    with engine.connect() as conn:
        created = conn.execute(select(func.max(Report.created_at))).scalar()
        updated = conn.execute(select(func.max(Report.updated_at))).scalar()
    return _aware(created), _aware(updated)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or not isinstance(moment, datetime):
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
