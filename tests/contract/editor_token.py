"""Make a staff editor with every content permission and print its API token.

Run inside a site venv (Django configured from the environment, like
tests/e2e/site_content.py). Usage: python editor_token.py <schema> <email>
The user is staff but not a superuser, so the API's model-permission checks are the ones
exercised; the permissions are those of the content apps the editor API serves.
"""

import sys

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.contrib.auth.models import Permission  # noqa: E402
from django_tenants.utils import schema_context  # noqa: E402
from rest_framework.authtoken.models import Token  # noqa: E402

CONTENT_APPS = ("cms", "media", "webhooks")

schema, email = sys.argv[1:3]
with schema_context(schema):
    User = get_user_model()
    user = User.objects.filter(**{User.USERNAME_FIELD: email}).first()
    if user is None:
        user = User.objects.create_user(**{User.USERNAME_FIELD: email}, password=None)
    user.is_staff, user.is_superuser = True, False
    user.save()
    user.user_permissions.set(Permission.objects.filter(content_type__app_label__in=CONTENT_APPS))
    token, _ = Token.objects.get_or_create(user=user)
    print(token.key)
