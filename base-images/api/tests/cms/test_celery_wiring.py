"""A web process (no worker, no test conftest) sends tasks to the site's broker."""

from __future__ import annotations

import json
import subprocess
import sys

from conftest import subprocess_env

PROBE = """
import json, django
django.setup()
from mortar_api.cms.tasks import send_contact_email
from mortar_api.webhooks.tasks import deliver_webhook
app = send_contact_email.app
print(json.dumps({"same": deliver_webhook.app is app, "broker": app.conf.broker_url,
                  "prefix": app.conf.broker_transport_options.get("global_keyprefix")}))
"""


def test_tasks_use_the_site_celery_app_outside_workers() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE],
        env=subprocess_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    info = json.loads(out.stdout.strip().splitlines()[-1])
    assert info["same"] and info["broker"].startswith("redis://")
    from django.conf import settings

    assert info["prefix"] == f"{settings.MORTAR_REDIS_PREFIX}:"
