"""WSGI entry point of the site's api: ``gunicorn {{ cookiecutter.site_slug }}_api.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{{ cookiecutter.site_slug }}_api.settings")
application = get_wsgi_application()
