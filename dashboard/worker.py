"""`python -m dashboard worker`: the deployment's one background process.

Web processes (gunicorn, however many workers) serve pages, callbacks and the API and do nothing in the
background; this process runs what must happen once per deployment, each job in a thread of its own so a slow
one never holds up another:

- ``sweep``: complete rows intake systems inserted directly (due times, default OPD, district), every 15 s;
- ``warm-wall``: build the default wall's panels for each new store version into the shared cache (Redis), so
  the screens read them instead of waiting for the query set; without Redis the web processes cannot see this
  process's cache, so the job is left out (``serve`` warms in-process instead).

A job that fails (the store away) is logged once per outage and tried again at its next turn; the process
never dies of it. SIGTERM stops it cleanly.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from core.prometheus_metrics import JOB_RUNS, SWEEPS
from core.settings import Settings

log = logging.getLogger("mimika.worker")


@dataclass(frozen=True)
class Job:
    name: str
    every_seconds: float
    run: Callable[[], object]


def sweep_job(settings: Settings, assigner=None, every_seconds: float = 15.0) -> Job:
    from data_access.intake.writer import sweep_pending
    from data_access.rulebook.sla import work_calendar
    from data_access.store.engine import make_engine

    engine = make_engine(settings.database_url)
    workcal = work_calendar(settings)

    clock = settings.clock()

    def run() -> int:
        done = sweep_pending(engine, workcal, assigner, now=clock())
        if done:
            SWEEPS.inc(done)
            log.info("sweep completed %d reports written by other systems", done, extra={"swept": done})
        return done

    return Job("sweep", every_seconds, run)


def heartbeat_job(settings: Settings, name: str = "worker") -> Job:
    """Say the worker is alive (data_access/store/heartbeat.py), so a quiet night on the wall is not called stale."""
    from data_access.store.engine import make_engine
    from data_access.store.heartbeat import BEAT_EVERY, beat

    engine = make_engine(settings.database_url)
    clock = settings.clock()
    return Job("heartbeat", BEAT_EVERY.total_seconds(), lambda: beat(engine, name, clock()))


def warm_job(settings: Settings, every_seconds: float = 1.0) -> Job:
    """The wall's panels for each new store version, computed once here for every screen and web worker."""
    from flask import Flask
    from flask_caching import Cache

    from callbacks.wall import warm_once, warm_turn
    from dashboard.cache import cache_config
    from data_access.queries.cache import QueryCache

    query_cache = QueryCache(settings, Cache(Flask("mimika-worker"), config=cache_config(settings)))
    warmed: dict[str, tuple] = {}

    def run() -> bool:
        turn = warm_turn(query_cache)
        if warmed.get("turn") != turn and warm_once(query_cache, settings):
            warmed["turn"] = turn
        return True

    return Job("warm-wall", every_seconds, run)


def default_jobs(settings: Settings, assigner=None) -> list[Job]:
    jobs = [sweep_job(settings, assigner), heartbeat_job(settings)]
    if settings.redis_url:
        jobs.append(warm_job(settings))
    else:
        log.info("REDIS_URL is not set: the worker does not warm the wall (web processes could not see it)")
    return jobs


def run_job_forever(job: Job, stop: threading.Event) -> None:
    failing = False
    while not stop.is_set():
        try:
            job.run()
            JOB_RUNS.labels(job.name, "ok").inc()
            if failing:
                log.warning("job %s works again", job.name, extra={"job": job.name})
            failing = False
        except Exception as exc:  # the store or Redis may be away; say so once, then keep trying
            JOB_RUNS.labels(job.name, "failed").inc()
            if not failing:
                first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                log.warning("job %s failed, retrying every %g s: %s", job.name, job.every_seconds, first,
                            extra={"job": job.name})
            failing = True
        stop.wait(job.every_seconds)


def start_jobs(jobs: list[Job], stop: threading.Event) -> list[threading.Thread]:
    threads = [threading.Thread(target=run_job_forever, args=(job, stop), name=f"mimika-{job.name}", daemon=True)
               for job in jobs]
    for thread in threads:
        thread.start()
    return threads


def run_once(jobs: list[Job]) -> dict[str, str]:
    """Every job once, in order (``worker --once``: a cron-style run, and what the tests call)."""
    outcome = {}
    for job in jobs:
        try:
            job.run()
            outcome[job.name] = "ok"
        except Exception as exc:
            outcome[job.name] = f"failed: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
    return outcome
