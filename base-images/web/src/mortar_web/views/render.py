"""Rendering one page of content inside the site frame: shared by pages, preview and contact."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from mortar_web import frame, routing


def render_page(
    request: HttpRequest,
    site: dict[str, Any],
    content: dict[str, Any],
    language: str,
    page_path: str,
    template: str = "mortar_web/page.html",
    status: int = 200,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """A page's content inside the site frame (published page, preview, contact form)."""
    seo = content.get("seo") or {}
    hero = content.get("hero") or (site.get("hero") if content.get("is_home") else None)
    if hero and hero.get("button_link"):  # an internal link stays in the page's language
        hero = {**hero, "button_link": routing.localise(hero["button_link"], language)}
    context = frame.build(
        request,
        site,
        language,
        page_path,
        title=seo.get("title") or content.get("title", ""),
        description=seo.get("description") or "",
        image=seo.get("image") or (hero or {}).get("background_image"),
    )
    context.update(
        {
            "page": content,
            "hero": hero,
            "breadcrumbs": [
                {"title": b.get("title", ""), "href": routing.page_url(b.get("path", ""), language)}
                for b in content.get("breadcrumbs") or []
            ],
            "children": [
                {"title": c.get("title", ""), "href": routing.page_url(c.get("path", ""), language)}
                for c in content.get("children") or []
            ],
        }
    )
    context.update(extra or {})
    return render(request, template, context, status=status)
