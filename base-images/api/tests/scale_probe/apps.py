from django.apps import AppConfig


class ScaleProbeConfig(AppConfig):
    """A throwaway tenant app: adding it to the settings is "a new migration for every
    tenant" (tests/tenancy/test_scale.py and benchmarks/bench_tenants_scale.py)."""

    name = "scale_probe"
    default_auto_field = "django.db.models.BigAutoField"
