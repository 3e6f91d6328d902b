"""Fixtures for the k8s tier (helpers in k8s_sites.py): two generated sites and the
shared platform, each rendered once per session."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from k8s_sites import (
    BETA_EXTRA_DOMAIN,
    KIT,
    SITE_ANSWERS,
    Site,
    add_domain,
    cluster_env,
    generate_site,
    kustomize_major,
    render,
)


@pytest.fixture(scope="session", autouse=True)
def kustomize_v5() -> None:
    if kustomize_major() < 5:
        pytest.fail("kubectl with kustomize v5 or later is needed (kubectl 1.27+)")


@pytest.fixture(scope="session")
def sites(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Site]:
    out = tmp_path_factory.mktemp("k8s-sites")
    made = {}
    for key, answers in SITE_ANSWERS.items():
        root = generate_site(out, answers)
        res = cluster_env(root)
        assert res.returncode == 0, res.stderr
        if key == "beta":
            add_domain(root, BETA_EXTRA_DOMAIN)
        made[key] = Site(key, answers, root, render(root / "k8s" / "overlays" / "production"))
    return made


@pytest.fixture(scope="session", params=sorted(SITE_ANSWERS))
def site(request: pytest.FixtureRequest, sites: dict[str, Site]) -> Site:
    return sites[request.param]


@pytest.fixture(scope="session")
def platform_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of shared-infra/k8s with a dummy secrets.env (the real one is git-ignored)."""
    dst = tmp_path_factory.mktemp("platform") / "k8s"
    shutil.copytree(KIT / "shared-infra" / "k8s", dst)
    (dst / "secrets.env").write_text("POSTGRES_PASSWORD=pg-dummy-k8sf\nREDIS_PASSWORD=rd-dummy\n")
    return dst


@pytest.fixture(scope="session")
def platform(platform_dir: Path) -> list[dict[str, Any]]:
    return render(platform_dir)
