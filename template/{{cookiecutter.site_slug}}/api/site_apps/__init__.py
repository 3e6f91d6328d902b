"""This site's own Django apps. Each is a tenant app: list it in ``SITE_APPS`` in settings."""
