"""The kit's version is written in one place (VERSION) and followed everywhere."""

import json
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VERSION = (ROOT / "VERSION").read_text().strip()


def test_version_is_semver() -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", VERSION)


def test_packages_carry_the_kit_version() -> None:
    for pkg in ("shared-infra", "base-images/api", "base-images/web"):
        data = tomllib.loads((ROOT / pkg / "pyproject.toml").read_text())
        assert data["project"]["version"] == VERSION, pkg


def test_template_defaults_to_the_kit_version() -> None:
    path = ROOT / "template" / "cookiecutter.json"
    if not path.exists():
        return
    assert json.loads(path.read_text())["mortar_version"] == VERSION
