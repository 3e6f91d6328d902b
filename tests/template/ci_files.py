"""A generated site's CI file: which one, its parsed content, its schema, and the commands
and settings of its lint and test jobs (which the template tier runs on the site)."""

from __future__ import annotations

import json
from importlib.resources import files
from pathlib import Path

from ruamel.yaml import YAML

# ci_tool answer -> (file in the site, check-jsonschema's vendored schema)
CI_FILES = {
    "github": (".github/workflows/ci.yml", "github-workflows.json"),
    "gitlab": (".gitlab-ci.yml", "gitlab-ci.json"),
}


def load_yaml(path: Path) -> dict:
    # YAML 1.2 (as GitHub and GitLab read it): `on:` stays a string key, not True.
    return YAML(typ="safe", pure=True).load(path.read_text())


def schema(tool: str) -> dict:
    """The published JSON schema of a CI file, as vendored by check-jsonschema (offline)."""
    name = CI_FILES[tool][1]
    path = files("check_jsonschema") / "builtin_schemas" / "vendor" / name
    return json.loads(path.read_text())


def lint_and_test(site: Path, tool: str) -> tuple[dict[str, str], list[str]]:
    """The environment and shell commands CI runs for the site's lint and tests.

    Only the commands after the install step: the install runs inside the base image, whose
    packages the kit venv running these commands has too.
    """
    doc = load_yaml(site / CI_FILES[tool][0])
    if tool == "github":
        job = doc["jobs"]["test"]
        env = {**doc.get("env", {}), **job.get("env", {})}
        steps = {s.get("name"): s["run"] for s in job["steps"] if "run" in s}
        return _strings(env), [steps["Lint"], steps["Test"]]
    env = {**doc.get("variables", {}), **doc["test"].get("variables", {})}
    return _strings(env), [*doc["lint"]["script"], *doc["test"]["script"]]


def _strings(env: dict) -> dict[str, str]:
    return {k: str(v) for k, v in env.items()}
