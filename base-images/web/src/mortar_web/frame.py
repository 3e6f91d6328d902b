"""The page frame (header, menus, hero, partners, footer, SEO) from one `/api/v1/site/` answer.

`build` assembles its parts: language switcher, navigation, SEO tags.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings

from mortar_web import routing, ui
from mortar_web.context import RequestContext


def _menu(items: list[dict[str, Any]], language: str, current: str) -> list[dict[str, Any]]:
    out = []
    for item in items or []:
        external = bool(item.get("is_external"))
        url = str(item.get("url") or "")
        href = url if external else routing.localise(url, language)
        children = _menu(item.get("children") or [], language, current)
        out.append(
            {
                "label": item.get("label", ""),
                "href": href,
                "is_external": external,
                "is_current": not external and href == current,
                "in_trail": any(c["is_current"] or c["in_trail"] for c in children),
                "children": children,
            }
        )
    return out


def _footer_links(links: list[dict[str, Any]], language: str) -> list[dict[str, Any]]:
    out = []
    for link in links or []:
        external = bool(link.get("is_external"))
        route = str(link.get("route") or "")
        out.append(
            {
                "key": link.get("key", ""),
                "label": link.get("label", ""),
                "href": route if external else routing.localise(route, language),
                "is_external": external,
            }
        )
    return out


def _languages(site: dict[str, Any] | None) -> dict[str, dict[str, str]]:
    """code → {name, dir}: the api's list where it has one, else what web knows."""
    known = {code: {"name": code, "dir": routing.direction(code)} for code in routing.languages()}
    for lang in (site or {}).get("languages") or []:
        code = str(lang.get("code", "")).lower()
        if code in known:
            known[code] = {
                "name": lang.get("name") or code,
                "dir": lang.get("dir") or routing.direction(code),
            }
    return known


@dataclass(frozen=True)
class PageMeta:
    """What the shown page adds to the frame's SEO tags (empty: the site's own)."""

    title: str = ""
    description: str = ""
    image: dict[str, Any] | None = None


NO_META = PageMeta()


def build(
    ctx: RequestContext,
    site: dict[str, Any] | None,
    page_path: str | None = None,
    meta: PageMeta = NO_META,
) -> dict[str, Any]:
    """Template context shared by every page. `site` may be None (api down, unknown host).

    `page_path` is the language-neutral path of what is shown ("" for home),
    or None for pages that exist in no language (404, 503): no canonical, no
    alternates, and the language switcher links to each language's home.
    """
    language = ctx.language
    settings_ = (site or {}).get("settings") or {}
    langs = _languages(site)
    return {
        "site": site,
        "site_settings": settings_,
        "site_name": settings_.get("site_name") or "",
        "lang": language,
        "dir": langs.get(language, {}).get("dir") or routing.direction(language),
        "home_url": routing.page_url("", language),
        "languages": _switcher(langs, language, page_path),
        **_navigation(site, language, ctx.request.path),
        "social_links": settings_.get("social_links") or [],
        "contact_url": routing.page_url(settings.MORTAR_WEB_CONTACT_PATH, language),
        "search_url": routing.page_url(settings.MORTAR_WEB_SEARCH_PATH, language),
        "search_query": "",  # the search page fills the header's box with the query
        "extra_css": getattr(settings, "MORTAR_WEB_EXTRA_CSS", []),
        "seo": _seo(ctx, settings_, langs, page_path, meta),
        "t": {key: ui.text(key, language) for key in ui.STRINGS["en"]},
    }


def _switcher(
    langs: dict[str, dict[str, str]], language: str, page_path: str | None
) -> list[dict[str, Any]]:
    """The language switcher: this page in each language (each home for a 404/503)."""
    path = page_path if page_path is not None else ""
    return [
        {
            "code": code,
            "name": info["name"],
            "dir": info["dir"],
            "href": routing.page_url(path, code),
            "is_current": code == language,
        }
        for code, info in langs.items()
    ]


def _navigation(site: dict[str, Any] | None, language: str, current: str) -> dict[str, Any]:
    """Menus, footer links and partners, with internal links in the page's language."""
    menus = (site or {}).get("menus") or {}
    return {
        "header_menu": _menu(menus.get("header") or [], language, current),
        "footer_menu": _menu(menus.get("footer") or [], language, current),
        "footer_links": _footer_links((site or {}).get("footer_links") or [], language),
        "partners": (site or {}).get("partners") or [],
    }


def _seo(
    ctx: RequestContext,
    settings_: dict[str, Any],
    langs: dict[str, dict[str, str]],
    page_path: str | None,
    meta: PageMeta,
) -> dict[str, Any]:
    """Title, description, canonical and hreflang alternates, og:image (absolute URLs)."""
    absolute = ctx.request.build_absolute_uri
    site_name = settings_.get("site_name") or ""
    title = meta.title or settings_.get("seo_title") or site_name
    if meta.title and site_name and meta.title != site_name:
        title = f"{meta.title} · {site_name}"
    canonical, alternates = "", []
    if page_path is not None:
        canonical = absolute(routing.page_url(page_path, ctx.language))
        alternates = [
            {"code": code, "href": absolute(routing.page_url(page_path, code))} for code in langs
        ]
        default = routing.page_url(page_path, routing.default_language())
        alternates.append({"code": "x-default", "href": absolute(default)})
    image = meta.image or settings_.get("logo")
    return {
        "title": title,
        "description": meta.description or settings_.get("seo_description") or "",
        "canonical": canonical,
        "alternates": alternates,
        "image": absolute(image["url"]) if image and image.get("url") else "",
        "locale": ctx.language.replace("-", "_"),
    }
