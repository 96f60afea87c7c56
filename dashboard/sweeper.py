"""A background thread that completes rows intake systems wrote directly (due times, OPD, district)."""

from __future__ import annotations

import logging
import threading

from core.settings import Settings
from data_access.rulebook.sla import work_calendar

log = logging.getLogger(__name__)


def start_sweeper(settings: Settings, interval_seconds: float = 15.0) -> threading.Thread:
    """Sweep now and then every ``interval_seconds``; a store that is away is retried, never fatal."""
    from data_access.intake.writer import sweep_pending
    from data_access.store.engine import make_engine
    from data_access.store.heartbeat import BEAT_EVERY, beat

    engine = make_engine(settings.database_url)
    workcal = work_calendar(settings)
    assigner = None
    if settings.boundaries_districts is not None:
        from geo.assign import PointAssigner

        assigner = PointAssigner.from_files(settings.boundaries_districts, settings.boundaries_villages)
    stop = threading.Event()

    clock = settings.clock()
    beaten = None

    def loop() -> None:
        nonlocal beaten
        while not stop.is_set():
            try:
                now = clock()
                done = sweep_pending(engine, workcal, assigner, now=now)
                if beaten is None or now - beaten >= BEAT_EVERY:  # `serve` alone is the pipeline's writer too
                    beat(engine, "serve", now)
                    beaten = now
                if done:
                    log.info("sweep completed %d reports written by other systems", done)
            except Exception as exc:  # the store may be away; the wall reports that, the sweeper just waits
                log.warning("sweep skipped: %s", str(exc).splitlines()[0] if str(exc) else type(exc).__name__)
            stop.wait(interval_seconds)

    thread = threading.Thread(target=loop, name="mimika-sweeper", daemon=True)
    thread.stop = stop  # type: ignore[attr-defined]
    thread.start()
    return thread
