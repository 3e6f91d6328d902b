"""Progress through `logging`: one handler the CLI sets, `--quiet`/`--verbose`, silent library."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
from pathlib import Path

from infra_support import mortar, ok, write_site


def test_progress_by_default_none_with_quiet(tmp_path: Path) -> None:
    site = write_site(tmp_path, "itp_quiet", ["quiet.localhost"])
    out = ok(mortar("infra", "render-nginx", "--mode", "native", "-o", str(tmp_path / "a"))).stdout
    assert f"==> wrote {tmp_path / 'a' / 'nginx.conf'}" in out
    res = ok(
        mortar("--quiet", "infra", "render-nginx", "--mode", "native", "-o", str(tmp_path / "b"))
    )
    assert res.stdout == "" and res.stderr == ""
    assert (tmp_path / "b" / "nginx.conf").is_file()  # the work is done all the same

    # The same through the routing command: the `==>` lines, on stdout, exactly as before.
    res = ok(mortar("site", "register", str(site)))
    assert res.stdout.splitlines()[0].startswith("==> registering itp_quiet: quiet.localhost")
    assert "checked (nginx not running" in res.stdout and res.stderr == ""
    assert ok(mortar("-q", "site", "register", str(site))).stdout == ""


def test_verbose_adds_details_on_stderr_only(tmp_path: Path) -> None:
    site = write_site(tmp_path, "itp_loud", ["loud.localhost"])
    plain = ok(mortar("site", "register", str(site)))
    loud = ok(mortar("--verbose", "site", "register", str(site)))
    assert loud.stdout == plain.stdout  # progress unchanged
    assert "debug [nginx] nginx -t" in loud.stderr, loud.stderr


def test_results_survive_quiet_and_json_stays_clean_with_verbose() -> None:
    quiet = mortar("-q", "infra", "status")
    assert quiet.stdout.startswith("MORTAR_HOME ")  # a result, not progress
    data = json.loads(mortar("-v", "infra", "status", "--json").stdout)
    assert {c["name"] for c in data["components"]} == {"nginx", "postgres", "redis"}


def test_quiet_and_verbose_together_are_a_usage_error() -> None:
    res = mortar("-q", "-v", "infra", "status")
    assert res.returncode == 2 and "exclude each other" in res.stderr


def test_errors_stay_one_line_on_stderr_whatever_the_level(tmp_path: Path) -> None:
    for flags in ([], ["-q"], ["-v"]):
        res = mortar(*flags, "site", "register", str(tmp_path / "nope"))
        assert res.returncode == 2 and res.stdout == ""
        assert res.stderr.strip().splitlines() == [res.stderr.strip()]
        assert res.stderr.startswith("error: ")


LIBRARY = """
from pathlib import Path
from mortar_infra.manifest import load_site
from mortar_infra.provision import deprovision, provision
site = load_site(Path({site!r}))
provision(site)
deprovision(site)
"""


def test_library_callers_pass_nothing_and_print_nothing(tmp_path: Path) -> None:
    site = write_site(tmp_path, "itp_lib", ["lib.localhost"])
    res = subprocess.run(
        [sys.executable, "-c", LIBRARY.format(site=str(site))], capture_output=True, text=True
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout == "" and res.stderr == ""


def test_cli_in_process_leaves_the_library_silent(tmp_path: Path, capsys) -> None:
    from click.testing import CliRunner
    from mortar_infra import progress
    from mortar_infra.cli import _load_commands, cli

    _load_commands()
    res = CliRunner().invoke(cli, ["infra", "render-nginx", "-o", str(tmp_path)])
    assert res.exit_code == 0 and "==> wrote" in res.stdout
    assert not logging.getLogger(progress.ROOT).handlers  # the command's handler is gone
    logging.getLogger("mortar_infra.provision").info("==> not printed")
    assert capsys.readouterr().out == ""
