"""Keep the login logs bounded: failures and successful logins older than
``MORTAR_LOGIN_LOG_DAYS`` are deleted nightly, per tenant (current attempts, the lockout
counters, expire by themselves after the cool-off)."""

from __future__ import annotations

import logging

from axes.handlers.proxy import AxesProxyHandler
from celery import shared_task
from django.conf import settings
from django.db import connection

log = logging.getLogger(__name__)


@shared_task(acks_late=True)
def prune_login_logs() -> dict[str, int]:
    days = int(getattr(settings, "MORTAR_LOGIN_LOG_DAYS", 90))
    removed = {
        "access_logs": AxesProxyHandler.reset_logs(age_days=days),
        "failure_logs": AxesProxyHandler.reset_failure_logs(age_days=days),
    }
    log.info("login logs pruned", extra={"schema": connection.schema_name, **removed})
    return removed
