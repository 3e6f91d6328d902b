"""Web's Redis cache of api responses, per tenant host, language and path.

Keys go through Django's RedisCache, whose KEY_PREFIX is
`<MORTAR_REDIS_PREFIX>:cache:web`, so every key starts with the site's prefix
(its Redis ACL user may touch nothing else). Each key also carries the tenant's
content generation, the raw counter `<prefix>:gen:<host>` that the api INCRs
on any content change: a publish changes the generation, so the next request
misses and fetches fresh JSON; the old entries just expire (short TTL). That
costs one extra Redis GET per request and needs no pub/sub listener in web.

Redis trouble never breaks a page: without a generation we cannot know what is
fresh, so we bypass the cache and ask the api directly.
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import threading
from typing import Any

import redis
from django.conf import settings
from django.core.cache import cache
from mortar_contract import keys as contract_keys
from mortar_contract.metrics import cache_result
from mortar_contract.redisclient import fail_fast_client

from mortar_web import api_client
from mortar_web.api_client import ApiNotFound, Visitor

log = logging.getLogger(__name__)

NOT_FOUND = {"__mortar_web__": "not-found"}  # what a cached api 404 looks like


def missing(value: Any) -> bool:
    """Is this (possibly unpickled) result the api's 404?"""
    return value == NOT_FOUND


_SAFE_KEY = re.compile(r"^[A-Za-z0-9_./=&?-]{0,120}$")
_local = threading.local()


def raw_redis() -> redis.Redis:
    """A plain client on REDIS_URL for the generation counters (one pool per process)."""
    client = getattr(_local, "client", None)
    if client is None or getattr(_local, "pid", None) != os.getpid():
        timeout = settings.CACHES["default"]["OPTIONS"]["socket_timeout"]
        client = fail_fast_client(settings.REDIS_URL, timeout=timeout)
        _local.client, _local.pid = client, os.getpid()
    return client


def generation_key(host: str) -> str:
    """The counter the api INCRs for this host (mortar_contract.keys, shared with the api)."""
    return contract_keys.generation_key(settings.MORTAR_REDIS_PREFIX, host)


def parse_generation(value: bytes | None) -> int:
    """The raw counter as read from Redis: 0 before the first change (or if garbled)."""
    try:
        return int(value) if value is not None else 0
    except ValueError:
        return 0


def generation(host: str) -> int | None:
    """The tenant's content generation (0 before the first change); None if Redis is down."""
    try:
        value = raw_redis().get(generation_key(host))
    except redis.RedisError as exc:
        log.warning("reading %s failed: %s", generation_key(host), exc)
        return None
    return parse_generation(value)


def cache_key(host: str, language: str, gen: int, path: str, params: dict[str, str] | None) -> str:
    """`api:<host>:<lang>:g<gen>:<path?query>`; long or odd paths are hashed."""
    target = path.removeprefix("/api/v1/")
    if params:
        target += "?" + "&".join(f"{k}={v}" for k, v in sorted(params.items()))
    if not _SAFE_KEY.match(target):
        target = "h-" + hashlib.sha256(target.encode()).hexdigest()[:32]
    return f"api:{host}:{language}:g{gen}:{target}"


def enabled() -> bool:
    return settings.MORTAR_WEB_CACHE_TTL > 0


def current_generation(host: str) -> int | None:
    """The generation to key by: None when caching is off or Redis is down (bypass)."""
    return generation(host) if enabled() else None


def _cache_get_many(keys: list[str]) -> dict[str, Any]:
    try:
        return cache.get_many(keys)
    except redis.RedisError as exc:
        log.warning("cache read failed: %s", exc)
        return {}


def _cache_set_many(values: dict[str, Any]) -> None:
    try:
        cache.set_many(values, settings.MORTAR_WEB_CACHE_TTL)  # one pipelined round trip
    except redis.RedisError as exc:
        log.warning("cache write failed: %s", exc)


