"""Published pages: `/`, `/<path>/`, `/<lang>/...`, redirects and the preview of drafts
(and the contact form and search page at their paths)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseNotAllowed,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)

from mortar_web import api_client, cache, pagecache, routing
from mortar_web.api_client import ApiNotFound
from mortar_web.context import RequestContext
from mortar_web.http import private, public
from mortar_web.views import contact, search
from mortar_web.views.errors import not_found
from mortar_web.views.render import render_page

PREVIEW = "__preview"
HOME = "/api/v1/home/"
REDIRECT_STATUSES = {301: HttpResponsePermanentRedirect, 302: HttpResponseRedirect}


def dispatch(request: HttpRequest, path: str = "") -> HttpResponse:
    """Every language-aware URL: split off the language, then page, contact or preview."""
    target = routing.parse(path)
    if target is None:
        ctx = RequestContext.of(request, routing.default_language())
        return not_found(ctx, ctx.site())
    if target.prefixed and target.language == routing.default_language():
        # /en/about/ → /about/: one URL per page and language
        return public(HttpResponsePermanentRedirect(routing.page_url(target.path, target.language)))
    ctx = RequestContext.of(request, target.language)
    segments = target.segments
    if segments[:1] == [PREVIEW] and len(segments) == 2:
        return preview(ctx, segments[1])
    if target.path == settings.MORTAR_WEB_CONTACT_PATH:
        return contact.contact(ctx)
    if target.path == settings.MORTAR_WEB_SEARCH_PATH:
        return search.search(ctx)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return page(ctx, target)


def page(ctx: RequestContext, target: routing.Target) -> HttpResponse:
    """A published page (or the home page) inside the frame; 301 home_path to the root."""
    cached = pagecache.lookup(ctx)  # also tells ctx the generation
    if cached is not None:
        cached["Content-Language"] = ctx.language
        return public(cached)
    segments = target.segments
    content_path = api_client.api_path("pages", *segments) if segments else HOME
    site, content = ctx.fetch_page(content_path, "/".join(segments))
    if cache.missing(site):  # the api knows no tenant for this host
        return not_found(ctx, None, cacheable=False)
    ctx.use_site(site)
    home_path = str(site.get("home_path") or "").strip("/")
    if target.path and home_path and target.path == home_path:
        return public(HttpResponsePermanentRedirect(routing.page_url("", ctx.language)))
    if cache.missing(content):
        redirect = _redirect(ctx, target)
        if redirect is not None:
            return redirect
        response = not_found(ctx, site)
    else:
        response = public(render_page(ctx, site, content, target.path))
    pagecache.store(ctx, response)
    response["Content-Language"] = ctx.language
    return response


def _redirect(ctx: RequestContext, target: routing.Target) -> HttpResponse | None:
    """Ask the api's resolver about the visitor's path (then the language-neutral one)."""
    attempts = [(ctx.request.path, None)]
    if target.prefixed:
        attempts.append(
            (routing.page_url(target.path, routing.default_language()), target.language)
        )
    for path, relocalise in attempts:
        found = ctx.fetch("/api/v1/redirects/resolve/", {"path": path})
        if cache.missing(found) or not isinstance(found, dict):
            continue
        to = str(found.get("to") or "")
        parts = urlsplit(to)
        if parts.scheme not in ("", "http", "https") or not (parts.scheme or to.startswith("/")):
            continue  # javascript:, relative junk: not a place to send a visitor
        if relocalise and not parts.scheme:
            to = routing.localise(to, relocalise)
        status = int(found.get("status") or 301)
        response_class = REDIRECT_STATUSES.get(status, HttpResponsePermanentRedirect)
        return public(response_class(to))
    return None


def preview(ctx: RequestContext, token: str) -> HttpResponse:
    """A draft by its signed token: straight from the api, never cached anywhere."""
    if ctx.request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    site = ctx.site()
    try:
        path = api_client.api_path("preview", token)
        draft = api_client.get(ctx.visitor, path, {"lang": ctx.language})
    except ApiNotFound:
        return not_found(ctx, site, cacheable=False)
    if site is None:
        return not_found(ctx, None, cacheable=False)
    response = render_page(
        ctx, site, draft, str(draft.get("path") or ""), extra={"is_preview": True}
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    return private(response)
