"""The individual health checks; each returns "ok" or a short error string.

``storage`` is checked only when media live in a bucket (local media need no probe)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.db import connection


def check_database() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return "ok"


def check_cache() -> str:
    key = "health:probe"
    cache.set(key, "1", 10)
    if cache.get(key) != "1":
        return "error: value not read back"
    return "ok"


def check_broker() -> str:
    # The broker is Redis: a PING through the same URL and ACL user Celery uses.
    from mortar_contract.redisclient import fail_fast_client

    client = fail_fast_client(settings.CELERY_BROKER_URL, timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return "ok"


CHECKS: dict[str, Callable[[], str]] = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
}


def check_storage() -> str:
    # A bucket: one listing call; its answer names the endpoint, credentials or bucket fault.
    from mortar_api.media.objectstore import probe

    result = probe()
    return result if result == "ok" else f"error: {result}"


def run_checks() -> dict[str, str]:
    from mortar_api.media.objectstore import is_s3

    results = {}
    checks = {**CHECKS, "storage": check_storage} if is_s3() else CHECKS
    for name, check in checks.items():
        try:
            results[name] = check()
        except Exception as exc:  # a probe reports, never raises
            results[name] = f"error: {type(exc).__name__}"
    return results
