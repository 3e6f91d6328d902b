"""Scripts run inside a site's venv (they import Django and mortar_api, not mortar_infra)."""
