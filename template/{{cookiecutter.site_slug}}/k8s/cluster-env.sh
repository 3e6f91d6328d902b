#!/bin/sh
# Writes k8s/overlays/production/.env (git-ignored) from the site's .env, with the
# database and Redis hosts the cluster uses instead of 127.0.0.1. The overlay's
# secretGenerator turns that file into the site's Secret; nothing is committed.
#
# Usage: sh k8s/cluster-env.sh [POSTGRES_HOST[:PORT]] [REDIS_HOST[:PORT]]
# Defaults: the in-cluster services of the Mortar platform (shared-infra/k8s in the kit).
# An existing target file is replaced only with -f (it may hold hand edits).
set -eu
force=0
if [ "${1:-}" = "-f" ]; then force=1; shift; fi
pg=${1:-postgres.mortar-platform.svc.cluster.local:5432}
redis=${2:-redis.mortar-platform.svc.cluster.local:6379}
case $pg in *:*) ;; *) pg=$pg:5432 ;; esac
case $redis in *:*) ;; *) redis=$redis:6379 ;; esac
here=$(cd "$(dirname "$0")" && pwd)
src=$here/../.env
dst=$here/overlays/production/.env
if [ ! -f "$src" ]; then
  echo "error: $src not found (the site's .env is written when the site is generated)" >&2
  exit 1
fi
if [ -e "$dst" ] && [ "$force" != 1 ]; then
  echo "error: $dst exists; pass -f to replace it" >&2
  exit 1
fi
for name in DATABASE_URL REDIS_URL SECRET_KEY; do
  grep -q "^$name=" "$src" || { echo "error: $name missing from $src" >&2; exit 1; }
done
umask 077
# Only the host:port after the credentials changes; users, passwords, databases stay.
sed -e "s#^\(DATABASE_URL=[a-z0-9+]*://[^@]*@\)[^/]*#\1$pg#" \
    -e "s#^\(REDIS_URL=rediss*://[^@]*@\)[^/]*#\1$redis#" \
    "$src" > "$dst.tmp"
mv "$dst.tmp" "$dst"
echo "wrote $dst (DATABASE_URL host $pg, REDIS_URL host $redis)"
