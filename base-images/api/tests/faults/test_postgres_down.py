"""PostgreSQL restarted under a running api: fast 503s while it is down, then recovery with
no restart of the api (persistent connections, CONN_HEALTH_CHECKS)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
import uuid

from conftest import admin_redis, start_api_server, stop_process

HOST = "a.apitest.localhost"


def _get(port: int, path: str, **headers: str) -> tuple[int, dict, str, float]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers={"Host": HOST, **headers}
    )
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, head, body = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        status, head, body = exc.code, dict(exc.headers), exc.read()
    return status, head, body.decode(errors="replace"), time.monotonic() - started


def test_postgres_restart_gives_fast_503s_then_recovers(
    private_postgres, committed_db, tenant_a, tmp_path
) -> None:
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django_tenants.utils import tenant_context
    from rest_framework.authtoken.models import Token

    with tenant_context(tenant_a):
        user = get_user_model().objects.filter(is_superuser=True).order_by("pk").first()
        token, _ = Token.objects.get_or_create(user=user)
    db = settings.DATABASES["default"]
    source = f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    copy = private_postgres.copy_database(source, db["NAME"])
    prefix = f"{settings.MORTAR_REDIS_PREFIX}_pg"  # nothing cached by other tests
    proc, port = start_api_server(
        tmp_path,
        MORTAR_TEST_DATABASE_URL=copy,
        MORTAR_TEST_CONN_MAX_AGE="60",
        MORTAR_TEST_REDIS_PREFIX=prefix,
    )
    editor = {"Authorization": f"Token {token.key}"}
    try:
        assert _get(port, "/api/v1/editor/pages/", **editor)[0] == 200  # a kept connection

        private_postgres.stop()  # -m fast: the gunicorn worker's connection is cut
        # a public page never asked for (a cached one may be served stale, which is fine)
        unseen = f"/api/v1/pages/never-{uuid.uuid4().hex[:8]}/"
        for path, auth in (("/api/v1/editor/pages/", editor), (unseen, {})):
            status, head, body, took = _get(port, path, **auth)
            assert status == 503, (path, status, body[:500])
            assert head["Retry-After"].isdigit() and took < 10
            assert json.loads(body)["detail"].startswith("The database is unavailable")
        status, head, body, _ = _get(port, "/admin/login/")
        assert status == 503 and "database is unavailable" in body

        private_postgres.start()  # same port and data
        status, _, body, _ = _get(port, "/api/v1/editor/pages/", **editor)
        assert status == 200, body[:500]  # the first request after the restart, no retry
        assert _get(port, "/api/v1/site/")[0] == 200
    finally:
        stop_process(proc)
        keys = list(admin_redis().scan_iter(f"{prefix}:*", count=1000))
        if keys:
            admin_redis().delete(*keys)
