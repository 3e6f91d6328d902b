"""Settings of this site's api, worker and beat: mortar-api's, plus the site's own apps.

Everything else comes from the environment (names in the kit's docs/contracts.md); the
site's `.env` is read when no MORTAR_ENV_FILE is given, so `manage.py` works as is.
Add an app: create it under ``site_apps/`` and list it in ``SITE_APPS`` below.
"""

import os
from pathlib import Path

SITE_DIR = Path(__file__).resolve().parents[2]
if "MORTAR_ENV_FILE" not in os.environ and (SITE_DIR / ".env").is_file():
    os.environ["MORTAR_ENV_FILE"] = str(SITE_DIR / ".env")

from mortar_api.settings import *  # noqa: E402, F403
from mortar_api.settings import SHARED_APPS, TEMPLATES, TENANT_APPS  # noqa: E402
from mortar_api.settings_helpers import add_template_dir, build_installed_apps  # noqa: E402

# Tenant apps: their tables live in every tenant's schema (per-tenant content).
SITE_APPS = [
    "site_apps.notices",  # the example app; delete it and this line when you no longer need it
]

TENANT_APPS = [*TENANT_APPS, *SITE_APPS]
INSTALLED_APPS = build_installed_apps(SHARED_APPS, TENANT_APPS)
# The first tenant's site name when `ensure_first_tenant` creates it (editors change it later).
MORTAR_SITE_NAME = os.environ.get("MORTAR_SITE_NAME") or "{{ cookiecutter.site_name | replace('\\', '\\\\') | replace('"', '\\"') }}"  # noqa: E501  # fmt: skip
ROOT_URLCONF = "{{ cookiecutter.site_slug }}_api.urls"
WSGI_APPLICATION = "{{ cookiecutter.site_slug }}_api.wsgi.application"

# Site templates (e.g. admin overrides) win over mortar-api's.
add_template_dir(TEMPLATES, Path(__file__).resolve().parent / "templates")
