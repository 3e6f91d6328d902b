"""`mortar site upgrade --dry-run` and the refusals before anything changes, on sites generated
with the real cookiecutter at another version than the kit's (no stack, no venv needed: these
are the checks of step 1). The upgrade itself, its rollback and cruft: tests/e2e/test_upgrade.py.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from infra_support import mortar

KIT = Path(__file__).resolve().parents[2]
VERSION = (KIT / "VERSION").read_text().strip()
OLD = "0.9.0"


def spawn(tmp_path: Path, version: str) -> Path:
    cookiecutter = Path(sys.executable).with_name("cookiecutter")
    res = subprocess.run(
        [str(cookiecutter), str(KIT), "--no-input", "-o", str(tmp_path), "site_slug=itu_upgrade",
         f"mortar_version={version}"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert res.returncode == 0, res.stderr
    return tmp_path / "itu_upgrade"


def snapshot(site: Path) -> dict[str, bytes]:
    return {str(p.relative_to(site)): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def refused(site: Path, *args: str) -> str:
    before = snapshot(site)
    res = mortar("site", "upgrade", str(site), *args)
    assert res.returncode == 2, (res.stdout, res.stderr)
    assert snapshot(site) == before  # nothing changed
    return res.stderr


def test_dry_run_lists_every_pin_and_changes_nothing(tmp_path: Path) -> None:
    site = spawn(tmp_path, OLD)
    before = snapshot(site)
    res = mortar("site", "upgrade", str(site), "--to", VERSION, "--dry-run")
    assert res.returncode == 0, res.stderr
    out = res.stdout
    assert f"itu_upgrade: mortar {OLD} -> {VERSION} (dry run: nothing changed)" in out
    for line in [
        f'mortar.toml: mortar_version = "{OLD}"  ->  mortar_version = "{VERSION}"',
        f".env: MORTAR_VERSION={OLD}  ->  MORTAR_VERSION={VERSION}",
        f'api/pyproject.toml: "mortar-api=={OLD}",  ->  "mortar-api=={VERSION}",',
        f'web/pyproject.toml: dependencies = ["mortar-web=={OLD}"]',
        f"api/Dockerfile: ARG MORTAR_VERSION={OLD}  ->  ARG MORTAR_VERSION={VERSION}",
        f"web/Dockerfile: ARG MORTAR_VERSION={OLD}",
        f"k8s/base/api.yaml: image: mortarcms/itu-upgrade-api:{OLD}",
        f"k8s/base/migrate-job.yaml: name: itu-upgrade-migrate-{OLD}",
        f'k8s/overlays/production/kustomization.yaml: newTag: "{OLD}"',
        f'.cruft.json: "mortar_version": "{OLD}"  ->  "mortar_version": "{VERSION}"',
        f'.github/workflows/ci.yml: MORTAR_VERSION: "{OLD}"  ->  MORTAR_VERSION: "{VERSION}"',
        f"/api-base:{OLD}  ->  ",  # the base image the site's CI tests in
    ]:
        assert line in out, (line, out)
    # not a git checkout: cruft cannot merge, the template step is skipped (and says so)
    assert "template files: skipped: the site is not a git checkout" in out
    assert snapshot(site) == before


@pytest.mark.parametrize(
    ("version", "to", "says"),
    [
        (OLD, "1.x", "--to '1.x' is not a version"),
        (OLD, "98.0.0", f"provides mortar {VERSION}, not 98.0.0"),
        (VERSION, VERSION, f"itu_upgrade is already at mortar {VERSION}"),
    ],
)
def test_bad_versions_are_refused(tmp_path: Path, version: str, to: str, says: str) -> None:
    assert says in refused(spawn(tmp_path, version), "--to", to, "--dry-run")


def test_downgrade_is_refused(tmp_path: Path) -> None:
    site = spawn(tmp_path, "99.0.0")
    assert "migrations do not run backwards" in refused(site, "--to", VERSION)


def test_a_moved_pin_is_refused(tmp_path: Path) -> None:
    site = spawn(tmp_path, OLD)
    api = site / "api" / "pyproject.toml"
    api.write_text(api.read_text().replace(f"mortar-api=={OLD}", "mortar-api>=0.9"))
    err = refused(site, "--to", VERSION)
    assert f'api/pyproject.toml: no `"mortar-api=={OLD}"`' in err, err


def test_uncommitted_changes_are_refused_before_the_template_step(tmp_path: Path) -> None:
    site = spawn(tmp_path, OLD)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t.invalid"]
    for cmd in (["init", "-q"], ["add", "-A"], ["commit", "-q", "-m", "spawned"]):
        subprocess.run([*git, *cmd], cwd=site, check=True, capture_output=True)
    (site / "README.md").write_text("edited\n")
    assert "has uncommitted changes" in refused(site, "--to", VERSION)
    res = mortar("site", "upgrade", str(site), "--to", VERSION, "--dry-run", "--no-template")
    assert res.returncode == 0 and "template files: unchanged" in res.stdout, res.stderr
