"""Host -> tenant routing: unknown hosts get a JSON 404, never another tenant."""

import pytest
from django.db import connection
from mortar_api.tenancy.models import Domain, Tenant


def _assert_unknown(response):
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "Unknown host.", "errors": {}}


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/admin/login/", "/api/v1/site/", "/", "/api/schema/"])
def test_unknown_host_is_404_json_on_every_path(client, tenant_a, path):
    _assert_unknown(client.get(path, HTTP_HOST="unknown.apitest.localhost"))


@pytest.mark.django_db
def test_ip_and_default_host_are_not_a_tenant(client, tenant_a):
    _assert_unknown(client.get("/admin/login/", HTTP_HOST="127.0.0.1"))
    _assert_unknown(client.get("/admin/login/"))  # "testserver": no tenant owns it


@pytest.mark.django_db
def test_known_host_case_port_and_www_variants(client, tenant_a):
    for host in ["a.apitest.localhost", "A.ApiTest.LOCALHOST:8080", "www.a.apitest.localhost"]:
        response = client.get("/admin/login/", HTTP_HOST=host)
        assert response.status_code == 200, host
        assert response.wsgi_request.tenant.schema_name == "apitest_a"
    assert connection.schema_name == "apitest_a"


@pytest.mark.django_db
def test_www_is_not_implied(client, tenant_b):
    # only registered domains route; www.b is not one of b's domains
    _assert_unknown(client.get("/admin/login/", HTTP_HOST="www.b.apitest.localhost"))


@pytest.mark.django_db
def test_template_schema_is_never_served(client, tenant_a):
    template = Tenant.objects.get(is_template=True)
    Domain.objects.create(domain="template.apitest.localhost", tenant=template, is_primary=True)
    _assert_unknown(client.get("/admin/login/", HTTP_HOST="template.apitest.localhost"))


def test_domain_changes_apply_at_once(make_tenant, client):
    tenant = make_tenant(domains=["fresh.apitest.localhost"])
    assert client.get("/admin/login/", HTTP_HOST="fresh.apitest.localhost").status_code == 200
    # renamed: the old name stops at once (the cached lookup is invalidated), the new works
    domain = tenant.domains.get()
    domain.domain = "renamed.apitest.localhost"
    domain.save()
    _assert_unknown(client.get("/admin/login/", HTTP_HOST="fresh.apitest.localhost"))
    assert client.get("/admin/login/", HTTP_HOST="renamed.apitest.localhost").status_code == 200
    domain.delete()
    _assert_unknown(client.get("/admin/login/", HTTP_HOST="renamed.apitest.localhost"))


@pytest.mark.django_db
def test_allowed_hosts_is_not_a_wildcard(settings, tenant_a):
    from django.http import HttpRequest

    assert "*" not in list(settings.ALLOWED_HOSTS)
    request = HttpRequest()
    request.META = {"HTTP_HOST": "evil.example", "SERVER_PORT": "80"}
    from django.core.exceptions import DisallowedHost

    with pytest.raises(DisallowedHost):
        request.get_host()


@pytest.mark.django_db
def test_routing_survives_a_cache_outage(client, settings, tenant_a):
    dead = {**settings.CACHES["default"], "LOCATION": "redis://127.0.0.1:1/0"}
    settings.CACHES = {"default": dead}
    assert client.get("/admin/login/", HTTP_HOST="a.apitest.localhost").status_code == 200
    _assert_unknown(client.get("/admin/login/", HTTP_HOST="unknown.apitest.localhost"))
    health = client.get("/health/", HTTP_HOST="10.0.0.1")
    assert health.status_code == 503 and health.json()["checks"]["cache"].startswith("error")
