"""Root URLs of the base. A site's urls.py includes this module (see docs/extending.md)."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from mortar_api.health.views import health

# JSON errors under /api/, Django's pages elsewhere. A site's root URLconf re-exports these.
handler400 = "mortar_api.cms.errors.handler400"
handler403 = "mortar_api.cms.errors.handler403"
handler404 = "mortar_api.cms.errors.handler404"
handler500 = "mortar_api.cms.errors.handler500"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("mortar_api.cms.urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
    path("health/", health, name="health"),
]

if getattr(settings, "MORTAR_DEBUG_TOOLBAR", False):  # DEBUG only (settings.py)
    urlpatterns.insert(0, path("api/__debug__/", include("debug_toolbar.urls")))
