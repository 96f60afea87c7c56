"""Fixed-window counters for throttling (Open311 POSTs, /publik/lapor, /publik/lacak): in Redis when it is
configured (so every gunicorn worker counts into the same window), in this process while Redis is away or not
configured.

A window's count is an upper bound on what one caller may do in it; a burst across a window's edge can reach
twice the limit, which is enough to keep one misbehaving client from filling the store or the disk.
"""

from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger(__name__)
RETRY_REDIS_SECONDS = 10.0


class RateLimiter:
    def __init__(self, redis_url: str | None, *, prefix: str = "mimika:rate:", max_keys: int = 10_000) -> None:
        self._prefix, self._max_keys = prefix, max_keys
        self._redis = None
        self._redis_retry_at = 0.0
        self._lock = threading.Lock()
        self._local: dict[tuple[str, int], int] = {}
        if redis_url:
            import redis

            self._redis = redis.Redis.from_url(redis_url, socket_timeout=1, socket_connect_timeout=1)

    def hit(self, key: str, window_seconds: int, now: float | None = None) -> tuple[int, int]:
        """Count one more event for ``key`` in the current window: (the count so far, seconds until it ends)."""
        now = time.time() if now is None else now
        window = int(now // window_seconds)
        left = max(1, int((window + 1) * window_seconds - now))
        if self._redis is not None and time.monotonic() >= self._redis_retry_at:
            from redis.exceptions import RedisError

            name = f"{self._prefix}{key}:{window}"
            try:
                pipe = self._redis.pipeline()
                pipe.incr(name)
                pipe.expire(name, window_seconds + 1)
                count, _ = pipe.execute()
                return int(count), left
            except RedisError as exc:
                if self._redis_retry_at == 0.0:
                    log.warning("rate limits: redis unavailable (%s), counting in this process", exc)
                self._redis_retry_at = time.monotonic() + RETRY_REDIS_SECONDS
        with self._lock:
            if len(self._local) >= self._max_keys:  # old windows first, then anything: bounded memory
                for stale in [k for k in self._local if k[1] < window] or list(self._local)[: self._max_keys // 2]:
                    del self._local[stale]
            count = self._local[(key, window)] = self._local.get((key, window), 0) + 1
        return count, left

    def count(self, key: str, window_seconds: int, now: float | None = None) -> int:
        """The count of the current window without adding to it."""
        now = time.time() if now is None else now
        window = int(now // window_seconds)
        if self._redis is not None and time.monotonic() >= self._redis_retry_at:
            from redis.exceptions import RedisError

            try:
                raw = self._redis.get(f"{self._prefix}{key}:{window}")
                return int(raw or 0)
            except RedisError:
                self._redis_retry_at = time.monotonic() + RETRY_REDIS_SECONDS
        with self._lock:
            return self._local.get((key, window), 0)
