"""Each generated site passes its own pre-commit hooks (ruff check and format, end of files,
trailing whitespace, detect-secrets against its baseline), and the secrets check can fail.

The hooks are pip-installed from the package index by pre-commit (`repo: local`), into
pre-commit's cache ($PRE_COMMIT_HOME, else ~/.cache/pre-commit), so only the first run
installs them.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ANSWER_SETS

PRE_COMMIT = Path(sys.executable).parent / "pre-commit"


def _git_site(sites, name: str, dest: Path) -> Path:
    # a copy: the fixers may rewrite files, and other tests read the generated sites
    shutil.copytree(sites[name].site, dest)
    for args in (["init", "-q"], ["add", "-A"]):
        subprocess.run(["git", *args], cwd=dest, check=True)
    return dest


def _pre_commit(site: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(PRE_COMMIT), "run", *args], cwd=site, capture_output=True, text=True, timeout=600
    )


@pytest.mark.parametrize("name", list(ANSWER_SETS))
def test_generated_site_passes_its_hooks(sites, tmp_path, name):
    site = _git_site(sites, name, tmp_path / "site")
    proc = _pre_commit(site, "--all-files")
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    for hook in ("ruff check", "ruff format", "fix end of files", "trim trailing whitespace",
                 "detect secrets"):  # fmt: skip
        assert any(ln.startswith(hook) and ln.endswith("Passed") for ln in proc.stdout.splitlines())
    # nothing rewritten (the baseline included): the template is already clean
    diff = subprocess.run(["git", "diff", "--stat"], cwd=site, capture_output=True, text=True)
    assert diff.stdout == ""
    assert (site / ".env").is_file()  # git-ignored, so never scanned or committed


def test_hooks_catch_a_secret_and_fix_whitespace(sites, tmp_path):
    site = _git_site(sites, "defaults", tmp_path / "site")
    leak = site / "notes.txt"  # text: the whitespace fixers get it (ruff fixes .py first)
    # an AWS example key pair: what detect-secrets' AWS and keyword plugins look for
    key_id, secret = "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    leak.write_text(f'AWS_ACCESS_KEY_ID = "{key_id}"  \naws_secret_access_key = "{secret}"')
    subprocess.run(["git", "add", "-A"], cwd=site, check=True)
    proc = _pre_commit(site, "--files", str(leak.relative_to(site)))
    assert proc.returncode != 0
    failed = [ln for ln in proc.stdout.splitlines() if ln.endswith("Failed")]
    assert {ln.split(".")[0] for ln in failed} >= {
        "detect secrets", "fix end of files", "trim trailing whitespace"
    }, proc.stdout  # fmt: skip
    assert "AWS Access Key" in proc.stdout
    assert leak.read_text().endswith('EXAMPLEKEY"\n')  # fixed in place
    assert '"AKIAIOSFODNN7EXAMPLE"\n' in leak.read_text()
