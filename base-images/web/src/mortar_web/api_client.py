"""HTTP client for the api-base public API (docs/contracts.md, "Public API").

One keep-alive `requests.Session` per worker process. Every call forwards the
visitor's Host (so the api picks the right tenant) and X-Forwarded-For/-Proto
(so throttling and absolute URLs see the visitor, not web). Failures become
the exceptions below; views turn them into 404/400/503 pages.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import requests
from django.conf import settings
from django.http import HttpRequest
from mortar_contract.hosts import normalise_host
from requests.adapters import HTTPAdapter

import mortar_web

log = logging.getLogger(__name__)


class ApiError(Exception):
    """Base class: the api did not give us what we asked for."""


class ApiUnavailable(ApiError):
    """Connection refused, timeout, 5xx or a body that is not JSON: show the 503 page."""


class TenantUnavailable(ApiUnavailable):
    """503 from the api for this tenant alone: it is in maintenance or suspended."""

    def __init__(self, state: str, retry_after: str | None = None) -> None:
        super().__init__(f"tenant {state}")
        self.state = state
        self.retry_after = retry_after


TENANT_STATES = {"tenant_maintenance": "maintenance", "tenant_suspended": "suspended"}


def tenant_state(response: requests.Response) -> str | None:
    """The tenant state a 503 names (the api's error body `code`), or None (the api is down)."""
    try:
        body = response.json()
    except ValueError:
        return None
    return TENANT_STATES.get(body.get("code")) if isinstance(body, dict) else None


class ApiNotFound(ApiError):
    """404 from the api (unknown or unpublished page, bad preview token, unknown host)."""


@dataclass
class ApiValidationError(ApiError):
    """400 with the contract's error body: `detail` plus per-field `errors`."""

    detail: str
    errors: dict[str, list[str]] = field(default_factory=dict)


class ApiThrottled(ApiError):
    """429: too many requests from this visitor."""


@dataclass(frozen=True)
class Visitor:
    """What web forwards about the visitor on every api call."""

    host: str  # the contract's spelling: lower case, no port, no trailing dot, punycode
    forwarded_for: str
    forwarded_proto: str

    @classmethod
    def from_request(cls, request: HttpRequest) -> Visitor:
        remote = request.META.get("REMOTE_ADDR", "")
        incoming = request.META.get("HTTP_X_FORWARDED_FOR", "").strip()
        # web is an internal hop behind the edge proxy: pass the edge's X-Forwarded-For on
        # unchanged so the api counts the same client address whether a request came
        # through web or straight through nginx (one trusted proxy: NUM_PROXIES=1).
        forwarded_for = incoming or remote
        proto = request.META.get("HTTP_X_FORWARDED_PROTO", "").strip() or request.scheme or "http"
        return cls(host=request_host(request), forwarded_for=forwarded_for, forwarded_proto=proto)

    def headers(self) -> dict[str, str]:
        headers = {"Host": self.host, "X-Forwarded-Proto": self.forwarded_proto}
        if self.forwarded_for:
            headers["X-Forwarded-For"] = self.forwarded_for
        return headers


def request_host(request: HttpRequest) -> str:
    """The visitor's host as the contract wants it (mortar_contract.hosts.normalise_host)."""
    return normalise_host(request.get_host())


_local = threading.local()


def _session() -> requests.Session:
    """The worker's keep-alive session (re-created after a fork)."""
    session = getattr(_local, "session", None)
    if session is None or getattr(_local, "pid", None) != os.getpid():
        session = requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=16, max_retries=0)
        session.mount("http://", adapter)
        session.mount("https://", adapter)
        session.headers.update(
            {"Accept": "application/json", "User-Agent": f"mortar-web/{mortar_web.__version__}"}
        )
        session.trust_env = False  # never route internal calls through an HTTP proxy from env
        _local.session, _local.pid = session, os.getpid()
    return session


def api_path(*segments: str) -> str:
    """Join path segments under /api/v1/, each URL-quoted (no `..` tricks reach the api)."""
    # quote() leaves "." alone; a dot segment would be collapsed by urllib3 into a parent path
    parts = [
        quote(s, safe="").replace(".", "%2E") if s in {".", ".."} else quote(s, safe="")
        for s in segments
        if s
    ]
    return "/api/v1/" + "".join(p + "/" for p in parts)


def _timeout() -> tuple[float, float]:
    return (settings.MORTAR_API_CONNECT_TIMEOUT, settings.MORTAR_API_READ_TIMEOUT)


def _decode(response: requests.Response) -> Any:
    try:
        return response.json()
    except ValueError as exc:
        raise ApiUnavailable(f"api answered {response.status_code} without JSON") from exc


def _check(response: requests.Response) -> Any:
    status = response.status_code
    if status == 503 and (state := tenant_state(response)):
        raise TenantUnavailable(state, response.headers.get("Retry-After"))
    if status >= 500:
        raise ApiUnavailable(f"api answered {status}")
    if status == 404:
        raise ApiNotFound(response.url)
    if status == 429:
        raise ApiThrottled()
    if status == 400:
        body = _decode(response)
        body = body if isinstance(body, dict) else {}
        errors = body.get("errors") or {}
        return_errors = {
            str(k): [str(m) for m in (v if isinstance(v, list) else [v])] for k, v in errors.items()
        }
        raise ApiValidationError(str(body.get("detail") or "Invalid input."), return_errors)
    if status >= 400:
        raise ApiUnavailable(f"api answered {status}")
    if 300 <= status < 400:
        # typically the api's SECURE_SSL_REDIRECT seeing X-Forwarded-Proto: http
        location = response.headers.get("Location", "")
        log.error(
            "api redirected %s to %r: check MORTAR_HTTPS / X-Forwarded-Proto",
            response.url,
            location,
        )
        raise ApiUnavailable(f"api redirected to {location}")
    return _decode(response)


def _call(method: str, visitor: Visitor, path: str, **kwargs: Any) -> Any:
    """One api request for the visitor's tenant; transport failures become ApiUnavailable."""
    try:
        response = _session().request(
            method,
            settings.MORTAR_API_URL + path,
            headers=visitor.headers(),
            timeout=_timeout(),
            allow_redirects=False,
            **kwargs,
        )
    except requests.RequestException as exc:
        log.warning("api %s %s for %s failed: %s", method, path, visitor.host, exc)
        raise ApiUnavailable(str(exc)) from exc
    return _check(response)


def get(visitor: Visitor, path: str, params: dict[str, str] | None = None) -> Any:
    """GET `path` (starting with /api/v1/) for the visitor's tenant; the decoded JSON."""
    return _call("GET", visitor, path, params=params)


def post(
    visitor: Visitor, path: str, data: dict[str, Any], params: dict[str, str] | None = None
) -> Any:
    """POST JSON to `path` for the visitor's tenant (never retried: not idempotent)."""
    return _call("POST", visitor, path, json=data, params=params)


def health() -> tuple[bool, str]:
    """Is the api reachable and healthy? Asks its /health/ with the api URL's own Host."""
    try:
        # shorter than a probe's own timeout (compose/k8s give 4-5 s): answer "unreachable" in time
        response = _session().get(
            settings.MORTAR_API_URL + "/health/", timeout=(1.0, 2.5), allow_redirects=False
        )
    except requests.RequestException as exc:
        return False, f"unreachable: {exc.__class__.__name__}"
    if response.status_code == 200:
        return True, "ok"
    return False, f"HTTP {response.status_code}"
