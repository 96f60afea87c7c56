"""The data pipeline's heartbeat: "intake is alive" told apart from "nobody reported anything".

At Mimika's volume (about 47 reports a day) a quiet night has hours between two reports, so the age of the newest
report cannot say whether the data is stale: judged by it alone, the wall's banner came on every night. The
processes that keep the store living — ``python -m dashboard worker`` (its sweep), the ``serve`` process's sweeper,
the simulator — each write their last run time here now and then (``beat``); the wall and /healthz call the data
stale (``staleness``) only when the store cannot be reached, or when no report arrived *and* no writer has
checked in for the configured time.

The table comes with migration 0005. A store not yet upgraded has none: ``last_beat`` then says so
(``known=False``) and staleness is judged by the newest report alone, as before the heartbeat.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.exc import SQLAlchemyError

from data_access.store.schema import Heartbeat

log = logging.getLogger(__name__)
BEAT_EVERY = timedelta(seconds=60)  # how often a writer says it is alive: far below any stale threshold

heartbeat = Heartbeat.__table__
_missing_said = threading.Event()


@dataclass(frozen=True)
class PipelineBeat:
    known: bool  # the store has the heartbeat table (else: judge by the newest report alone)
    at: datetime | None = None  # the newest beat of any writer, aware UTC


def _table_missing(engine: Engine) -> bool:
    try:
        return not inspect(engine).has_table("heartbeat")
    except SQLAlchemyError:
        return False  # the store itself is away: not the table's fault


def beat(engine: Engine, name: str, at: datetime) -> bool:
    """Say ``name`` is alive at ``at`` (one upsert). False when the store has no heartbeat table yet."""
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(heartbeat).values(name=name, beat_at=at)
    statement = statement.on_conflict_do_update(index_elements=["name"], set_={"beat_at": statement.excluded.beat_at})
    try:
        with engine.begin() as conn:
            conn.execute(statement)
    except SQLAlchemyError:
        if not _table_missing(engine):
            raise
        if not _missing_said.is_set():
            _missing_said.set()
            log.info("the store has no heartbeat table yet: staleness is judged by the newest report alone")
        return False
    return True


def last_beat(engine: Engine) -> PipelineBeat:
    """The newest beat of any writer (SQLAlchemyError when the store is away)."""
    try:
        with engine.connect() as conn:
            at = conn.execute(select(func.max(heartbeat.c.beat_at))).scalar_one()
    except SQLAlchemyError:
        if _table_missing(engine):
            return PipelineBeat(known=False)
        raise
    return PipelineBeat(known=True, at=at)


def staleness(newest_report: datetime | None, ask_beat: Callable[[], PipelineBeat], now: datetime,
              stale_after: timedelta) -> tuple[str | None, PipelineBeat | None]:
    """Why the data may be stale, or None, and the heartbeat when it had to be asked (``ask_beat``: only when
    the newest report is older than ``stale_after``; a recent report is proof enough that intake works).

    "old": no report for ``stale_after`` and no heartbeat table to say more; "pipeline": no report and no
    writer's beat for ``stale_after``. A quiet store whose writers beat is not stale."""
    if newest_report is not None and now - newest_report <= stale_after:
        return None, None
    pipeline = ask_beat()
    if not pipeline.known:
        return "old", pipeline
    if pipeline.at is not None and now - pipeline.at <= stale_after:
        return None, pipeline  # merely quiet: the wall shows the time of the last data, calmly
    return "pipeline", pipeline
