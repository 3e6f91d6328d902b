"""Each generated site's CI file: the chosen tool's only, valid against its published schema,
and doing what the README promises (lint, tests on service containers, pip-audit, images
pushed only for a tag to the registry a variable names). The commands it runs are run on
generated sites by test_site_suite.py."""

from __future__ import annotations

import tomllib

import jsonschema
import pytest
from ci_files import CI_FILES, load_yaml, schema
from conftest import ANSWER_SETS


def _tool(name: str) -> str:
    return ANSWER_SETS[name].get("ci_tool", "github")


def _errors(tool: str, doc: dict) -> list:
    s = schema(tool)
    return list(jsonschema.validators.validator_for(s)(s).iter_errors(doc))


@pytest.mark.parametrize("name", list(ANSWER_SETS))
def test_only_the_chosen_ci_files_exist_and_validate(sites, name):
    site, tool = sites[name].site, _tool(name)
    for other, (rel, _) in CI_FILES.items():
        assert (site / rel).is_file() == (other == tool), (name, rel)
    if tool == "github":
        assert not (site / ".gitlab-ci.yml").exists()
    else:
        assert not (site / ".github").exists()
    if tool != "none":
        doc = load_yaml(site / CI_FILES[tool][0])
        assert _errors(tool, doc) == [], name


@pytest.mark.parametrize("tool", list(CI_FILES))
def test_schema_rejects_a_broken_ci_file(sites, tool):
    """The validation above can fail: a misspelt key is caught."""
    name = next(n for n in ANSWER_SETS if _tool(n) == tool)
    doc = load_yaml(sites[name].site / CI_FILES[tool][0])
    if tool == "github":
        doc["jobs"]["test"]["run-on"] = doc["jobs"]["test"].pop("runs-on")
    else:
        doc["test"]["scripts"] = doc["test"].pop("script")
    assert _errors(tool, doc)


def test_github_workflow_does_what_the_readme_says(sites):
    site = sites["unicode"].site
    doc = load_yaml(site / CI_FILES["github"][0])
    pinned = tomllib.loads((site / "mortar.toml").read_text())["site"]["mortar_version"]
    assert doc["env"]["MORTAR_VERSION"] == pinned
    assert set(doc["on"]) == {"push", "pull_request"} and doc["on"]["push"]["tags"] == ["v*"]
    test = doc["jobs"]["test"]
    assert test["container"]["image"].endswith(f"/api-base:{pinned}")
    assert set(test["services"]) == {"postgres", "redis"}
    assert test["env"]["DATABASE_URL"].endswith(f"@postgres:5432/site_{site.name}")
    audit = doc["jobs"]["audit"]
    assert audit["strategy"]["matrix"]["role"] == ["api", "web"]
    assert "pip_audit" in audit["steps"][-1]["run"]
    images = doc["jobs"]["images"]
    assert images["needs"] == ["test", "audit"]
    assert "vars.SITE_REGISTRY" in images["env"]["SITE_REGISTRY"]
    steps = {s.get("name"): s for s in images["steps"]}
    assert "docker build" in steps["Build"]["run"] and "push" not in steps["Build"]["run"]
    assert steps["Push"]["if"] == "startsWith(github.ref, 'refs/tags/')"
    assert "docker push" in steps["Push"]["run"]


def test_gitlab_pipeline_does_what_the_readme_says(sites):
    site = sites["s3"].site
    doc = load_yaml(site / CI_FILES["gitlab"][0])
    pinned = tomllib.loads((site / "mortar.toml").read_text())["site"]["mortar_version"]
    assert doc["variables"]["MORTAR_VERSION"] == pinned
    assert doc["variables"]["SITE_REGISTRY"] == "$CI_REGISTRY_IMAGE"
    assert {s["alias"] for s in doc["test"]["services"]} == {"postgres", "redis"}
    # CI never needs the bucket's credentials, even for an S3 site
    assert doc["test"]["variables"]["MORTAR_MEDIA_STORAGE"] == "local"
    assert doc["audit"]["parallel"]["matrix"] == [{"ROLE": ["api", "web"]}]
    assert any("pip_audit" in line for line in doc["audit"]["script"])
    (script,) = doc["images"]["script"]
    build, push = script.split('if [ -n "$CI_COMMIT_TAG" ]; then\n', 1)
    assert "docker build" in build and "docker push" not in build
    assert "docker push" in push and "$SITE_REGISTRY/" in push
