"""GET /health/: database, cache, broker; any Host (probes use the pod IP), plain HTTP."""

import pytest


@pytest.mark.django_db
@pytest.mark.parametrize("host", ["10.1.2.3:8000", "a.apitest.localhost", "nobody.example"])
def test_health_ok_for_any_host(client, tenant_a, host):
    response = client.get("/health/", HTTP_HOST=host)
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "cache": "ok", "broker": "ok"},
    }
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_health_skips_https_redirect(client, settings, tenant_a):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/health/", HTTP_HOST="10.0.0.1").status_code == 200
    # everything else is redirected to https
    assert client.get("/admin/login/", HTTP_HOST="a.apitest.localhost").status_code == 301


@pytest.mark.django_db
def test_health_reports_a_dead_broker(client, settings, tenant_a):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/health/", HTTP_HOST="10.0.0.1")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == "ok" and body["checks"]["cache"] == "ok"
    assert body["checks"]["broker"].startswith("error: ")


@pytest.mark.django_db
def test_health_rejects_other_methods_like_any_unknown_host(client):
    response = client.post("/health/", HTTP_HOST="10.0.0.1")
    assert response.status_code == 404  # not answered early; no tenant owns the IP
