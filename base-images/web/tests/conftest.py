"""Fixtures: one real api-base + web-base pair for the whole session (tests/stack.py).

Database `mortar_webtest`, Redis prefix `webtest`, tenants `t1` (t1.webtest.localhost)
and `t2` (t2.webtest.localhost) in English and Arabic. MORTAR_TEST_WEB_NAME renames the
database and prefix, so two checkouts can run this tier at once on one machine.
"""

from __future__ import annotations

import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from stack import Stack

T1, T2 = "t1.webtest.localhost", "t2.webtest.localhost"
NAME = os.environ.get("MORTAR_TEST_WEB_NAME", "webtest")  # database mortar_<NAME>, prefix <NAME>
_client_ips = itertools.count(1)


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    s = Stack(NAME, {"t1": [T1], "t2": [T2]})
    try:
        s.setup()
        s.api_script("seed", schema="t1", label="Tenant One", label_ar="المستأجر الأول")
        s.api_script("seed", schema="t2", label="Tenant Two", label_ar="المستأجر الثاني")
        s.start_api()
        s.start_web()
        yield s
    except BaseException:
        print(s.logs())
        raise
    finally:
        s.close()


class Site:
    """requests against web's gunicorn with a tenant's Host header."""

    def __init__(self, stack: Stack, host: str) -> None:
        self.stack, self.host = stack, host
        self.base = f"http://127.0.0.1:{stack.web_port}"
        self.session = requests.Session()
        # a fresh client address per Site: the api throttles contact posts per address
        self.ip = f"198.51.100.{next(_client_ips)}"

    def get(self, path: str, **kw: object) -> requests.Response:
        headers = {"Host": self.host, "X-Forwarded-For": self.ip, **kw.pop("headers", {})}
        return self.session.get(
            self.base + path, headers=headers, allow_redirects=False, timeout=30, **kw
        )

    def post(self, path: str, data: dict, **kw: object) -> requests.Response:
        headers = {"Host": self.host, "X-Forwarded-For": self.ip, **kw.pop("headers", {})}
        return self.session.post(
            self.base + path, data=data, headers=headers, allow_redirects=False, timeout=30, **kw
        )


@pytest.fixture
def t1(stack: Stack) -> Site:
    return Site(stack, T1)


@pytest.fixture
def t2(stack: Stack) -> Site:
    return Site(stack, T2)


# --- headless Chromium (Debian's package, driven by Playwright), shared by the browser tests
CHROMIUM = os.environ.get("MORTAR_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[3] / "test-artifacts" / "screenshots"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright not installed")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(
            f"{CHROMIUM} missing: apt-get install -y chromium (scripts/install-system-deps)"
        )
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield b
        b.close()
