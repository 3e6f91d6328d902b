"""Sample bilingual (en/ar) content for the demo site; run in the site venv.

Usage: `<site>/.venv/bin/python demo_content.py <schema>` with the site's
DJANGO_SETTINGS_MODULE and .env set.

Safe to run again whatever editors did since: it only adds what is missing (found by a
stable key: page path, hero name, partner name, footer-link key, menu location + page)
and never changes what an editor touched. The one thing it replaces is content nobody
edited: the welcome page a new tenant starts with (and its own earlier output), told
apart by its revisions, which then have no author and only the seed's notes.
"""

import sys

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.db import transaction  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402
from mortar_api.cms.models import (  # noqa: E402
    FooterLink,
    Hero,
    MenuItem,
    Page,
    Partner,
    SiteSettings,
)
from mortar_api.cms.welcome import WELCOME_NOTE  # noqa: E402

NOTE = "demo content"
PUBLISHED = Page.Status.PUBLISHED
PAGES = [
    # (path, parent path, title en, title ar, body en, body ar, is_home, order)
    ("home", None, "Welcome", "أهلاً وسهلاً",
     "<p>Mortar serves many sites from one shared stack. This demo is one of them.</p>",
     "<p>يخدم Mortar مواقع كثيرة من منصة واحدة مشتركة. هذا العرض أحدها.</p>", True, 0),
    ("about", None, "About us", "من نحن",
     "<p>We build websites that editors love to update.</p>",
     "<p>نبني مواقع يحب المحررون تحديثها.</p>", False, 1),
    ("about/team", "about", "Our team", "فريقنا",
     "<p>Designers, developers and writers.</p>",
     "<p>مصممون ومطورون وكتّاب.</p>", False, 0),
    ("services", None, "Services", "خدماتنا",
     "<ul><li>Websites</li><li>Hosting</li><li>Support</li></ul>",
     "<ul><li>مواقع</li><li>استضافة</li><li>دعم</li></ul>", False, 2),
    ("contact", None, "Contact", "اتصل بنا",
     "<p>Write to us with the form below.</p>",
     "<p>راسلنا عبر النموذج أدناه.</p>", False, 3),
]  # fmt: skip
# Content blocks shown after a page's body (path -> {language: blocks}); ids are stable so
# a second run finds them unchanged.
BLOCKS = {
    "about": {
        "en": [
            {
                "type": "quote",
                "id": "demo-quote",
                "value": {
                    "text": "They made our site something we enjoy updating.",
                    "attribution": "A happy editor",
                },
            },
            {"type": "cta", "id": "demo-cta", "value": {"label": "Talk to us", "url": "/contact/"}},
        ],
        "ar": [
            {
                "type": "quote",
                "id": "demo-quote",
                "value": {
                    "text": "جعلوا موقعنا شيئاً نستمتع بتحديثه.",
                    "attribution": "محررة سعيدة",
                },
            },
            {
                "type": "cta",
                "id": "demo-cta",
                "value": {"label": "تحدث إلينا", "url": "/ar/contact/"},
            },
        ],
    },
}
HEADER = [("home", "Home", "الرئيسية"), ("about", "About", "من نحن"),
          ("services", "Services", "خدماتنا"), ("contact", "Contact", "اتصل بنا")]  # fmt: skip
PARTNERS = [("Acme", "https://example.com/acme"), ("Globex", "https://example.com/globex"),
            ("Initech", "https://example.com/initech")]  # fmt: skip
FOOTER_LINKS = [("about", "About us", "من نحن", "/about/"),
                ("contact", "Contact", "اتصل بنا", "/contact/")]  # fmt: skip


class Tally:
    def __init__(self) -> None:
        self.added, self.kept = 0, 0

    def __str__(self) -> str:
        return f"{self.added} added or filled in, {self.kept} kept as they were"


def untouched(page: Page) -> bool:
    """True when only the seed or this script ever wrote the page (no editor did)."""
    return not page.revisions.exclude(created_by=None, note__in=[WELCOME_NOTE, NOTE]).exists()


