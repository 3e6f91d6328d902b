"""WSGI entry point: `gunicorn mortar_web.wsgi` (a site may set DJANGO_SETTINGS_MODULE)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mortar_web.settings")
application = get_wsgi_application()
