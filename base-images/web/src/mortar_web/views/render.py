"""Rendering one page of content inside the site frame: shared by pages, preview and contact."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.shortcuts import render

from mortar_web import frame, routing
from mortar_web.context import RequestContext


def render_page(
    ctx: RequestContext,
    site: dict[str, Any],
    content: dict[str, Any],
    page_path: str,
    *,
    template: str = "mortar_web/page.html",
    status: int = 200,
    extra: dict[str, Any] | None = None,
) -> HttpResponse:
    """A page's content inside the site frame (published page, preview, contact form)."""
    language = ctx.language
    seo = content.get("seo") or {}
    hero = content.get("hero") or (site.get("hero") if content.get("is_home") else None)
    if hero and hero.get("button_link"):  # an internal link stays in the page's language
        hero = {**hero, "button_link": routing.localise(hero["button_link"], language)}
    meta = frame.PageMeta(
        title=seo.get("title") or content.get("title", ""),
        description=seo.get("description") or "",
        image=seo.get("image") or (hero or {}).get("background_image"),
    )
    context = frame.build(ctx, site, page_path, meta)
    context.update(
        {
            "page": content,
            "hero": hero,
            "breadcrumbs": _links(content.get("breadcrumbs"), language),
            "children": _links(content.get("children"), language),
        }
    )
    context.update(extra or {})
    return render(ctx.request, template, context, status=status)


def _links(items: list[dict[str, Any]] | None, language: str) -> list[dict[str, str]]:
    return [
        {"title": i.get("title", ""), "href": routing.page_url(i.get("path", ""), language)}
        for i in items or []
    ]
