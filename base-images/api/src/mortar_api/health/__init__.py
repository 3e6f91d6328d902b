"""``GET /health/``: database, cache and broker state; answered for any Host, no tenant."""
