"""Content for the web tests, written with the api's own models and settings.

Runs inside the api's Django environment (DJANGO_SETTINGS_MODULE=mortar_api.settings,
the test database): `python api_script.py <command> <json-args>`; prints one JSON line.
Saving models fires the api's own signals, so the content generation is bumped
exactly as when an editor publishes in the admin.
"""

from __future__ import annotations

import json
import sys

import django

django.setup()

from django_tenants.utils import tenant_context  # noqa: E402
from mortar_api.cms import preview  # noqa: E402
from mortar_api.cms.models import (  # noqa: E402
    FooterLink,
    Hero,
    MenuItem,
    Page,
    Partner,
    Redirect,
    SiteSettings,
)
from mortar_api.tenancy.models import Tenant  # noqa: E402

PUBLISHED, DRAFT = Page.Status.PUBLISHED, Page.Status.DRAFT
WORDS = (
    "mortar stone brick wall arch beam light river garden window door street city harbour "
    "market bridge tower field forest valley meadow"
).split()


def on_tenant(schema: str):
    """Like an admin request: the real tenant (schema_context's stand-in has no domains,
    so the api could not bump the generation of the tenant's hosts)."""
    return tenant_context(Tenant.objects.get(schema_name=schema))


def body(words: int, seed: int = 0) -> str:
    text = [WORDS[(i * 7 + seed) % len(WORDS)] for i in range(words)]
    paragraphs = [" ".join(text[i : i + 100]) for i in range(0, len(text), 100)]
    return "".join(f"<p>{p}.</p>" for p in paragraphs)


def page(slug: str, title_en: str, title_ar: str, body_en: str = "", **extra) -> Page:
    p = Page(slug=slug, title_en=title_en, title_ar=title_ar, **extra)
    p.body_en = body_en or f"<p>{title_en} body in English.</p>"
    p.body_ar = f"<p>نص {title_ar} بالعربية.</p>"
    p.save()
    return p


def seed(schema: str, label: str, label_ar: str) -> dict:
    """Frame, a home page, a nested page, a draft and two redirects for one tenant."""
    with on_tenant(schema):
        hero = Hero.objects.create(
            name="main",
            title_en=f"{label} hero",
            title_ar=f"بطل {label_ar}",
            description_en="Built on Mortar.",
            description_ar="مبني على مورتار.",
            button_label_en="About us",
            button_label_ar="من نحن",
            button_link="/about/",
        )
        settings_obj = SiteSettings.load()
        settings_obj.site_name_en, settings_obj.site_name_ar = label, label_ar
        settings_obj.tagline_en, settings_obj.tagline_ar = f"{label} tagline", "شعار"
        settings_obj.seo_description_en = f"{label} description"
        settings_obj.seo_description_ar = f"وصف {label_ar}"
        settings_obj.contact_email = f"hello@{schema}.example"
        settings_obj.hero = hero
        settings_obj.save()
        home = page(
            "home", f"Welcome to {label}", f"أهلا {label_ar}", status=PUBLISHED, is_home=True
        )
        about = page("about", f"About {label}", f"عن {label_ar}", status=PUBLISHED)
        team = page("team", f"{label} team", f"فريق {label_ar}", status=PUBLISHED, parent=about)
        page("secret", f"{label} secret draft", f"مسودة {label_ar}", status=DRAFT)
        MenuItem.objects.create(
            location="header", label_en="Home", label_ar="الرئيسية", page=home, order=1
        )
        about_item = MenuItem.objects.create(
            location="header", label_en="About", label_ar="عن", page=about, order=2
        )
        MenuItem.objects.create(
            location="header", label_en="Team", label_ar="الفريق", page=team, parent=about_item
        )
        MenuItem.objects.create(location="footer", label_en="About", label_ar="عن", page=about)
        Partner.objects.create(name=f"{label} partner", url="https://partner.example/")
        FooterLink.objects.create(
            key="team", label_en="Our team", label_ar="فريقنا", route="/about/team/"
        )
        Redirect.objects.create(old_path="/old-about/", new_path="/about/", status_code=301)
        Redirect.objects.create(old_path="/temp/", new_path="/about/team/", status_code=302)
    return {"schema": schema}


def publish(schema: str, slug: str, title_en: str, title_ar: str, words: int = 0) -> dict:
    with on_tenant(schema):
        extra = {"body_en": body(words)} if words else {}
        p = Page.objects.filter(slug=slug, parent=None).first()
        if p is None:
            p = page(slug, title_en, title_ar, status=PUBLISHED, **extra)
        else:
            p.status, p.title_en, p.title_ar = PUBLISHED, title_en, title_ar
            p.save()
        return {"id": p.pk, "path": p.path}


def add_page(schema: str, slug: str, title_en: str, title_ar: str, parent: str = "") -> dict:
    """A published page, under the page at path ``parent`` if given."""
    with on_tenant(schema):
        under = Page.objects.get(path=parent) if parent else None
        p = page(slug, title_en, title_ar, status=PUBLISHED, parent=under)
        return {"id": p.pk, "path": p.path}


def unpublish(schema: str, path: str) -> dict:
    with on_tenant(schema):
        p = Page.objects.get(path=path)
        p.status = DRAFT
        p.save()
        return {"id": p.pk}


def preview_token(schema: str, path: str) -> dict:
    with on_tenant(schema):
        return {"token": preview.make_token(Page.objects.get(path=path).pk)}


