"""``/api/v1/`` routes; the root URLconf includes this as ``path("api/v1/", include(...))``."""

from django.urls import include, path, re_path
from rest_framework.routers import SimpleRouter

from mortar_api.webhooks.api import WebhookDeliveryViewSet, WebhookViewSet

from . import api, editor

app_name = "cms"

router = SimpleRouter()
router.register("pages", editor.PageEditorViewSet, basename="editor-page")
router.register("menu-items", editor.MenuItemViewSet, basename="editor-menuitem")
router.register("heroes", editor.HeroViewSet, basename="editor-hero")
router.register("partners", editor.PartnerViewSet, basename="editor-partner")
router.register("footer-links", editor.FooterLinkViewSet, basename="editor-footerlink")
router.register("redirects", editor.RedirectViewSet, basename="editor-redirect")
router.register("media", editor.MediaAssetViewSet, basename="editor-media")
router.register("contact-submissions", editor.ContactSubmissionViewSet, basename="editor-contact")
router.register("webhooks", WebhookViewSet, basename="editor-webhook")
router.register("webhook-deliveries", WebhookDeliveryViewSet, basename="editor-webhookdelivery")

settings_view = editor.SiteSettingsViewSet.as_view(
    {"get": "retrieve", "put": "update", "patch": "partial_update"}
)

urlpatterns = [
    path("site/", api.SiteView.as_view(), name="site"),
    path("pages/", api.PageListView.as_view(), name="page-list"),
    re_path(
        r"^pages/(?P<path>[-\w]+(?:/[-\w]+)*)/$", api.PageDetailView.as_view(), name="page-detail"
    ),
    path("home/", api.HomeView.as_view(), name="home"),
    path("page-view/", api.PageViewView.as_view(), name="page-view"),
    path("search/", api.SearchView.as_view(), name="search"),
    path("redirects/resolve/", api.RedirectResolveView.as_view(), name="redirect-resolve"),
    path("contact/", api.ContactView.as_view(), name="contact"),
    path("preview/<str:token>/", api.PreviewView.as_view(), name="preview"),
    path("editor/settings/", settings_view, name="editor-settings"),
    path("editor/", include(router.urls)),
    path("", include("mortar_api.accounts.urls")),  # auth/token/
    # Anything else under /api/v1/ is a JSON 404 whatever the root URLconf's handler404 is.
    re_path(r"^", api.NotFoundView.as_view(), name="not-found"),
]
