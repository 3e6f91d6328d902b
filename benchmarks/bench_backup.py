"""Backup and restore: times and archive sizes of `mortar site backup|restore` and
`mortar tenant backup|restore`, for the demo site and for a site with many tenants.

Each site is a provisioned site on the local PostgreSQL/Redis with its api run from the
kit venv (a stand-in site venv, as tests/infra does; no processes: the commands work on
the database, media and manifest). The demo site gets the demo's bilingual content
(`mortar demo`'s content script) and 20 uploaded images; the big site gets N tenants
(default 100) made like `mortar tenant add` (template clone plus welcome content) and one
image each. For each site it prints, with medians of `--runs` runs of the real CLI:

* `site backup`: seconds and archive size (MB); the database dump's share of the size;
* `site restore --force` over the site (database swap and media swap) and `site restore`
  into an empty site (after `site deprovision`, media removed);
* `tenant backup` of one tenant and `tenant restore --as` beside it (then removed again).

Everything lives under a temp MORTAR_HOME and is dropped after (databases `site_<slug>*`).

    .venv/bin/python benchmarks/bench_backup.py [--tenants 100] [--runs 3] [--slug bench_bk]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from benchlib import free_port

KIT = Path(__file__).resolve().parents[1]
MORTAR = str(Path(sys.executable).with_name("mortar"))
DEMO_CONTENT = KIT / "shared-infra/src/mortar_infra/scripts/demo_content.py"
IMAGES = """
import os, sys
from io import BytesIO
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from django_tenants.utils import schema_context
from mortar_api.media.models import MediaAsset
from mortar_api.tenancy.models import Tenant
from PIL import Image

per_tenant, first = int(sys.argv[1]), sys.argv[2]
for t in Tenant.objects.sites():
    n = per_tenant if t.schema_name == first else 1
    with schema_context(t.schema_name):
        for i in range(n):
            out = BytesIO()
            Image.frombytes("RGB", (400, 300), os.urandom(400 * 300 * 3)).save(out, "PNG")
            MediaAsset(file=SimpleUploadedFile(f"p{i}.png", out.getvalue())).save()
"""
TENANTS = """
import sys
import django
django.setup()
from mortar_api.tenancy.provisioning import create_tenant
for i in range(int(sys.argv[1])):
    create_tenant(f"t{i:03d}", [f"t{i:03d}.bench.localhost"], name=f"Tenant {i}")
"""


def mortar(*args: str) -> float:
    started = time.perf_counter()
    res = subprocess.run([MORTAR, "-q", *args], capture_output=True, text=True)
    if res.returncode != 0:
        sys.exit(f"mortar {' '.join(args)} failed:\n{res.stdout}\n{res.stderr}")
    return time.perf_counter() - started


def site_python(site_dir: Path, *args: str) -> None:
    from mortar_infra.manifest import load_site
    from mortar_infra.processenv import process_env

    env = {**os.environ, **process_env(load_site(site_dir))}
    res = subprocess.run(
        [str(site_dir / ".venv/bin/python"), *args],
        env=env,
        cwd=site_dir,
        capture_output=True,
        text=True,
    )
    if res.returncode != 0:
        sys.exit(res.stderr)


def make_site(root: Path, slug: str, domain: str) -> Path:
    """Provisioned and migrated, its api from the kit venv (tests/infra's stand-in)."""
    from mortar_infra.envfile import update_env

    site_dir = root / slug
    site_dir.mkdir(parents=True)
    (site_dir / "mortar.toml").write_text(
        f'[site]\nslug = "{slug}"\nname = "Bench {slug}"\ndomains = ["{domain}"]\n'
        'mortar_version = "1.0.0"\n'
    )
    mortar("site", "provision", str(site_dir))
    update_env(
        site_dir / ".env",
        {
            "SECRET_KEY": "bench-" + "s" * 60,
            "MEDIA_ROOT": str(root / f"{slug}-media"),
            "MORTAR_HTTPS": "false",
            "MORTAR_LANGUAGES": "en,ar",
            "MORTAR_DOMAINS": domain,
            "DJANGO_LOG_LEVEL": "WARNING",
        },
    )
    pkg = site_dir / f"{slug}_api"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "settings.py").write_text("from mortar_api.settings import *  # noqa: F403\n")
    (pkg / "celery.py").write_text(
        f"from mortar_api.celery import create_app\n\napp = create_app('{slug}_api')\n"
    )
    python = site_dir / ".venv/bin/python"
    python.parent.mkdir(parents=True)
    python.write_text(f'#!/bin/sh\nexport PYTHONPATH={site_dir}\nexec {sys.executable} "$@"\n')
    python.chmod(0o755)
    mortar("site", "manage", str(site_dir), "migrate_tenants", "-v0")
    mortar("site", "manage", str(site_dir), "ensure_first_tenant")
    return site_dir


