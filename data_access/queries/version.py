"""The store version: cheap enough to ask every few seconds from every screen."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, func, select

from data_access.store.schema import MeasureTarget, Report


def store_version(engine: Engine) -> str:
    """A token that changes whenever a report is added or changes (two index look-ups, no scan), or a target is
    set or cleared (the few rows of measure_target: the wall's tiles and the briefing show them)."""
    # One statement, so one snapshot: two statements could straddle a writer's commit on PostgreSQL and give a torn
    # version (the new id with the old time), which the next tick then sees change again — a second query set for
    # one store change. Scalar subqueries, not max(id), max(updated_at) in one
    # SELECT: SQLite answers a lone max() from its index, but scans the table for two aggregates side by side.
    with engine.connect() as conn:
        last_id, newest, targets, target_set, total = conn.execute(select(
            select(func.max(Report.id)).scalar_subquery(), select(func.max(Report.updated_at)).scalar_subquery(),
            select(func.count()).select_from(MeasureTarget).scalar_subquery(),
            select(func.max(MeasureTarget.set_at)).scalar_subquery(),
            select(func.sum(MeasureTarget.value)).scalar_subquery())).one()
    return f"{last_id or 0}@{newest or '-'}" + (f"#{targets}@{target_set}:{total}" if targets else "")


def store_times(engine: Engine) -> tuple[datetime | None, datetime | None]:
    """The newest report's ``created_at`` and the newest change (``updated_at``), both aware UTC or None."""
    with engine.connect() as conn:
        created, updated = conn.execute(select(select(func.max(Report.created_at)).scalar_subquery(),
                                               select(func.max(Report.updated_at)).scalar_subquery())).one()
    return _aware(created), _aware(updated)


def _aware(moment: datetime | None) -> datetime | None:
    if moment is None or not isinstance(moment, datetime):
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
