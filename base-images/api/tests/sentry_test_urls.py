"""mortar_api's URLs plus `/boom/`, a view that raises (tests/errortracking)."""

from django.urls import include, path


def boom(request):
    raise RuntimeError(f"boom for {request.get_host()}")


urlpatterns = [path("boom/", boom), path("", include("mortar_api.urls"))]
