"""SQLite has one writer at a time: the sweep and the simulator do their Python work (placing points, due times,
choosing what to move) before they take the write lock, never while holding it — else every other writer (logins,
kiosk links, the export log, the server's own sweep) waits behind them. The start-up stall this once caused: a
2,000-row sweep batch held the lock 14-49 s on the 1M store, the simulator ~2 s of every 2 s step."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from sqlalchemy import func, insert, select

from data_access.intake import writer as ingest
from data_access.store.engine import sqlite_path
from data_access.store.schema import OPEN_STATUSES, Report
from demo.seed import DemoConfig, seed_demo
from demo.simulator import Simulator
from tests.support import NOW


@pytest.fixture
def store(empty_store):
    if empty_store.dialect.name != "sqlite":
        pytest.skip("the write lock is SQLite's")
    return empty_store


def assert_write_lock_free(engine) -> None:
    """Another connection takes the write lock at once (no waiting): nobody holds it now."""
    probe = sqlite3.connect(sqlite_path(engine), timeout=0, isolation_level=None)
    try:
        probe.execute("BEGIN IMMEDIATE")  # "database is locked" at once if a write transaction is open
        probe.execute("ROLLBACK")
    finally:
        probe.close()


def test_the_sweep_places_and_times_rows_before_it_writes(store, workcal, monkeypatch):
    """Point-in-polygon and due times run while no write transaction is open, for every row of a batch."""
    with store.begin() as conn:
        conn.execute(insert(Report), [{"category_code": "jalan", "title": f"langsung {i}", "lat": -4.5, "lon": 136.9,
                                       "created_at": NOW - timedelta(minutes=i), "updated_at": NOW}
                                      for i in range(5)])
    checked = []
    due_times, locations = ingest.compute_due_times, ingest._assign_locations

    def timed(*args, **kwargs):
        assert_write_lock_free(store)
        checked.append("due")
        return due_times(*args, **kwargs)

    def placed(*args, **kwargs):
        assert_write_lock_free(store)
        checked.append("place")
        return locations(*args, **kwargs)

    monkeypatch.setattr(ingest, "compute_due_times", timed)
    monkeypatch.setattr(ingest, "_assign_locations", placed)
    assert ingest.sweep_pending(store, workcal, now=NOW, batch=2) == 5  # three batches, each checked row by row
    assert checked.count("due") == 5 and checked.count("place") == 3


def test_the_simulator_plans_the_store_before_it_writes(store, workcal, monkeypatch):
    """Planning the course of every open report (the long part of a simulator's start on a big store) reads
    while holding no write lock; the steps that follow write in short transactions."""
    from demo import simulator

    seed_demo(store, workcal, DemoConfig(seed=5, days=3, per_day=20.0, now=NOW, with_events=False))
    planned = []
    remaining = simulator.remaining_steps

    def checked(*args, **kwargs):
        assert_write_lock_free(store)
        planned.append(1)
        return remaining(*args, **kwargs)

    monkeypatch.setattr(simulator, "remaining_steps", checked)
    sim = Simulator(store, workcal, per_day=2000.0, seed=3, start=NOW)
    with store.connect() as conn:
        still_open = conn.execute(select(func.count()).select_from(Report).where(
            Report.status.in_(OPEN_STATUSES), Report.created_at <= NOW)).scalar_one()
    # every open report of the seeded store got its course (and recently finished ones may too)
    assert still_open > 0 and len(planned) >= still_open, (len(planned), still_open)
    step = sim.advance_to(NOW + timedelta(minutes=10))
    assert step.created and step.until == NOW + timedelta(minutes=10)
    assert_write_lock_free(store)
