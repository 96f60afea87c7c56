"""The dashboard's cache: fifty screens asking at once cost one computation, in-process and through Redis."""

from __future__ import annotations

import os
import threading
import time
import uuid

import pytest
from flask import Flask
from flask_caching import Cache

from core.settings import Settings
from dashboard.cache import cache_config
from data_access.queries.cache import QueryCache as Store


def _store(tmp_path, redis_url: str | None) -> Store:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'none.db'}", redis_url=redis_url)
    config = cache_config(settings)
    if redis_url:
        config["CACHE_KEY_PREFIX"] = f"mimika-test-{uuid.uuid4().hex[:8]}:"
    cache = Cache(Flask(__name__), config=config)
    return Store(settings, cache)


BACKENDS = ["memory"] + (["redis"] if os.environ.get("TEST_REDIS_URL") else [])


@pytest.mark.parametrize("backend", BACKENDS)
def test_concurrent_askers_compute_a_key_once(tmp_path, backend):
    """Single flight: 30 threads asking for one key at the same moment run the computation once."""
    store = _store(tmp_path, os.environ.get("TEST_REDIS_URL") if backend == "redis" else None)
    runs = []

    def compute():
        runs.append(1)
        time.sleep(0.3)  # a slow query: the others arrive while it runs
        return {"open": 42}

    results = []
    threads = [threading.Thread(target=lambda: results.append(store.memo(("k", 1), compute))) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [{"open": 42}] * 30
    assert len(runs) == 1
    assert store.memo(("k", 2), lambda: "other") == "other"  # another key is another computation


def test_nested_keys_do_not_deadlock(tmp_path):
    """A cached value that itself reads cached values (panels → queries) completes from many threads."""
    store = _store(tmp_path, None)

    def panel(i):
        return store.memo(("panel", i % 3), lambda: [store.memo(("query", q), lambda q=q: q) for q in range(10)])

    threads = [threading.Thread(target=panel, args=(i,)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=20)
    assert not any(t.is_alive() for t in threads)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_screen_does_not_queue_behind_a_computation(tmp_path, backend):
    """wait=False answers None at once while another asker computes the key, then the value once it is cached."""
    store = _store(tmp_path, os.environ.get("TEST_REDIS_URL") if backend == "redis" else None)
    started, release = threading.Event(), threading.Event()

    def slow():
        started.set()
        release.wait(5)
        return "panels"

    worker = threading.Thread(target=lambda: store.memo(("p", 1), slow))
    worker.start()
    started.wait(5)
    began = time.monotonic()
    assert store.memo(("p", 1), lambda: "duplicate", wait=False) is None
    assert time.monotonic() - began < 0.5
    release.set()
    worker.join()
    assert store.memo(("p", 1), lambda: "duplicate", wait=False) == "panels"
