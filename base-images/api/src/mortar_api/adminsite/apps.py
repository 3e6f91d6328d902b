from django.apps import AppConfig


class AdminSiteConfig(AppConfig):
    name = "mortar_api.adminsite"
    label = "mortar_adminsite"
    verbose_name = "Admin site"

    def ready(self) -> None:
        from django.contrib import admin

        from .branding import lazy_site_name

        # Evaluated per render, in the request's tenant and language. A site may still set
        # its own titles (its code runs later).
        admin.site.site_header = admin.site.site_title = lazy_site_name
