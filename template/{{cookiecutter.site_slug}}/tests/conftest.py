"""Test set-up: a real PostgreSQL test database and the site's Redis.

pytest-django creates ``test_<database>`` from DATABASE_URL (in `.env`). The site's
own database role may not create databases; point ``TEST_DATABASE_URL`` at a role that
can (e.g. ``postgres://postgres@127.0.0.1:5432/postgres``) and it is used instead.
"""

import os

import environ
import pytest


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    from django.conf import settings

    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        db = environ.Env.db_url_config(url, engine="django_tenants.postgresql_backend")
        settings.DATABASES["default"].update(db)
