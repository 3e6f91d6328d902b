"""Bad answers: the pre-generation hook names each one and no directory is left behind."""

from __future__ import annotations

import pytest
from conftest import generate

CASES = {
    "slug_uppercase": ({"site_slug": "Bad-Slug"}, ["site_slug 'Bad-Slug'"]),
    "slug_too_short": ({"site_slug": "a"}, ["site_slug 'a'"]),
    "slug_reserved_postgres": ({"site_slug": "postgres"}, ["'postgres' is reserved"]),
    "slug_reserved_template1": ({"site_slug": "template1"}, ["'template1' is reserved"]),
    "slug_reserved_pg": ({"site_slug": "pg_stuff"}, ["'pg_stuff' is reserved"]),
    "slug_trailing_underscore": ({"site_slug": "tpl_x_"}, ["trailing or doubled"]),
    "name_without_latin_letters": ({"site_name": "!!!", "site_slug": "1abc"}, ["site_slug"]),
    "domain_with_scheme": ({"domain": "http://acme.com"}, ["bare host name"]),
    "domain_single_label": ({"domain": "acme"}, ["domain 'acme'"]),
    "domain_bad_chars": ({"domain": "ac_me.com"}, ["domain 'ac_me.com'"]),
    "domain_ip": ({"domain": "10.0.0.1"}, ["IP address"]),
    "language_unknown": ({"languages": "en,xx"}, ["unknown language code 'xx'"]),
    "language_twice": ({"languages": "en,en"}, ["listed twice"]),
    "language_empty": ({"languages": ""}, ["languages ''"]),
    "email": ({"admin_email": "not-an-email"}, ["admin_email"]),
    "storage": ({"media_storage": "ftp"}, ["media_storage 'ftp'"]),
    "s3_without_bucket": ({"media_storage": "s3"}, ["s3_bucket"]),
    "s3_bad_endpoint": (
        {"media_storage": "s3", "s3_bucket": "ok-bucket", "s3_endpoint_url": "ftp://x"},
        ["s3_endpoint_url"],
    ),
    "time_zone": ({"time_zone": "Mars/Olympus"}, ["time_zone 'Mars/Olympus'"]),
    "version": ({"mortar_version": "latest"}, ["mortar_version 'latest'"]),
    "ci_tool": ({"ci_tool": "jenkins"}, ["ci_tool 'jenkins': must be one of github, gitlab, none"]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_answer_fails_cleanly(tmp_path, case):
    answers, expected = CASES[case]
    out = tmp_path / "out"
    g = generate(out, {"site_name": "Tpl Bad", **answers})
    assert g.rc != 0
    errors = [ln for ln in g.stderr.splitlines() if ln.startswith("error: ")]
    for text in expected:
        assert any(text in ln for ln in errors), (text, g.stderr)
    assert list(out.iterdir()) == [], "cookiecutter left a directory behind"


def test_every_bad_answer_gets_its_own_line(tmp_path):
    out = tmp_path / "out"
    g = generate(
        out,
        {
            "site_name": "Tpl Many",
            "site_slug": "public",
            "domain": "nope",
            "languages": "en,zz",
            "admin_email": "x",
            "media_storage": "disk",
            "time_zone": "Nowhere",
            "ci_tool": "travis",
        },
    )
    assert g.rc != 0
    errors = [ln for ln in g.stderr.splitlines() if ln.startswith("error: ")]
    fields = [
        "site_slug", "domain", "languages", "admin_email", "media_storage", "time_zone", "ci_tool",
    ]  # fmt: skip
    for field in fields:
        assert sum(1 for ln in errors if field in ln) == 1, (field, errors)
    assert list(out.iterdir()) == []
