#!/bin/sh
# mortarcms/api-base entrypoint: `<role> [extra args]`; anything that is not a role is exec'd.
#   api      gunicorn on 0.0.0.0:$PORT (default 8000)
#   worker   celery worker            beat     celery beat (DatabaseScheduler; run exactly one)
#   migrate  migrate every schema, then create the first tenant if missing (idempotent)
#   manage   mortar-api <args>        healthcheck  used by the image's HEALTHCHECK
# Settings come from the environment (DJANGO_SETTINGS_MODULE, DATABASE_URL, REDIS_URL, ...).
set -eu
role=${1:-api}
[ $# -gt 0 ] && shift
celery_app=${MORTAR_CELERY_APP:-mortar_api.celery_app}
role_file=/tmp/mortar-role

case $role in
  api)
    echo api > "$role_file"
    exec gunicorn "${MORTAR_WSGI_APP:-mortar_api.wsgi:application}" \
      --bind "0.0.0.0:${PORT:-8000}" --workers "${GUNICORN_WORKERS:-2}" \
      --timeout "${GUNICORN_TIMEOUT:-30}" --access-logfile - --forwarded-allow-ips "*" "$@" ;;
  worker)
    echo worker > "$role_file"
    exec celery -A "$celery_app" worker --loglevel "${CELERY_LOGLEVEL:-info}" \
      --concurrency "${CELERY_CONCURRENCY:-2}" "$@" ;;
  beat)
    echo beat > "$role_file"
    # --pidfile= : no pid file (the app dir is read-only for the mortar user).
    exec celery -A "$celery_app" beat --loglevel "${CELERY_LOGLEVEL:-info}" \
      -S django_celery_beat.schedulers:DatabaseScheduler --pidfile= "$@" ;;
  migrate)
    mortar-api migrate_schemas --noinput
    exec mortar-api mortar_bootstrap "$@" ;;
  manage)
    exec mortar-api "$@" ;;
  healthcheck)
    # api: GET /health/ on our own port. worker/beat have no port: the process being up is
    # their health here (compose/k8s may run `celery inspect ping` instead).
    if [ "$(cat "$role_file" 2>/dev/null || true)" != api ]; then exit 0; fi
    exec python3 -c 'import os, sys, urllib.request as u
r = u.Request("http://127.0.0.1:%s/health/" % os.environ.get("PORT", "8000"),
              headers={"Host": os.environ.get("MORTAR_HEALTH_HOST", "localhost")})
sys.exit(0 if u.urlopen(r, timeout=4).status == 200 else 1)' ;;
  *)
    exec "$role" "$@" ;;
esac
