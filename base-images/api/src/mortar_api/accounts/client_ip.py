"""The client address the lockout counts: the same one DRF's throttles use.

Behind the shared nginx the address is the ``X-Forwarded-For`` entry the edge added
(``REST_FRAMEWORK["NUM_PROXIES"]`` from ``MORTAR_NUM_PROXIES``, counted from the right), so
entries a visitor sends themselves are ignored and visitors are not all counted as nginx.
"""

from __future__ import annotations

import ipaddress

from django.http import HttpRequest
from rest_framework.throttling import BaseThrottle


def _valid(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_ip(request: HttpRequest) -> str | None:
    """``AXES_CLIENT_IP_CALLABLE``: the counted address, or the peer's if that is not an IP."""
    return _valid(BaseThrottle().get_ident(request)) or _valid(request.META.get("REMOTE_ADDR"))
