"""The page frame (header, menus, hero, partners, footer, SEO) from one `/api/v1/site/` answer."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from mortar_web import routing, ui


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


def build(
    request: HttpRequest,
    site: dict[str, Any] | None,
    language: str,
    page_path: str | None,
    title: str = "",
    description: str = "",
    image: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Template context shared by every page. `site` may be None (api down, unknown host).

    `page_path` is the language-neutral path of what is shown ("" for home),
    or None for pages that exist in no language (404, 503): no canonical, no
    alternates, and the language switcher links to each language's home.
    """
    settings_ = (site or {}).get("settings") or {}
    site_name = settings_.get("site_name") or ""
    langs = _languages(site)
    current = request.path
    switch_path = page_path if page_path is not None else ""
    switcher = [
        {
            "code": code,
            "name": info["name"],
            "dir": info["dir"],
            "href": routing.page_url(switch_path, code),
            "is_current": code == language,
        }
        for code, info in langs.items()
    ]
    alternates = []
    canonical = ""
    if page_path is not None:
        canonical = request.build_absolute_uri(routing.page_url(page_path, language))
        alternates = [
            {"code": code, "href": request.build_absolute_uri(routing.page_url(page_path, code))}
            for code in langs
        ]
        alternates.append(
            {
                "code": "x-default",
                "href": request.build_absolute_uri(
                    routing.page_url(page_path, routing.default_language())
                ),
            }
        )
    seo_title = title or settings_.get("seo_title") or site_name
    if title and site_name and title != site_name:
        seo_title = f"{title} · {site_name}"
    og_image = image or settings_.get("logo")
    menus = (site or {}).get("menus") or {}
    return {
        "site": site,
        "site_settings": settings_,
        "site_name": site_name,
        "lang": language,
        "dir": langs.get(language, {}).get("dir") or routing.direction(language),
        "home_url": routing.page_url("", language),
        "languages": switcher,
        "header_menu": _menu(menus.get("header") or [], language, current),
        "footer_menu": _menu(menus.get("footer") or [], language, current),
        "footer_links": _footer_links((site or {}).get("footer_links") or [], language),
        "partners": (site or {}).get("partners") or [],
        "social_links": settings_.get("social_links") or [],
        "contact_url": routing.page_url(settings.MORTAR_WEB_CONTACT_PATH, language),
        "extra_css": getattr(settings, "MORTAR_WEB_EXTRA_CSS", []),
        "seo": {
            "title": seo_title,
            "description": description or settings_.get("seo_description") or "",
            "canonical": canonical,
            "alternates": alternates,
            "image": request.build_absolute_uri(og_image["url"])
            if og_image and og_image.get("url")
            else "",
            "locale": language.replace("-", "_"),
        },
        "t": {key: ui.text(key, language) for key in ui.STRINGS["en"]},
    }
