"""The site's URLs: its own endpoints first, then everything mortar-api serves."""

from django.urls import include, path

urlpatterns = [
    path("api/v1/notices/", include("site_apps.notices.urls")),
    path("", include("mortar_api.urls")),
]
