"""`mortar site shell`: the site's Django shell with its .env and settings, on the public
schema or inside a tenant's, through the real CLI against a provisioned stand-in site."""

from __future__ import annotations

from pathlib import Path

import pytest
from infra_support import mortar, ok, standin_site

SLUG = "itt_shell"
PROBE = (
    "from django.conf import settings; from django.db import connection; "
    "from mortar_api.tenancy.models import Domain; "
    "print('probe', settings.MORTAR_SITE_SLUG, connection.schema_name, Domain.objects.count())"
)


@pytest.fixture
def site(tmp_path: Path, cleanup_slugs: list[str]) -> Path:
    cleanup_slugs.append(SLUG)
    site_dir = standin_site(tmp_path, SLUG, ["main.itsh.localhost"])
    ok(mortar("tenant", "add", str(site_dir), "--domain", "one.itsh.localhost"))
    return site_dir


def _probe(res) -> list[str]:
    (line,) = [ln for ln in res.stdout.splitlines() if ln.startswith("probe ")]
    return line.split()[1:]


def test_shell_runs_in_the_sites_settings_public_or_a_tenant(site: Path) -> None:
    res = ok(mortar("site", "shell", str(site), "-c", PROBE))
    assert _probe(res) == [SLUG, "public", "1"]  # the one domain of the added tenant
    res = ok(mortar("site", "shell", str(site), "--schema", "one_itsh_localhost", "-c", PROBE))
    assert _probe(res)[:2] == [SLUG, "one_itsh_localhost"]
    # the code's own failure is the shell's exit code and output
    res = mortar("site", "shell", str(site), "-c", "raise SystemExit(3)")
    assert res.returncode == 3


def test_shell_bad_input(site: Path, tmp_path: Path) -> None:
    res = mortar("site", "shell", str(site), "--schema", "nope", "-c", "print(1)")
    assert res.returncode == 2
    assert "no tenant 'nope'" in res.stderr and "its tenants: one_itsh_localhost" in res.stderr
    assert "Traceback" not in res.stderr
    empty = tmp_path / "not-a-site"
    empty.mkdir()
    res = mortar("site", "shell", str(empty), "-c", "print(1)")
    assert res.returncode == 2 and "no mortar.toml" in res.stderr
