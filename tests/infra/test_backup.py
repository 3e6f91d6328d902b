"""`mortar site backup/restore` and `mortar tenant backup/restore` through the real CLI, on a
provisioned site with three tenants and real content (stand-in site venv: the kit's python).

"Nothing lost" is checked on the database itself: every row of every table of every schema
(public included: tenants, domains, beat entries) is hashed before and after, and media
files are compared byte for byte; the seeded content (backup_content.py) makes sure the
compared tables are not empty.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import tarfile
from pathlib import Path

import psycopg
import pytest
from infra_support import PG_ADMIN, mortar, ok, standin_site
from mortar_infra.archive import ArchiveWriter
from mortar_infra.manifest import load_site
from mortar_infra.processenv import process_env

SLUG, OTHER = "itb_backup", "itb_other"
TENANTS = ["one_itb_localhost", "two_itb_localhost", "three_itb_localhost"]
HERE = Path(__file__).resolve().parent


def site_python(site_dir: Path, *args: str) -> str:
    env = {**os.environ, **process_env(load_site(site_dir))}
    res = subprocess.run(
        [str(site_dir / ".venv/bin/python"), *args],
        env=env,
        cwd=site_dir,
        capture_output=True,
        text=True,
    )
    assert res.returncode == 0, res.stderr
    return res.stdout


@pytest.fixture
def site(tmp_path: Path, cleanup_slugs: list[str]) -> Path:
    cleanup_slugs.append(SLUG)
    site_dir = standin_site(tmp_path / "a", SLUG, ["main.itb.localhost"], MORTAR_LANGUAGES="en,ar")
    for schema in TENANTS:
        ok(
            mortar(
                "tenant",
                "add",
                str(site_dir),
                "--domain",
                schema.replace("_", ".", 1).replace("_", "."),
            )
        )
    site_python(site_dir, str(HERE / "backup_content.py"), *TENANTS)
    return site_dir


def db_url(slug: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + f"/site_{slug}"


def fingerprint(slug: str, rename: tuple[str, str] | None = None) -> dict[str, str]:
    """`schema.table` -> md5 of its rows (sorted); with `rename`, the rows' text of schema
    `old` read with `old` replaced by `new` and keyed under `new`."""
    out = {}
    with psycopg.connect(db_url(slug), autocommit=True) as conn:
        tables = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables "
            "WHERE table_type = 'BASE TABLE' "
            "AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
        for schema, table in tables:
            row = "t::text"
            key = schema
            if rename and schema == rename[0]:
                row, key = f"replace(t::text, '{rename[0]}', '{rename[1]}')", rename[1]
            (digest,) = conn.execute(
                f"SELECT md5(coalesce(string_agg({row}, E'\\n' ORDER BY {row}), '')) "  # noqa: S608
                f'FROM "{schema}"."{table}" t'
            ).fetchone()
            out[f"{key}.{table}"] = digest
    return out


def count(slug: str, query: str) -> int:
    with psycopg.connect(db_url(slug), autocommit=True) as conn:
        return conn.execute(query).fetchone()[0]


def media(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def databases(pattern: str) -> list[str]:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        rows = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (pattern,))
        return [r[0] for r in rows]


def assert_content(slug: str, schemas: list[str]) -> None:
    """The seeded content is there (so the fingerprints compare something)."""
    for s in schemas:
        q = f'SELECT count(*) FROM "{s}".'  # noqa: S608 - test schemas
        assert count(slug, q + "cms_page WHERE title_ar LIKE 'قصة%'") == 1
        assert count(slug, q + "cms_pagerevision") >= 2
        assert count(slug, q + "cms_menuitem WHERE label_ar = 'قصة'") == 1
        assert count(slug, q + "media_mediaasset") == 1
        assert count(slug, q + "authtoken_token") == 1
        assert count(slug, q + "webhooks_webhook") == 1
        headers = json.dumps({"_schema_name": s})
        beat = "SELECT count(*) FROM django_celery_beat_periodictask WHERE headers = "
        assert count(slug, f"{beat}'{headers}'") == 1


def test_site_round_trip(site: Path, tmp_path: Path) -> None:
    root = tmp_path / "a" / "media"
    before, files = fingerprint(SLUG), media(root)
    assert_content(SLUG, TENANTS)
    assert len(files) == 3 and all(f.split("/")[0] in TENANTS for f in files)

    archive = tmp_path / "out" / "site.tar"
    res = ok(mortar("site", "backup", str(site), "--out", str(archive)))
    assert "==> pg_dump site_itb_backup" in res.stdout and "backup written" in res.stdout
    assert archive.stat().st_mode & 0o777 == 0o644
    with tarfile.open(archive) as tar:
        names = tar.getnames()
        sums = tar.extractfile("SHA256SUMS").read().decode()
        meta = json.loads(tar.extractfile("mortar-backup.json").read())
    assert names[0] == "mortar-backup.json" and names[-1] == "SHA256SUMS"
    assert {"mortar.toml", "database.dump"} <= set(names) and "env" not in names
    assert {f"media/{f}" for f in files} <= set(names)
    assert len(sums.splitlines()) == len(names) - 1
    assert meta["kind"] == "site" and meta["slug"] == SLUG and meta["mortar_version"] == "1.0.0"
    assert not list(archive.parent.glob(".*"))  # no temp files left

    secret = tmp_path / "out" / "secret.tar"
    ok(mortar("site", "backup", str(site), "--out", str(secret), "--with-secrets"))
    assert secret.stat().st_mode & 0o777 == 0o600
    with tarfile.open(secret) as tar:
        assert tar.extractfile("env").read() == (site / ".env").read_bytes()

    # an empty site: after deprovision (database and role gone) and without its media
    ok(mortar("site", "deprovision", SLUG, "--yes"))
    subprocess.run(["rm", "-rf", str(root)], check=True)
    res = ok(mortar("site", "restore", str(archive), str(site)))
    assert "==> checking" in res.stdout and "pg_restore" in res.stdout
    assert fingerprint(SLUG) == before
    assert media(root) == files
    assert databases(f"site_{SLUG}__%") == []
    ok(mortar("tenant", "list", str(site)))  # the restored database serves the site's role

    # over a site with data: only with --force, then back to the archive's state
    ok(mortar("tenant", "remove", str(site), TENANTS[0], "--yes"))
    res = mortar("site", "restore", str(archive), str(site))
    assert res.returncode == 2 and "has data" in res.stderr and "--force" in res.stderr
    assert "one.itb.localhost" not in load_site(site).extra_domains
    ok(mortar("site", "restore", str(archive), str(site), "--force"))
    assert fingerprint(SLUG) == before and media(root) == files
    assert "one.itb.localhost" in load_site(site).extra_domains  # routed again
    assert [p.name for p in root.parent.iterdir() if p.name.startswith(".")] == []


def _archive(path: Path, meta: dict, members: dict[str, bytes]) -> Path:
    with ArchiveWriter(path, meta) as w:
        for name, data in members.items():
            w.add_bytes(name, data)
    return path


def test_bad_archives_change_nothing(site: Path, tmp_path: Path) -> None:
    root = tmp_path / "a" / "media"
    archive = tmp_path / "site.tar"
    ok(mortar("site", "backup", str(site), "--out", str(archive)))
    before, files = fingerprint(SLUG), media(root)
    data = archive.read_bytes()

    def restore(path: Path) -> subprocess.CompletedProcess[str]:
        return mortar("site", "restore", str(path), str(site), "--force")

    flipped = tmp_path / "flipped.tar"  # one byte of the dump changed
    with tarfile.open(archive) as tar:
        offset = tar.getmember("database.dump").offset_data + 100
    flipped.write_bytes(data[:offset] + bytes([data[offset] ^ 1]) + data[offset + 1 :])
    res = restore(flipped)
    assert res.returncode == 2 and "checksum mismatch: database.dump" in res.stderr

    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(data[: len(data) // 2])
    res = restore(truncated)
    assert res.returncode == 2 and ("incomplete" in res.stderr or "not a readable" in res.stderr)

    foreign = tmp_path / "foreign.tar"
    with tarfile.open(foreign, "w") as tar:
        tar.add(site / "mortar.toml", "mortar.toml")
    res = restore(foreign)
    assert res.returncode == 2 and "not a Mortar backup" in res.stderr
    (tmp_path / "junk.tar").write_bytes(b"hello" * 100)
    res = restore(tmp_path / "junk.tar")
    assert res.returncode == 2 and "not a readable backup archive" in res.stderr

    meta = {"kind": "site", "slug": SLUG, "mortar_version": "9.9.9", "secrets": False}
    res = restore(_archive(tmp_path / "newer.tar", meta, {"database.dump": b"x"}))
    assert res.returncode == 2 and "made at mortar 9.9.9" in res.stderr
    res = restore(_archive(tmp_path / "o.tar", {**meta, "slug": "other"}, {}))
    assert res.returncode == 2 and "backup of site 'other'" in res.stderr
    res = restore(_archive(tmp_path / "t.tar", {**meta, "kind": "tenant"}, {}))
    assert res.returncode == 2 and "not a site backup" in res.stderr
    res = mortar("tenant", "restore", str(site), str(archive))
    assert res.returncode == 2 and "a site backup, not a tenant backup" in res.stderr

    # checksums fine, but the dump is garbage: pg_restore fails half way, nothing changes
    meta["mortar_version"] = "1.0.0"
    res = restore(
        _archive(
            tmp_path / "bad.tar",
            meta,
            {"database.dump": b"PGDMP" + b"\0" * 99, "media/x.png": b"not kept"},
        )
    )
    assert res.returncode == 1 and "pg_restore failed" in res.stderr
    assert fingerprint(SLUG) == before and media(root) == files
    assert databases(f"site_{SLUG}__%") == []
    assert [p.name for p in root.parent.iterdir() if p.name.startswith(".")] == []


def test_tenant_copy_beside_its_original_and_into_another_site(
    site: Path, tmp_path: Path, cleanup_slugs: list[str]
) -> None:
    one = TENANTS[0]
    root = tmp_path / "a" / "media"
    before = fingerprint(SLUG)
    archive = tmp_path / "one.tar"
    res = ok(mortar("tenant", "backup", str(site), one, "--out", str(archive)))
    assert "1 media files" in res.stdout
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert {"tenant.json", "schema.dump"} <= set(names)
    assert not any(n.startswith("media/") and n.count("/") < 2 for n in names)
    assert not any(t in n for n in names for t in TENANTS[1:])  # nothing of the others

    # its own name and domain are taken: refused, nothing changed
    res = mortar("tenant", "restore", str(site), str(archive))
    assert res.returncode == 2 and f"schema {one} already exists" in res.stderr
    res = mortar("tenant", "restore", str(site), str(archive), "--as", "one_copy")
    assert res.returncode == 1 and "already used by another tenant" in res.stderr
    assert fingerprint(SLUG) == before
    assert not (root / "one_copy").exists()

    res = ok(
        mortar(
            "tenant",
            "restore",
            str(site),
            str(archive),
            "--as",
            "one_copy",
            "--domain",
            "copy.itb.localhost",
        )
    )
    assert "tenant one_copy restored: http://copy.itb.localhost" in res.stdout
    after = fingerprint(SLUG)
    original = {k: v for k, v in before.items() if not k.startswith("public.")}
    assert {k: v for k, v in after.items() if k in original} == original  # others untouched
    copy = {
        k: v for k, v in fingerprint(SLUG, (one, "one_copy")).items() if k.startswith("one_copy.")
    }
    assert copy == {k: v for k, v in after.items() if k.startswith("one_copy.")}
    assert media(root / "one_copy") == media(root / one)
    assert_content(SLUG, [*TENANTS, "one_copy"])
    assert "copy.itb.localhost" in load_site(site).extra_domains

    for host, schema in (("one.itb.localhost", one), ("copy.itb.localhost", "one_copy")):
        got = json.loads(
            site_python(site, str(HERE / "serve_check.py"), host, "/api/v1/pages/story/", "ar")
        )
        assert got["status"] == 200, got
        page = json.loads(got["body"])
        assert page["title"] == f"قصة {one}"
        body = json.loads(
            site_python(site, str(HERE / "serve_check.py"), host, "/api/v1/pages/story/")
        )["body"]
        assert f"/media/{schema}/images/" in body

    # moved: removed from its site, restored into another site at the same version under
    # its own name and domains
    cleanup_slugs.append(OTHER)
    other = standin_site(
        tmp_path / "b", OTHER, ["main.itb-other.localhost"], MORTAR_LANGUAGES="en,ar"
    )
    ok(mortar("tenant", "remove", str(site), one, "--yes"))
    res = ok(mortar("tenant", "restore", str(other), str(archive)))
    assert f"tenant {one} restored: http://one.itb.localhost" in res.stdout
    moved = {k: v for k, v in fingerprint(OTHER).items() if k.startswith(f"{one}.")}
    assert moved == {k: v for k, v in before.items() if k.startswith(f"{one}.")}
    assert media(tmp_path / "b" / "media" / one) == media(root / "one_copy")
    got = json.loads(
        site_python(
            other, str(HERE / "serve_check.py"), "one.itb.localhost", "/api/v1/pages/story/"
        )
    )
    assert got["status"] == 200 and f"Story of {one}, second edition" in got["body"]
