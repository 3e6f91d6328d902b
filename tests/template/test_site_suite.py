"""Each generated site's own lint and test suite pass out of the box (real PostgreSQL and
Redis), run as the site's CI runs them.

The commands and settings are read from the site's CI file (GitHub for one answer set,
GitLab for the other) and run in the site dir with the kit venv's interpreter and tools
(mortar-api, pytest-django, ruff: what CI installs into the base image). Only the service
addresses are swapped for this machine's; the site's `.env` is not read (CI has none), so
a setting CI lacks fails here too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import redis
from ci_files import lint_and_test
from conftest import ANSWER_SETS

SUITES = ["unicode", "s3"]
# The servers scripts/run-tests exports (the machine's on loopback, or the kit's private ones).
PG_SERVER = (
    os.environ.get("MORTAR_POSTGRES_ADMIN_URL") or "postgres://postgres@127.0.0.1:5432/postgres"
).rsplit("/", 1)[0]
REDIS_URL = os.environ.get("MORTAR_REDIS_ADMIN_URL") or "redis://127.0.0.1:6379/0"


def _run_suite(site: Path, tool: str, tag: str, no_env: Path) -> subprocess.CompletedProcess[str]:
    ci_env, commands = lint_and_test(site, tool)
    env = {
        **os.environ,
        **ci_env,
        # pytest-django creates and drops test_<this name>
        "DATABASE_URL": f"{PG_SERVER}/{tag}",
        "REDIS_URL": REDIS_URL,
        "MORTAR_REDIS_PREFIX": tag,
        "MORTAR_ENV_FILE": str(no_env),  # instead of the site's .env
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    script = "\n".join(["set -e", *commands])
    return subprocess.run(
        ["bash", "-c", script], cwd=site, env=env, capture_output=True, text=True, timeout=600
    )


def test_generated_sites_ci_lint_and_tests_pass(sites, tmp_path):
    tags = {name: f"tpl_{sites[name].site.name[:20]}_{os.getpid()}" for name in SUITES}
    tools = {name: ANSWER_SETS[name]["ci_tool"] for name in SUITES}
    assert set(tools.values()) == {"github", "gitlab"}
    no_env = tmp_path / "empty.env"
    no_env.write_text("")
    try:
        with ThreadPoolExecutor(max_workers=len(SUITES)) as pool:
            futures = {
                n: pool.submit(_run_suite, sites[n].site, tools[n], tags[n], no_env) for n in SUITES
            }
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
