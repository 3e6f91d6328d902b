"""The site's Secret comes from its git-ignored .env only; no secret value is ever committed."""

from __future__ import annotations

import base64
import shutil
import subprocess
from pathlib import Path

import pytest
from k8s_sites import KIT, Site, cluster_env, kustomize, read_env

SECRET_NAMES = ("SECRET_KEY", "DATABASE_URL", "REDIS_URL")


def git(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_secret_carries_the_site_env_with_cluster_hosts(site: Site) -> None:
    secret = site.get("Secret", f"{site.dns}-migrate-env")
    data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert data == read_env(site.overlay / ".env")  # every line, nothing else
    site_env = read_env(site.root / ".env")
    assert data["SECRET_KEY"] == site_env["SECRET_KEY"]
    db = f"site_{site.slug}"
    assert data["DATABASE_URL"].startswith(f"postgres://{db}:")
    assert data["DATABASE_URL"].endswith(f"@postgres.mortar-platform.svc.cluster.local:5432/{db}")
    assert data["REDIS_URL"].endswith("@redis.mortar-platform.svc.cluster.local:6379/0")
    # Only the host changed: the site's own credentials are kept.
    assert data["DATABASE_URL"].split("@")[0] == site_env["DATABASE_URL"].split("@")[0]
    assert data["REDIS_URL"].split("@")[0] == site_env["REDIS_URL"].split("@")[0]


def test_no_secret_value_is_committed(site: Site, tmp_path: Path) -> None:
    """Commit the generated site as its developer would (`git add -A`): no .env goes in,
    and no committed file holds any of the secret values."""
    root = tmp_path / "site"
    shutil.copytree(site.root, root)
    assert git(root, "init", "-q").returncode == 0
    assert git(root, "add", "-A").returncode == 0
    tracked = git(root, "ls-files").stdout.split()
    assert "k8s/overlays/production/kustomization.yaml" in tracked
    assert not [f for f in tracked if Path(f).name.startswith(".env")], tracked
    values = [
        v
        for env in (root / ".env", root / "k8s/overlays/production/.env")
        for k, v in read_env(env).items()
        if k in SECRET_NAMES
    ]
    assert len(values) == 6
    for rel in tracked:
        text = (root / rel).read_text(errors="replace")
        for value in values:
            assert value not in text, f"{rel} holds a secret value"


def test_kit_commits_no_secret_manifest_or_env() -> None:
    """In the kit itself, Secrets exist only as generators (never `kind: Secret` with data)."""
    dirs = [KIT / "shared-infra" / "k8s", KIT / "template"]
    for d in dirs:
        for path in d.rglob("*"):
            if path.is_file() and path.suffix in {".yaml", ".yml"}:
                assert "kind: Secret" not in path.read_text(), path
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "shared-infra/k8s/secrets.env"], cwd=KIT, timeout=30
    )
    assert ignored.returncode == 0, "shared-infra/k8s/secrets.env must be git-ignored"


def test_overlay_without_env_refuses_to_render(site: Site, tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(site.root, root)
    (root / "k8s/overlays/production/.env").unlink()
    res = kustomize(root / "k8s/overlays/production", check=False)
    assert res.returncode != 0
    assert ".env" in res.stderr


def test_cluster_env_custom_hosts(site: Site, tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(site.root, root)
    res = cluster_env(root, "-f", "db.internal", "cache.internal:6380")
    assert res.returncode == 0, res.stderr
    out = root / "k8s/overlays/production/.env"
    env = read_env(out)
    assert "@db.internal:5432/" in env["DATABASE_URL"]
    assert "@cache.internal:6380/0" in env["REDIS_URL"]
    assert out.stat().st_mode & 0o077 == 0, "the cluster .env must be private (600)"


def test_cluster_env_keeps_an_existing_file_without_force(site: Site, tmp_path: Path) -> None:
    root = tmp_path / "site"
    shutil.copytree(site.root, root)
    out = root / "k8s/overlays/production/.env"
    out.write_text("SECRET_KEY=hand-edited\n")
    res = cluster_env(root)
    assert res.returncode == 1
    assert "exists" in res.stderr and "-f" in res.stderr
    assert out.read_text() == "SECRET_KEY=hand-edited\n"


@pytest.mark.parametrize(
    ("content", "message"),
    [(None, "not found"), ("SECRET_KEY=x\nREDIS_URL=redis://u:p@h:1/0\n", "DATABASE_URL missing")],
)
def test_cluster_env_bad_site_env(
    site: Site, tmp_path: Path, content: str | None, message: str
) -> None:
    root = tmp_path / "site"
    shutil.copytree(site.root, root)
    out = root / "k8s/overlays/production/.env"
    out.unlink()
    if content is None:
        (root / ".env").unlink()
    else:
        (root / ".env").write_text(content)
    res = cluster_env(root)
    assert res.returncode == 1
    assert message in res.stderr
    assert not out.exists() and not out.with_suffix(".tmp").exists()
