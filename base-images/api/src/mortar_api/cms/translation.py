"""django-modeltranslation: per-language columns (``title_en``, ``title_ar``...)."""

from modeltranslation.translator import TranslationOptions, register

from mortar_api.media.models import MediaAsset

from .models import FooterLink, Hero, MenuItem, Page, SiteSettings


@register(SiteSettings)
class SiteSettingsTR(TranslationOptions):
    fields = ("site_name", "tagline", "seo_title", "seo_description")


@register(Page)
class PageTR(TranslationOptions):
    fields = ("title", "body", "blocks", "seo_title", "seo_description")


@register(Hero)
class HeroTR(TranslationOptions):
    fields = ("title", "description", "button_label")


@register(MenuItem)
class MenuItemTR(TranslationOptions):
    fields = ("label",)


@register(FooterLink)
class FooterLinkTR(TranslationOptions):
    fields = ("label",)


@register(MediaAsset)
class MediaAssetTR(TranslationOptions):
    fields = ("alt",)
