#!/bin/sh
# mortarcms/web-base entrypoint: `<role> [extra args]`; anything that is not a role is exec'd.
#   web          gunicorn on 0.0.0.0:$PORT (default 3000)
#   manage       mortar-web <args>
#   publish-files  Compose: $MORTAR_WEB_STATIC_ROOT to /srv/files/assets
#   healthcheck  the image's HEALTHCHECK: GET /health/ on $PORT (common/healthcheck.py)
# Settings come from the environment (DJANGO_SETTINGS_MODULE, MORTAR_API_URL, REDIS_URL, ...).
set -eu
role=${1:-web}
[ $# -gt 0 ] && shift

case $role in
  web)
    exec gunicorn "${MORTAR_WSGI_APP:-mortar_web.wsgi:application}" \
      --bind "0.0.0.0:${PORT:-3000}" --workers "${GUNICORN_WORKERS:-1}" \
      --threads "${GUNICORN_THREADS:-4}" \
      --timeout "${GUNICORN_TIMEOUT:-30}" --access-logfile - --forwarded-allow-ips "*" \
      --config python:mortar_web.gunicorn_conf "$@" ;;
  manage)
    exec mortar-web "$@" ;;
  publish-files)
    # Compose: copy the image's collected files to the shared nginx's files folder
    # (mounted at /srv/files; run as root once per deploy, see the site's compose.yml).
    exec python /usr/local/lib/mortar/publish_files.py "$MORTAR_WEB_STATIC_ROOT" assets "$@" ;;
  healthcheck)
    exec python /usr/local/lib/mortar/healthcheck.py 3000 ;;
  *)
    exec "$role" "$@" ;;
esac
