"""Resilience tier fixtures: the native shared stack on a temp MORTAR_HOME with the kit's
*private* PostgreSQL and Redis (so the faults this tier injects never touch the machine's
servers other tiers and sessions use), two generated sites up at once behind the real nginx,
an SMTP sink for their mail, an editor token per site and the report.

Test-only changes to the generated sites, each for a reason:
- the edge limits are lifted (a load test is a flood by design) and the edge's read timeout
  is 5 s (`[nginx] read_timeout`), so the hung-site scenario ends in seconds, not 60 s;
- the contact throttle is lifted (every load thread posts from 127.0.0.1);
- the broker's visibility timeout is 8 s and swept every second: a task whose worker was
  SIGKILLed is redelivered after that timeout (kombu's Redis transport), which is an hour
  by default. Production keeps the hour; docs/operations.md says so.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from kitstack import Stack, free_port
from report import Report

HERE = Path(__file__).resolve().parent

SETTINGS_EXTRA = """

# --- added by the resilience tier (tests/resilience/conftest.py) ---
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
    "visibility_timeout": 8,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
MORTAR_CONTACT_THROTTLE_RATE = "100000/hour"
"""
MANIFEST_EXTRA = """
[nginx]
read_timeout = "5s"

[nginx.limits]
login = "off"
contact = "off"
site = "off"
"""
# nginx passes a request carrying a cookie whose name holds "sessionid" to the site (never
# from its micro-cache); Django's own cookie is exactly `sessionid`, so the site ignores it.
# Without it most reads would be answered by the edge and hide the fault behind it.
UNCACHED = (("Cookie", "rsl_sessionid_probe=1"),)


def wait_for(check: Callable[[], object], timeout: float, interval: float = 0.2) -> float | None:
    """Seconds until `check()` was truthy, or None when `timeout` passed first."""
    start = time.monotonic()
    while True:
        try:
            if check():
                return time.monotonic() - start
        except Exception:  # noqa: S110 - a probe failing is "not yet"
            pass
        if time.monotonic() - start > timeout:
            return None
        time.sleep(interval)


class SmtpSink:
    """Keeps every message it accepted. `hold(text)`: the next message containing `text`
    gets its `250` only after `seconds` — unless the client goes away first (aiosmtpd then
    cancels the handler): such a message was never accepted, as with a real MTA."""

    def __init__(self) -> None:
        self.port = free_port()
        self.messages: list[str] = []
        self.held = threading.Event()
        self._hold: tuple[str, float] | None = None

    def hold(self, text: str, seconds: float) -> None:
        self.held.clear()
        self._hold = (text, seconds)

    async def handle_DATA(self, server, session, envelope) -> str:
        text = envelope.content.decode("utf-8", errors="replace")
        if self._hold and self._hold[0] in text:
            seconds = self._hold[1]
            self._hold = None
            self.held.set()
            await asyncio.sleep(seconds)
        self.messages.append(text)
        return "250 OK"

    def count(self, marker: str) -> int:
        return sum(marker in m for m in list(self.messages))


@dataclass
class SiteRun:
    slug: str
    domain: str
    dir: Path
    token: str = ""
    page: int = 0
    env: dict[str, str] = field(default_factory=dict)

    def site(self):
        from mortar_infra.manifest import load_site

        return load_site(self.dir)

    def db(self) -> psycopg.Connection:
        conn = psycopg.connect(self.env["DATABASE_URL"], autocommit=True, connect_timeout=10)
        conn.execute(f'SET search_path TO "{self.slug}"')
        return conn

    def contact_rows(self, marker: str) -> list[tuple[str, bool]]:
        """(subject, emailed) of the stored submissions whose subject starts with marker."""
        with self.db() as conn:
            rows = conn.execute(
                "SELECT subject, emailed_at IS NOT NULL FROM cms_contactsubmission "
                "WHERE subject LIKE %s",
                (marker + "%",),
            ).fetchall()
        return [(s, bool(e)) for s, e in rows]


@pytest.fixture(scope="session")
def report() -> Report:
    return Report()


@pytest.fixture(scope="session")
def smtp() -> Iterator[SmtpSink]:
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    yield sink
    controller.stop()


@pytest.fixture(scope="session")
def stack() -> Iterator[Stack]:
    # Under /tmp with 0755 so the `postgres` user (the private cluster's owner) reaches it.
    home = Path(tempfile.mkdtemp(prefix="mortar-resil-home-"))
    home.chmod(0o755)
    st = Stack(home, free_port())
    for var in ("MORTAR_POSTGRES_ADMIN_URL", "MORTAR_REDIS_ADMIN_URL"):
        st.env.pop(var, None)
    saved = {k: os.environ.get(k) for k in ("MORTAR_HOME", "MORTAR_HTTP_PORT")}
    os.environ.update(MORTAR_HOME=str(home), MORTAR_HTTP_PORT=str(st.port))  # mortar_infra here
    try:
        st.mortar("infra", "up", "--private")
        st.state = json.loads((home / "infra.json").read_text())
        assert st.state["postgres"]["mode"] == st.state["redis"]["mode"] == "private"
        yield st
    finally:
        st.mortar("infra", "down", check=False)
        shutil.rmtree(home, ignore_errors=True)
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="session")
def sites(stack: Stack, smtp: SmtpSink, tmp_path_factory) -> Iterator[dict[str, SiteRun]]:
    from mortar_infra.envfile import read_env, update_env

    tag = uuid.uuid4().hex[:6]
    out = tmp_path_factory.mktemp("sites")
    runs = [SiteRun(f"rs_{n}_{tag}", f"{n}-{tag}.localhost", Path()) for n in ("alpha", "beta")]
    for run in runs:
        run.dir = stack.spawn(
            out, site_name=run.slug, site_slug=run.slug, domain=run.domain,
            admin_email=f"owner@{run.domain}",
        )  # fmt: skip
        update_env(
            run.dir / ".env",
            {"EMAIL_PROVIDER": "smtp", "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
             "GUNICORN_WORKERS": "2",
             "CELERY_CONCURRENCY": "2", "WEB_WORKERS": "2"},
        )  # fmt: skip
        settings = run.dir / "api" / f"{run.slug}_api" / "settings.py"
        settings.write_text(settings.read_text() + SETTINGS_EXTRA)
        manifest = run.dir / "mortar.toml"
        manifest.write_text(manifest.read_text() + MANIFEST_EXTRA)
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(lambda r: stack.mortar("site", "up", str(r.dir)), runs))
        for run in runs:
            run.env = read_env(run.dir / ".env")
            made = stack.site_python(
                run, str(HERE / "site_setup.py"), run.slug, f"contact@{run.domain}",
                f"editor@{run.domain}",
            )  # fmt: skip
            assert made.returncode == 0, made.stderr
            answer = json.loads(made.stdout.strip().splitlines()[-1])
            run.token, run.page = answer["token"], answer["page"]
        yield {"alpha": runs[0], "beta": runs[1]}
    finally:

        def remove(run: SiteRun) -> None:
            if run.dir.exists():
                stack.mortar("site", "down", str(run.dir), check=False)
                stack.mortar("site", "deprovision", run.slug, "--yes", check=False)

        with ThreadPoolExecutor(max_workers=2) as pool:
            list(pool.map(remove, runs))
