"""Content for the backup tests; run in a site's python (Django configured from its env).

Usage: python backup_content.py <schema> ...
Per tenant: a page in English and Arabic saved twice (two revisions) whose body links its
image, a header menu item, an uploaded image (random pixels: unique bytes), an editor with
an API token, a webhook, and a beat entry routed to the tenant's schema.
"""

import json
import os
import sys
from io import BytesIO

import django

sys.path.insert(0, os.getcwd())  # the site's packages, as `manage.py` run from it sees them
django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django_celery_beat.models import IntervalSchedule, PeriodicTask  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402
from mortar_api.cms.models import MenuItem, Page  # noqa: E402
from mortar_api.media.models import MediaAsset  # noqa: E402
from mortar_api.webhooks.models import Webhook  # noqa: E402
from PIL import Image  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402


def png() -> bytes:
    img = Image.frombytes("RGB", (64, 48), os.urandom(64 * 48 * 3))
    out = BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()


for schema in sys.argv[1:]:
    with schema_context(schema):
        asset = MediaAsset(title=f"Picture of {schema}")
        asset.file = SimpleUploadedFile("picture.png", png(), content_type="image/png")
        asset.save()
        page = Page(
            slug="story",
            title_en=f"Story of {schema}",
            title_ar=f"قصة {schema}",
            body_en=f'<p>English</p><p><img src="{asset.file.url}" alt=""></p>',
            body_ar="<p>عربي</p>",
            status=Page.Status.PUBLISHED,
        )
        page.save()
        page.title_en = f"Story of {schema}, second edition"
        page.save(revision_note="second edition")
        MenuItem.objects.create(label_en="Story", label_ar="قصة", page=page, order=5)
        editor = get_user_model().objects.create_user(
            username=f"editor@{schema}", email=f"editor@{schema}.test", password="pw-" + "x" * 12
        )
        Token.objects.create(user=editor)
        Webhook.objects.create(name=f"hook {schema}", url=f"https://hooks.test/{schema}")
    every, _ = IntervalSchedule.objects.get_or_create(every=300, period=IntervalSchedule.SECONDS)
    PeriodicTask.objects.create(
        name=f"report for {schema}",
        task="mortar_api.cms.tasks.publish_scheduled",
        interval=every,
        headers=json.dumps({"_schema_name": schema}),
    )
print("content loaded")
