"""Each generated site's own test suite passes out of the box (real PostgreSQL and Redis).

It runs with the kit venv's interpreter (mortar-api, pytest-django), exactly as a site
developer runs it: `python -m pytest` in the site dir, with a database URL whose role may
create the test database.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import redis

SUITES = ["unicode", "s3"]
# The servers scripts/run-tests exports (the machine's on loopback, or the kit's private ones).
PG_SERVER = (
    os.environ.get("MORTAR_POSTGRES_ADMIN_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
).rsplit("/", 1)[0]
REDIS_URL = os.environ.get("MORTAR_REDIS_ADMIN_URL") or "redis://127.0.0.1:6379/0"


def _run_suite(site, tag: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        # pytest-django creates and drops test_<this name>
        "DATABASE_URL": f"{PG_SERVER}/{tag}",
        "REDIS_URL": REDIS_URL,
        "MORTAR_REDIS_PREFIX": tag,
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "--create-db"],
        cwd=site,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_generated_sites_own_tests_pass(sites):
    tags = {name: f"tpl_{sites[name].site.name[:20]}_{os.getpid()}" for name in SUITES}
    try:
        with ThreadPoolExecutor(max_workers=len(SUITES)) as pool:
            futures = {n: pool.submit(_run_suite, sites[n].site, tags[n]) for n in SUITES}
            results = {n: f.result() for n, f in futures.items()}
    finally:
        r = redis.Redis.from_url(REDIS_URL)
        for tag in tags.values():
            keys = list(r.scan_iter(match=f"{tag}:*"))
            if keys:
                r.delete(*keys)
    for name, proc in results.items():
        assert proc.returncode == 0, f"{name}:\n{proc.stdout[-3000:]}\n{proc.stderr[-2000:]}"
        assert " passed" in proc.stdout and "failed" not in proc.stdout
