"""Contact endpoint: validation, storage, throttling."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

GOOD = {"name": "Ada", "email": "ada@example.test", "message": "Hello there"}


def test_valid_submission_is_stored(tenant_a, in_tenant, client_for) -> None:
    from mortar_api.cms.models import ContactSubmission

    resp = client_for(tenant_a).post("/api/v1/contact/", GOOD, content_type="application/json")
    assert resp.status_code == 201
    body = resp.json()
    assert set(body) == {"id", "detail"}
    with in_tenant(tenant_a):
        sub = ContactSubmission.objects.get(pk=body["id"])
        assert (sub.name, sub.email, sub.subject, sub.language) == (
            "Ada",
            "ada@example.test",
            "",
            "en",
        )
        assert sub.ip_address == "127.0.0.1" and sub.emailed_at is None


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({**GOOD, "email": "not-an-email"}, "email"),
        ({"name": "Ada", "message": "hi there"}, "email"),
        ({**GOOD, "message": " "}, "message"),
        ({**GOOD, "message": "x" * 5001}, "message"),
        ({**GOOD, "name": ""}, "name"),
        ({**GOOD, "subject": "s" * 300}, "subject"),
    ],
)
def test_invalid_submission(tenant_a, in_tenant, client_for, payload: dict, field: str) -> None:
    from mortar_api.cms.models import ContactSubmission

    resp = client_for(tenant_a).post("/api/v1/contact/", payload, content_type="application/json")
    assert resp.status_code == 400
    assert field in resp.json()["errors"] and resp.json()["detail"]
    with in_tenant(tenant_a):
        assert not ContactSubmission.objects.exists()


def test_throttled_per_client_and_tenant(tenant_a, tenant_b, client_for, settings) -> None:
    settings.MORTAR_CONTACT_THROTTLE_RATE = "2/minute"
    a = client_for(tenant_a)
    codes = [
        a.post("/api/v1/contact/", GOOD, content_type="application/json").status_code
        for _ in range(3)
    ]
    assert codes == [201, 201, 429]
    throttled = a.post("/api/v1/contact/", GOOD, content_type="application/json")
    assert throttled.status_code == 429 and "throttled" in throttled.json()["detail"].lower()
    assert "Retry-After" in throttled
    # another client address, and the same address on another tenant, are not throttled
    other = client_for(tenant_a, REMOTE_ADDR="10.1.2.3")
    assert other.post("/api/v1/contact/", GOOD, content_type="application/json").status_code == 201
    b = client_for(tenant_b)
    assert b.post("/api/v1/contact/", GOOD, content_type="application/json").status_code == 201


def test_behind_a_proxy_the_forwarded_client_counts(
    tenant_a, in_tenant, client_for, settings
) -> None:
    from mortar_api.cms.models import ContactSubmission

    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    settings.MORTAR_CONTACT_THROTTLE_RATE = "1/minute"
    client = client_for(tenant_a)

    def post(ip: str) -> int:
        return client.post(
            "/api/v1/contact/", GOOD, content_type="application/json", HTTP_X_FORWARDED_FOR=ip
        ).status_code

    assert [post("203.0.113.5"), post("203.0.113.5"), post("198.51.100.7")] == [201, 429, 201]
    with in_tenant(tenant_a):
        ips = set(ContactSubmission.objects.values_list("ip_address", flat=True))
    assert ips == {"203.0.113.5", "198.51.100.7"}
