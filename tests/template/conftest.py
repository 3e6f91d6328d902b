"""Fixtures for the template tier: generate sites with the real cookiecutter CLI.

Answer sets are generated once per session, in parallel (each is a subprocess), into
one temp dir; tests read them. Slugs start with `tpl_`; databases the generated sites'
own test suites create are `test_tpl_*` and are dropped by pytest-django.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

KIT = Path(__file__).resolve().parents[2]
COOKIECUTTER = Path(sys.executable).parent / "cookiecutter"

# name -> answers (key=value on the command line, as a user would type them)
ANSWER_SETS: dict[str, dict[str, str]] = {
    "defaults": {"site_name": "Tpl Defaults"},
    "unicode": {
        "site_name": 'Café "Ünïcødé" — شركة',
        "languages": "en,ar",
        "time_zone": "Asia/Dubai",
        "admin_email": "owner@cafe.example.com",
        "ci_tool": "github",
    },
    "arabic_first": {
        "site_name": "موقع عربي",
        "site_slug": "tpl_arabic",
        "domain": "arabic.example.org",
        "languages": "ar,en",
        "ci_tool": "none",
    },
    "s3": {
        "site_name": "Tpl Media Bucket",
        "site_slug": "tpl_s3",
        "domain": "media.example.net",
        "media_storage": "s3",
        "s3_endpoint_url": "https://s3.example.net",
        "s3_bucket": "tpl-media",
        "s3_region": "eu-west-1",
        "ci_tool": "gitlab",
    },
}


@dataclass
class Generated:
    rc: int
    stdout: str
    stderr: str
    out_dir: Path

    @property
    def site(self) -> Path:
        dirs = [p for p in self.out_dir.iterdir() if p.is_dir()]
        assert len(dirs) == 1, dirs
        return dirs[0]


def generate(out_dir: Path, answers: dict[str, str], *extra: str) -> Generated:
    """`cookiecutter <kit> --no-input key=value...` exactly as documented (no --directory)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    args = [f"{k}={v}" for k, v in answers.items()]
    proc = subprocess.run(
        [str(COOKIECUTTER), str(KIT), "--no-input", "-o", str(out_dir), *extra, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "HOME": str(out_dir.parent)},  # no user cookiecutterrc, no replay dir
    )
    return Generated(proc.returncode, proc.stdout, proc.stderr, out_dir)


@pytest.fixture(scope="session")
def sites(tmp_path_factory) -> dict[str, Generated]:
    root = tmp_path_factory.mktemp("tpl")
    with ThreadPoolExecutor(max_workers=4) as pool:
        futures = {
            name: pool.submit(generate, root / name, answers)
            for name, answers in ANSWER_SETS.items()
        }
        results = {name: f.result() for name, f in futures.items()}
    for name, g in results.items():
        assert g.rc == 0, f"{name}: {g.stderr}"
    return results
