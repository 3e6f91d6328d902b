"""The authentication backend that refuses logins while a user/address is locked out."""

from __future__ import annotations

from typing import Any

from axes.backends import AxesStandaloneBackend
from django.http import HttpRequest


class LockoutBackend(AxesStandaloneBackend):
    """django-axes' check, first in ``AUTHENTICATION_BACKENDS``.

    Without a request there is no client to count (``Client.login()`` in tests, scripts),
    so the check is skipped instead of raising: every login a visitor can reach (the admin
    form, ``POST /api/v1/auth/token/``) passes its request.
    """

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> None:
        if request is None:
            return None
        return super().authenticate(request, username, password, **kwargs)
