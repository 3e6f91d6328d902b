"""Published pages: `/`, `/<path>/`, `/<lang>/...`, redirects and the preview of drafts."""

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
from mortar_web.api_client import ApiNotFound, Visitor
from mortar_web.http import private, public
from mortar_web.views import contact
from mortar_web.views.errors import SITE, frame_site, not_found
from mortar_web.views.render import render_page

PREVIEW = "__preview"
HOME = "/api/v1/home/"
REDIRECT_STATUSES = {301: HttpResponsePermanentRedirect, 302: HttpResponseRedirect}


def dispatch(request: HttpRequest, path: str = "") -> HttpResponse:
    """Every language-aware URL: split off the language, then page, contact or preview."""
    target = routing.parse(path)
    if target is None:
        return _page_not_found(request, routing.default_language())
    if target.prefixed and target.language == routing.default_language():
        # /en/about/ → /about/: one URL per page and language
        return public(HttpResponsePermanentRedirect(routing.page_url(target.path, target.language)))
    segments = target.segments
    if segments[:1] == [PREVIEW] and len(segments) == 2:
        return preview(request, target.language, segments[1])
    if target.path == settings.MORTAR_WEB_CONTACT_PATH:
        return contact.contact(request, target.language)
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    return page(request, target)


def _page_not_found(request: HttpRequest, language: str) -> HttpResponse:
    return not_found(request, language, frame_site(Visitor.from_request(request), language))


def page(request: HttpRequest, target: routing.Target) -> HttpResponse:
    """A published page (or the home page) inside the frame; 301 home_path to the root."""
    visitor = Visitor.from_request(request)
    language = target.language
    cached = pagecache.lookup(request, visitor.host, language)
    if cached.response is not None:
        cached.response["Content-Language"] = language
        return public(cached.response)
    segments = target.segments
    content_path = api_client.api_path("pages", *segments) if segments else HOME
    site, content = cache.fetch_many(
        visitor,
        language,
        [(SITE, None), (content_path, None)],
        negative=(False, True),
        known_generation=cached.generation,
    )
    if cache.missing(site):  # the api knows no tenant for this host
        return not_found(request, language, None, cacheable=False)
    home_path = str(site.get("home_path") or "").strip("/")
    if target.path and home_path and target.path == home_path:
        return public(HttpResponsePermanentRedirect(routing.page_url("", language)))
    if cache.missing(content):
        redirect = _redirect(request, visitor, target, cached.generation)
        if redirect is not None:
            return redirect
        response = not_found(request, language, site)
    else:
        response = public(render_page(request, site, content, language, target.path))
    pagecache.store(request, visitor.host, language, cached.generation, response)
    response["Content-Language"] = language
    return response


def _redirect(
    request: HttpRequest, visitor: Visitor, target: routing.Target, gen: int | None
) -> HttpResponse | None:
    """Ask the api's resolver about the visitor's path (then the language-neutral one)."""
    attempts = [(request.path, None)]
    if target.prefixed:
        attempts.append(
            (routing.page_url(target.path, routing.default_language()), target.language)
        )
    for path, relocalise in attempts:
        found = cache.fetch(
            visitor,
            target.language,
            "/api/v1/redirects/resolve/",
            {"path": path},
            known_generation=gen,  # read with the page lookup: no second GET of the counter
        )
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


def preview(request: HttpRequest, language: str, token: str) -> HttpResponse:
    """A draft by its signed token: straight from the api, never cached anywhere."""
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    visitor = Visitor.from_request(request)
    site = frame_site(visitor, language)
    try:
        draft = api_client.get(visitor, api_client.api_path("preview", token), {"lang": language})
    except ApiNotFound:
        return not_found(request, language, site, cacheable=False)
    if site is None:
        return not_found(request, language, None, cacheable=False)
    response = render_page(
        request, site, draft, language, str(draft.get("path") or ""), extra={"is_preview": True}
    )
    response["X-Robots-Tag"] = "noindex, nofollow"
    return private(response)
