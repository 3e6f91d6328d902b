"""api-base and web-base agree on the rules in mortar_contract, fed the same inputs.

Each side is asked through its own code path (the api's tenant middleware and
generation counter; web's Host middleware, visitor, generation and page keys), not
through the contract module directly: the test fails when a side stops using it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import django
import pytest
from django.conf import settings

if not settings.configured:
    settings.configure(
        ALLOWED_HOSTS=["*"],
        USE_X_FORWARDED_HOST=False,
        MORTAR_REDIS_PREFIX="acme",
        STATIC_ROOT="/nonexistent",
        INSTALLED_APPS=[],
        TEMPLATES=[{"BACKEND": "django.template.backends.django.DjangoTemplates"}],
    )
    django.setup()

from django.http import HttpResponse
from django.test import RequestFactory
from mortar_api.cms import caching
from mortar_api.tenancy.middleware import raw_host
from mortar_web import api_client, pagecache
from mortar_web import cache as web_cache
from mortar_web.middleware import CanonicalHostMiddleware

# (spelling a client may send, the contract's host, the origin absolute URLs use)
SPELLINGS = [
    ("demo.localhost", "demo.localhost", "demo.localhost"),
    ("DEMO.localhost", "demo.localhost", "demo.localhost"),
    ("demo.localhost.", "demo.localhost", "demo.localhost"),
    ("Demo.Localhost.", "demo.localhost", "demo.localhost"),
    ("demo.localhost:8080", "demo.localhost", "demo.localhost:8080"),
    ("DEMO.localhost.:8080", "demo.localhost", "demo.localhost:8080"),
    ("bücher.example", "xn--bcher-kva.example", "xn--bcher-kva.example"),
    ("BÜCHER.example.", "xn--bcher-kva.example", "xn--bcher-kva.example"),
    ("XN--BCHER-KVA.example.:8443", "xn--bcher-kva.example", "xn--bcher-kva.example:8443"),
    ("[::1]:8080", "[::1]", "[::1]:8080"),
]


def _wsgi(spelling: str) -> str:
    """A Host header as a WSGI server hands it over: UTF-8 bytes decoded as latin-1."""
    return spelling.encode().decode("latin-1")


def _web_request(spelling: str):
    """A request after web's first middleware, as the views see it."""
    request = RequestFactory().get("/about/", HTTP_HOST=_wsgi(spelling))
    seen = []
    CanonicalHostMiddleware(lambda r: seen.append(r) or HttpResponse())(request)
    return seen[0]


@pytest.mark.parametrize(("spelling", "host", "origin"), SPELLINGS)
def test_both_services_read_one_host(spelling: str, host: str, origin: str) -> None:
    api_host = raw_host(RequestFactory().get("/api/v1/site/", HTTP_HOST=spelling))
    request = _web_request(spelling)
    assert api_host == api_client.request_host(request) == host
    assert request.get_host() == origin  # what web builds absolute URLs on
    # the counter the api INCRs is the one web reads
    assert caching.gen_key(spelling) == web_cache.generation_key(
        api_client.Visitor.from_request(request).host
    )
    assert caching.gen_key(spelling) == f"acme:gen:{host}"


def test_every_spelling_of_one_origin_shares_one_page_entry() -> None:
    by_origin: dict[str, set[str]] = {}
    for spelling, _, origin in SPELLINGS:
        by_origin.setdefault(origin, set()).add(pagecache.page_key(_web_request(spelling), "en"))
    assert all(len(keys) == 1 for keys in by_origin.values()), by_origin
    assert len({k for keys in by_origin.values() for k in keys}) == len(by_origin)


@pytest.mark.parametrize(
    ("env", "prefix"),
    [
        ({"MORTAR_REDIS_PREFIX": "acme", "MORTAR_SITE_SLUG": "other"}, "acme"),
        ({"MORTAR_SITE_SLUG": "acme"}, "acme"),  # the prefix is the slug (docs/contracts.md)
        ({}, "mortar"),
    ],
)
def test_both_services_pick_one_redis_prefix(env: dict[str, str], prefix: str) -> None:
    """Each service's real settings module, in a process of its own with only `env` set."""
    base = {
        k: v for k, v in os.environ.items() if not k.startswith(("MORTAR_", "DJANGO_", "REDIS"))
    }
    base.update(env, SECRET_KEY="x" * 50, DATABASE_URL="postgres://u@127.0.0.1:5432/none")
    got = {}
    for module in ("mortar_api.settings", "mortar_web.settings"):
        out = subprocess.run(
            [sys.executable, "-c", f"import {module} as s; print(s.MORTAR_REDIS_PREFIX)"],
            env=base,
            capture_output=True,
            text=True,
            check=True,
        )
        got[module] = out.stdout.strip()
    assert set(got.values()) == {prefix}, got


TRICKY_ENV = """\
# a comment
PLAIN=value
export EXPORTED=yes
SINGLE='quoted # not a comment'
DOUBLE="a\\"b"
EMPTY=
SPACED = ignored by django-environ
 INDENTED=also ignored
URL=redis://site_acme:p%40ss@127.0.0.1:6379/0
HASH=abc#def
EQUALS=a=b=c
DUP=first
DUP=second
"""


def test_cli_reads_dotenv_as_the_services_do(tmp_path: Path, monkeypatch) -> None:
    """mortar_infra's read and update agree with django-environ's read_env (what both
    services call) on the lines where a second parser would drift."""
    import environ
    from mortar_infra.envfile import read_env, update_env

    path = tmp_path / ".env"
    path.write_text(TRICKY_ENV)
    services: dict[str, str] = {}
    monkeypatch.setattr(environ.Env, "ENVIRON", services)
    environ.Env.read_env(str(path))
    assert read_env(path) == services
    assert "SPACED" not in services and services["DUP"] == "second"

    update_env(path, {"DUP": "third", "INDENTED": "now set"})
    services.clear()
    environ.Env.read_env(str(path))
    assert read_env(path) == services
    assert services["DUP"] == "third" and services["INDENTED"] == "now set"


def test_lock_entries_are_parsed_with_their_hashes() -> None:
    from mortar_contract.lockfile import parse_lock

    text = (
        "# header\n"
        "Django_CORS.headers==4.9.0 \\\n    --hash=sha256:aa \\\n    --hash=sha256:bb\n"
        "    # via pyproject.toml\n"
        "colorama==0.4.6 ; sys_platform == 'win32' \\\n    --hash=sha256:cc\n"
        "celery[redis]==5.5.0\n"
    )
    entries = parse_lock(text)
    assert [(e.name, e.version) for e in entries] == [
        ("django-cors-headers", "4.9.0"),
        ("colorama", "0.4.6"),
        ("celery", "5.5.0"),
    ]
    assert entries[0].text.count("--hash=") == 2 and "via" in entries[0].text
    assert parse_lock("# only a header\n\n") == []
    with pytest.raises(ValueError, match="line 2: 'humanize>=4' is not a pinned requirement"):
        parse_lock("# x\nhumanize>=4\n")