def median(values: list[float]) -> str:
    return f"{statistics.median(values):6.1f} s"


def measure(label: str, site_dir: Path, slug: str, schema: str, work: Path, runs: int) -> None:
    archive = work / f"{slug}.tar"
    backups = []
    for _ in range(runs):
        archive.unlink(missing_ok=True)
        backups.append(mortar("site", "backup", str(site_dir), "--out", str(archive)))
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
    dump = next(m.size for m in members if m.name == "database.dump")
    media = sum(m.size for m in members if m.name.startswith("media/"))
    size = archive.stat().st_size
    forced = [
        mortar("site", "restore", str(archive), str(site_dir), "--force") for _ in range(runs)
    ]
    mortar("site", "deprovision", slug, "--yes")
    shutil.rmtree(site_dir.parent / f"{slug}-media", ignore_errors=True)
    empty = mortar("site", "restore", str(archive), str(site_dir))
    t_archive = work / f"{schema}.tar"
    t_backups, t_restores = [], []
    for _ in range(runs):
        t_archive.unlink(missing_ok=True)
        t_backups.append(mortar("tenant", "backup", str(site_dir), schema, "--out", str(t_archive)))
        t_restores.append(
            mortar(
                "tenant",
                "restore",
                str(site_dir),
                str(t_archive),
                "--as",
                "bench_copy",
                "--domain",
                "copy.bench.localhost",
            )
        )
        mortar("tenant", "remove", str(site_dir), "bench_copy", "--yes")
    print(f"{label}")
    print(
        f"  site backup            {median(backups)}   archive {size / 1e6:7.1f} MB "
        f"(dump {dump / 1e6:.1f} MB, media {media / 1e6:.1f} MB, {len(members)} members)"
    )
    print(f"  site restore --force   {median(forced)}")
    print(f"  site restore (empty)   {empty:6.1f} s   (1 run, after deprovision)")
    print(
        f"  tenant backup          {median(t_backups)}   archive "
        f"{t_archive.stat().st_size / 1e6:7.1f} MB ({schema})"
    )
    print(f"  tenant restore --as    {median(t_restores)}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tenants", type=int, default=100)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--slug", default="bench_bk", help="prefix of the two sites' slugs")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="mortar-bench-backup-"))
    os.environ["MORTAR_HOME"] = str(work / "home")
    os.environ["MORTAR_HTTP_PORT"] = str(free_port())
    demo, big = f"{args.slug}_demo", f"{args.slug}_many"
    try:
        site = make_site(work, demo, "demo.bench.localhost")
        site_python(site, str(DEMO_CONTENT), demo)  # the first tenant's schema is the slug
        site_python(site, "-c", IMAGES, "20", demo)
        measure(
            "demo site (demo content, 20 images)",
            site,
            demo,
            demo,
            work,
            args.runs,
        )
        site = make_site(work, big, "main.bench.localhost")
        started = time.perf_counter()
        site_python(site, "-c", TENANTS, str(args.tenants - 1))
        site_python(site, "-c", IMAGES, "1", "t000")
        print(f"({args.tenants} tenants made in {time.perf_counter() - started:.0f} s)")
        measure(
            f"site with {args.tenants} tenants (welcome content, 1 image each)",
            site,
            big,
            "t000",
            work,
            args.runs,
        )
    finally:
        for slug in (demo, big):
            subprocess.run(
                [MORTAR, "-q", "site", "deprovision", slug, "--yes"], capture_output=True
            )
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
