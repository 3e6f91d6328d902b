"""Contract tier fixtures: one generated site up natively behind the real nginx (the shared
stack on a temp MORTAR_HOME and a free port, through the real `mortar` CLI, as in tests/e2e)
and an editor token for a staff user. Torn down after the session.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
from kitstack import Stack, free_port

HERE = Path(__file__).resolve().parent


@dataclass
class ContractSite:
    slug: str
    domain: str
    dir: Path
    token: str = ""


@pytest.fixture(scope="session")
def stack():
    # Not under pytest's basetemp: run as root, nginx's workers (nobody) cannot traverse its
    # 0700 directories, so a request body over 16 KiB (buffered to the stack's temp dir)
    # would get nginx's own 500 (content blocks make such editor bodies valid).
    home = Path(tempfile.mkdtemp(prefix="mortar-contract-home-"))
    home.chmod(0o755)
    st = Stack(home, free_port())
    st.mortar("infra", "up")
    try:
        yield st
    finally:
        st.mortar("infra", "down", check=False)
        shutil.rmtree(home, ignore_errors=True)


@pytest.fixture(scope="session")
def site(stack: Stack, tmp_path_factory):
    from mortar_infra.envfile import update_env

    tag = uuid.uuid4().hex[:6]
    run = ContractSite(f"ct_{tag}", f"ct-{tag}.localhost", Path())
    run.dir = stack.spawn(
        tmp_path_factory.mktemp("sites"), site_name=f"Contract {tag}", site_slug=run.slug,
        domain=run.domain, languages="en,ar", admin_email=f"owner@{run.domain}",
    )  # fmt: skip
    # The fuzzer creates webhooks to made-up https:// hosts and publishes pages: the worker's
    # deliveries go to a closed loopback port instead of the internet (urllib reads these).
    dead = f"http://127.0.0.1:{free_port()}"
    local = "127.0.0.1,localhost,.localhost"  # web -> api stays direct
    update_env(run.dir / ".env", {"http_proxy": dead, "https_proxy": dead, "no_proxy": local})
    # schemathesis sends requests from several workers: enough api processes to take them
    update_env(run.dir / ".env", {"GUNICORN_WORKERS": os.environ.get("GUNICORN_WORKERS", "4")})
    # A fuzzer is a flood from one address by design: the edge's request limits are lifted.
    manifest = run.dir / "mortar.toml"
    limits = '[nginx.limits]\nlogin = "off"\ncontact = "off"\nsite = "off"\n'
    manifest.write_text(manifest.read_text() + "\n" + limits)
    try:
        stack.mortar("site", "up", str(run.dir))
        made = stack.site_python(
            run, str(HERE / "editor_token.py"), run.slug, f"editor@{run.domain}"
        )
        assert made.returncode == 0, made.stderr
        run.token = made.stdout.strip().splitlines()[-1]
        yield run
    finally:
        if run.dir.exists():
            stack.mortar("site", "down", str(run.dir), check=False)
            stack.mortar("site", "deprovision", run.slug, "--yes", check=False)
