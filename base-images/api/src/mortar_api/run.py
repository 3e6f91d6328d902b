"""Process roles of a site: ``python -m mortar_api.run <role> [extra args]``.

  api      gunicorn (MORTAR_WSGI_APP, default mortar_api.wsgi:application) on $PORT (8000):
           GUNICORN_WORKERS processes (1) of GUNICORN_THREADS threads (4)
  worker   celery worker of MORTAR_CELERY_APP (default mortar_api.celery): pool
           MORTAR_CELERY_POOL (threads | prefork | solo; threads), CELERY_CONCURRENCY (2)
  beat     celery beat with django-celery-beat's DatabaseScheduler (exactly one per site);
           MORTAR_BEAT=embedded runs it inside the worker instead (then this role refuses)
  migrate  migrate_tenants (public, template, every tenant) + ensure_first_tenant

The image entrypoint, the Procfile and ``mortar site up`` all call this, so a role means
the same thing everywhere. Extra arguments go to the underlying program.

The defaults suit a small site (one api process with threads, a threads pool): its idle
memory is about half that of two gunicorn workers and a prefork pool. A busy site raises
GUNICORN_WORKERS / CELERY_CONCURRENCY, and picks MORTAR_CELERY_POOL=prefork when it needs
Celery's hard time limits, which only the prefork pool enforces.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from mortar_contract import metrics

ROLES = ("api", "worker", "beat", "migrate")
CELERY_POOLS = ("threads", "prefork", "solo")
BEAT_MODES = ("separate", "embedded")


def command_for(role: str, extra: Sequence[str] = ()) -> list[str]:
    """The argv a role execs (``migrate`` runs in-process and has none)."""
    celery_app = os.environ.get("MORTAR_CELERY_APP", "mortar_api.celery")
    if role == "api":
        return [
            sys.executable,
            "-m",
            "gunicorn",
            os.environ.get("MORTAR_WSGI_APP", "mortar_api.wsgi:application"),
            "--bind",
            f"{os.environ.get('HOST', '0.0.0.0')}:{os.environ.get('PORT', '8000')}",  # noqa: S104
            "--workers",
            _count("GUNICORN_WORKERS", "1"),
            # gthread: one process serves GUNICORN_THREADS requests at once (Django is
            # thread-safe; each thread has its own database connection).
            "--threads",
            _count("GUNICORN_THREADS", "4"),
            "--timeout",
            os.environ.get("GUNICORN_TIMEOUT", "30"),
            "--access-logfile",
            "-",
            "--forwarded-allow-ips",
            os.environ.get("FORWARDED_ALLOW_IPS", "*"),
            # metrics hooks (mortar_contract.metrics): a no-op without a metrics port
            "--config",
            "python:mortar_api.gunicorn_conf",
            *extra,
        ]
    if role == "worker":
        embedded = ["--embedded-beat"] if beat_mode() == "embedded" else []
        return _celery(celery_app, "worker", *_pool_args(), *embedded, *extra)
    if role == "beat":
        if beat_mode() == "embedded":  # never a second scheduler beside the worker's
            raise ValueError(
                "MORTAR_BEAT=embedded: beat runs inside the worker; "
                "start no separate beat (or set MORTAR_BEAT=separate for both roles)"
            )
        scheduler = "django_celery_beat.schedulers:DatabaseScheduler"
        return _celery(celery_app, "beat", "-S", scheduler, "--pidfile=", *extra)
    raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")


def _count(name: str, default: str) -> str:
    """A positive whole number from the environment, or a clear error naming the setting."""
    value = os.environ.get(name, "").strip() or default
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{name} must be a whole number of 1 or more, not {value!r}")
    return value


def beat_mode() -> str:
    """MORTAR_BEAT: ``separate`` (a beat role of its own, the default) or ``embedded``."""
    mode = os.environ.get("MORTAR_BEAT", "").strip() or "separate"
    if mode not in BEAT_MODES:
        raise ValueError(f"MORTAR_BEAT must be one of {', '.join(BEAT_MODES)}, not {mode!r}")
    return mode


def _pool_args() -> list[str]:
    pool = os.environ.get("MORTAR_CELERY_POOL", "").strip() or "threads"
    if pool not in CELERY_POOLS:
        raise ValueError(
            f"MORTAR_CELERY_POOL must be one of {', '.join(CELERY_POOLS)}, not {pool!r}"
        )
    if pool == "solo":  # one task at a time in the worker process itself
        return ["--pool", "solo"]
    return ["--pool", pool, "--concurrency", _count("CELERY_CONCURRENCY", "2")]


def _celery(app: str, program: str, *args: str) -> list[str]:
    loglevel = os.environ.get("CELERY_LOGLEVEL", "info")
    return [sys.executable, "-m", "celery", "-A", app, program, "--loglevel", loglevel, *args]


def migrate(extra: Sequence[str] = ()) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mortar_api.settings")
    import django
    from django.conf import settings
    from django.core.management import call_command

    django.setup()
    call_command("migrate_tenants", *extra)
    if settings.MORTAR_DOMAINS:
        call_command("ensure_first_tenant")
    else:
        print("MORTAR_DOMAINS is empty: no first tenant created")


def main(argv: Sequence[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in ROLES:
        sys.exit(f"usage: python -m mortar_api.run {{{'|'.join(ROLES)}}} [args...]")
    role, extra = args[0], args[1:]
    os.environ["MORTAR_ROLE"] = role  # inherited by the exec'd server: error reports' role tag
    if role == "migrate":
        migrate(extra)
        return
    if role in ("api", "worker"):
        # before the exec'd server imports prometheus_client and forks its workers
        try:
            metrics.prepare(role)
        except metrics.MetricsConfigError as exc:
            sys.exit(f"mortar_api.run {role}: {exc}")
    try:
        argv_ = command_for(role, extra)
    except ValueError as exc:  # a bad setting: say which, not a traceback
        sys.exit(f"mortar_api.run {role}: {exc}")
    # exec: the server replaces this process, so signals from the supervisor reach it.
    # ``python -m`` of this interpreter: works in a venv that is not on PATH.
    os.execv(argv_[0], argv_)  # noqa: S606


if __name__ == "__main__":
    main()
