"""Loading whole prepared rows at once: the demo's two years of history, written in batches of explicit ids.

The demo generates reports with their due times, timelines and reporters already decided (the rule book's own
functions compute them), so they are written as they are, without the per-report transitions of the writer.
"""

from __future__ import annotations

from sqlalchemy import Engine, delete, func, insert, select, text

from data_access.store.schema import Report, Reporter, ReportEvent


def report_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Report)).scalar_one()


def remove_all_reports(engine: Engine) -> None:
    """Every report with its timeline and reporters: the demo's --replace."""
    with engine.begin() as conn:
        for table in (ReportEvent, Report, Reporter):
            conn.execute(delete(table))


def write_rows(engine: Engine, reports: list[dict], events: list[dict], reporters: list[dict]) -> None:
    """One batch in one transaction; reporters first, since reports point at them."""
    with engine.begin() as conn:
        if reporters:
            conn.execute(insert(Reporter), reporters)
        conn.execute(insert(Report), reports)
        if events:
            conn.execute(insert(ReportEvent), events)


def move_id_sequences_past_rows(engine: Engine) -> None:
    """Explicit ids were written; PostgreSQL's identity sequences must move past them."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        for table in ("report", "reporter", "report_event"):
            conn.execute(text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                              f"COALESCE((SELECT max(id) FROM {table}), 0) + 1, false)"))
