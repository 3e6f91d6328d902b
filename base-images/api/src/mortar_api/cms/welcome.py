"""The content a new tenant starts with, so its first visit greets its owner.

A tenant gets its site name in every enabled language, a published home page ("Welcome
to <site name>", with a line on where to edit it) and a header menu holding that page.
Seeded once, when the tenant is created (``tenancy.provisioning.create_tenant``): later
runs of ``site up`` / ``ensure_first_tenant`` never touch it again, so nothing an
editor changed is overwritten or duplicated.
"""

from __future__ import annotations

from modeltranslation.utils import build_localized_fieldname

from .languages import enabled_languages
from .models import MenuItem, Page, SiteSettings

WELCOME_SLUG = "home"
WELCOME_NOTE = "welcome page"

# (title, body, menu label) per supported language; {name} is the site name.
_ADMIN = '<a href="/admin/">/admin/</a>'
TEXTS: dict[str, tuple[str, str, str]] = {
    "en": (
        "Welcome to {name}",
        "<p>This is the home page of your new site. Sign in to the admin at "
        f"{_ADMIN} to edit this page, add pages and arrange the menus.</p>",
        "Home",
    ),
    "ar": (
        "مرحباً بكم في {name}",
        "<p>هذه هي الصفحة الرئيسية لموقعك الجديد. سجّل الدخول إلى لوحة الإدارة على "
        f"{_ADMIN} لتحرير هذه الصفحة وإضافة صفحات وترتيب القوائم.</p>",
        "الرئيسية",
    ),
    "fr": (
        "Bienvenue sur {name}",
        "<p>Voici la page d'accueil de votre nouveau site. Connectez-vous à l'administration "
        f"sur {_ADMIN} pour modifier cette page, ajouter des pages et organiser les menus.</p>",
        "Accueil",
    ),
    "de": (
        "Willkommen bei {name}",
        "<p>Dies ist die Startseite Ihrer neuen Website. Melden Sie sich in der Verwaltung "
        f"unter {_ADMIN} an, um diese Seite zu bearbeiten, Seiten hinzuzufügen und die Menüs "
        "anzuordnen.</p>",
        "Startseite",
    ),
    "es": (
        "Bienvenido a {name}",
        "<p>Esta es la página de inicio de su nuevo sitio. Inicie sesión en la administración "
        f"en {_ADMIN} para editar esta página, añadir páginas y organizar los menús.</p>",
        "Inicio",
    ),
}


def _localized(obj: object, field: str, values: dict[str, str]) -> None:
    for lang, value in values.items():
        setattr(obj, build_localized_fieldname(field, lang), value)


def seed_welcome(site_name: str) -> Page:
    """Seed the current tenant schema (call inside its ``schema_context``, on creation)."""
    name = site_name.strip()
    langs = [lang for lang in enabled_languages() if lang in TEXTS] or ["en"]
    texts = {lang: TEXTS[lang] for lang in langs}

    site = SiteSettings.load()
    _localized(site, "site_name", dict.fromkeys(langs, name))
    site.save()

    home = Page(slug=WELCOME_SLUG, is_home=True, status=Page.Status.PUBLISHED)
    _localized(home, "title", {lang: t[0].format(name=name)[:200] for lang, t in texts.items()})
    _localized(home, "body", {lang: t[1] for lang, t in texts.items()})
    home.save(revision_note=WELCOME_NOTE)

    item = MenuItem(location=MenuItem.Location.HEADER, page=home, order=0)
    _localized(item, "label", {lang: t[2] for lang, t in texts.items()})
    item.save()
    return home
