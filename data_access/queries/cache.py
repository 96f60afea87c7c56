"""QueryCache: how pages read the store — one engine, a shared cache, single flight, and the version gate.

The cache is any object with ``get``/``set`` (Flask-Caching's, wired in dashboard/app.py), so this module
needs neither Flask nor Dash. Locks that span gunicorn workers come from Redis when ``REDIS_URL`` is set.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from core.prometheus_metrics import CACHE_FALLBACKS, CACHE_REQUESTS, STORE_ERRORS, STORE_QUERIES
from core.settings import Settings
from data_access.queries import store_version
from data_access.store.engine import QueryTimeout, StoreUnavailable, check_store, deadline_passed, make_engine
from data_access.store.heartbeat import PipelineBeat, last_beat

log = logging.getLogger(__name__)
NOW_BUCKET_SECONDS = 60  # SLA states depend on "now": cached answers may be at most a minute behind the clock
REDIS_RETRY_SECONDS = 5.0  # while Redis is away, ask it again this often (not on every look-up: each costs a timeout)
# Before computing a value while Redis is away, ask it once with this short time-out (see QueryCache.memo).
REDIS_PROBE_TIMEOUT_SECONDS = 0.25


class LocalCache:
    """A small in-process cache (LRU with a time-out): what the app falls back to while Redis is away."""

    def __init__(self, threshold: int = 2000, timeout: float = 3600.0) -> None:
        self.threshold, self.timeout = threshold, timeout
        self._items: OrderedDict[str, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Any:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            if item[0] < time.monotonic():
                del self._items[key]
                return None
            self._items.move_to_end(key)
            return item[1]

    def set(self, key: str, value: Any) -> bool:
        with self._lock:
            self._items[key] = (time.monotonic() + self.timeout, value)
            self._items.move_to_end(key)
            while len(self._items) > self.threshold:
                self._items.popitem(last=False)
        return True


def _redis_errors() -> tuple[type[BaseException], ...]:
    try:
        from redis.exceptions import RedisError
    except ImportError:  # pragma: no cover - redis is a runtime requirement
        return (OSError,)
    return (RedisError, OSError)


class Cache(Protocol):
    def get(self, key: str) -> Any: ...

    def set(self, key: str, value: Any) -> Any: ...


@dataclass
class QueryCache:
    """Runs queries through the cache, keyed on (query, filters, scope, store version, minute of ``now``)."""

    settings: Settings
    cache: Cache
    clock: Callable[[], datetime] | None = None  # default: the settings' clock (the wall clock, or SIMULATED_CLOCK)
    engine: Engine = field(init=False)
    query_count: int = 0  # how many queries actually reached the database (benchmarks read it)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _key_locks: dict[str, list] = field(default_factory=dict, init=False)  # key → [lock, waiters]
    _kept: dict[str, Any] = field(default_factory=dict, init=False)  # keep(): values this process never recomputes

    def __post_init__(self) -> None:
        if self.clock is None:
            self.clock = self.settings.clock()
        self.engine = make_engine(self.settings.database_url)
        self._redis = None
        self._fallback = LocalCache()  # used only while Redis is away
        self._redis_retry_at: float | None = None  # set while Redis is away: when to ask it again
        self._redis_errors = _redis_errors()
        if self.settings.redis_url:
            import redis

            self._redis = redis.Redis.from_url(self.settings.redis_url, socket_timeout=2, socket_connect_timeout=1)
            self._probe = redis.Redis.from_url(self.settings.redis_url, socket_timeout=REDIS_PROBE_TIMEOUT_SECONDS,
                                               socket_connect_timeout=REDIS_PROBE_TIMEOUT_SECONDS)

    # --- Redis away: the in-process cache and lock take over, said once in the log -------------------------

    @property
    def redis_available(self) -> bool | None:
        """None without REDIS_URL; otherwise whether the last use of Redis worked."""
        return None if self._redis is None else self._redis_retry_at is None

    @property
    def redis_url_set(self) -> bool:
        return self._redis is not None

    def ping_redis(self, client=None) -> bool:
        """Whether Redis answers now (for /healthz); a failure also switches to the fallback, a success back.
        ``client``: another connection to it (the short time-out probe)."""
        if self._redis is None:
            return False
        try:
            (client or self._redis).ping()
        except self._redis_errors as exc:
            self._redis_failed(exc)
            return False
        self._redis_worked()
        return True

    def _probe_if_away(self) -> None:
        """While Redis is marked away, ask it now (short time-out) whether it is back.

        Called before computing a value, never on a plain look-up: a computation costs a query set, the probe at
        most REDIS_PROBE_TIMEOUT_SECONDS (nothing when the port refuses). Without it a worker that fell back would
        keep computing into its own cache for up to REDIS_RETRY_SECONDS after Redis returned (while another worker's
        /healthz already said "ok"), and what it built then would never reach Redis: screens on an unchanged version
        touch no cache, so nothing would write to Redis again until the next store change
        (tests/faults/test_redis_outage.py)."""
        if self._redis is not None and self._redis_retry_at is not None:
            self.ping_redis(self._probe)

    def _shared_usable(self) -> bool:
        return self._redis is None or self._redis_retry_at is None or time.monotonic() >= self._redis_retry_at

    def _redis_failed(self, exc: BaseException) -> None:
        with self._lock:
            first = self._redis_retry_at is None
            self._redis_retry_at = time.monotonic() + REDIS_RETRY_SECONDS
        if first:
            log.warning("redis unavailable (%s): using the in-process cache and locks until it is back",
                        str(exc).splitlines()[0] if str(exc) else type(exc).__name__)

    def _redis_worked(self) -> None:
        if self._redis_retry_at is not None:
            with self._lock:
                was_down, self._redis_retry_at = self._redis_retry_at is not None, None
            if was_down:
                log.warning("redis is back: using the shared cache and locks again")

    def _cache_get(self, key: str) -> Any:
        if self._redis is None:
            return self.cache.get(key)
        if not self._shared_usable():
            CACHE_FALLBACKS.inc()
            return self._fallback.get(key)
        try:
            value = self.cache.get(key)
        except self._redis_errors as exc:
            self._redis_failed(exc)
            CACHE_FALLBACKS.inc()
            return self._fallback.get(key)
        self._redis_worked()
        return value

    def _cache_set(self, key: str, value: Any) -> None:
        if self._redis is None:
            self.cache.set(key, value)
            return
        if self._shared_usable():
            try:
                self.cache.set(key, value)
                self._redis_worked()
                return
            except self._redis_errors as exc:
                self._redis_failed(exc)
        CACHE_FALLBACKS.inc()
        self._fallback.set(key, value)

    def _redis_lock(self, key: str, wait: bool):
        """A Redis lock held for ``key`` (True when it could not be had without waiting), or None when Redis is
        away and the in-process lock must do."""
        if self._redis is None or not self._shared_usable():
            return None
        lock = self._redis.lock(f"mimika:lock:{key}", timeout=60, blocking_timeout=60)
        try:
            if not lock.acquire(blocking=wait):
                return True
        except self._redis_errors as exc:
            self._redis_failed(exc)
            return None
        return lock

    @staticmethod
    def _key(raw_key: tuple) -> str:
        return "m:" + hashlib.sha1(repr(raw_key).encode()).hexdigest()

    def peek(self, raw_key: tuple) -> Any:
        """The cached value for ``raw_key`` if there is one (None otherwise); never computes, never waits."""
        hit = self._cache_get(self._key(raw_key))
        CACHE_REQUESTS.labels("hit" if hit is not None else "miss").inc()
        return hit

    def memo(self, raw_key: tuple, compute: Callable[[], Any], *, wait: bool = True,
             lock_key: tuple | None = None) -> Any:
        """The cached value for ``raw_key``, computed once however many screens ask at the same moment.

        Single flight: the first asker computes under a lock for its key while the others wait and then read the
        cache, so fifty screens cost one query set per store change, not one each. With Redis the lock is Redis's,
        shared by every worker.
        ``wait=False``: when someone else is computing the key, return None at once instead of waiting.
        ``lock_key``: take the lock of this key instead, so that several keys (the wall's panels of successive store
        versions) are computed one at a time; only for keys whose computations never take that lock themselves.
        """
        key = self._key(raw_key)
        hit = self._cache_get(key)
        if hit is not None:
            CACHE_REQUESTS.labels("hit").inc()
            return hit
        CACHE_REQUESTS.labels("miss").inc()
        self._probe_if_away()  # about to compute: into Redis if it is back, not only into this process
        lock_name = key if lock_key is None else "l:" + hashlib.sha1(repr(lock_key).encode()).hexdigest()
        # One lock per key, never shared between keys: panels lock their queries' keys inside their own, and a
        # lock shared by two keys could then wait on itself.
        lock = self._redis_lock(lock_name, wait)  # one lock across gunicorn workers while Redis is there
        if lock is True:
            return None
        if lock is not None:
            try:
                return self._compute_once(key, compute)
            finally:
                try:
                    lock.release()
                except Exception as exc:  # Redis went away meanwhile (or the lock expired): its time-out frees it
                    log.debug("redis lock not released: %s", exc)
        with self._lock:
            entry = self._key_locks.setdefault(lock_name, [threading.Lock(), 0])
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
                    self._key_locks.pop(lock_name, None)

    def remember(self, raw_key: tuple, value: Any) -> None:
        """Keep ``value`` under ``raw_key`` (replacing what was there), for ``recall``."""
        self._cache_set("r:" + hashlib.sha1(repr(raw_key).encode()).hexdigest(), value)

    def recall(self, raw_key: tuple) -> Any:
        """What ``remember`` last kept under ``raw_key``, or None."""
        return self._cache_get("r:" + hashlib.sha1(repr(raw_key).encode()).hexdigest())

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
        hit = self._cache_get(key)
        if hit is not None:
            return hit
        value = compute()
        self._cache_set(key, value)
        return value

    def version(self) -> str:
        """The store version, or StoreUnavailable. Never cached: it is the cheap question that gates the rest."""
        try:
            check_store(self.engine) if self.engine.dialect.name == "sqlite" else None
            return store_version(self.engine)
        except StoreUnavailable:
            STORE_ERRORS.inc()
            raise
        except SQLAlchemyError as exc:
            if deadline_passed():  # an export's budget ran out at its first question (PostgreSQL stops it there)
                raise QueryTimeout("store_version stopped at its deadline") from exc
            STORE_ERRORS.inc()
            raise StoreUnavailable(str(getattr(exc, "orig", exc)).splitlines()[0]) from exc

    def now(self) -> datetime:
        return self.clock()

    def pipeline_beat(self, now: datetime) -> PipelineBeat:
        """The data pipeline's newest heartbeat (data_access/store/heartbeat.py), asked once a minute for every screen
        and /healthz alike; StoreUnavailable when the store is away."""
        def ask() -> PipelineBeat:
            try:
                return last_beat(self.engine)
            except SQLAlchemyError as exc:
                STORE_ERRORS.inc()
                raise StoreUnavailable(str(getattr(exc, "orig", exc)).splitlines()[0]) from exc

        return self.memo(("pipeline-beat", self.minute(now)), ask)

    def query(self, fn: Callable, filters, scope, version: str, now: datetime, **kwargs: Any):
        """``fn(engine, filters, scope, now, **kwargs)`` through the cache; ``now`` counts to the minute."""
        raw_key = ("q", fn.__module__, fn.__name__, filters.cache_key(), scope.cache_key(), version,
                   self.minute(now), sorted(kwargs.items()))

        def run():
            try:
                result = fn(self.engine, filters, scope, now, **kwargs)
            except SQLAlchemyError as exc:
                if deadline_passed():  # stopped by its caller's query_deadline, not a store that is away
                    raise QueryTimeout(f"{fn.__name__} stopped at its deadline") from exc
                STORE_ERRORS.inc()
                raise StoreUnavailable(str(getattr(exc, "orig", exc)).splitlines()[0]) from exc
            with self._lock:
                self.query_count += 1
            STORE_QUERIES.labels(fn.__name__).inc()
            return result

        return self.memo(raw_key, run)

    @staticmethod
    def minute(now: datetime) -> int:
        return int(now.timestamp()) // NOW_BUCKET_SECONDS
