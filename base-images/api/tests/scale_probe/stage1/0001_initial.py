"""Stage 1 of the probe app: only its first migration (MORTAR_SCALE_PROBE_STAGE=1)."""

import importlib

Migration = importlib.import_module("scale_probe.migrations.0001_initial").Migration
