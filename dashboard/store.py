"""The dashboard's handle on the store: one engine, the cache, and the version check that gates refreshes."""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask_caching import Cache
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from dashboard.settings import Settings
from data_access.engine import StoreUnavailable, check_store, make_engine
from data_access.queries import store_version

log = logging.getLogger(__name__)
NOW_BUCKET_SECONDS = 60  # SLA states depend on "now": cached answers may be at most a minute behind the clock


def cache_config(settings: Settings) -> dict:
    if settings.redis_url:
        return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": settings.redis_url, "CACHE_DEFAULT_TIMEOUT": 3600,
                "CACHE_KEY_PREFIX": "mimika:"}
    return {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 3600, "CACHE_THRESHOLD": 2000}


@dataclass
class Store:
    """Runs queries through the cache, keyed on (query, filters, scope, store version, minute of ``now``)."""

    settings: Settings
    cache: Cache
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    engine: Engine = field(init=False)
    query_count: int = 0  # how many queries actually reached the database (benchmarks read it)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self.engine = make_engine(self.settings.database_url)

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
        bucket = int(now.timestamp()) // NOW_BUCKET_SECONDS
        raw_key = repr((fn.__module__, fn.__name__, filters.cache_key(), scope.cache_key(), version, bucket,
                        sorted(kwargs.items())))
        key = "q:" + hashlib.sha1(raw_key.encode()).hexdigest()
        hit = self.cache.get(key)
        if hit is not None:
            return hit
        try:
            result = fn(self.engine, filters, scope, now, **kwargs)
        except SQLAlchemyError as exc:
            raise StoreUnavailable(str(getattr(exc, "orig", exc)).splitlines()[0]) from exc
        with self._lock:
            self.query_count += 1
        self.cache.set(key, result)
        return result
