"""The rules api-base, web-base and the mortar CLI must agree on, written once.

- `hosts`: what a Host header names (lower case, no port, no trailing dot, IDN as punycode);
- `keys`: the Redis keys both services read or write (content generation, web's pages);
- `prefix`: which Redis prefix a site's processes use when none is set;
- `envfile`: how a site's `.env` is read (django-environ's grammar, also for the CLI).
- `errortracking`: error reports (sentry-sdk when `SENTRY_DSN` is set), one release name and
  tag set for api, worker, beat and web.

docs/contracts.md is the prose version; tests/unit/test_contract.py feeds both services
the same inputs.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("mortar-contract")
except PackageNotFoundError:  # pragma: no cover - a source checkout without install
    __version__ = "0.0.0"
