"""Process roles of a site: ``python -m mortar_api.run <role> [extra args]``.

  api      gunicorn (MORTAR_WSGI_APP, default mortar_api.wsgi:application) on $PORT (8000)
  worker   celery worker of MORTAR_CELERY_APP (default mortar_api.celery)
  beat     celery beat with django-celery-beat's DatabaseScheduler (exactly one per site)
  migrate  migrate_tenants (public, template, every tenant) + ensure_first_tenant

The image entrypoint, the Procfile and ``mortar site up`` all call this, so a role means
the same thing everywhere. Extra arguments go to the underlying program.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from mortar_contract import metrics

ROLES = ("api", "worker", "beat", "migrate")


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
            os.environ.get("GUNICORN_WORKERS", "2"),
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
        concurrency = os.environ.get("CELERY_CONCURRENCY", "2")
        return _celery(celery_app, "worker", "--concurrency", concurrency, *extra)
    if role == "beat":
        scheduler = "django_celery_beat.schedulers:DatabaseScheduler"
        return _celery(celery_app, "beat", "-S", scheduler, "--pidfile=", *extra)
    raise ValueError(f"unknown role {role!r}; expected one of {', '.join(ROLES)}")


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
    argv_ = command_for(role, extra)
    # exec: the server replaces this process, so signals from the supervisor reach it.
    # ``python -m`` of this interpreter: works in a venv that is not on PATH.
    os.execv(argv_[0], argv_)  # noqa: S606


if __name__ == "__main__":
    main()
