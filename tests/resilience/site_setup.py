"""One tenant made ready for the resilience tier; run inside a site venv (Django from the env).

Usage: python site_setup.py <schema> <contact_email> <editor_email>
Sets the contact address, publishes an `about` page, makes a staff editor with every content
permission (not a superuser) and prints one JSON line: {"token": ..., "page": <about's id>}.
"""

import json
import sys

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Permission  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402
from mortar_api.cms.models import Page, SiteSettings  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

schema, contact, email = sys.argv[1:4]
with schema_context(schema):
    s = SiteSettings.load()
    s.contact_email = contact
    s.save()
    page = Page(slug="about", title="About", body="<p>About</p>", status=Page.Status.PUBLISHED)
    page.save()
    User = get_user_model()
    user = User.objects.create_user(**{User.USERNAME_FIELD: email}, password=None)
    user.is_staff = True
    user.save()
    apps = ("cms", "media", "webhooks")
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=apps))
    token, _ = Token.objects.get_or_create(user=user)
    print(json.dumps({"token": token.key, "page": page.pk}))
