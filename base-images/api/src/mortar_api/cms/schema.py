"""OpenAPI descriptions (drf-spectacular) of the public JSON shapes in docs/contracts.md.

Documentation only: the views build their JSON in ``cms.public`` for speed.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema_field
from rest_framework import serializers as s

from .blocks.schema import PUBLIC_BLOCK_SCHEMA


class ErrorSchema(s.Serializer):
    detail = s.CharField()
    errors = s.DictField(child=s.ListField(child=s.CharField()))


class RenditionSchema(s.Serializer):
    width = s.IntegerField()
    url = s.CharField()


class ImageSchema(s.Serializer):
    url = s.CharField()
    alt = s.CharField()
    width = s.IntegerField()
    height = s.IntegerField()
    renditions = RenditionSchema(many=True)


class HeroSchema(s.Serializer):
    title = s.CharField()
    description = s.CharField()
    button_label = s.CharField()
    button_link = s.CharField()
    background_image = ImageSchema(allow_null=True)


class MenuItemSchema(s.Serializer):
    label = s.CharField()
    url = s.CharField()
    is_external = s.BooleanField()
    children = s.ListField(child=s.DictField(), help_text="MENU_ITEM objects, nested")


class LanguageSchema(s.Serializer):
    code = s.CharField()
    name = s.CharField()
    dir = s.ChoiceField(choices=["ltr", "rtl"])


class SocialLinkSchema(s.Serializer):
    network = s.CharField()
    url = s.CharField()


class SettingsSchema(s.Serializer):
    site_name = s.CharField()
    tagline = s.CharField()
    logo = ImageSchema(allow_null=True)
    seo_title = s.CharField()
    seo_description = s.CharField()
    contact_email = s.CharField()
    analytics_id = s.CharField()
    social_links = SocialLinkSchema(many=True)


class MenusSchema(s.Serializer):
    header = MenuItemSchema(many=True)
    footer = MenuItemSchema(many=True)


class PartnerSchema(s.Serializer):
    name = s.CharField()
    url = s.CharField()
    logo = ImageSchema(allow_null=True)


class FooterLinkSchema(s.Serializer):
    key = s.CharField()
    label = s.CharField()
    route = s.CharField()
    is_external = s.BooleanField()


class SiteSchema(s.Serializer):
    language = s.CharField()
    default_language = s.CharField()
    languages = LanguageSchema(many=True)
    settings = SettingsSchema()
    menus = MenusSchema()
    hero = HeroSchema(allow_null=True)
    partners = PartnerSchema(many=True)
    footer_links = FooterLinkSchema(many=True)
    home_path = s.CharField()


class PageLinkSchema(s.Serializer):
    title = s.CharField()
    path = s.CharField()


class SeoSchema(s.Serializer):
    title = s.CharField()
    description = s.CharField()
    image = ImageSchema(allow_null=True)


@extend_schema_field(PUBLIC_BLOCK_SCHEMA)
class BlockSchema(s.DictField):
    pass


class PageSchema(s.Serializer):
    id = s.IntegerField()
    title = s.CharField()
    slug = s.CharField()
    path = s.CharField()
    is_home = s.BooleanField()
    body = s.CharField(help_text="sanitised HTML")
    blocks = s.ListField(child=BlockSchema(), help_text="content blocks (after the body)")
    hero = HeroSchema(allow_null=True)
    seo = SeoSchema()
    breadcrumbs = PageLinkSchema(many=True)
    children = PageLinkSchema(many=True)
    published_at = s.DateTimeField(allow_null=True, help_text="null for a draft (preview)")
    updated_at = s.DateTimeField()


class PageViewSchema(s.Serializer):
    site = SiteSchema()
    page = PageSchema(allow_null=True, help_text="null: no published page at this path")


class PageListItemSchema(s.Serializer):
    id = s.IntegerField()
    title = s.CharField()
    path = s.CharField()
    is_home = s.BooleanField()
    updated_at = s.DateTimeField()


class PageListSchema(s.Serializer):
    count = s.IntegerField()
    results = PageListItemSchema(many=True)


class SearchResultSchema(s.Serializer):
    id = s.IntegerField()
    title = s.CharField()
    path = s.CharField()
    url = s.CharField(help_text="the page's language-neutral URL (`/` for the home page)")
    snippet = s.CharField(
        help_text="safe HTML: the page's text around the matches, escaped, each match in <mark>"
    )


class SearchSchema(s.Serializer):
    query = s.CharField()
    count = s.IntegerField(
        help_text="matching published pages, at most the site's cap (1,000 unless configured)"
    )
    count_exact = s.BooleanField(
        help_text="false: more pages match than `count`; only the first `count` found are "
        "ranked and paged"
    )
    page = s.IntegerField()
    pages = s.IntegerField(help_text="number of result pages (0 without results)")
    page_size = s.IntegerField()
    results = SearchResultSchema(many=True)


class RedirectSchema(s.Serializer):
    # "from" is a Python keyword: declared via the fields mapping
    to = s.CharField()
    status = s.IntegerField()

    def get_fields(self) -> dict:
        return {"from": s.CharField(), **super().get_fields()}


class ContactCreatedSchema(s.Serializer):
    id = s.IntegerField()
    detail = s.CharField()


LANG = OpenApiParameter(
    "lang",
    OpenApiTypes.STR,
    OpenApiParameter.QUERY,
    description="language code; wins over Accept-Language",
)
