"""What removing a tenant frees besides its row, domains and schema: its Redis keys (the
api caches under ``<prefix>:cache:<schema>:`` and ``<prefix>:cache:@api:``, web's page and
api-response caches and the content generation of each of its hosts) and any beat entry
routed to its schema."""

from __future__ import annotations

import json
import logging

import redis

log = logging.getLogger(__name__)


def redis_patterns(prefix: str, schema: str, hosts: list[str]) -> list[str]:
    patterns = [f"{prefix}:cache:{schema}:*"]
    for host in hosts:
        # web: `<prefix>:cache:web:<version>:api:<host>:...`
        # and `<prefix>:cache:web:page:<id>:<scheme>:<host[:port]>:...`;
        # the api's early path: `<prefix>:cache:@api:<fingerprint>:<scheme>:<host>:...`
        patterns += [
            f"{prefix}:cache:web:*:{host}:*",
            f"{prefix}:cache:@api:*:{host}:*",
            f"{prefix}:gen:{host}",
        ]
    return patterns


def delete_cache_keys(schema: str, hosts: list[str]) -> int:
    """Delete the tenant's keys (SCAN, never KEYS); returns how many went."""
    from mortar_api.cms.caching import redis_client, redis_prefix

    client = redis_client()
    deleted = 0
    try:
        for pattern in redis_patterns(redis_prefix(), schema, hosts):
            batch = []
            for key in client.scan_iter(pattern, count=1000):
                batch.append(key)
                if len(batch) >= 500:
                    deleted += client.delete(*batch)
                    batch = []
            if batch:
                deleted += client.delete(*batch)
    except redis.RedisError:  # the keys expire on their own; the removal itself is done
        log.exception("could not delete the cache keys of tenant %s", schema)
    return deleted


def delete_beat_entries(schema: str) -> int:
    """Periodic tasks routed to this schema (``_schema_name`` header); the shared per-tenant
    fan-out entries are kept (they read the tenant list when they run)."""
    from django_celery_beat.models import PeriodicTask

    doomed = []
    for pk, headers in PeriodicTask.objects.filter(headers__contains=schema).values_list(
        "pk", "headers"
    ):
        try:
            routed = json.loads(headers or "{}").get("_schema_name")
        except (ValueError, AttributeError):
            continue
        if routed == schema:
            doomed.append(pk)
    if doomed:
        PeriodicTask.objects.filter(pk__in=doomed).delete()
    return len(doomed)
