"""Host -> tenant lookup, cached in the site's Redis cache and invalidated on change.

A Redis outage only costs the cache: the lookup then goes to the database (logged).
"""

from __future__ import annotations

import logging

from django.core.cache import cache
from django_tenants.utils import get_public_schema_name, schema_context

from mortar_api.settings_helpers import normalise_host

CACHE_SECONDS = 300
log = logging.getLogger(__name__)


def _key(host: str) -> str:
    return f"tenancy:host:{host}"


def tenant_for_host(host: str):  # -> Tenant | None
    """The tenant serving ``host`` (normalised), or None. Never the template tenant."""
    from mortar_api.tenancy.models import Domain

    host = normalise_host(host)
    if not host:
        return None
    with schema_context(get_public_schema_name()):
        try:
            tenant = cache.get(_key(host))
        except Exception:  # the cache is an optimisation; Redis down must not be a 500
            log.warning("tenant host cache unavailable", exc_info=True)
            tenant, cache_ok = None, False
        else:
            cache_ok = True
        if tenant is None:
            domain = (
                Domain.objects.select_related("tenant")
                .filter(domain=host, tenant__is_template=False)
                .first()
            )
            if domain is None:
                return None  # misses are not cached: a new domain works at once
            tenant = domain.tenant
            if cache_ok:
                cache.set(_key(host), tenant, CACHE_SECONDS)
    return tenant


def forget_hosts(*hosts: str) -> None:
    with schema_context(get_public_schema_name()):
        cache.delete_many([_key(normalise_host(h)) for h in hosts if h])
