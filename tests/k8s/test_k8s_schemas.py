"""Every rendered object validates against the Kubernetes API schemas (offline, strict)."""

from __future__ import annotations

import copy
import shutil
from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from k8s_sites import K8S_VERSION, KIT, Site, kustomize, render


def validate_all(objects: list[dict]) -> None:
    assert objects, "nothing rendered"
    errors = []
    for obj in objects:
        try:
            # strict: an unknown (e.g. misspelt or misplaced) field is an error too.
            kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
        except kubernetes_validate.ValidationError as exc:
            errors.append(f"{obj['kind']}/{obj['metadata']['name']}: {exc.message}")
    assert not errors, "\n".join(errors)


def test_site_overlay_objects_are_valid(site: Site) -> None:
    validate_all(site.objects)


def test_site_base_renders_and_is_valid(site: Site) -> None:
    validate_all(render(site.root / "k8s" / "base"))


def test_platform_objects_are_valid(platform: list[dict]) -> None:
    validate_all(platform)


@pytest.mark.parametrize("rel", ["shared-infra/k8s/managed"])
def test_platform_variants_are_valid(rel: str) -> None:
    validate_all(render(KIT / rel))


def test_ingress_class_is_valid() -> None:
    docs = list(yaml.safe_load_all((KIT / "shared-infra/k8s/ingress-class.yaml").read_text()))
    validate_all(docs)
    assert docs[0]["metadata"]["name"] == "nginx"


def test_validator_rejects_a_broken_object(sites: dict[str, Site]) -> None:
    """The validation above can fail: a wrong type and an unknown field are caught."""
    dep = copy.deepcopy(sites["acme"].get("Deployment", "k8sf-acme-shop-api"))
    dep["spec"]["replicas"] = "two"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(dep, K8S_VERSION, strict=True)
    ing = copy.deepcopy(sites["acme"].get("Ingress", "k8sf-acme-shop"))
    ing["spec"]["rules"][0]["hosts"] = ["typo"]
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(ing, K8S_VERSION, strict=True)


def test_platform_without_secrets_env_fails_clearly(tmp_path: Path, platform_dir: Path) -> None:
    copy_dir = tmp_path / "k8s"
    shutil.copytree(platform_dir, copy_dir)
    (copy_dir / "secrets.env").unlink()
    res = kustomize(copy_dir, check=False)
    assert res.returncode != 0
    assert "secrets.env" in res.stderr
