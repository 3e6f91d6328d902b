#!/bin/sh
# mortarcms/web-base entrypoint: `<role> [extra args]`; anything that is not a role is exec'd.
#   web          gunicorn on 0.0.0.0:$PORT (default 3000)
#   manage       mortar-web <args>
#   healthcheck  used by the image's HEALTHCHECK: GET /health/ on $PORT
# Settings come from the environment (DJANGO_SETTINGS_MODULE, MORTAR_API_URL, REDIS_URL, ...).
set -eu
role=${1:-web}
[ $# -gt 0 ] && shift

case $role in
  web)
    exec gunicorn "${MORTAR_WSGI_APP:-mortar_web.wsgi:application}" \
      --bind "0.0.0.0:${PORT:-3000}" --workers "${GUNICORN_WORKERS:-2}" \
      --timeout "${GUNICORN_TIMEOUT:-30}" --access-logfile - --forwarded-allow-ips "*" "$@" ;;
  manage)
    exec mortar-web "$@" ;;
  healthcheck)
    exec python3 -c 'import os, sys, urllib.request as u
r = u.Request("http://127.0.0.1:%s/health/" % os.environ.get("PORT", "3000"),
              headers={"Host": os.environ.get("MORTAR_HEALTH_HOST", "localhost")})
sys.exit(0 if u.urlopen(r, timeout=4).status == 200 else 1)' ;;
  *)
    exec "$role" "$@" ;;
esac
