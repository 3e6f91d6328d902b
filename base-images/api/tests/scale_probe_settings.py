"""The test settings plus the throwaway tenant app ``scale_probe`` (new migrations).

With MORTAR_SCALE_PROBE_STAGE=1 only its first migration exists (a table), so the
benchmark can clone tenants that have it and then time 0002 (a column with a default and
an index) across all of them.
"""

import os

from mortar_test_settings import *  # noqa: F403
from mortar_test_settings import INSTALLED_APPS, TENANT_APPS

TENANT_APPS = [*TENANT_APPS, "scale_probe"]
INSTALLED_APPS = [*INSTALLED_APPS, "scale_probe"]
if os.environ.get("MORTAR_SCALE_PROBE_STAGE") == "1":
    MIGRATION_MODULES = {"scale_probe": "scale_probe.stage1"}
