"""Settings of this site's web: mortar-web's, with this package first so that its
``templates/`` and ``static/`` override the base's files of the same name.

Run with ``DJANGO_SETTINGS_MODULE={{ cookiecutter.site_slug }}_web.settings`` (Procfile, compose).
"""

import os
from pathlib import Path

SITE_DIR = Path(__file__).resolve().parents[2]
if "MORTAR_ENV_FILE" not in os.environ and (SITE_DIR / ".env").is_file():
    os.environ["MORTAR_ENV_FILE"] = str(SITE_DIR / ".env")

from mortar_web.settings import *  # noqa: E402, F403
from mortar_web.settings import INSTALLED_APPS  # noqa: E402

INSTALLED_APPS = ["{{ cookiecutter.site_slug }}_web", *INSTALLED_APPS]
