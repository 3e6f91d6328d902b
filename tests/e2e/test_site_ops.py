"""Day-to-day commands on a running site: `site restart` after code or `.env` changes
(and `site up` telling when it is needed), `site manage`."""

from __future__ import annotations

import json

import pytest
from mortar_infra.envfile import update_env

pytestmark = pytest.mark.e2e

PATCH = """

# added by the e2e test: a visible change that only a reload picks up
_list = CurrentNotices.list


def _marked_list(self, request, *args, **kwargs):
    response = _list(self, request, *args, **kwargs)
    response["X-Site-Code"] = "v2"
    return response


CurrentNotices.list = _marked_list
"""


def pids(stack, slug: str) -> dict:
    rows = json.loads(stack.mortar("site", "status", "--json").stdout)
    return {r["slug"]: r for r in rows}[slug]["processes"]


def test_code_change_is_flagged_then_loaded_by_a_graceful_restart(stack, sites):
    run = sites["alpha"]
    assert "X-Site-Code" not in stack.get(run.domain, "/api/v1/notices/").headers
    views = run.dir / "api" / "site_apps" / "notices" / "views.py"
    views.write_text(views.read_text() + PATCH)
    before = pids(stack, run.slug)

    up = stack.mortar("site", "up", str(run.dir)).stdout
    hint = "runs since before the code changed (api/site_apps/notices/views.py)"
    for role in ("api", "worker", "beat"):
        assert f"==> {role} {hint}" in up, up
    assert "==> web runs since" not in up  # web does not load the api's code
    assert f"`mortar site restart {run.dir}` loads it" in up

    out = stack.mortar("site", "restart", str(run.dir), "api", "worker").stdout
    assert "==> api: reloaded" in out and "==> worker: restarted" in out
    after = pids(stack, run.slug)
    assert after["api"] == before["api"]  # SIGHUP: same master, new workers
    assert after["worker"] != before["worker"]  # warm shutdown, then a new worker
    assert after["web"] == before["web"]
    assert after["beat"] == after["worker"]  # beat runs in the worker: restarted with it
    assert stack.get(run.domain, "/api/v1/notices/").headers.get("X-Site-Code") == "v2"

    again = stack.mortar("site", "up", str(run.dir)).stdout
    assert "==> api runs since" not in again and "==> beat runs since" not in again


def test_env_change_needs_and_gets_a_full_restart(stack, sites):
    run = sites["beta"]
    before = pids(stack, run.slug)
    update_env(run.dir / ".env", {"MORTAR_E2E_MARK": "restart-check"})
    up = stack.mortar("site", "up", str(run.dir)).stdout
    for role in ("api", "web", "worker", "beat"):
        assert f"==> {role} runs since before the environment (.env) changed" in up, up

    out = stack.mortar("site", "restart", str(run.dir)).stdout
    for role in ("api", "web", "worker", "beat"):
        assert f"==> {role}: restarted" in out, out
    after = pids(stack, run.slug)
    assert all(after[r] and after[r] != before[r] for r in before), (before, after)
    assert "runs since before" not in stack.mortar("site", "up", str(run.dir)).stdout
    assert stack.get(run.domain, "/health/").status_code == 200


def test_restart_refuses_unknown_roles(stack, sites):
    res = stack.mortar("site", "restart", str(sites["alpha"].dir), "apii", check=False)
    assert res.returncode == 2 and "unknown role(s) apii" in res.stderr


def test_manage_runs_the_sites_django_commands(stack, sites):
    run = sites["alpha"]
    res = stack.mortar("site", "manage", str(run.dir), "list_tenants", "--json")
    assert run.slug in [t["schema"] for t in json.loads(res.stdout)]
    bad = stack.mortar("site", "manage", str(run.dir), "no_such_command", check=False)
    assert bad.returncode == 1 and "Unknown command: 'no_such_command'" in bad.stderr
