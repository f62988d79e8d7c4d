"""A Redis cache that degrades instead of failing when Redis is away.

The cache holds nothing the portal cannot do without: rate-limit counters (allauth's and ours), the anonymous
menu page, small keys of the station search; sessions live in the database. So while Redis refuses or hangs,
every call goes to a small per-process memory cache instead, after at most one short timeout (the socket timeouts
in settings), and for CACHE_RETRY_SECONDS after a failure the process does not try Redis at all: a request never
waits on it twice. Rate limits then count per process (weaker, never off) until Redis answers again.
"""

import logging
import threading
import time

import redis
from django.conf import settings
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

REDIS_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)


class ResilientRedisCache(RedisCache):
    _down_until = 0.0  # monotonic time before which Redis is not tried again (one process, every cache alias)
    _state_lock = threading.Lock()

    def __init__(self, server, params):
        super().__init__(server, params)
        self._local = LocMemCache(f"resilient-fallback-{id(self)}", {"OPTIONS": {"MAX_ENTRIES": 10_000}})

    @classmethod
    def redis_available(cls) -> bool:
        return time.monotonic() >= cls._down_until

    @classmethod
    def _mark_down(cls, exc: Exception) -> None:
        with cls._state_lock:
            was_up = cls.redis_available()
            cls._down_until = time.monotonic() + getattr(settings, "CACHE_RETRY_SECONDS", 10)
        if was_up:
            logger.warning("cache: Redis unreachable (%s); using per-process memory for %ss",
                           type(exc).__name__, getattr(settings, "CACHE_RETRY_SECONDS", 10))

    def _either(self, name: str, *args, **kwargs):
        if self.redis_available():
            try:
                return getattr(super(), name)(*args, **kwargs)
            except REDIS_ERRORS as exc:
                self._mark_down(exc)
        return getattr(self._local, name)(*args, **kwargs)

    def get(self, *args, **kwargs):
        return self._either("get", *args, **kwargs)

    def get_many(self, *args, **kwargs):
        return self._either("get_many", *args, **kwargs)

    def set(self, *args, **kwargs):
        return self._either("set", *args, **kwargs)

    def add(self, *args, **kwargs):
        return self._either("add", *args, **kwargs)

    def set_many(self, *args, **kwargs):
        return self._either("set_many", *args, **kwargs)

    def touch(self, *args, **kwargs):
        return self._either("touch", *args, **kwargs)

    def delete(self, *args, **kwargs):
        return self._either("delete", *args, **kwargs)

    def delete_many(self, *args, **kwargs):
        return self._either("delete_many", *args, **kwargs)

    def has_key(self, *args, **kwargs):
        return self._either("has_key", *args, **kwargs)

    def incr(self, *args, **kwargs):
        return self._either("incr", *args, **kwargs)

    def clear(self):
        return self._either("clear")
