"""Fixtures for the images tier: base images, a generated site, its images, the native stack.

Slugs start with `img_` (databases `site_img_*`), cleaned up here even when a test fails.
Build output goes to test-artifacts/images/ (kept for CI on failure).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from .containers import VERSION, build_images, engine_missing
from .helpers import ARTIFACTS, PG_ADMIN, REDIS_ADMIN, drop_site_objects, free_port


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def base_images(artifacts: Path) -> dict[str, str]:
    """mortarcms/api-base and web-base at the kit VERSION (skipped when their inputs match)."""
    why = engine_missing()
    if why:
        pytest.fail(why)
    log = artifacts / "build-bases.log"
    rc = build_images(log=log)
    assert rc == 0, f"scripts/build-images failed (rc={rc}):\n{log.read_text()[-4000:]}"
    return {"api": f"mortarcms/api-base:{VERSION}", "web": f"mortarcms/web-base:{VERSION}"}


@pytest.fixture(scope="module")
def mortar_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """A private MORTAR_HOME and nginx port for the module; restores os.environ after."""
    saved = dict(os.environ)
    home = tmp_path_factory.mktemp("mortar-home")
    os.environ.update(
        MORTAR_HOME=str(home),
        MORTAR_HTTP_PORT=str(free_port()),
        MORTAR_POSTGRES_ADMIN_URL=PG_ADMIN,
        MORTAR_REDIS_ADMIN_URL=REDIS_ADMIN,
    )
    yield dict(os.environ)
    os.environ.clear()
    os.environ.update(saved)


@pytest.fixture(scope="module")
def site_slug() -> Iterator[str]:
    slug = f"img_{uuid.uuid4().hex[:8]}"
    yield slug
    drop_site_objects(slug)
