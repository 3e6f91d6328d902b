"""The Django project of {{ cookiecutter.site_slug }}'s api: mortar-api plus ``site_apps``."""
