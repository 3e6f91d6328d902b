"""The kit's version is written in one place (VERSION) and followed everywhere."""

import json
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VERSION = (ROOT / "VERSION").read_text().strip()
PACKAGES = (
    "shared-infra",
    "base-images/api",
    "base-images/web",
    "base-images/common/contract",
)


def test_version_is_semver() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION)


def test_packages_carry_the_kit_version() -> None:
    for pkg in PACKAGES:
        data = tomllib.loads((ROOT / pkg / "pyproject.toml").read_text())
        assert data["project"]["version"] == VERSION, pkg


def test_contract_pins_are_the_kit_version() -> None:
    """mortar-contract is on no index: every user pins exactly the kit's own build of it."""
    for pkg in ("shared-infra", "base-images/api", "base-images/web"):
        deps = tomllib.loads((ROOT / pkg / "pyproject.toml").read_text())["project"]["dependencies"]
        assert f"mortar-contract=={VERSION}" in deps, pkg


def test_template_defaults_to_the_kit_version() -> None:
    path = ROOT / "template" / "cookiecutter.json"
    if not path.exists():
        return
    assert json.loads(path.read_text())["mortar_version"] == VERSION


def test_bump_version_changes_versions_only(tmp_path: Path) -> None:
    """The script on a copy of the files it edits: the prompt text that shares the key in
    cookiecutter's __prompts__ stays (1.1.0's bump once overwrote it with the version)."""
    import shutil
    import subprocess

    edited = [
        "VERSION",
        "shared-infra/pyproject.toml",
        "base-images/api/pyproject.toml",
        "base-images/web/pyproject.toml",
        "base-images/common/contract/pyproject.toml",
        "template/cookiecutter.json",
        "scripts/bump-version",
    ]
    for rel in edited:
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, tmp_path / rel)
    before = json.loads((tmp_path / "template/cookiecutter.json").read_text())
    subprocess.run(["bash", str(tmp_path / "scripts/bump-version"), "9.8.7"], check=True)
    after = json.loads((tmp_path / "template/cookiecutter.json").read_text())
    assert after["mortar_version"] == "9.8.7"
    for pkg in PACKAGES:
        data = tomllib.loads((tmp_path / pkg / "pyproject.toml").read_text())["project"]
        assert data["version"] == "9.8.7", pkg
        assert all(
            d == "mortar-contract==9.8.7" for d in data["dependencies"] if "mortar-contract" in d
        ), pkg
    assert after["__prompts__"] == before["__prompts__"]
    assert (tmp_path / "VERSION").read_text().strip() == "9.8.7"
    for pkg in ("shared-infra", "base-images/api", "base-images/web"):
        data = tomllib.loads((tmp_path / pkg / "pyproject.toml").read_text())
        assert data["project"]["version"] == "9.8.7", pkg
    bad = subprocess.run(["bash", str(tmp_path / "scripts/bump-version"), "1.2"], text=True,
                         capture_output=True)  # fmt: skip
    assert bad.returncode == 2 and "not X.Y.Z" in bad.stderr
    assert (tmp_path / "VERSION").read_text().strip() == "9.8.7"
