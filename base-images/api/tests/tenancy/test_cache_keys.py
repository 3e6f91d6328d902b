"""Cache keys are tenant-aware and start with the site's Redis prefix (ACL namespace)."""

import uuid

import pytest
from conftest import admin_redis, redis_prefix
from django.core.cache import cache
from django_tenants.utils import schema_context
from mortar_api.tenancy.cache import make_key


def test_key_layout_puts_prefix_first():
    with schema_context("apitest_a"):
        assert make_key("k", "acme", 1) == "acme:cache:apitest_a:1:k"
    with schema_context("public"):
        assert make_key("k", "acme", 3) == "acme:cache:public:3:k"


@pytest.mark.django_db
def test_tenants_do_not_see_each_others_cache(tenant_a, tenant_b):
    key = f"isolation-{uuid.uuid4().hex}"
    with schema_context("apitest_a"):
        cache.set(key, "from-a", 60)
        assert cache.get(key) == "from-a"
    with schema_context("apitest_b"):
        assert cache.get(key) is None
        cache.set(key, "from-b", 60)
    with schema_context("apitest_a"):
        assert cache.get(key) == "from-a"
    stored = {k.decode() for k in admin_redis().scan_iter(f"*{key}")}
    prefix = redis_prefix()
    assert stored == {f"{prefix}:cache:apitest_a:1:{key}", f"{prefix}:cache:apitest_b:1:{key}"}
    with schema_context("apitest_a"):
        cache.delete(key)
    with schema_context("apitest_b"):
        cache.delete(key)
