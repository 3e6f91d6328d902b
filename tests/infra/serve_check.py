"""GET a path of a site's api as a visitor of `host` would, through its whole middleware
stack (tenant by Host, caches); run in the site's python. Prints status and body.

Usage: python serve_check.py <host> <path> [lang]
"""

import json
import os
import sys

import django

sys.path.insert(0, os.getcwd())  # the site's packages, as `manage.py` run from it sees them
django.setup()

from django.test import Client  # noqa: E402

host, path = sys.argv[1:3]
lang = sys.argv[3] if len(sys.argv) > 3 else "en"
resp = Client().get(path, {"lang": lang}, HTTP_HOST=host)
print(json.dumps({"status": resp.status_code, "body": resp.content.decode()}))
