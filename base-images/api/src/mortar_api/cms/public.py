"""The public JSON shapes of docs/contracts.md, built from models (active language applies)."""

from __future__ import annotations

from django.db.models import Model, QuerySet, Subquery

from mortar_api.media.serializers import image_data

from .blocks.output import public_blocks
from .languages import SUPPORTED_LANGUAGES, default_language, language_list
from .models import FooterLink, Hero, MenuItem, Page, Partner, SiteSettings
from .search import search


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def hero_data(hero: Hero | None) -> dict | None:
    if hero is None:
        return None
    return {
        "title": hero.title or "",
        "description": hero.description or "",
        "button_label": hero.button_label or "",
        "button_link": hero.button_link or "",
        "background_image": image_data(hero.background_image),
    }


def page_url(path: str) -> str:
    return f"/{path}/" if path else "/"


def _menu_tree(items: list[MenuItem]) -> list[dict]:
    by_parent: dict[int | None, list[MenuItem]] = {}
    for item in items:
        by_parent.setdefault(item.parent_id, []).append(item)

    def build(parent_id: int | None) -> list[dict]:
        out = []
        for item in by_parent.get(parent_id, []):
            if item.page_id:
                if item.page is None or not item.page.is_published:
                    continue  # a link to a draft page is hidden, with its sub-items
                url, external = ("/" if item.page.is_home else page_url(item.page.path)), False
            else:
                url = item.url
                external = "://" in url or url.startswith(("mailto:", "tel:"))
            out.append(
                {
                    "label": item.label or "",
                    "url": url,
                    "is_external": external,
                    "children": build(item.pk),
                }
            )
        return out

    return build(None)


def single(rows: QuerySet[Model]) -> Model | None:
    """The one row a filter on a unique key finds, or None: ``first()`` without its ORDER BY,
    whose compilation over a wide select (every language's columns, joined images) cost
    more CPU than running the query."""
    return next(iter(rows.order_by()[:1]), None)


def site_data(lang: str) -> dict:
    home = Page.objects.published().filter(is_home=True).order_by().values("path")[:1]  # unique
    # the home page's path rides on the settings row's query (one round trip less)
    settings_obj = single(
        SiteSettings.objects.select_related("logo", "hero__background_image")
        .annotate(home_path=Subquery(home))
        .filter(pk=1)
    )
    if settings_obj is None:  # no settings saved yet: defaults, and the home page on its own
        settings_obj = SiteSettings()
        settings_obj.home_path = next((row["path"] for row in home), None)
    # of a linked page only what a menu shows: not its bodies and blocks in every language
    items = list(
        MenuItem.objects.select_related("page")
        .only("location", "parent", "label", "url", "page__path", "page__is_home", "page__status")
        .order_by("order", "id")
    )
    return {
        "language": lang,
        "default_language": default_language(),
        "languages": language_list(),
        "settings": {
            "site_name": settings_obj.site_name or "",
            "tagline": settings_obj.tagline or "",
            "logo": image_data(settings_obj.logo),
            "seo_title": settings_obj.seo_title or "",
            "seo_description": settings_obj.seo_description or "",
            "contact_email": settings_obj.contact_email or "",
            "analytics_id": settings_obj.analytics_id or "",
            "social_links": [
                {"network": str(i.get("network", "")), "url": str(i.get("url", ""))}
                for i in settings_obj.social_links or []
                if isinstance(i, dict)
            ],
        },
        "menus": {
            loc: _menu_tree([i for i in items if i.location == loc])
            for loc in MenuItem.Location.values
        },
        "hero": hero_data(settings_obj.hero),
        "partners": [
            {"name": p.name, "url": p.url, "logo": image_data(p.logo)}
            for p in Partner.objects.select_related("logo")
        ],
        "footer_links": [
            {"key": f.key, "label": f.label or "", "route": f.route, "is_external": f.is_external}
            for f in FooterLink.objects.all()
        ],
        "home_path": settings_obj.home_path or "",
    }


def page_list_item(page: Page) -> dict:
    return {
        "id": page.pk,
        "title": page.title or "",
        "path": page.path,
        "is_home": page.is_home,
        "updated_at": _iso(page.updated_at),
    }


LINK_FIELDS = ("title", "path")  # a breadcrumb or child link (modeltranslation adds title_<lang>)


def breadcrumbs(page: Page) -> list[Page]:
    """The page's ancestors, root first, in one query whatever the depth: their paths are
    the prefixes of the page's own (``about/team/x`` → ``about``, ``about/team``)."""
    if not page.parent_id:
        return []
    parts = page.path.split("/")[:-1]
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    found = {p.path: p for p in Page.objects.filter(path__in=prefixes).only(*LINK_FIELDS)}
    return [found[p] for p in prefixes if p in found]


def page_data(page: Page, *, published_only: bool = True) -> dict:
    # "parent" too: the related manager sets each child's parent, which would read a
    # deferred parent_id with one query per child
    children = page.children.order_by("order", "path").only(*LINK_FIELDS, "parent")
    if published_only:
        children = children.published()
    crumbs = breadcrumbs(page)
    return {
        "id": page.pk,
        "title": page.title or "",
        "slug": page.slug,
        "path": page.path,
        "is_home": page.is_home,
        "body": page.body or "",
        "blocks": public_blocks(page.blocks),
        "hero": hero_data(page.hero),
        "seo": {
            "title": page.seo_title or page.title or "",
            "description": page.seo_description or "",
            "image": image_data(page.seo_image),
        },
        "breadcrumbs": [{"title": c.title or "", "path": c.path} for c in crumbs],
        "children": [{"title": c.title or "", "path": c.path} for c in children],
        "published_at": _iso(page.published_at),
        "updated_at": _iso(page.updated_at),
    }


def _result_fields(lang: str) -> list[str]:
    """The columns a search result reads: its titles (a missing one falls back to another
    language), path, and the texts of ``lang`` its snippet is cut from; not the bodies and
    blocks of the other languages (fetching and decoding them made the fetch take 1.6x as long)."""
    suffix = lang.replace("-", "_")
    wanted = [
        "path",
        "is_home",
        *(f"title_{code.replace('-', '_')}" for code in SUPPORTED_LANGUAGES),
        *(f"{name}_{suffix}" for name in ("seo_description", "body", "blocks")),
    ]
    known = {f.attname for f in Page._meta.concrete_fields}
    return [name for name in wanted if name in known]


def search_data(text: str, lang: str, number: int, size: int) -> dict | None:
    """A page of search results (None past the last page; page 1 always exists)."""
    pages = Page.objects.published().only(*_result_fields(lang))
    found = search(pages, text, lang, (number - 1) * size, size)
    if number > 1 and not found.pages:
        return None
    return {
        "query": text,
        "count": found.count,
        "count_exact": not found.more,
        "page": number,
        "pages": -(-found.count // size),
        "page_size": size,
        "results": [
            {
                "id": p.pk,
                "title": p.title or "",
                "path": p.path,
                "url": "/" if p.is_home else page_url(p.path),
                "snippet": snippet,
            }
            for p, snippet in zip(found.pages, found.snippets, strict=True)
        ],
    }


PAGE_RELATED = ("hero__background_image", "seo_image")
