"""The site's URLs: its own endpoints first, then everything mortar-api serves."""

from django.urls import include, path

# Django reads error handlers from the root URLconf only: JSON errors under /api/.
from mortar_api.urls import handler400, handler403, handler404, handler500  # noqa: F401

urlpatterns = [
    path("api/v1/notices/", include("site_apps.notices.urls")),
    path("", include("mortar_api.urls")),
]