def fetch_many(
    visitor: Visitor,
    language: str,
    calls: list[tuple[str, dict[str, str] | None]],
    negative: tuple[bool, ...] | None,
    generation: int | None,
) -> list[Any]:
    """GET each (path, params) for the visitor's tenant in `language`, through the cache.

    Returns the decoded JSON per call, or NOT_FOUND for an api 404. Hits come in
    one Redis round trip. `negative[i]` says whether a 404 of call i may be
    cached (pages yes; the frame of an unknown host no). ApiUnavailable propagates.
    `generation` is the tenant's, read once per request by the caller
    (context.RequestContext); None bypasses the cache (caching off, or Redis down:
    better not to wait on it a second time).
    """
    negative = negative or (True,) * len(calls)
    full = [(path, {**(params or {}), "lang": language}) for path, params in calls]
    keys = (
        [cache_key(visitor.host, language, generation, p, q) for p, q in full]
        if generation is not None
        else []
    )
    hits = _cache_get_many(keys) if keys else {}
    if keys:
        cache_result("api_response", hit=True, count=len(hits))
        cache_result("api_response", hit=False, count=max(0, len(keys) - len(hits)))
    results: list[Any] = []
    fetched: dict[str, Any] = {}
    try:
        for i, (path, params) in enumerate(full):
            if keys and keys[i] in hits:
                results.append(hits[keys[i]])
                continue
            try:
                value = api_client.get(visitor, path, params)
            except ApiNotFound:
                value = NOT_FOUND
                if not negative[i]:
                    results.append(value)
                    continue
            if keys:
                fetched[keys[i]] = value
            results.append(value)
    finally:  # what came before an ApiUnavailable is kept (the 503 page's frame)
        if fetched:
            _cache_set_many(fetched)
    return results


SITE = "/api/v1/site/"
PAGE_VIEW = "/api/v1/page-view/"


def fetch_page(
    visitor: Visitor, language: str, content_path: str, page_path: str, generation: int | None
) -> tuple[Any, Any]:
    """(the frame, the page's content) for one page: `SITE` and `content_path` through the
    cache in one MGET as `fetch_many` would; NOT_FOUND for an unknown host or page.

    When the frame is not cached both come in one api call (`/api/v1/page-view/`, which
    answers `{"site", "page"}`) and are stored under the keys the separate calls use, so a
    cold page costs the api one request instead of two and every other view still finds
    the frame. A cached frame leaves only the content to ask for, alone.
    """
    params = {"lang": language}
    keys = (
        [cache_key(visitor.host, language, generation, p, params) for p in (SITE, content_path)]
        if generation is not None
        else []
    )
    hits = _cache_get_many(keys) if keys else {}
    if keys and keys[0] in hits:
        if keys[1] in hits:
            return hits[keys[0]], hits[keys[1]]
        try:
            content = api_client.get(visitor, content_path, params)
        except ApiNotFound:
            content = NOT_FOUND
        _cache_set_many({keys[1]: content})
        return hits[keys[0]], content
    try:
        both = api_client.get(visitor, PAGE_VIEW, {"path": page_path, **params})
    except ApiNotFound:  # the api knows no tenant for this host: nothing is cached
        return NOT_FOUND, NOT_FOUND
    if not isinstance(both, dict) or not isinstance(both.get("site"), dict):
        raise api_client.ApiUnavailable("api answered page-view without a site")
    site, content = both["site"], both.get("page") or NOT_FOUND
    if keys:
        _cache_set_many({keys[0]: site, keys[1]: content})
    return site, content


def fetch(visitor: Visitor, language: str, path: str, params: dict[str, str] | None = None) -> Any:
    """One cached GET for a site's own view; NOT_FOUND for an api 404.

    Reads the generation itself; a view making several calls is better served by
    `context.RequestContext.of(request, language).fetch(...)`, which reads it once.
    """
    gen = current_generation(visitor.host)
    return fetch_many(visitor, language, [(path, params)], None, gen)


def check() -> tuple[bool, str]:
    """Health: a round trip through the cache and the generation counter's Redis."""
    try:
        raw_redis().ping()
        cache.set("health", "ok", 10)
        ok = cache.get("health") == "ok"
    except redis.RedisError as exc:
        return False, f"error: {exc.__class__.__name__}"
    return (True, "ok") if ok else (False, "error: read back failed")


def peek(visitor: Visitor, language: str, path: str, generation: int | None) -> Any | None:
    """What the cache holds for a GET at `generation`, without asking the api (the 503 page)."""
    if generation is None:
        return None
    key = cache_key(visitor.host, language, generation, path, {"lang": language})
    value = _cache_get_many([key]).get(key)
    return None if missing(value) else value
