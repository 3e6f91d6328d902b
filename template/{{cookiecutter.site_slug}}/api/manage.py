#!/usr/bin/env python
"""Django's command line for this site's api (``python manage.py migrate_schemas`` ...)."""

import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "{{ cookiecutter.site_slug }}_api.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
