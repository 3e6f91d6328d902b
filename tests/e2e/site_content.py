"""Test content for one tenant; run inside a site venv (Django configured from the env).

Usage: python site_content.py <schema> <marker> <contact_email>
Sets: site settings named <marker>, the welcome home page retitled; creates an about page, a
draft page `launch` scheduled one minute ahead (published by beat), one notice.
"""

import sys
from datetime import timedelta

import django

django.setup()

from django.utils import timezone  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402
from mortar_api.cms.models import Page, SiteSettings  # noqa: E402
from site_apps.notices.models import Notice  # noqa: E402

schema, marker, contact = sys.argv[1:4]
with schema_context(schema):
    s = SiteSettings.load()
    s.site_name, s.contact_email = marker, contact
    s.save()
    home = Page.objects.get(is_home=True)  # the welcome page every new tenant starts with
    home.title, home.body = f"Home of {marker}", f"<p>Welcome to {marker}</p>"
    home.save()
    Page(
        slug="about", title=f"About {marker}", body=f"<p>All about {marker}</p>",
        status=Page.Status.PUBLISHED,
    ).save()  # fmt: skip
    Page(
        slug="launch", title=f"Launch of {marker}", body="<p>Scheduled</p>",
        status=Page.Status.DRAFT, publish_at=timezone.now() + timedelta(minutes=1),
    ).save()  # fmt: skip
    Notice.objects.create(text=f"Notice from {marker}")
print(f"content for {schema} loaded")
