"""QueryCache: how pages read the store — one engine, a shared cache, single flight, and the version gate.

The cache is any object with ``get``/``set`` (Flask-Caching's, wired in dashboard/app.py), so this module
needs neither Flask nor Dash. Locks that span gunicorn workers come from Redis when ``REDIS_URL`` is set.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from core.settings import Settings
from data_access.engine import StoreUnavailable, check_store, make_engine
from data_access.queries import store_version

log = logging.getLogger(__name__)
NOW_BUCKET_SECONDS = 60  # SLA states depend on "now": cached answers may be at most a minute behind the clock


class Cache(Protocol):
    def get(self, key: str) -> Any: ...

    def set(self, key: str, value: Any) -> Any: ...


@dataclass
class QueryCache:
    """Runs queries through the cache, keyed on (query, filters, scope, store version, minute of ``now``)."""

    settings: Settings
    cache: Cache
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    engine: Engine = field(init=False)
    query_count: int = 0  # how many queries actually reached the database (benchmarks read it)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _key_locks: dict[str, list] = field(default_factory=dict, init=False)  # key → [lock, waiters]
    _kept: dict[str, Any] = field(default_factory=dict, init=False)  # keep(): values this process never recomputes

    def __post_init__(self) -> None:
        self.engine = make_engine(self.settings.database_url)
        self._redis = None
        if self.settings.redis_url:
            import redis

            self._redis = redis.Redis.from_url(self.settings.redis_url, socket_timeout=5, socket_connect_timeout=2)

    def memo(self, raw_key: tuple, compute: Callable[[], Any], *, wait: bool = True) -> Any:
        """The cached value for ``raw_key``, computed once however many screens ask at the same moment.

        Single flight: the first asker computes under a lock for its key while the others wait and then read the
        cache, so fifty screens cost one query set per store change, not fifty (benchmarks/bench_wall.py
        measured 13 sets per change without it). With Redis the lock is Redis's, shared by every worker.
        ``wait=False``: when someone else is computing the key, return None at once instead of waiting.
        """
        key = "m:" + hashlib.sha1(repr(raw_key).encode()).hexdigest()
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        # One lock per key, never shared between keys: panels lock their queries' keys inside their own, and a
        # lock shared by two keys could then wait on itself.
        if self._redis is not None:  # one lock across gunicorn workers
            lock = self._redis.lock(f"mimika:lock:{key}", timeout=60, blocking_timeout=60)
            if not lock.acquire(blocking=wait):
                return None
            try:
                return self._compute_once(key, compute)
            finally:
                lock.release()
        with self._lock:
            entry = self._key_locks.setdefault(key, [threading.Lock(), 0])
            entry[1] += 1
        try:
            if not entry[0].acquire(blocking=wait):
                return None
            try:
                return self._compute_once(key, compute)
            finally:
                entry[0].release()
        finally:
            with self._lock:
                entry[1] -= 1
                if entry[1] == 0:
                    self._key_locks.pop(key, None)

    def keep(self, raw_key: tuple, compute: Callable[[], Any], *, limit: int = 256) -> Any:
        """Like ``memo``, but once this process has the value it keeps it (no expiry, no eviction by the shared
        cache): for values that must not move once shown, such as the map's class edges of a day (the day is in
        the key). The first value comes through ``memo``, so workers sharing Redis start from the same one."""
        key = "k:" + hashlib.sha1(repr(raw_key).encode()).hexdigest()
        with self._lock:
            if key in self._kept:
                return self._kept[key]
        value = self.memo(raw_key, compute)
        with self._lock:
            value = self._kept.setdefault(key, value)
            while len(self._kept) > limit:  # old days' keys go first (dicts keep insertion order)
                self._kept.pop(next(iter(self._kept)))
        return value

    def _compute_once(self, key: str, compute: Callable[[], Any]) -> Any:
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        value = compute()
        self.cache.set(key, value)
        return value

    def version(self) -> str:
        """The store version, or StoreUnavailable. Never cached: it is the cheap question that gates the rest."""
        try:
            check_store(self.engine) if self.engine.dialect.name == "sqlite" else None
            return store_version(self.engine)
        except StoreUnavailable:
            raise
        except SQLAlchemyError as exc:
            raise StoreUnavailable(str(getattr(exc, "orig", exc)).splitlines()[0]) from exc

    def now(self) -> datetime:
        return self.clock()

    def query(self, fn: Callable, filters, scope, version: str, now: datetime, **kwargs: Any):
        """``fn(engine, filters, scope, now, **kwargs)`` through the cache; ``now`` counts to the minute."""
        raw_key = ("q", fn.__module__, fn.__name__, filters.cache_key(), scope.cache_key(), version,
                   self.minute(now), sorted(kwargs.items()))

        def run():
            try:
                result = fn(self.engine, filters, scope, now, **kwargs)
            except SQLAlchemyError as exc:
                raise StoreUnavailable(str(getattr(exc, "orig", exc)).splitlines()[0]) from exc
            with self._lock:
                self.query_count += 1
            return result

        return self.memo(raw_key, run)

    @staticmethod
    def minute(now: datetime) -> int:
        return int(now.timestamp()) // NOW_BUCKET_SECONDS
