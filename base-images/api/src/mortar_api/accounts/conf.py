"""Settings-time helpers of the login lockout (imported by ``mortar_api.settings``: no Django
imports that need configured settings)."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ImproperlyConfigured

_PARAMETERS = ("username", "ip_address")


def parse_lockout_parameters(value: str) -> list[str | list[str]]:
    """``MORTAR_LOGIN_LOCKOUT`` -> django-axes' ``AXES_LOCKOUT_PARAMETERS``.

    A comma list of keys, each counted on its own; ``+`` joins parameters into one key:
    ``"username+ip_address"`` (default) locks a username at one address only,
    ``"username,ip_address"`` locks a username everywhere and an address for every username.
    """
    out: list[str | list[str]] = []
    for item in value.split(","):
        parts = [p.strip() for p in item.split("+") if p.strip()]
        if not parts:
            continue
        unknown = [p for p in parts if p not in _PARAMETERS]
        if unknown or len(set(parts)) != len(parts):
            raise ImproperlyConfigured(
                f"MORTAR_LOGIN_LOCKOUT: bad entry {item.strip()!r}; use {' / '.join(_PARAMETERS)}, "
                "joined with '+' for a combination and ',' between keys"
            )
        out.append(parts[0] if len(parts) == 1 else parts)
    if not out:
        raise ImproperlyConfigured("MORTAR_LOGIN_LOCKOUT is empty; e.g. 'username+ip_address'")
    return out


def failure_limit(value: int) -> int:
    """``MORTAR_LOGIN_FAILURE_LIMIT``: failures before the lockout (at least 1)."""
    if value < 1:
        raise ImproperlyConfigured(f"MORTAR_LOGIN_FAILURE_LIMIT must be 1 or more, not {value}")
    return value


def cooloff(minutes: int) -> timedelta | None:
    """``MORTAR_LOGIN_COOLOFF_MINUTES``: how long a lockout lasts; 0 = until reset by hand."""
    if minutes < 0:
        raise ImproperlyConfigured(f"MORTAR_LOGIN_COOLOFF_MINUTES must be 0 or more, not {minutes}")
    return timedelta(minutes=minutes) if minutes else None
