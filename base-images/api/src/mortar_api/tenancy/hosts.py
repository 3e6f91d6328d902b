"""ALLOWED_HOSTS that follows the tenants' domains without a restart.

The tenant middleware resolves the request's Host against the Domain table (an unknown
host gets a 404 before anything else runs) and records the resolved host here; Django's
own Host validation (``request.get_host()``) then admits exactly that host, plus the
static extras from the environment. It is never a wildcard.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextvars import ContextVar

current_host: ContextVar[str | None] = ContextVar("mortar_current_host", default=None)


class TenantAllowedHosts(list):
    """A list of static host patterns that also yields the current request's tenant host."""

    def __iter__(self) -> Iterator[str]:
        yield from super().__iter__()
        host = current_host.get()
        if host:
            yield host

    def __bool__(self) -> bool:
        # Tenant domains live in the database, so the setting is never "empty".
        return True

    def __repr__(self) -> str:
        return f"TenantAllowedHosts({list(super().__iter__())!r} + tenant domains)"
