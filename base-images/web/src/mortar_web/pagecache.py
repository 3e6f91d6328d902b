"""Whole rendered pages in Redis: the fast path for anonymous GETs.

One round trip: MGET of the tenant's generation counter `<prefix>:gen:<host>` and
the page entry `<prefix>:cache:web:page:<release>:<scheme>:<host[:port]>:<lang>:<path>`
(both keys built by mortar_contract.keys, the host normalised),
whose value starts with the generation it was rendered at. A matching generation is served
as is; otherwise the caller renders (from the api-response cache, cache.py) and stores
the page with the current generation. So a publish shows on the next request, like
the api-response cache, and the TTL only bounds memory.

Only pages without per-visitor content are stored (no CSRF token: the contact form
and previews never come here). Keys hold scheme and Host with port because the page
carries absolute canonical/hreflang URLs.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from pathlib import Path

import redis
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from mortar_contract import keys as contract_keys
from mortar_contract.metrics import cache_result

import mortar_web
from mortar_web.cache import generation_key, parse_generation, raw_redis
from mortar_web.context import RequestContext

log = logging.getLogger(__name__)
CACHEABLE = (200, 404)
# 404 pages are cached only briefly: a crawler asking for random URLs would otherwise
# fill the site's Redis with ~8 KiB pages for the whole TTL.
NOT_FOUND_TTL = 10


@functools.cache
def render_id() -> str:
    """What else a rendered page depends on: code version, template/static sources, release.

    A deploy with other templates or assets (or another MORTAR_WEB_RELEASE) reads other
    keys, so pages rendered by the previous release are not served after it. Computed
    once per process (it reads and hashes the static manifest): a deploy restarts web.
    """
    manifest = Path(settings.STATIC_ROOT) / "staticfiles.json"
    parts = [
        mortar_web.__version__,
        os.environ.get("MORTAR_WEB_RELEASE", ""),
        repr(settings.TEMPLATES[0].get("DIRS")),
        repr(settings.INSTALLED_APPS),
        manifest.read_text() if manifest.exists() else "",
    ]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:10]


def page_key(request: HttpRequest, language: str) -> str:
    # get_host() keeps the port (the page's absolute URLs depend on it); the contract's
    # key drops every other spelling difference, so all spellings share one entry
    return contract_keys.page_key(
        settings.MORTAR_REDIS_PREFIX,
        render_id(),
        request.scheme,
        request.get_host(),
        language,
        request.path,
    )


def lookup(ctx: RequestContext) -> HttpResponse | None:
    """The cached page if it is of the current generation, which `ctx` then knows too
    (read in the same MGET: the fetches that follow a miss need no GET of their own)."""
    if settings.MORTAR_WEB_CACHE_TTL <= 0:
        ctx.know_generation(None)
        return None
    try:
        gen_raw, entry = raw_redis().mget(
            [generation_key(ctx.host), page_key(ctx.request, ctx.language)]
        )
    except redis.RedisError as exc:
        log.warning("page cache read failed: %s", exc)
        ctx.know_generation(None)
        return None
    gen = parse_generation(gen_raw)
    ctx.know_generation(gen)
    if entry:
        stored_gen, _, rest = entry.partition(b"|")
        status, _, body = rest.partition(b"|")
        if stored_gen == str(gen).encode() and status.isdigit():
            response = HttpResponse(body, status=int(status))
            response["X-Mortar-Cache"] = "hit"
            cache_result("page", hit=True)
            return response
    cache_result("page", hit=False)
    return None


def store(ctx: RequestContext, response: HttpResponse) -> None:
    """Keep a rendered page under the generation it was rendered at."""
    gen = ctx.generation
    if gen is None or response.status_code not in CACHEABLE or response.streaming:
        return
    value = f"{gen}|{response.status_code}|".encode() + response.content
    try:
        ttl = settings.MORTAR_WEB_CACHE_TTL
        if response.status_code == 404:
            ttl = min(ttl, NOT_FOUND_TTL)
        raw_redis().set(page_key(ctx.request, ctx.language), value, ex=ttl)
    except redis.RedisError as exc:
        log.warning("page cache write failed: %s", exc)
