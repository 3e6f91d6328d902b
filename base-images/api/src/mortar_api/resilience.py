"""What the api does when a backing service fails (docs/content-model.md, "When a service fails").

* ``TolerantRedisCache``: the cache backend. Redis down is a cache miss for reads and a
  no-op for writes (tenant lookup, throttles, public responses keep answering); code that
  must know a write failed (cache invalidation) calls ``strict`` and records the failure in
  the outbox (``mortar_api.cms.outbox``).
* ``fault_response``: PostgreSQL unreachable is a 503 with Retry-After (fail fast, the next
  request reconnects: CONN_HEALTH_CHECKS), a full disk is a 507; neither is a 500.
"""

from __future__ import annotations

import errno
import logging
import time
from typing import Any

import redis
from django.core.cache.backends.redis import RedisCache
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse

log = logging.getLogger(__name__)

RETRY_AFTER = "30"  # seconds; a PostgreSQL restart or a freed disk takes about that
SKIP_AFTER_FAILURE = 2.0  # seconds the cache answers "miss" without asking a failed Redis
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


class TolerantRedisCache(RedisCache):
    """Django's RedisCache whose failures are misses, never exceptions.

    django-redis's IGNORE_EXCEPTIONS does the same, but switching backends would change the
    stored format every running site shares with its workers; this is a subclass of the one
    in use. ``strict`` gives the raising backend for the few callers that must know.
    """

    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self.strict = RedisCache(server, params)
        self.strict._cache = self._cache  # one connection pool for both

    _down_until = 0.0  # monotonic time before which Redis is not asked again

    def _tolerate(self, op: str, default: Any, call: Any, *args: Any, **kwargs: Any) -> Any:
        # After a failure, skip Redis for a moment: a Redis that hangs (rather than refuses)
        # would otherwise cost every cache call of every request the socket timeout.
        if self.is_down():
            return default
        try:
            return call(*args, **kwargs)
        except redis.RedisError as exc:
            self.mark_down()
            log.warning("cache %s failed (Redis unavailable?): %s", op, exc)
            return default

    def is_down(self) -> bool:
        """Redis failed a moment ago: callers of ``strict`` may skip it too."""
        return time.monotonic() < self._down_until

    def mark_down(self) -> None:
        self._down_until = time.monotonic() + SKIP_AFTER_FAILURE

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._tolerate("get", default, super().get, key, default, version)

    def get_many(self, keys: Any, version: Any = None) -> dict:
        return self._tolerate("get_many", {}, super().get_many, keys, version)

    def has_key(self, key: Any, version: Any = None) -> bool:
        return self._tolerate("has_key", False, super().has_key, key, version)

    def add(self, key: Any, value: Any, timeout: Any = 300, version: Any = None) -> bool:
        return self._tolerate("add", False, super().add, key, value, timeout, version)

    def set(self, key: Any, value: Any, timeout: Any = 300, version: Any = None) -> None:
        self._tolerate("set", None, super().set, key, value, timeout, version)

    def set_many(self, data: dict, timeout: Any = 300, version: Any = None) -> list:
        return self._tolerate("set_many", list(data), super().set_many, data, timeout, version)

    def touch(self, key: Any, timeout: Any = 300, version: Any = None) -> bool:
        return self._tolerate("touch", False, super().touch, key, timeout, version)

    def delete(self, key: Any, version: Any = None) -> bool:
        return self._tolerate("delete", False, super().delete, key, version)

    def delete_many(self, keys: Any, version: Any = None) -> None:
        self._tolerate("delete_many", None, super().delete_many, keys, version)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        # DRF's throttles and axes read-modify-write; an unknown count is "not limited".
        return self._tolerate("incr", 0, super().incr, key, delta, version)


def strict_cache() -> Any:
    """The default cache, raising ``redis.RedisError`` when Redis is unreachable."""
    from django.core.cache import cache

    return getattr(cache, "strict", cache)


def cache_is_down() -> bool:
    from django.core.cache import cache

    return bool(getattr(cache, "is_down", lambda: False)())


def mark_cache_down() -> None:
    from django.core.cache import cache

    getattr(cache, "mark_down", lambda: None)()


def is_db_down(exc: BaseException | None) -> bool:
    """PostgreSQL is unreachable (refused, restarting, connection dropped), not a bad query."""
    if not isinstance(exc, (OperationalError, InterfaceError)):
        return False
    # An OperationalError can also be a lock timeout or a cancelled statement: those have
    # an SQLSTATE; a lost or refused connection has none (or class 08 / 57P0x).
    cause = exc.__cause__
    code = getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
    return code is None or code.startswith("08") or code.startswith("57P0")


def is_disk_full(exc: BaseException | None) -> bool:
    return isinstance(exc, OSError) and exc.errno in DISK_FULL_ERRNOS


def fault_response(request: HttpRequest, exc: BaseException | None) -> HttpResponse | None:
    """503 (database down) or 507 (disk full) for ``exc``, JSON under /api/; else None."""
    if is_db_down(exc):
        status, message = 503, "The database is unavailable; retry shortly."
        log.error("database unavailable, answered 503: %s", exc)
    elif is_disk_full(exc):
        status, message = 507, "The server's storage is full; the upload was not saved."
        log.error("disk full, answered 507: %s", exc)
    else:
        return None
    headers = {"Retry-After": RETRY_AFTER}
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message, "errors": {}}, status=status, headers=headers)
    return HttpResponse(
        message, status=status, content_type="text/plain; charset=utf-8", headers=headers
    )


class FaultResponseMiddleware:
    """A view that meets a down database or a full disk answers 503/507, not 500.

    Failures before the view (the tenant lookup) reach ``cms.errors.handler500``, which
    asks ``fault_response`` too.
    """

    def __init__(self, get_response: Any) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        return fault_response(request, exc)