def load_pages(hero: Hero | None, tally: Tally) -> dict[str, Page | None]:
    pages: dict[str, Page | None] = {}
    for path, parent, t_en, t_ar, b_en, b_ar, is_home, order in PAGES:
        page = Page.objects.filter(path=path).first()
        if page is not None and not untouched(page):
            pages[path] = page
            tally.kept += 1
            continue
        if parent is not None and pages.get(parent) is None:
            pages[path] = None  # its parent is gone and was not re-made: leave the gap
            continue
        if page is None:
            page = Page(slug=path.rsplit("/", 1)[-1], parent=pages.get(parent))
            # never take the home flag from a page an editor made home
            is_home = is_home and not Page.objects.filter(is_home=True).exists()
        want = {
            "title_en": t_en, "title_ar": t_ar, "body_en": b_en, "body_ar": b_ar,
            "is_home": is_home or page.is_home, "order": order, "status": PUBLISHED,
        }  # fmt: skip
        for lang, blocks in BLOCKS.get(path, {}).items():
            want[f"blocks_{lang}"] = blocks
        if want["is_home"] and page.hero_id is None:
            want["hero"] = hero
        pages[path] = page
        if page.pk and all(getattr(page, k) == v for k, v in want.items()):
            tally.kept += 1  # already the demo's (an earlier run)
            continue
        for key, value in want.items():
            setattr(page, key, value)
        page.save(revision_note=NOTE)
        tally.added += 1
    return pages


def load_menus(pages: dict[str, Page | None], tally: Tally) -> None:
    def ensure(location: str, page: Page | None, en: str, ar: str, order: int, parent=None):
        if page is None:
            return None
        item = MenuItem.objects.filter(location=location, page=page).first()
        if item is not None:
            tally.kept += 1
            return item
        tally.added += 1
        return MenuItem.objects.create(
            location=location, page=page, parent=parent, label_en=en, label_ar=ar, order=order
        )

    for order, (path, en, ar) in enumerate(HEADER):
        item = ensure("header", pages.get(path), en, ar, order)
        if path == "about" and item is not None:
            ensure("header", pages.get("about/team"), "Team", "الفريق", 0, parent=item)
    ensure("footer", pages.get("contact"), "Contact", "اتصل بنا", 0)


def load_frame(tally: Tally) -> Hero:
    hero = Hero.objects.filter(name="demo-home").first()
    if hero is None:
        hero = Hero.objects.create(
            name="demo-home",
            title_en="One stack, many sites",
            title_ar="منصة واحدة، مواقع كثيرة",
            description_en="Spawn a site in one command and let editors run it.",
            description_ar="أنشئ موقعاً بأمر واحد ودع المحررين يديرونه.",
            button_label_en="Get in touch",
            button_label_ar="تواصل معنا",
            button_link="/contact/",
        )
        tally.added += 1
    site = SiteSettings.load()
    seeded_name = settings.MORTAR_SITE_NAME  # what the welcome seed wrote in every language
    defaults = {
        "site_name_en": "Mortar Demo",
        "site_name_ar": "عرض Mortar",
        "tagline_en": "A multi-tenant CMS kit",
        "tagline_ar": "منصة إدارة محتوى متعددة",
        "contact_email": "hello@demo.localhost",
    }
    for field, value in defaults.items():
        current = getattr(site, field)
        if not current or (field.startswith("site_name_") and current == seeded_name):
            setattr(site, field, value)
    site.hero = site.hero or hero
    site.social_links = site.social_links or [{"network": "github", "url": "https://github.com/"}]
    site.save()
    for order, (name, url) in enumerate(PARTNERS):
        if not Partner.objects.filter(name=name).exists():
            Partner.objects.create(name=name, url=url, order=order)
            tally.added += 1
    for order, (key, en, ar, route) in enumerate(FOOTER_LINKS):
        if not FooterLink.objects.filter(key=key).exists():
            FooterLink.objects.create(key=key, label_en=en, label_ar=ar, route=route, order=order)
            tally.added += 1
    return hero


def load() -> Tally:
    tally = Tally()
    hero = load_frame(tally)
    load_menus(load_pages(hero, tally), tally)
    return tally


if __name__ == "__main__":
    with schema_context(sys.argv[1]), transaction.atomic():
        print(f"demo content in {sys.argv[1]}: {load()}")
