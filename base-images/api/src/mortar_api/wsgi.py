"""WSGI entry point: ``gunicorn mortar_api.wsgi`` (a site uses its own wsgi module the same way)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mortar_api.settings")

application = get_wsgi_application()
