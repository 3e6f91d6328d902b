"""URLs of the public site. Everything language-aware goes through `pages.dispatch`."""

from django.urls import path, re_path

from mortar_web.views import errors, health, pages, seo

urlpatterns = [
    path("health/", health.health, name="health"),
    path("robots.txt", seo.robots, name="robots"),
    path("sitemap.xml", seo.sitemap, name="sitemap"),
    path("favicon.ico", seo.favicon, name="favicon"),
    # "" (home), "about/team/", "ar/", "ar/about/", "contact/", "__preview/<token>/" ...
    # A trailing slash is required so CommonMiddleware's APPEND_SLASH redirects "about" → "about/".
    re_path(r"^(?:(?P<path>.+)/)?$", pages.dispatch, name="page"),
]

handler404 = errors.handler404
handler500 = errors.handler500
