"""The `mortar` CLI: help text everywhere, exit codes and one-line errors."""

from __future__ import annotations

import json
import os
from pathlib import Path

import psycopg
import pytest
from click.testing import CliRunner
from infra_support import PG_ADMIN, mortar, ok, write_site
from mortar_infra.cli import cli
from mortar_infra.commands import infra_cmds, site_cmds  # noqa: F401  (registers commands)


def _all_commands() -> list[list[str]]:
    import click
    from mortar_infra.cli import _load_commands

    _load_commands()
    out = [[]]

    def walk(group: click.Group, path: list[str]) -> None:
        for name, cmd in group.commands.items():
            out.append([*path, name])
            if isinstance(cmd, click.Group):
                walk(cmd, [*path, name])

    walk(cli, [])
    return out


@pytest.mark.parametrize("path", _all_commands(), ids=lambda p: " ".join(p) or "mortar")
def test_every_command_has_help(path: list[str]) -> None:
    # In-process (click's runner) to keep the tier fast; the installed script is run below.
    res = CliRunner().invoke(cli, [*path, "--help"], prog_name="mortar")
    assert res.exit_code == 0, res.output
    assert res.stdout.startswith("Usage: mortar")
    assert len(res.stdout.splitlines()) > 3


def test_installed_script_help() -> None:
    assert ok(mortar("--help")).stdout.startswith("Usage: mortar")


def test_version() -> None:
    version = (Path(__file__).resolve().parents[2] / "VERSION").read_text().strip()
    assert ok(mortar("--version")).stdout.strip().endswith(version)


def _one_line_error(res, code: int) -> str:
    assert res.returncode == code, (res.returncode, res.stdout, res.stderr)
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1, res.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_register_dir_without_manifest(tmp_path: Path) -> None:
    err = _one_line_error(mortar("site", "register", str(tmp_path)), 2)
    assert "no mortar.toml" in err


def test_register_missing_dir(tmp_path: Path) -> None:
    err = _one_line_error(mortar("site", "register", str(tmp_path / "nope")), 2)
    assert "not a directory" in err


@pytest.mark.parametrize(
    ("manifest", "reason"),
    [
        ("not toml [", "not valid TOML"),
        (
            '[site]\nslug = "Bad-Slug"\ndomains = ["a.localhost"]\nmortar_version = "1.0.0"\n',
            "invalid slug",
        ),
        (
            '[site]\nslug = "postgres"\ndomains = ["a.localhost"]\nmortar_version = "1.0.0"\n',
            "reserved",
        ),
        (
            '[site]\nslug = "itd_x"\ndomains = ["a.localhost;evil"]\nmortar_version = "1.0.0"\n',
            "invalid domain",
        ),
        ('[site]\nslug = "itd_x"\ndomains = []\nmortar_version = "1.0.0"\n', "non-empty list"),
        (
            '[site]\nslug = "itd_x"\ndomains = ["a.localhost"]\nmortar_version = "1.0.0"\n'
            "[native]\napi_port = 80\nweb_port = 8001\n",
            "api_port",
        ),
        (
            '[site]\nslug = "itd_x"\ndomains = ["a.localhost"]\nmortar_version = "1.0.0"\n'
            '[nginx]\nclient_max_body_size = "1m; return 200"\n',
            "client_max_body_size",
        ),
        *(
            (
                '[site]\nslug = "itd_x"\ndomains = ["a.localhost"]\nmortar_version = "1.0.0"\n'
                f"[nginx]\nread_timeout = {value}\n",
                "read_timeout",
            )
            for value in ('"0s"', '"61m"', '"10"', '"5s; return 200"', "10")
        ),
        ('[site]\nslug = "itd_x"\ndomains = ["a.localhost"]\n', "mortar_version"),
    ],
)
def test_invalid_manifests_are_usage_errors(tmp_path: Path, manifest: str, reason: str) -> None:
    (tmp_path / "mortar.toml").write_text(manifest)
    for cmd in ("register", "provision"):
        res = CliRunner().invoke(cli, ["site", cmd, str(tmp_path)], prog_name="mortar")
        assert res.exit_code == 2, res.output
        assert res.stderr.count("\n") == 1 and res.stderr.startswith("error: ")
        assert reason in res.stderr, res.stderr
    sites = Path(os.environ["MORTAR_HOME"]) / "nginx" / "sites"
    assert not sites.exists() or not list(sites.iterdir())


def test_unknown_slug_and_bad_slug() -> None:
    assert "unknown site" in _one_line_error(mortar("site", "unregister", "itd_nosuch"), 2)
    assert "invalid slug" in _one_line_error(mortar("site", "unregister", "../etc"), 2)


def test_click_usage_errors_exit_2() -> None:
    assert mortar("site", "register").returncode == 2
    assert mortar("infra", "frobnicate").returncode == 2
    assert mortar("infra", "render-nginx", "--mode", "k8s", "-o", "x").returncode == 2


def test_slug_owned_by_another_site_dir(tmp_path: Path) -> None:
    write_site(tmp_path / "one", "itd_same", ["one.localhost"])
    write_site(tmp_path / "two", "itd_same", ["two.localhost"])
    ok(mortar("site", "register", str(tmp_path / "one" / "itd_same")))
    err = _one_line_error(mortar("site", "register", str(tmp_path / "two" / "itd_same")), 2)
    assert "already belongs to" in err


def test_unreachable_servers_are_runtime_errors(tmp_path: Path, monkeypatch) -> None:
    site = write_site(tmp_path, "itd_down", ["down.localhost"])
    monkeypatch.setenv("MORTAR_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:1/postgres")
    err = _one_line_error(mortar("site", "provision", str(site)), 1)
    assert err.startswith("error: cannot reach PostgreSQL")
    assert not (site / ".env").exists()
    err = _one_line_error(mortar("infra", "up"), 1)
    assert "MORTAR_POSTGRES_ADMIN_URL does not answer" in err

    # Redis down: nothing is created in PostgreSQL either.
    monkeypatch.setenv("MORTAR_POSTGRES_ADMIN_URL", PG_ADMIN)
    monkeypatch.setenv("MORTAR_REDIS_ADMIN_URL", "redis://127.0.0.1:1/0")
    err = _one_line_error(mortar("site", "provision", str(site)), 1)
    assert err.startswith("error: cannot reach Redis")
    with psycopg.connect(PG_ADMIN) as conn:
        assert not conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'site_itd_down'").fetchone()
    assert not (site / ".env").exists()


def test_status_json_reports_each_component() -> None:
    res = mortar("infra", "status", "--json")
    data = json.loads(res.stdout)
    by_name = {c["name"]: c for c in data["components"]}
    assert set(by_name) == {"nginx", "postgres", "redis"}
    assert by_name["postgres"]["ok"] and by_name["redis"]["ok"]
    assert not by_name["nginx"]["ok"]  # not started in this test's MORTAR_HOME
    assert res.returncode == 1 and data["healthy"] is False


def test_ports_are_allocated_once_and_remembered(tmp_path: Path) -> None:
    from mortar_infra.manifest import load_site, registered_site

    site_dir = write_site(tmp_path, "itd_ports", ["ports.localhost"])
    first = load_site(site_dir)
    assert first.api_port != first.web_port
    again = load_site(site_dir)
    assert (again.api_port, again.web_port) == (first.api_port, first.web_port)
    assert registered_site("itd_ports").state_dir.name == "itd_ports"
    other = load_site(write_site(tmp_path, "itd_other", ["other.localhost"]))
    assert {other.api_port, other.web_port}.isdisjoint({first.api_port, first.web_port})
