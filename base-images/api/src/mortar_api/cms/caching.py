"""Public-response cache and its invalidation.

Responses are stored in the Django cache (Redis) tagged with the tenant's *content
generation*; any content change sets a new generation, so every cached response of that
tenant is stale at once. A lookup reads the generation and the entry in one MGET (one
Redis round trip) and takes the entry only if its tag is current. The same change
INCRs ``<MORTAR_REDIS_PREFIX>:gen:<domain>`` for each of the tenant's domains — the
contract web-base keys its own cache by (docs/contracts.md).
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
import time

import redis
from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from mortar_contract.keys import generation_key
from mortar_contract.metrics import cache_result
from mortar_contract.prefix import redis_prefix as _contract_prefix
from mortar_contract.redisclient import fail_fast_client

from mortar_api.resilience import cache_is_down, mark_cache_down, strict_cache

from .outbox import REDIS_DOWN, drain_if_pending, record_invalidation

log = logging.getLogger(__name__)

RESPONSE_TTL = 300  # seconds; invalidation does the real work, the TTL only bounds memory


def _schema() -> str:
    return getattr(connection, "schema_name", "public")


def _gen_key() -> str:
    # B's cache key function adds the site prefix and schema; the schema is repeated here
    # so that isolation does not hinge on one setting.
    return f"cms:gen:{_schema()}"


def generation() -> str:
    gen = cache.get(_gen_key())
    return gen if gen is not None else _start_generation()


def _start_generation() -> str:
    """First use or evicted: a fresh generation (never reuse an old one). One SET NX when it
    wins; only a request that lost the race to a concurrent one reads the winner's value."""
    gen = str(time.time_ns())
    if cache.add(_gen_key(), gen, None):
        return gen
    return cache.get(_gen_key()) or gen


def response_key(lang: str, path: str) -> str:
    digest = hashlib.sha1(path.encode(), usedforsecurity=False).hexdigest()
    return f"cms:resp:{_schema()}:{lang}:{digest}"


def cached_response(key: str) -> tuple[str | None, tuple[int, bytes] | None]:
    """(current generation, (status, body) if ``key`` holds a response of it, else None).

    Redis down: (None, None) - the response is built from the database, not a 500.
    """
    if cache_is_down():  # failed a moment ago: do not wait for it again
        return None, None
    try:  # strict: a failure is visible here (and a success may drain the outbox)
        got = strict_cache().get_many([_gen_key(), key])
        # the MGET already read the generation: a missing one is started, not read again
        gen = got.get(_gen_key()) or _start_generation()
    except redis.RedisError:
        mark_cache_down()
        log.warning("public response cache unavailable", exc_info=True)
        return None, None
    if drain_if_pending():  # Redis is back and a change made while it was down just landed
        return generation(), None
    entry = got.get(key)
    if entry is not None and entry[0] == gen:
        cache_result("response", hit=True)
        return gen, (entry[1], entry[2])
    cache_result("response", hit=False)
    return gen, None


def store_response(key: str, gen: str | None, status_code: int, body: bytes) -> None:
    """Cache a response built while ``gen`` was current (a later bump makes it stale)."""
    if gen is None:  # the cache was unavailable when the request started
        return
    try:
        cache.set(key, (gen, status_code, body), response_ttl())
    except redis.RedisError:
        log.warning("public response cache unavailable", exc_info=True)


def response_ttl() -> int:
    return int(getattr(settings, "MORTAR_API_CACHE_TTL", RESPONSE_TTL))


def redis_prefix() -> str:
    """The site's prefix; a settings module without one gets the contract's fallback."""
    return getattr(settings, "MORTAR_REDIS_PREFIX", "") or _contract_prefix(os.environ)


@functools.lru_cache(maxsize=4)
def _redis(url: str) -> redis.Redis:
    return fail_fast_client(url, timeout=2)


def redis_client() -> redis.Redis:
    url = getattr(settings, "REDIS_URL", None) or settings.CACHES["default"]["LOCATION"]
    if isinstance(url, (list, tuple)):
        url = url[0]
    return _redis(url)


def tenant_domains() -> list[str]:
    """Host names of the tenant whose schema the connection is on (none for public)."""
    from django_tenants.utils import get_public_schema_name, get_tenant_domain_model

    schema = _schema()
    if schema == get_public_schema_name():
        return []
    tenant = getattr(connection, "tenant", None)
    if tenant is not None and getattr(tenant, "pk", None) is not None:
        hosts = tenant.domains.values_list("domain", flat=True)
    else:  # schema_context() sets a FakeTenant: find the real one by schema name
        hosts = (
            get_tenant_domain_model()
            .objects.filter(tenant__schema_name=schema)
            .values_list("domain", flat=True)
        )
    return list(hosts)  # Domain.save() stores them normalised


def gen_key(host: str) -> str:
    return generation_key(redis_prefix(), host)


def bump_response_cache() -> None:
    """Start a new generation of the current tenant's cached API responses (the views'
    cache); raises if Redis is down. `bump_all` also bumps its hosts'."""
    strict_cache().set(_gen_key(), str(time.time_ns()), None)


def bump_hosts(hosts: list[str], strict: bool = False) -> None:
    """INCR the content generation of ``hosts``: their cached API answers and web pages go
    stale (a content change, a tenant state change, a domain added, moved or removed).
    A Redis failure raises with ``strict`` (the outbox then retries), else is logged."""
    hosts = [h for h in hosts if h]
    if not hosts:
        return
    try:
        pipe = redis_client().pipeline(transaction=False)
        for host in hosts:
            pipe.incr(gen_key(host))
        pipe.execute()
    except redis.RedisError:  # caches then serve until their TTL; never fail the change
        if strict:
            raise
        log.exception("could not bump content generation for %s", hosts)


def bump_all() -> None:
    """Bump the api's generation and its hosts' (the early path's and web's); raises if
    Redis is down."""
    bump_response_cache()
    bump_hosts(tenant_domains(), strict=True)


def _bump() -> None:
    if cache_is_down():  # failed a moment ago: straight to the outbox, no timeout per save
        record_invalidation(redis.ConnectionError("Redis failed a moment ago"))
        return
    try:
        bump_all()
    except REDIS_DOWN as exc:  # never fail the save: the outbox invalidates once Redis is back
        mark_cache_down()
        record_invalidation(exc)


def content_changed() -> None:
    """Invalidate now and again after commit.

    The first bump hides old content at once; the second closes the window in which a
    concurrent request could cache pre-commit data under the new generation. One
    after-commit bump per transaction and schema is enough (moving a page re-saves every
    descendant in one transaction).
    """
    _bump()
    if transaction.get_connection().in_atomic_block and not _bump_pending(_schema()):
        schema_tenant = getattr(connection, "tenant", None)

        def _after() -> None:
            if schema_tenant is None or getattr(connection, "tenant", None) is schema_tenant:
                _bump()
                return
            from django_tenants.utils import tenant_context

            with tenant_context(schema_tenant):
                _bump()

        _after.bump_schema = _schema()
        transaction.on_commit(_after)


def _bump_pending(schema: str) -> bool:
    """Whether this transaction already holds an after-commit bump of ``schema``.

    Safe to rely on: a pending callback is dropped only with a rollback of a savepoint it
    was registered in, and any such savepoint still open encloses the current change too
    (savepoint ids are unique within a transaction).
    """
    return any(
        getattr(func, "bump_schema", None) == schema
        for _sids, func, _robust in transaction.get_connection().run_on_commit
    )