def member(schema: str, username: str, password: str, group: str) -> dict:
    """A staff user of the tenant in one of its ready groups (Editors, Publishers); its
    editor API token."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from rest_framework.authtoken.models import Token

    with on_tenant(schema):
        user = get_user_model().objects.create_user(
            username=username, email=username, password=password, is_staff=True
        )
        user.groups.add(Group.objects.get(name=group))
        return {"id": user.pk, "token": Token.objects.create(user=user).key}


def page_state(schema: str, path: str) -> dict:
    with on_tenant(schema):
        p = Page.objects.select_related("approved_by", "review_requested_by").get(path=path)
        return {
            "id": p.pk,
            "status": p.status,
            "approved_by": p.approved_by.username if p.approved_by else None,
            "review_requested_by": p.review_requested_by.username
            if p.review_requested_by
            else None,
        }


def bench_seed(schema: str, label: str) -> dict:
    """A typical page for the benchmark: frame + hero + a 1,000-word body."""
    seed(schema, label, label)
    with on_tenant(schema):
        hero = Hero.objects.get(name="main")
        p = page(
            "typical", "A typical page", "صفحة", status=PUBLISHED, hero=hero, body_en=body(1000, 3)
        )
        return {"path": p.path}


def _asset(alt: str):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from mortar_api.media.models import MediaAsset
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (31, 95, 191)).save(out, "PNG")
    asset = MediaAsset(file=SimpleUploadedFile("blue.png", out.getvalue()), alt=alt)
    asset.save()
    return asset


def make_asset(schema: str, title: str = "Chosen") -> dict:
    with on_tenant(schema):
        return {"id": _asset(title).pk}


def page_blocks(schema: str, slug: str) -> dict:
    with on_tenant(schema):
        p = Page.objects.get(slug=slug, parent=None)
        return {"en": p.blocks_en, "ar": p.blocks_ar}


def blocks_page(schema: str, slug: str) -> dict:
    """A published page holding every built-in block type, in English and Arabic."""
    with on_tenant(schema):
        asset = _asset("Blue")
        about = Page.objects.get(path="about")

        def every(lang: str, words: dict) -> list:
            simple = [
                {"type": "rich_text", "id": f"{lang}1", "value": {"html": words["html"]}},
                {
                    "type": "image",
                    "id": f"{lang}2",
                    "value": {"image": asset.pk, "caption": words["caption"], "alt": words["alt"]},
                },
                {
                    "type": "gallery",
                    "id": f"{lang}3",
                    "value": {"images": [{"image": asset.pk, "caption": words["caption"]}] * 3},
                },
                {
                    "type": "cta",
                    "id": f"{lang}4",
                    "value": {"label": words["cta"], "page": about.pk},
                },
                {
                    "type": "quote",
                    "id": f"{lang}5",
                    "value": {"text": words["quote"], "attribution": words["by"]},
                },
                {
                    "type": "video",
                    "id": f"{lang}6",
                    "value": {
                        "url": "https://www.youtube.com/watch?v=dQw4w9WgXcQ",
                        "caption": words["caption"],
                    },
                },
                {"type": "video", "id": f"{lang}7", "value": {"url": "https://vimeo.com/76979871"}},
            ]
            columns = {
                "type": "columns",
                "id": f"{lang}8",
                "value": {"left": [simple[0]], "right": [simple[4]]},
            }
            return [*simple, columns]

        en = {
            "html": "<h2>Blocks heading</h2><p>Rich <strong>text</strong>.</p>",
            "caption": "A blue square",
            "alt": "Blue override",
            "cta": "Read about us",
            "quote": "Build well.",
            "by": "A mason",
        }
        ar = {
            "html": "<h2>عنوان الكتل</h2><p>نص <strong>غني</strong>.</p>",
            "caption": "مربع أزرق",
            "alt": "أزرق",
            "cta": "اقرأ عنا",
            "quote": "ابنِ جيدا.",
            "by": "بنّاء",
        }
        p = page(
            slug,
            "Every block",
            "كل الكتل",
            status=PUBLISHED,
            blocks_en=every("en", en),
            blocks_ar=every("ar", ar),
        )
        return {"id": p.pk, "path": p.path, "asset": asset.pk}


def submissions(schema: str) -> dict:
    from mortar_api.cms.models import ContactSubmission

    with on_tenant(schema):
        rows = ContactSubmission.objects.order_by("id").values("name", "email", "language")
        return {"submissions": list(rows)}


def search_pages(schema: str, word: str, count: int) -> dict:
    """``count`` published pages whose English body holds ``word`` (search pagination)."""
    with on_tenant(schema):
        for i in range(count):
            page(f"{word}-{i:02}", f"{word.title()} {i:02}", f"صفحة {i:02}", f"<p>{word}</p>",
                 status=PUBLISHED)  # fmt: skip
        return {"count": count}


COMMANDS = {
    "search_pages": search_pages,
    "submissions": submissions,
    "seed": seed,
    "publish": publish,
    "add_page": add_page,
    "unpublish": unpublish,
    "preview_token": preview_token,
    "bench_seed": bench_seed,
    "blocks_page": blocks_page,
    "make_asset": make_asset,
    "page_blocks": page_blocks,
    "member": member,
    "page_state": page_state,
}

if __name__ == "__main__":
    result = COMMANDS[sys.argv[1]](**json.loads(sys.argv[2] if len(sys.argv) > 2 else "{}"))
    print(json.dumps(result))
