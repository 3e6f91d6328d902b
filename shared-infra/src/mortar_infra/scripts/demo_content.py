"""Sample bilingual (en/ar) content for the demo site; run in the site venv.

Usage: `<site>/.venv/bin/python demo_content.py <schema> [--force]` with the site's
DJANGO_SETTINGS_MODULE and .env set. Runs once per tenant (a tenant with pages is left
alone); with --force every object is found by a stable key (path, name, key) and
updated, never duplicated.
"""

import sys

import django

django.setup()

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


def upsert_page(path, parent, **fields):
    page = Page.objects.filter(path=path).first() or Page(slug=path.rsplit("/", 1)[-1])
    page.parent = parent
    for key, value in fields.items():
        setattr(page, key, value)
    page.save(revision_note="demo content")
    return page


def load() -> None:
    hero, _ = Hero.objects.update_or_create(
        name="demo-home",
        defaults={
            "title_en": "One stack, many sites",
            "title_ar": "منصة واحدة، مواقع كثيرة",
            "description_en": "Spawn a site in one command and let editors run it.",
            "description_ar": "أنشئ موقعاً بأمر واحد ودع المحررين يديرونه.",
            "button_label_en": "Get in touch",
            "button_label_ar": "تواصل معنا",
            "button_link": "/contact/",
        },
    )
    settings = SiteSettings.load()
    settings.site_name_en, settings.site_name_ar = "Mortar Demo", "عرض Mortar"
    settings.tagline_en, settings.tagline_ar = "A multi-tenant CMS kit", "منصة إدارة محتوى متعددة"
    settings.hero = hero
    settings.contact_email = settings.contact_email or "hello@demo.localhost"
    settings.social_links = [{"network": "github", "url": "https://github.com/"}]
    settings.save()

    pages = {}
    for path, parent, t_en, t_ar, b_en, b_ar, is_home, order in PAGES:
        pages[path] = upsert_page(
            path, pages.get(parent), title_en=t_en, title_ar=t_ar, body_en=b_en, body_ar=b_ar,
            is_home=is_home, order=order, status=PUBLISHED, hero=hero if is_home else None,
        )  # fmt: skip

    MenuItem.objects.all().delete()  # menus are rebuilt whole: simplest idempotent form
    header = [("home", "Home", "الرئيسية"), ("about", "About", "من نحن"),
              ("services", "Services", "خدماتنا"), ("contact", "Contact", "اتصل بنا")]  # fmt: skip
    for order, (path, en, ar) in enumerate(header):
        item = MenuItem.objects.create(
            location="header", label_en=en, label_ar=ar, page=pages[path], order=order
        )
        if path == "about":
            MenuItem.objects.create(
                location="header", parent=item, label_en="Team", label_ar="الفريق",
                page=pages["about/team"], order=0,
            )  # fmt: skip
    MenuItem.objects.create(
        location="footer", label_en="Contact", label_ar="اتصل بنا", page=pages["contact"]
    )

    partners = [
        ("Acme", "https://example.com/acme"),
        ("Globex", "https://example.com/globex"),
        ("Initech", "https://example.com/initech"),
    ]
    for order, (name, url) in enumerate(partners):
        Partner.objects.update_or_create(name=name, defaults={"url": url, "order": order})
    links = [
        ("about", "About us", "من نحن", "/about/"),
        ("contact", "Contact", "اتصل بنا", "/contact/"),
    ]
    for order, (key, en, ar, route) in enumerate(links):
        FooterLink.objects.update_or_create(
            key=key, defaults={"label_en": en, "label_ar": ar, "route": route, "order": order}
        )


if __name__ == "__main__":
    with schema_context(sys.argv[1]), transaction.atomic():
        # Loaded once: a re-run must not overwrite what someone edited in the admin.
        if Page.objects.exists() and "--force" not in sys.argv:
            print(f"demo content already in {sys.argv[1]} (kept; --force reloads it)")
        else:
            load()
            print(f"demo content loaded into {sys.argv[1]}")
