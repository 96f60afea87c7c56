"""Loading whole prepared rows at once: the demo's two years of history, written in batches of explicit ids.

The demo generates reports with their due times, timelines and reporters already decided (the rule book's own
functions compute them), so they are written as they are, without the per-report transitions of the writer.
"""

from __future__ import annotations

from sqlalchemy import Engine, delete, func, insert, or_, select, text

from data_access.store.schema import Report, Reporter, ReportEvent

DEMO_SOURCE = "demo"  # report.source of seed-demo's reports
SIMULATOR_SOURCE = "simulator"  # and of the live simulator's
# and of the citizen form while the dashboard runs as the demo (DEMO_MODE=1): someone trying /publik/lapor on the
# demo must not turn it into a real store that the next `make demo` refuses
DEMO_WEB_SOURCE = "demo-web"
DEMO_SOURCES = frozenset({DEMO_SOURCE, SIMULATOR_SOURCE, DEMO_WEB_SOURCE})


def report_count(engine: Engine) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(Report)).scalar_one()


def not_a_demo_store(engine: Engine) -> str | None:
    """Why the store is not a demo store, or None when it is one.

    A demo store holds seed-demo's reports and nothing but what seed-demo and the simulator wrote. Every other way
    in (Open311, imports, the dashboard's writer, rows an intake system inserts itself) writes another source, or
    none, and those names are refused to API keys and imports: one real report makes the store real for good,
    with no marker to forget to clear.
    """
    with engine.connect() as conn:
        if conn.execute(select(Report.id).where(Report.source == DEMO_SOURCE).limit(1)).first() is None:
            return "it holds no seed-demo reports"
        real = conn.execute(select(Report.source).where(
            or_(Report.source.is_(None), Report.source.not_in(sorted(DEMO_SOURCES)))).limit(1)).first()
    if real is not None:
        return f"it holds reports that are not the demo's (source {real.source or 'none'!r})"
    return None


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
