"""In-process settings for the unit tests (the real-api tests run web under gunicorn)."""

import os

os.environ.setdefault("SECRET_KEY", "web-unit-test-secret")
os.environ.setdefault("MORTAR_LANGUAGES", "en,ar")
os.environ.setdefault("MORTAR_REDIS_PREFIX", "webtest")
os.environ.setdefault("MORTAR_API_URL", "http://127.0.0.1:9")
os.environ.setdefault("MORTAR_HTTPS", "false")

from mortar_web.settings import *  # noqa: F403
