"""The Flask-Caching configuration behind QueryCache: Redis when REDIS_URL is set, in-process otherwise."""

from __future__ import annotations

from core.settings import Settings


def cache_config(settings: Settings) -> dict:
    if settings.redis_url:
        # Short socket time-outs: a Redis that hangs must cost a refresh two seconds once, after which QueryCache
        # serves from its in-process fallback (data_access/queries/cache.py), not a worker stuck for ever.
        return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": settings.redis_url, "CACHE_DEFAULT_TIMEOUT": 3600,
                "CACHE_KEY_PREFIX": "mimika:", "CACHE_OPTIONS": {"socket_timeout": 2, "socket_connect_timeout": 1}}
    return {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 3600, "CACHE_THRESHOLD": 2000}
