#!/bin/sh
# mortarcms/api-base entrypoint: `<role> [extra args]`; anything that is not a role is exec'd.
#   api | worker | beat | migrate   python -m mortar_api.run <role> (one definition of each
#                                   role for the image, the Procfile and `mortar site up`);
#                                   api listens on 0.0.0.0:$PORT (default 8000)
#   manage <args>                   mortar-api <args> (Django management commands)
#   publish-files                   Compose: $STATIC_ROOT to /srv/files/static, media owner
#   healthcheck                     the image's HEALTHCHECK
# Settings come from the environment (DJANGO_SETTINGS_MODULE, DATABASE_URL, REDIS_URL, ...).
set -eu
role=${1:-api}
[ $# -gt 0 ] && shift
role_file=/tmp/mortar-role

case $role in
  api | worker | beat | migrate)
    echo "$role" > "$role_file" 2>/dev/null || true
    exec python -m mortar_api.run "$role" "$@" ;;
  manage)
    exec mortar-api "$@" ;;
  publish-files)
    # Compose: copy the image's collected files to the shared nginx's files folder
    # (mounted at /srv/files; run as root once per deploy, see the site's compose.yml).
    exec python /usr/local/lib/mortar/publish_files.py "$STATIC_ROOT" static --media-owner "$(id -u mortar):$(id -g mortar)" "$@" ;;
  healthcheck)
    # api: GET /health/ on our own port (db, cache, broker). worker/beat/migrate have no
    # port: a running process is their health here (compose/k8s may add `celery inspect ping`).
    if [ "$(cat "$role_file" 2>/dev/null || true)" != api ]; then exit 0; fi
    exec python /usr/local/lib/mortar/healthcheck.py 8000 ;;
  *)
    exec "$role" "$@" ;;
esac
