"""End-to-end fixtures: the native shared stack on a temp MORTAR_HOME and a free port,
two generated sites up at once, an SMTP sink for the sites' mail, all through the real
`mortar` CLI. Slugs start with `e2e_` plus a run tag; everything is torn down after.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

# The stack and site helpers are shared with tests/contract (tests/support/kitstack.py).
from kitstack import BIN, KIT, Stack, free_port  # noqa: F401 - BIN, KIT: tests import them here
from smtpsink import SmtpSink

CONTENT = Path(__file__).resolve().parent / "site_content.py"
CHROMIUM = os.environ.get("MORTAR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]


def launch_chromium(*extra_args: str) -> Iterator:
    """Debian's headless Chromium driven by Playwright (a browser); skips when either is missing.

    For a module fixture: ``yield from launch_chromium()``."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"{CHROMIUM} missing: apt-get install -y chromium")
    with sync_api.sync_playwright() as pw:
        args = [*CHROMIUM_ARGS, *extra_args]
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=args, headless=True)
        yield browser
        browser.close()


RETITLE = """
import sys

import django

django.setup()
from django_tenants.utils import schema_context
from mortar_api.cms.models import Page

with schema_context(sys.argv[1]):
    page = Page.objects.get(slug="about")
    page.title = sys.argv[2]
    page.save()  # the api's own signal bumps the tenant's generation counters
"""


def retitle_about(stack: Stack, run: SiteRun, title: str) -> None:
    """A publish: the first tenant's `about` page gets `title` (through the site's Django)."""
    proc = stack.site_python(run, "-c", RETITLE, run.slug, title)
    assert proc.returncode == 0, proc.stderr


@dataclass
class SiteRun:
    slug: str
    domain: str
    marker: str
    languages: str
    dir: Path
    up_output: str = ""
    # what a visitor saw right after `site up`, before any content was loaded
    fresh_home: str = ""
    fresh_home_api: dict = field(default_factory=dict)
    fresh_site_api: dict = field(default_factory=dict)


@pytest.fixture(scope="session")
def tag() -> str:
    return uuid.uuid4().hex[:6]


@pytest.fixture(scope="session")
def smtp():
    from aiosmtpd.controller import Controller

    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    controller.stop()


@pytest.fixture(scope="session")
def stack(tmp_path_factory):
    home = tmp_path_factory.mktemp("mortar-home")
    st = Stack(home, free_port())
    st.mortar("infra", "up")
    yield st
    st.mortar("infra", "down", check=False)


@pytest.fixture(scope="session")
def sites(stack, smtp, tag, tmp_path_factory):
    from mortar_infra.envfile import update_env

    out = tmp_path_factory.mktemp("sites")
    runs = [
        SiteRun(f"e2e_alpha_{tag}", f"alpha-{tag}.localhost", f"Alpha {tag}", "en", Path()),
        SiteRun(f"e2e_beta_{tag}", f"beta-{tag}.localhost", f"Beta {tag}", "en,ar", Path()),
    ]
    for run, tz in zip(runs, ["Europe/Paris", "Asia/Dubai"], strict=True):
        run.dir = stack.spawn(
            out, site_name=run.marker, site_slug=run.slug, domain=run.domain,
            languages=run.languages, time_zone=tz, admin_email=f"owner@{run.domain}",
        )  # fmt: skip
        update_env(
            run.dir / ".env",
            {"EMAIL_PROVIDER": "smtp", "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}"},
        )
    try:
        # both brought up at the same time
        with ThreadPoolExecutor(max_workers=2) as pool:
            procs = list(pool.map(lambda r: stack.mortar("site", "up", str(r.dir)), runs))
        for run, proc in zip(runs, procs, strict=True):
            run.up_output = proc.stdout
            run.fresh_home = stack.get(run.domain, "/").text
            run.fresh_home_api = stack.get(run.domain, "/api/v1/home/?lang=ar").json()
            run.fresh_site_api = stack.get(run.domain, "/api/v1/site/").json()
            content = stack.site_python(
                run, str(CONTENT), run.slug, run.marker, f"contact@{run.domain}"
            )
            assert content.returncode == 0, content.stderr
        for run in runs:  # the welcome page read above may be kept by the edge for max-age
            mark = f"Home of {run.marker}"
            assert mark in stack.get_fresh(run.domain, "/", lambda r, m=mark: m in r.text).text
        yield {"alpha": runs[0], "beta": runs[1]}
    finally:
        for run in runs:
            if run.dir.exists():
                stack.mortar("site", "down", str(run.dir), check=False)
                stack.mortar("site", "deprovision", run.slug, "--yes", check=False)
