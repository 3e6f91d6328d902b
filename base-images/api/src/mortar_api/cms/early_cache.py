"""Answer a cached public API GET before the tenant router, sessions and DRF run.

The first middleware. For an anonymous GET/HEAD of a cached public view (no
Authorization, no session or CSRF cookie, no body, a query string the view accepts) it
sends ONE Redis command - ``MGET <prefix>:gen:<host> <entry>`` - and, when the entry was
stored under the host's current content generation, replays it: status, every header
the full stack sent, body. Anything else (a miss, another request, Redis down) goes
down the normal stack unchanged; on a miss the answer that comes back up is stored.

Invalidation is the existing scheme (caching.py), nothing new: ``<prefix>:gen:<host>``
is the key a content change INCRs for each of the tenant's domains (the contract web
keys its page cache by), and tenant state and domain changes INCR it too. The entry is
keyed by the normalised host (what the tenant router looks up), so no spelling of one
host reaches another host's entry, and by scheme, language and the view's cache path
(the same one the view's own cache uses, so junk query strings cannot fill Redis).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable

import redis
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponse
from django.urls import Resolver404, resolve
from mortar_contract.metrics import cache_result
from rest_framework.exceptions import ValidationError

from mortar_api import __version__
from mortar_api.tenancy.hosts import current_host
from mortar_api.tenancy.middleware import raw_host

from .caching import gen_key, redis_client, redis_prefix, response_ttl
from .languages import resolve_language
from .outbox import has_pending
from .views_base import check_query_string

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1/"
# Accept ranges the JSON-only renderer satisfies; any other Accept goes down the full
# stack, which answers it as before (406).
JSON_RANGES = frozenset({"*/*", "application/*", "application/json"})
STORED_STATUSES = (200, 404)  # what the views' own cache keeps


def _fingerprint() -> str:
    """Settings the stored headers/body depend on: a change (a deploy) starts fresh keys."""
    parts = (__version__, settings.MORTAR_API_HTTP_MAX_AGE, tuple(settings.LANGUAGES))
    return hashlib.sha1(repr(parts).encode(), usedforsecurity=False).hexdigest()[:8]


def _json_acceptable(accept: str) -> bool:
    return not accept or any(
        part.split(";", 1)[0].strip().lower() in JSON_RANGES for part in accept.split(",")
    )


def encode_entry(gen: bytes, response: HttpResponse, schema: str | None = None) -> bytes:
    headers = [(k, v) for k, v in response.items() if k.lower() != "x-mortar-cache"]
    meta = json.dumps([gen.decode(), response.status_code, headers, schema], separators=(",", ":"))
    return meta.encode() + b"\n" + response.content


def decode_entry(raw: bytes, gen: bytes) -> HttpResponse | None:
    """The stored response if it was stored under generation ``gen``, else None."""
    meta, _, body = raw.partition(b"\n")
    stored_gen, status, headers, schema = json.loads(meta)
    if stored_gen.encode() != gen:
        return None
    resp = HttpResponse(body, status=status)
    for name, value in headers:
        resp[name] = value
    resp["X-Mortar-Cache"] = "hit"
    # the tenant that answered when it was stored: request metrics label the hit with it
    resp.mortar_schema = schema  # type: ignore[attr-defined]
    return resp


def start_generation(gkey: str) -> bytes | None:
    """The host's generation, started if it has none (never bumped, or evicted) with a
    value no earlier one had; None when Redis fails."""
    try:
        pipe = redis_client().pipeline(transaction=False)
        pipe.set(gkey, time.time_ns(), nx=True).get(gkey)
        return pipe.execute()[1]
    except redis.RedisError:
        log.warning("early public cache unavailable", exc_info=True)
        return None


class EarlyPublicCacheMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.private_cookies = (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME)
        self.fingerprint = _fingerprint()

    def __call__(self, request: HttpRequest) -> HttpResponse:
        keys = self.keys(request)
        if keys is None or has_pending():  # an outbox to drain first: the full stack does
            return self.get_response(request)
        gkey, key = keys
        try:
            gen, raw = redis_client().mget(gkey, key)
        except redis.RedisError:  # Redis down: the full stack answers (and copes)
            log.warning("early public cache unavailable", exc_info=True)
            return self.get_response(request)
        if gen is not None and raw is not None:
            try:
                hit = decode_entry(raw, gen)
            except (ValueError, TypeError, AttributeError):  # damaged: a miss, replaced
                log.warning("unreadable early cache entry %s", key, exc_info=True)
            else:
                if hit is not None:
                    cache_result("early", hit=True)
                    return hit
        cache_result("early", hit=False)
        if gen is None:
            gen = start_generation(gkey)
        response = self.get_response(request)
        if gen is not None and self.storable(response):
            try:
                schema = getattr(getattr(request, "tenant", None), "schema_name", None)
                entry = encode_entry(gen, response, schema)
                redis_client().set(key, entry, ex=response_ttl())
            except redis.RedisError:
                log.warning("early public cache unavailable", exc_info=True)
        return response

    def keys(self, request: HttpRequest) -> tuple[str, str] | None:
        """(generation key, entry key) of an anonymous public read, else None."""
        meta = request.META
        if (
            request.method not in ("GET", "HEAD")
            or not request.path_info.startswith(API_PREFIX)
            or "HTTP_AUTHORIZATION" in meta
            or meta.get("CONTENT_LENGTH") not in (None, "", "0")
            or "HTTP_TRANSFER_ENCODING" in meta
            or any(name in request.COOKIES for name in self.private_cookies)
            or not _json_acceptable(meta.get("HTTP_ACCEPT", ""))
            or "format" in request.GET  # DRF's format override: the full stack decides
        ):
            return None
        from .api import CachedPublicView, cache_path

        try:
            match = resolve(request.path_info, getattr(request, "urlconf", None))
        except Resolver404:
            return None
        view = getattr(match.func, "view_class", None)
        if view is None or not issubclass(view, CachedPublicView):
            return None
        host = raw_host(request)
        if not host:
            return None
        token = current_host.set(host)  # what the tenant router admits (hosts.py)
        try:
            check_query_string(request.GET)  # the full stack's 400s stay 400s
            request.get_host()  # a Host spelling Django refuses stays a 400
        except (ValidationError, DisallowedHost):
            return None
        finally:
            current_host.reset(token)
        lang = resolve_language(request.GET.get("lang"), meta.get("HTTP_ACCEPT_LANGUAGE"))
        path = cache_path(request.path, request.GET, view.cache_params)
        digest = hashlib.sha1(path.encode(), usedforsecurity=False).hexdigest()
        # "@" cannot start a schema name, so this never meets a Django cache key
        # (<prefix>:cache:<schema>:...); under :cache: so tests' clear_cache drops it.
        where = f"{self.fingerprint}:{request.scheme}:{host}:{lang}:{digest}"
        return gen_key(host), f"{redis_prefix()}:cache:@api:{where}"

    def storable(self, response: HttpResponse) -> bool:
        """An answer of a cached public view, the same for every anonymous visitor.

        Its ``Vary: Cookie`` (the audit middleware reads ``request.user``) is kept as sent:
        only requests without a session cookie get here, and the views read no cookie.
        """
        return (
            response.status_code in STORED_STATUSES
            and response.has_header("X-Mortar-Cache")
            and not response.streaming
            and not response.cookies
        )
