"""Backups of running generated sites, through the real CLI and nginx: `site restore --force`
over a running site (stopped, replaced, started again, serving the backup's content), and a
tenant restored under a new name beside its original, both serving their content.

The test leaves the sites as it found them (the restore puts back what the backup held;
the copied tenant is removed), so the other e2e tests see the same sites.
"""

from __future__ import annotations

import json

import pytest
import requests


def _status(stack, slug: str) -> dict:
    rows = json.loads(stack.mortar("site", "status", "--json", check=False).stdout)
    return next(r for r in rows if r["slug"] == slug)


def test_site_restore_force_over_a_running_site(stack, sites, tmp_path, tag):
    run = sites["alpha"]
    archive = tmp_path / "alpha.tar"
    stack.mortar("site", "backup", str(run.dir), "--out", str(archive))
    about = stack.get(run.domain, "/api/v1/pages/about/").json()
    extra = f"extra-{tag}.localhost"  # a tenant made after the backup
    stack.mortar("tenant", "add", str(run.dir), "--domain", extra)
    assert stack.get(extra, "/api/v1/site/").status_code == 200

    res = stack.mortar("site", "restore", str(archive), str(run.dir), check=False)
    assert res.returncode == 2 and "is running" in res.stderr and "--force" in res.stderr
    pids = _status(stack, run.slug)["processes"]

    res = stack.mortar("site", "restore", str(archive), str(run.dir), "--force")
    assert f"==> stopping {run.slug}" in res.stdout and f"==> starting {run.slug}" in res.stdout
    status = _status(stack, run.slug)
    assert status["state"] == "up" and all(status["processes"].values())
    assert status["processes"]["api"] != pids["api"]  # it was restarted
    assert stack.get(run.domain, "/api/v1/pages/about/").json() == about
    assert run.marker in stack.get(run.domain, "/").text
    assert extra not in status["domains"]  # the later tenant is gone, and so is its route
    with pytest.raises(requests.ConnectionError):  # nginx's default server closes it
        stack.get(extra, "/api/v1/site/")


def test_tenant_copy_serves_beside_its_original(stack, sites, tmp_path, tag):
    run = sites["beta"]
    rows = json.loads(stack.mortar("tenant", "list", str(run.dir), "--json").stdout)
    schema = next(r["schema"] for r in rows if run.domain in r["domains"])
    archive = tmp_path / "beta-tenant.tar"
    stack.mortar("tenant", "backup", str(run.dir), schema, "--out", str(archive))
    copy = f"copy-{tag}.localhost"
    res = stack.mortar(
        "tenant", "restore", str(run.dir), str(archive), "--as", "beta_copy", "--domain", copy
    )
    assert f"tenant beta_copy restored: http://{copy}" in res.stdout
    try:
        for host in (run.domain, copy):
            assert stack.get(host, "/api/v1/site/").json()["settings"]["site_name"] == run.marker
            assert stack.get(host, "/api/v1/pages/about/?lang=ar").status_code == 200
            assert f"About {run.marker}" in stack.get(host, "/about/").text
        res = stack.mortar(
            "tenant",
            "restore",
            str(run.dir),
            str(archive),
            "--as",
            "beta_copy",
            "--domain",
            f"other-{tag}.localhost",
            check=False,
        )
        assert res.returncode == 2 and "schema beta_copy already exists" in res.stderr
    finally:
        stack.mortar("tenant", "remove", str(run.dir), "beta_copy", "--yes")
