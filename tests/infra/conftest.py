"""Fixtures for the shared-stack tier: real nginx, PostgreSQL, Redis, the real `mortar` CLI.

Every test gets its own MORTAR_HOME (temp dir) and nginx port (picked free at runtime).
Slugs/DBs use the prefixes `ita_`..`itz_` (site_ita_* databases), cleaned up here.
Helpers live in infra_support.py.
"""

from infra_support import cleanup_slugs, mortar_env, stack, upstreams

__all__ = ["cleanup_slugs", "mortar_env", "stack", "upstreams"]
