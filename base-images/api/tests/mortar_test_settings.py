"""Settings for the api-base test suite: the base settings, fed a test environment.

DB ``mortar_api_test`` (override: MORTAR_TEST_DATABASE_URL), Redis prefix ``apitest``
(override: MORTAR_TEST_REDIS_PREFIX). Values go into os.environ first so the Celery worker
and gunicorn subprocesses the tests start read exactly the same configuration.
"""

from __future__ import annotations

import os
import tempfile
from urllib.parse import urlparse

_db_url = os.environ.get(
    "MORTAR_TEST_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mortar_api_test"
)
_db_name = urlparse(_db_url).path.lstrip("/")
_prefix = os.environ.get("MORTAR_TEST_REDIS_PREFIX") or (
    "apitest" if _db_name == "mortar_api_test" else f"apitest_{_db_name}"[:29]
)
if "MORTAR_TEST_MEDIA_ROOT" not in os.environ:
    os.environ["MORTAR_TEST_MEDIA_ROOT"] = tempfile.mkdtemp(prefix="mortar-api-media-")
    os.makedirs(os.path.join(os.environ["MORTAR_TEST_MEDIA_ROOT"], "_static"), exist_ok=True)

os.environ.setdefault("MORTAR_SITE_SLUG", "apitest")
os.environ.update(
    {
        "DATABASE_URL": _db_url,
        "REDIS_URL": os.environ.get("MORTAR_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"),
        "MORTAR_REDIS_PREFIX": _prefix,
        "SECRET_KEY": "test-secret-key-" + "k" * 50,
        "DJANGO_DEBUG": "false",
        "MORTAR_HTTPS": "false",  # the test client and subprocess servers speak plain HTTP
        "MEDIA_ROOT": os.environ["MORTAR_TEST_MEDIA_ROOT"],
        "STATIC_ROOT": os.path.join(os.environ["MORTAR_TEST_MEDIA_ROOT"], "_static"),
        "MORTAR_LANGUAGES": os.environ.get("MORTAR_LANGUAGES", "en,ar"),
        "EMAIL_URL": os.environ.get("EMAIL_URL", "consolemail://"),
        "DJANGO_LOG_LEVEL": "WARNING",
        "DJANGO_SETTINGS_MODULE": "mortar_test_settings",
    }
)

from mortar_api.settings import *  # noqa: E402,F403
from mortar_api.settings import DATABASES  # noqa: E402

# pytest-django creates (and drops) exactly this database; subprocesses use it too.
DATABASES["default"]["TEST"] = {"NAME": DATABASES["default"]["NAME"]}
# 0: every request its own connection; the PostgreSQL-restart test sets 60 (production's
# persistent connections) to prove a dead one is replaced.
DATABASES["default"]["CONN_MAX_AGE"] = int(os.environ.get("MORTAR_TEST_CONN_MAX_AGE", "0"))
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed only
