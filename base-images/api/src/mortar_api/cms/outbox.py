"""A durable outbox for what a content change owes Redis when Redis is unreachable.

A save commits to PostgreSQL whatever Redis does. When the cache invalidation (the
generation bump) or a Celery enqueue (contact mail, renditions, webhooks) fails because
Redis - cache or broker - is down, the work is written here, an ``OutboxEntry`` in the
tenant's schema, and ``drain`` applies it once Redis answers: a background thread of the
process that wrote it (every 2 s), the next request of that process that finds Redis up,
and beat's per-tenant "cms: drain outbox" every 60 s (entries of a process that died).
Tasks sent from here are idempotent (``send_contact_email`` checks ``emailed_at``), so an
entry applied twice (a crash between send and delete) does no harm.

Celery's own retry does not help: it retries a task that ran, not a send to a broker that
is down (kombu's publish retry gives up within a second). django-celery-outbox (the
maintained package for this) replaces the Celery app, writes every task to one table and
needs its own relay daemon (``celery_outbox_relay``) per site; it does not cover the cache
invalidation, which is most of what a save owes Redis. Here: a row only when the send
failed, in the tenant's schema, drained by the beat and worker every site already runs.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

import redis
from django.db import connection, transaction
from kombu.exceptions import OperationalError as KombuOperationalError

log = logging.getLogger(__name__)

# What a send to a down broker or a write to a down cache raises.
REDIS_DOWN = (redis.RedisError, KombuOperationalError, ConnectionError, TimeoutError)

# Schemas this process left entries in: the next request there that finds Redis up drains,
# and so does a background thread of this process (every RETRY_EVERY seconds) - else other
# processes' caches, which cannot see the entries, would wait for beat (60 s).
_pending: set[str] = set()
RETRY_EVERY = 2.0
_retrier: threading.Thread | None = None
_retrier_lock = threading.Lock()


def _remember(schema: str) -> None:
    global _retrier
    _pending.add(schema)
    with _retrier_lock:
        if _retrier is None or not _retrier.is_alive():
            _retrier = threading.Thread(target=_retry_loop, name="outbox-retry", daemon=True)
            _retrier.start()


def _retry_loop() -> None:
    """Drain this process's pending schemas until none is left (Redis back)."""
    from django.db import close_old_connections
    from django_tenants.utils import schema_context

    while _pending:
        time.sleep(RETRY_EVERY)
        for schema in list(_pending):
            try:
                with schema_context(schema):
                    drain()
            except Exception:  # Redis or the database still down: the next round tries
                log.debug("outbox retry of %s failed", schema, exc_info=True)
            finally:
                close_old_connections()


def _schema() -> str:
    return getattr(connection, "schema_name", "public")


def record_invalidation(exc: BaseException) -> None:
    """Remember that the current schema's cache must be invalidated (one entry is enough)."""
    from .models import OutboxEntry

    log.warning("cache invalidation deferred to the outbox (%s): %s", _schema(), exc)
    if not OutboxEntry.objects.filter(kind=OutboxEntry.Kind.INVALIDATE).exists():
        OutboxEntry.objects.create(kind=OutboxEntry.Kind.INVALIDATE, last_error=str(exc)[:500])
    _remember(_schema())


def send_task(task: Any, *args: Any) -> None:
    """``task.delay(*args)``, or an outbox entry when the broker is unreachable."""
    from .models import OutboxEntry

    try:
        task.delay(*args)
    except REDIS_DOWN as exc:
        log.warning("task %s deferred to the outbox (%s): %s", task.name, _schema(), exc)
        OutboxEntry.objects.create(
            kind=OutboxEntry.Kind.TASK, task=task.name, args=list(args), last_error=str(exc)[:500]
        )
        _remember(_schema())


def send_on_commit(task: Any, *args: Any) -> None:
    """``send_task`` once the current transaction commits (nothing if it rolls back)."""
    transaction.on_commit(lambda: send_task(task, *args))


def _apply(entry: Any) -> None:
    from celery import current_app

    from .caching import bump_all

    if entry.kind == entry.Kind.INVALIDATE:
        bump_all()
    else:
        current_app.send_task(entry.task, args=entry.args, ignore_result=True)


def drain(limit: int = 500) -> int:
    """Apply the current schema's entries, oldest first; stop at the first Redis failure.

    Returns how many were applied. Concurrent drains skip each other's rows.
    """
    from .models import OutboxEntry

    done = 0
    while done < limit:
        with transaction.atomic():
            entry = OutboxEntry.objects.select_for_update(skip_locked=True).order_by("pk").first()
            if entry is None:
                _pending.discard(_schema())
                return done
            try:
                _apply(entry)
            except REDIS_DOWN as exc:
                entry.attempts += 1
                entry.last_error = str(exc)[:500]
                entry.save(update_fields=["attempts", "last_error"])
                return done
            entry.delete()
            done += 1
    return done


def has_pending() -> bool:
    """Whether this process left entries in any schema (the early cache path, which runs
    before the tenant is known, then lets the full stack answer, which drains them)."""
    return bool(_pending)


def drain_if_pending() -> bool:
    """Drain when this process left entries in the current schema (call once Redis works).

    True when something was applied: what the caller read from the cache may be stale.
    """
    if _schema() not in _pending:
        return False
    try:
        return drain() > 0
    except Exception:  # never fail the request that happened to find Redis back
        log.exception("outbox drain failed")
        return False
