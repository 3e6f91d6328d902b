"""A task for the embedded-beat test: counts its runs under a key (Redis, atomic)."""

from celery import shared_task
from django.core.cache import cache


@shared_task(name="beat_probe.count")
def count(key: str) -> int:
    cache.add(key, 0, timeout=600)
    return cache.incr(key)
