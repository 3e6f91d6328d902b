"""`/sitemap.xml` (published pages x languages, hreflang alternates), `/robots.txt` and
`/favicon.ico`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.templatetags.static import static

from mortar_web import cache, routing
from mortar_web.context import RequestContext
from mortar_web.http import public
from mortar_web.views.errors import not_found

PAGES = "/api/v1/pages/"
MAX_LIST_PAGES = 100  # 100 x 1000 pages: far beyond a brochure site


def published_pages(ctx: RequestContext) -> list[dict[str, Any]] | None:
    """All published pages (following `?page=` past 1000); None for an unknown host."""
    pages: list[dict[str, Any]] = []
    for number in range(1, MAX_LIST_PAGES + 1):
        params = {"page": str(number)} if number > 1 else None
        batch = ctx.fetch(PAGES, params)
        if cache.missing(batch):
            return None if number == 1 else pages
        results = batch.get("results") or []
        pages.extend(results)
        if not results or len(pages) >= int(batch.get("count") or 0):
            break
    return pages


def sitemap(request: HttpRequest) -> HttpResponse:
    ctx = RequestContext.of(request, routing.default_language())
    pages = published_pages(ctx)
    if pages is None:
        return not_found(ctx, None, cacheable=False)
    urls = []
    for item in pages:
        path = "" if item.get("is_home") else str(item.get("path") or "").strip("/")
        alternates = [
            {"code": code, "href": request.build_absolute_uri(routing.page_url(path, code))}
            for code in routing.languages()
        ]
        for alt in alternates:
            urls.append(
                {
                    "loc": alt["href"],
                    "lastmod": item.get("updated_at") or "",
                    "alternates": alternates,
                }
            )
    body = render_to_string("mortar_web/sitemap.xml", {"urls": urls})
    return public(HttpResponse(body, content_type="application/xml; charset=utf-8"))


def robots(request: HttpRequest) -> HttpResponse:
    body = render_to_string(
        "mortar_web/robots.txt", {"sitemap_url": request.build_absolute_uri("/sitemap.xml")}
    )
    return public(HttpResponse(body, content_type="text/plain; charset=utf-8"))


FAVICON = "mortar_web/img/favicon.svg"


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask `/favicon.ico` of pages without an icon link (the admin's): send them to
    the site's icon (a static file a site overrides by shipping its own under that name)."""
    return public(HttpResponseRedirect(static(FAVICON)))
