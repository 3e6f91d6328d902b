from django.apps import AppConfig


class TenancyConfig(AppConfig):
    name = "mortar_api.tenancy"
    label = "tenancy"
    verbose_name = "Tenancy"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from mortar_api.tenancy import periodic, signals  # noqa: F401 - connects receivers

        periodic.connect()
