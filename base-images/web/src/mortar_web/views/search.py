"""`/search/` (`/ar/search/`...): the api's ranked results (GET /api/v1/search/) in the frame.

The search box of the default header sends `?q=` here. Responses are public (no
per-visitor content) but not in the page cache, which is keyed by path alone; the api
answers come through web's api cache, keyed by query and content generation.
"""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpResponse, HttpResponseNotAllowed
from django.shortcuts import render
from django.utils.safestring import SafeString, mark_safe

from mortar_web import cache, frame, routing, ui
from mortar_web.api_client import ApiValidationError
from mortar_web.context import SITE, RequestContext
from mortar_web.http import public
from mortar_web.views.errors import not_found

SEARCH = "/api/v1/search/"
MAX_QUERY = 200  # the api's own limit: longer is its 400, shown as the message
_MARK = re.compile(r"(</?mark>)")
_PAGE = re.compile(r"[0-9]{1,6}")


def snippet_html(snippet: str) -> SafeString:
    """The api's snippet (escaped text, matches in <mark>) made safe again here: any other
    markup is shown as text, whatever the api sent."""
    out = []
    for part in _MARK.split(snippet or ""):
        out.append(part if _MARK.fullmatch(part) else html.escape(html.unescape(part)))
    text = "".join(out)
    if text.count("<mark>") != text.count("</mark>"):  # unbalanced: marks as text too
        text = html.escape(html.unescape(snippet or ""))
    return mark_safe(text)  # noqa: S308 - escaped above, only <mark> kept


def search(ctx: RequestContext) -> HttpResponse:
    """The search form and, for `?q=`, one page of results (10 per page, the api's)."""
    request, language = ctx.request, ctx.language
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    query = " ".join(request.GET.get("q", "").split())
    raw_page = request.GET.get("page", "1")
    number = int(raw_page) if _PAGE.fullmatch(raw_page) and int(raw_page) > 0 else 1
    calls: list[tuple[str, dict[str, str] | None]] = [(SITE, None)]
    if query:
        calls.append((SEARCH, {"q": query, "page": str(number)}))
    error, found, status = "", None, 200
    try:  # the frame's 404 (unknown host) is never cached; a page past the last one is
        fetched = ctx.fetch_many(calls, negative=(False, True)[: len(calls)])
    except ApiValidationError as exc:  # too long: the api says so
        fetched = [ctx.site()]
        error = "; ".join(m for msgs in exc.errors.values() for m in msgs) or exc.detail
        status = 400
    site = fetched[0]
    if site is None or cache.missing(site):
        return not_found(ctx, None, cacheable=False)
    ctx.use_site(site)
    if len(fetched) > 1:
        found = fetched[1]
        if cache.missing(found):  # a page past the last one
            return not_found(ctx, site)
    search_path = settings.MORTAR_WEB_SEARCH_PATH
    meta = frame.PageMeta(title=ui.text("search", language))
    context = frame.build(ctx, site, search_path, meta)
    context.update(
        {
            "search_query": query,
            "search_error": error,
            "search": _results(found, language, query) if found else None,
            "search_heading": (
                ui.text("search_results", language) % query
                if query
                else ui.text("search", language)
            ),
        }
    )
    response = render(request, "mortar_web/search.html", context, status=status)
    response["Content-Language"] = language
    return public(response)


def _results(found: dict[str, Any], language: str, query: str) -> dict[str, Any]:
    """The api's answer for the template: links in the visitor's language, safe snippets."""
    number, pages = int(found.get("page") or 1), int(found.get("pages") or 0)
    path = routing.page_url(settings.MORTAR_WEB_SEARCH_PATH, language)

    def link(n: int) -> str:
        return path + "?" + urlencode({"q": query, **({"page": n} if n > 1 else {})})

    count = int(found.get("count") or 0)
    if found.get("count_exact", True):
        count_text = ui.count_text("search_count", language, count)
    else:  # the api ranks and counts only its first matches: "More than 1,000 pages found"
        count_text = ui.text("search_count_more", language) % f"{count:,}"
    return {
        "count": count,
        "count_text": count_text,
        "page_of": ui.text("search_page_of", language) % (number, pages),
        "page": number,
        "pages": pages,
        "previous": link(number - 1) if number > 1 else "",
        "next": link(number + 1) if number < pages else "",
        "results": [
            {
                "title": r.get("title") or "",
                "href": routing.localise(str(r.get("url") or "/"), language),
                "snippet": snippet_html(str(r.get("snippet") or "")),
            }
            for r in found.get("results") or []
        ],
    }
