"""Helpers for the k8s tier: real cookiecutter sites, rendered with the real kubectl.

`kubectl kustomize` renders offline (no cluster is contacted); schemas come from the
kubernetes-validate package. Two sites with different answers are generated once per
session from the kit root, exactly as a user spawns one; their slugs use the prefix
`k8sf` (nothing here touches PostgreSQL or Redis).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

KIT = Path(__file__).resolve().parents[2]
COOKIECUTTER = str(Path(sys.executable).with_name("cookiecutter"))
# The API version the manifests are validated against (kubectl's own minor here).
K8S_VERSION = "1.32.0"

# Two differently-answered sites: local media vs S3, one vs two languages, different
# versions, a slug with `_` (DNS names use `-`), different time zones.
SITE_ANSWERS = {
    "acme": {
        "site_name": "K8s Acme Shop",
        "site_slug": "k8sf_acme_shop",
        "domain": "shop.acme.example",
        "languages": "en,ar",
        "mortar_version": "1.0.0",
        "media_storage": "local",
        "time_zone": "Asia/Dubai",
    },
    "beta": {
        "site_name": "K8s Beta",
        "site_slug": "k8sfbeta",
        "domain": "beta.example.org",
        "languages": "fr",
        "mortar_version": "2.3.4",
        "media_storage": "s3",
        "s3_bucket": "beta-media",
        "s3_region": "eu-west-1",
        "time_zone": "Europe/Paris",
    },
}
# The beta site gets an extra domain through the documented one-line overlay edit.
BETA_EXTRA_DOMAIN = "www.beta.example.org"


def kubectl_bin() -> str:
    path = shutil.which("kubectl")
    if not path:
        pytest.fail(
            "kubectl not found on PATH: the k8s tier renders with `kubectl kustomize` (kustomize"
            " v5; not among Debian's packages); MORTAR_TEST_K8S=0 leaves the tier out"
        )
    return path


def kustomize_major() -> int:
    """The kustomize built into kubectl; the manifests need v5 (replacements, labels)."""
    out = subprocess.run(
        [kubectl_bin(), "version", "--client"], capture_output=True, text=True, timeout=30
    ).stdout
    found = re.search(r"Kustomize Version: v(\d+)", out)
    return int(found.group(1)) if found else 0


def kustomize(path: Path, check: bool = True) -> subprocess.CompletedProcess[str]:
    res = subprocess.run(
        [kubectl_bin(), "kustomize", str(path)], capture_output=True, text=True, timeout=60
    )
    if check:
        assert res.returncode == 0, f"kubectl kustomize {path} failed:\n{res.stderr}"
    return res


def render(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(kustomize(path).stdout) if d]


def read_env(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        if line and not line.startswith("#") and "=" in line:
            k, v = line.split("=", 1)
            out[k] = v
    return out


@dataclass
class Site:
    key: str
    answers: dict[str, str]
    root: Path
    objects: list[dict[str, Any]]

    @property
    def slug(self) -> str:
        return self.answers["site_slug"]

    @property
    def dns(self) -> str:
        return self.slug.replace("_", "-")

    @property
    def version(self) -> str:
        return self.answers["mortar_version"]

    @property
    def overlay(self) -> Path:
        return self.root / "k8s" / "overlays" / "production"

    @property
    def domains(self) -> list[str]:
        return tomllib.loads((self.root / "mortar.toml").read_text())["site"]["domains"]

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        return [o for o in self.objects if o["kind"] == kind]

    def get(self, kind: str, name: str) -> dict[str, Any]:
        found = [o for o in self.of_kind(kind) if o["metadata"]["name"] == name]
        assert len(found) == 1, f"{kind}/{name}: {len(found)} found"
        return found[0]


def generate_site(out: Path, answers: dict[str, str]) -> Path:
    """Spawn a site from the kit root as a user does (`cookiecutter <kit> --no-input`)."""
    args = [f"{k}={v}" for k, v in answers.items()]
    res = subprocess.run(
        [COOKIECUTTER, str(KIT), "--no-input", "-o", str(out), *args],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, f"cookiecutter failed:\n{res.stdout}\n{res.stderr}"
    return out / answers["site_slug"]


def cluster_env(site_root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """The documented step that writes the overlay's git-ignored .env."""
    return subprocess.run(
        ["sh", str(site_root / "k8s" / "cluster-env.sh"), *args],
        capture_output=True,
        text=True,
        timeout=30,
    )


def add_domain(site_root: Path, domain: str) -> None:
    """The documented edit: one line in domains.yaml (+ the same domain in mortar.toml)."""
    patch = site_root / "k8s" / "overlays" / "production" / "domains.yaml"
    with patch.open("a") as fh:
        fh.write(f"- {{op: add, path: /spec/rules/-, value: {{host: {domain}}}}}\n")
    manifest = site_root / "mortar.toml"
    text = manifest.read_text()
    new = re.sub(r"^(domains = \[.*?)\]", rf'\1, "{domain}"]', text, count=1, flags=re.M)
    assert new != text, "mortar.toml has no domains list"
    manifest.write_text(new)
