"""The Flask-Caching configuration behind QueryCache: Redis when REDIS_URL is set, in-process otherwise."""

from __future__ import annotations

from core.settings import Settings


def cache_config(settings: Settings) -> dict:
    if settings.redis_url:
        return {"CACHE_TYPE": "RedisCache", "CACHE_REDIS_URL": settings.redis_url, "CACHE_DEFAULT_TIMEOUT": 3600,
                "CACHE_KEY_PREFIX": "mimika:"}
    return {"CACHE_TYPE": "SimpleCache", "CACHE_DEFAULT_TIMEOUT": 3600, "CACHE_THRESHOLD": 2000}
