"""The base images' HEALTHCHECK: GET /health/ on our own port; exit 0 only on HTTP 200.

Run by `mortar-entrypoint healthcheck` in both bases (shipped from base-images/common/):
`python healthcheck.py DEFAULT_PORT`. $PORT overrides the port; $MORTAR_HEALTH_HOST is the
Host header (default localhost), for sites whose allowed hosts leave localhost out.
"""

import os
import sys
import urllib.request

port = os.environ.get("PORT") or sys.argv[1]
req = urllib.request.Request(
    f"http://127.0.0.1:{port}/health/",
    headers={"Host": os.environ.get("MORTAR_HEALTH_HOST", "localhost")},
)
try:
    status = urllib.request.urlopen(req, timeout=4).status  # noqa: S310 (fixed http URL)
except OSError as exc:  # refused, timed out, or an HTTP error status (HTTPError)
    sys.exit(f"unhealthy: {exc}")
sys.exit(0 if status == 200 else f"unhealthy: HTTP {status}")
