from django.apps import AppConfig


class MediaConfig(AppConfig):
    name = "mortar_api.media"
    label = "media"
    verbose_name = "Media"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the rendition/cleanup handlers)
