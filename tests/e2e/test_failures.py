"""`mortar site up` failures: a clear message and nothing registered with nginx."""

from __future__ import annotations

import subprocess

import pytest
import requests
from conftest import BIN

pytestmark = pytest.mark.e2e


def test_broken_site_fails_clearly_and_is_not_routed(stack, tag, tmp_path):
    slug = f"e2e_broken_{tag}"
    domain = f"broken-{tag}.localhost"
    site = stack.spawn(tmp_path, site_name="Broken", site_slug=slug, domain=domain)
    # a site developer's typo: the settings module does not import
    settings = site / "api" / f"{slug}_api" / "settings.py"
    settings.write_text(settings.read_text() + "\nraise RuntimeError('typo in settings')\n")
    try:
        proc = stack.mortar("site", "up", str(site), check=False)
        assert proc.returncode == 1
        assert proc.stderr.startswith("error: ")
        assert "typo in settings" in proc.stderr
        assert not (stack.home / "nginx" / "sites" / f"{slug}.conf").exists()
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{stack.port}/", headers={"Host": domain}, timeout=10)
    finally:
        stack.mortar("site", "down", str(site), check=False)
        stack.mortar("site", "deprovision", slug, "--yes", check=False)


def test_up_without_env_file_is_refused(stack, tag, tmp_path):
    site = stack.spawn(tmp_path, site_name="No env", site_slug=f"e2e_noenv_{tag}")
    (site / ".env").unlink()
    proc = stack.mortar("site", "up", str(site), check=False)
    assert proc.returncode == 2
    assert "no .env" in proc.stderr


def test_up_of_a_non_site_dir_is_refused(stack, tmp_path):
    proc = stack.mortar("site", "up", str(tmp_path), check=False)
    assert proc.returncode == 2
    assert "mortar.toml" in proc.stderr


def test_up_without_the_shared_stack_is_refused(stack, tag, tmp_path):
    site = stack.spawn(tmp_path, site_name="No stack", site_slug=f"e2e_nostack_{tag}")
    env = {**stack.env, "MORTAR_HOME": str(tmp_path / "empty-home")}
    proc = subprocess.run(
        [str(BIN / "mortar"), "site", "up", str(site)], env=env, capture_output=True, text=True
    )
    assert proc.returncode == 1
    assert "mortar infra up" in proc.stderr
    assert not (tmp_path / "empty-home" / "nginx" / "sites").exists()


def test_site_pinning_another_version_is_refused(stack, tag, tmp_path):
    site = stack.spawn(
        tmp_path, site_name="Old pin", site_slug=f"e2e_pin_{tag}", mortar_version="0.9.0"
    )
    proc = stack.mortar("site", "up", str(site), check=False)
    assert proc.returncode == 1
    assert "pins mortar 0.9.0 but this kit provides" in proc.stderr
    assert not (site / ".venv").exists()


def test_bad_tenant_domains_are_refused(stack, sites, tag):
    alpha, beta = sites["alpha"], sites["beta"]
    before = (stack.home / "nginx" / "sites" / f"{alpha.slug}.conf").read_text()
    for domain, reason in [("not a domain", "domain"), (beta.domain, beta.domain)]:
        proc = stack.mortar("tenant", "add", str(alpha.dir), "--domain", domain, check=False)
        assert proc.returncode != 0, domain
        assert proc.stderr.startswith("error: ") and reason in proc.stderr, proc.stderr
    assert (stack.home / "nginx" / "sites" / f"{alpha.slug}.conf").read_text() == before


def test_uninstalled_dependency_gets_a_hint(stack, tag, tmp_path):
    slug = f"e2e_dep_{tag}"
    site = stack.spawn(tmp_path, site_name="Dep", site_slug=slug)
    pyproject = site / "api" / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            "dependencies = [", 'dependencies = [\n    "mortar-missing-dep-e2e",'
        )
    )
    proc = stack.mortar("site", "up", str(site), check=False)
    assert proc.returncode == 1
    assert "installing the site's api and web packages failed" in proc.stderr
    # the hint: a new dependency must be locked first (README.md, "Dependencies")
    assert f"lock it: mortar site lock {site}" in proc.stderr
    assert not (stack.home / "nginx" / "sites" / f"{slug}.conf").exists()
    assert not (stack.home / "sites" / slug / "run").exists()  # no process was started
