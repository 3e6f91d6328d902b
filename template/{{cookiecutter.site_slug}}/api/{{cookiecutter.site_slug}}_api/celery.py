"""The site's Celery app (worker and beat): ``celery -A {{ cookiecutter.site_slug }}_api.celery worker``."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{{ cookiecutter.site_slug }}_api.settings")

from mortar_api.celery import create_app  # noqa: E402

app = create_app("{{ cookiecutter.site_slug }}_api")
