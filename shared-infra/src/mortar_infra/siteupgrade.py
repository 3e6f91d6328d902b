"""`mortar site upgrade <dir> --to X.Y.Z`: move a site to another kit version, or not at all.

Steps, each printed as it starts:

1. check: the kit this CLI runs from provides `--to` (its base packages are built from it),
   the site is a Mortar site on an older version, its pins are where the template put them;
2. base venv for `--to` (the slow part: wheels and dependencies) while the site still serves;
3. template files: `cruft update` to the kit's commit when the site has a `.cruft.json` and
   is a clean git checkout (the site's own edits are merged; a conflict stops the upgrade);
4. pins: `mortar.toml`, `.env`, `api/`/`web/pyproject.toml`, the Dockerfiles' default,
   the Kubernetes manifests, the site's CI files, `.cruft.json`'s answers;
5. stop the site, copy its database (`CREATE DATABASE ... TEMPLATE`: the rollback point),
   move `.venv` to `.venv.previous` and build the new site venv;
6. migrate: public schema, clone template, every tenant; one failing tenant fails it all;
7. `site up` (collectstatic, start, health, route) and a check through nginx.

Any failure from step 3 on puts everything back - the pin files as they were, the template
files (git), the previous venv, the database copy swapped in by rename - and starts the
site again on its old version if it was running; the error says which step and, for a
migration, which tenant. The database copy is dropped once the new version serves;
`.venv.previous` stays until the next upgrade (an instant manual rollback of the code).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from mortar_infra import dumps, provision, siteenv, siteops
from mortar_infra.config import MortarError, UsageError, write_atomic
from mortar_infra.manifest import Site, load_site
from mortar_infra.processenv import command_failed, manage_process
from mortar_infra.tenants import TENANTS_FAILED

log = logging.getLogger(__name__)
# X.Y.Z; a post or dev release of one too (what a hotfix or a test build is numbered)
VERSION_RE = re.compile(r"^\d+\.\d+\.\d+(\.(post|dev)\d+)?$")
PREVIOUS_VENV = ".venv.previous"


@dataclass
class Pin:
    """One version pin in one file: the line before and after (`--dry-run` prints them)."""

    path: str  # relative to the site
    before: str
    after: str


@dataclass
class UpgradePlan:
    site: Site
    old: str
    new: str
    pins: list[Pin]
    template: str  # what happens to the template files (cruft), one line


@dataclass
class UpgradeResult:
    plan: UpgradePlan
    template_files: list[str] = field(default_factory=list)  # changed by cruft
    migrated: str = ""  # migrate_tenants' summary line
    seconds: float = 0.0  # the whole upgrade
    downtime: float = 0.0  # from stopping the old version to the new one answering


class UpgradeFailed(MortarError):
    """The upgrade failed at `step` and the site was put back on its previous version."""

    def __init__(self, step: str, error: str, rolled_back: list[str]) -> None:
        self.step, self.error, self.rolled_back = step, error, rolled_back
        super().__init__(
            f"upgrade failed at {step}: {error}\nrolled back: {', '.join(rolled_back) or 'nothing'}"
        )


def _key(version: str) -> tuple[int, ...]:
    """Order of X.Y.Z[.postN|.devN]: dev before the release, post after."""
    m = re.match(r"(\d+)\.(\d+)\.(\d+)(?:\.(post|dev)(\d+))?$", version)
    assert m, version
    tail = {"dev": (-1, int(m[5] or 0)), "post": (1, int(m[5] or 0)), None: (0, 0)}[m[4]]
    return (int(m[1]), int(m[2]), int(m[3]), *tail)


# (files, pattern with {v} for the escaped old version, how the line looks; None: optional):
# group 1 is kept and the version after it replaced. The required pins are the ones native
# runs read; the others (images) follow so that the site stays consistent.
PIN_RULES: list[tuple[str, str, str | None]] = [
    ("mortar.toml", r'^(mortar_version\s*=\s*")(?:{v})(?=")', 'mortar_version = "{v}"'),
    (".env", r"^(MORTAR_VERSION=)(?:{v})$", "MORTAR_VERSION={v}"),
    ("api/pyproject.toml", r'("mortar-api(?:\[[a-z0-9,]+\])?==)(?:{v})(?=")', '"mortar-api=={v}"'),
    ("web/pyproject.toml", r'("mortar-web(?:\[[a-z0-9,]+\])?==)(?:{v})(?=")', '"mortar-web=={v}"'),
    ("api/Dockerfile", r"^(ARG MORTAR_VERSION=)(?:{v})$", None),
    ("web/Dockerfile", r"^(ARG MORTAR_VERSION=)(?:{v})$", None),
    ("k8s/**/*.yaml", r'((?:-api:|-web:|-migrate-|newTag: "))(?:{v})(?=["\s]|$)', None),
    # the site's CI (ci_tool): its MORTAR_VERSION and the base image it tests in
    (".github/workflows/ci.yml", r'((?:MORTAR_VERSION: "|-base:))(?:{v})(?=["\s]|$)', None),
    (".gitlab-ci.yml", r'(MORTAR_VERSION: ")(?:{v})(?=")', None),
]


def _pin_edits(site_dir: Path, old: str, new: str) -> tuple[dict[Path, str], list[Pin]]:
    """The new text of every file holding a pin, and the pins; `UsageError` when a
    required pin is not where the template put it (an edited file: nothing is changed)."""
    texts: dict[Path, str] = {}
    pins: list[Pin] = []
    v = re.escape(old)
    for pattern, rule, looks in PIN_RULES:
        required = looks is not None
        paths = sorted(site_dir.glob(pattern)) if "*" in pattern else [site_dir / pattern]
        for path in paths:
            if not path.is_file():
                if required:
                    raise UsageError(f"{path} is missing (not a Mortar site?)")
                continue
            text = texts.get(path, path.read_text())
            rx = re.compile(rule.format(v=v), re.M)
            lines = text.splitlines(keepends=True)
            changed = False
            for i, line in enumerate(lines):
                after = rx.sub(lambda m: m[1] + new, line)
                if after != line:
                    rel = str(path.relative_to(site_dir))
                    pins.append(Pin(rel, line.rstrip("\n"), after.rstrip("\n")))
                    lines[i], changed = after, True
            if required and not changed:
                raise UsageError(
                    f"{path}: no `{looks.format(v=old)}` (the template's pin; mortar.toml says "
                    f"{old}): put it back, or upgrade this site by hand (docs/upgrading.md)"
                )
            if changed:
                texts[path] = "".join(lines)
    cruft = site_dir / ".cruft.json"
    if cruft.is_file():
        state = json.loads(cruft.read_text())
        answers = state.get("context", {}).get("cookiecutter", {})
        if answers.get("mortar_version") == old:
            answers["mortar_version"] = new
            texts[cruft] = json.dumps(state, indent=2, ensure_ascii=False) + "\n"
            pins.append(
                Pin(".cruft.json", f'"mortar_version": "{old}"', f'"mortar_version": "{new}"')
            )
    return texts, pins


def _git(site_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=site_dir, capture_output=True, text=True)


def _template_step(site_dir: Path, with_template: bool) -> str:
    """What the template step will do (one line); '' when it does nothing."""
    if not with_template:
        return ""
    if not (site_dir / ".cruft.json").is_file():
        return ""
    if shutil.which("git") is None or _git(site_dir, "rev-parse", "--git-dir").returncode != 0:
        return "skipped: the site is not a git checkout (cruft merges through git)"
    if _git(site_dir, "status", "--porcelain").stdout.strip():
        raise UsageError(
            f"{site_dir} has uncommitted changes: commit or stash them first (the template "
            "update merges into a clean checkout), or pass --no-template"
        )
    return f"cruft update to {_kit_commit() or 'the template repository HEAD'}"


def _kit_commit() -> str | None:
    proc = _git(siteenv.kit_root(), "rev-parse", "HEAD")
    return proc.stdout.strip() if proc.returncode == 0 else None


def plan(site_dir: Path, to: str, with_template: bool = True) -> UpgradePlan:
    """Check everything that can be checked without changing anything; what would change."""
    site_dir = Path(site_dir).resolve()
    if not VERSION_RE.match(to):
        raise UsageError(f"--to {to!r} is not a version (X.Y.Z)")
    site = load_site(site_dir)
    if not site.env_path.is_file():
        raise UsageError(f"{site_dir}: no .env (spawn sites with cookiecutter; it writes one)")
    old = site.mortar_version
    if not VERSION_RE.match(old):
        raise UsageError(f"{site_dir}/mortar.toml: mortar_version {old!r} is not X.Y.Z")
    have = siteenv.kit_version()
    if to != have:
        raise UsageError(
            f"this kit ({siteenv.kit_root()}) provides mortar {have}, not {to}: run the "
            f"`mortar` of the kit at {to} (or point MORTAR_KIT_DIR at it)"
        )
    if to == old:
        raise UsageError(f"{site.slug} is already at mortar {to}")
    if _key(to) < _key(old):
        raise UsageError(
            f"{site.slug} is at mortar {old}, newer than {to}: migrations do not run backwards; "
            "restore a backup made before the upgrade instead (`mortar site restore`)"
        )
    _, pins = _pin_edits(site_dir, old, to)
    return UpgradePlan(site, old, to, pins, _template_step(site_dir, with_template))


class _Undo:
    """What has been changed so far, undone newest first (each undo on its own)."""

    def __init__(self) -> None:
        self.steps: list[tuple[str, Callable[[], None]]] = []

    def add(self, what: str, undo: Callable[[], None]) -> None:
        self.steps.append((what, undo))

    def run(self) -> list[str]:
        done = []
        for what, undo in reversed(self.steps):
            try:
                undo()
                done.append(what)
            except Exception as exc:  # keep undoing the rest; say what could not be
                log.error(f"rollback of {what} failed: {exc}")
        return list(reversed(done))


def upgrade(site_dir: Path, to: str, with_template: bool = True) -> UpgradeResult:
    """Upgrade the site at `site_dir` to mortar `to` (see the module doc)."""
    started = time.monotonic()
    p = plan(site_dir, to, with_template)
    site_dir = Path(p.site.site_dir)
    total = 7
    step = "check"

    def begin(n: int, name: str, what: str) -> None:
        nonlocal step
        step = name
        log.info(f"==> [{n}/{total}] {what}")

    begin(1, "check", f"{p.site.slug}: mortar {p.old} -> {p.new}")
    siteops.check_ready(site_dir)
    was_running = siteops.site_status(p.site).state != "down"
    result = UpgradeResult(p)
    begin(2, "base venv", f"base packages {p.new} (the site still serves {p.old})")
    siteenv.ensure_base_venv(p.new)

    undo = _Undo()
    backup_db: list[str] = []
    stopped = False
    try:
        begin(3, "template", f"template files: {p.template or 'nothing to do (no .cruft.json)'}")
        if p.template.startswith("cruft"):
            undo.add("template files", lambda: _git_restore(site_dir))
            result.template_files = _cruft_update(site_dir)
        begin(
            4, "pins", f"version pins: {len(p.pins)} lines in {len({x.path for x in p.pins})} files"
        )
        texts, _ = _pin_edits(site_dir, p.old, p.new)  # again: cruft may have moved lines
        originals = {path: path.read_text() for path in texts}
        undo.add("version pins", lambda: _write_all(originals))
        _write_all(texts)
        site = load_site(site_dir)

        begin(5, "stop", f"stopping {site.slug}, copying its database, new site venv")
        stopped, down_at = True, time.monotonic()
        siteops.down(site_dir)
        backup = f"{site.db_name}__preupgrade_{secrets.token_hex(3)}"
        dumps.create_database(backup, site.db_role, template=site.db_name)
        backup_db.append(backup)
        undo.add("database", lambda: _restore_database(site, backup))
        _swap_venv(site_dir)
        undo.add("venv", lambda: _restore_venv(site_dir))
        step = "venv"
        siteenv.ensure_site_venv(site)

        begin(6, "migrate", "migrating (public schema, clone template, every tenant)")
        result.migrated = _migrate(site)
        log.info(f"    {result.migrated}")

        begin(7, "start", f"starting {site.slug} on mortar {p.new}")
        siteops.up(site_dir)  # health of api and web, then the same through nginx
        result.downtime = time.monotonic() - down_at
    except (Exception, KeyboardInterrupt) as exc:
        log.error(f"==> {step} failed; rolling back to mortar {p.old}")
        rolled = _rollback(site_dir, undo, stopped, was_running)
        if isinstance(exc, KeyboardInterrupt):
            raise
        raise UpgradeFailed(step, str(exc).strip(), rolled) from None
    for name in backup_db:
        dumps.drop_database(name)
    result.seconds = time.monotonic() - started
    log.info(f"==> {site.slug} is at mortar {p.new} (previous venv kept in {PREVIOUS_VENV}/)")
    return result


def _rollback(site_dir: Path, undo: _Undo, stopped: bool, was_running: bool) -> list[str]:
    """Undo every change; start the old version again when the upgrade had stopped it."""
    if stopped:
        try:
            siteops.down(site_dir)  # whatever of the new version started
        except MortarError as exc:
            log.error(f"stopping the new version failed: {exc}")
    rolled = undo.run()
    if stopped:
        provision.drop_caches(load_site(site_dir))  # nothing the new version cached stays
        if was_running:
            log.info("==> starting the previous version again")
            try:
                siteops.up(site_dir)
                rolled.append("site restarted")
            except MortarError as exc:  # the upgrade's own error is the one to report
                log.error(f"starting the previous version failed: {exc}")
                rolled.append(f"site NOT restarted ({exc}): `mortar site up {site_dir}`")
    return rolled


def _write_all(texts: dict[Path, str]) -> None:
    for path, text in texts.items():
        write_atomic(path, text, mode=path.stat().st_mode & 0o777)


def _restore_database(site: Site, backup: str) -> None:
    old = dumps.swap_databases(site.db_name, backup)
    if old:
        dumps.drop_database(old)


def _swap_venv(site_dir: Path) -> None:
    venv, previous = site_dir / ".venv", site_dir / PREVIOUS_VENV
    if previous.exists():
        shutil.rmtree(previous)  # the one kept by the upgrade before this one
    if venv.exists():
        venv.rename(previous)


def _restore_venv(site_dir: Path) -> None:
    venv, previous = site_dir / ".venv", site_dir / PREVIOUS_VENV
    shutil.rmtree(venv, ignore_errors=True)  # the new version's (none if the site had none)
    if previous.exists():
        previous.rename(venv)


def _migrate(site: Site) -> str:
    """migrate_tenants in the new venv; any tenant failing is a failure (with its error)."""
    args = ("migrate_tenants", "--verbosity", "1")
    proc = manage_process(site, *args)
    lines = [ln.strip() for ln in proc.stdout.splitlines() if ln.strip()]
    summary = next((ln for ln in lines if ln.startswith("tenant migrations:")), "")
    if proc.returncode == 0:
        return summary
    if proc.returncode != TENANTS_FAILED:
        raise command_failed(site, args, proc)
    failed = [ln.removeprefix("failed ") for ln in lines if ln.startswith("failed ")]
    raise MortarError("tenant " + "; tenant ".join(failed) if failed else summary)


def _cruft_update(site_dir: Path) -> list[str]:
    """`cruft update` to the kit's commit; the files it changed. A conflict (the site's
    edits and the template's touch the same lines) is a failure: merge it by hand."""
    cmd = [str(Path(sys.executable).with_name("cruft")), "update", "-y", "--project-dir", "."]
    state = json.loads((site_dir / ".cruft.json").read_text())
    commit = _kit_commit()
    if commit and Path(state.get("template", "")).resolve() == siteenv.kit_root().resolve():
        cmd += ["--checkout", commit]
    proc = subprocess.run(cmd, cwd=site_dir, capture_output=True, text=True)
    out = (proc.stdout + proc.stderr).strip()
    if proc.returncode != 0:
        raise MortarError(f"cruft update failed:\n{out[-1500:]}")
    conflicts = _git(site_dir, "diff", "--name-only", "--diff-filter=U").stdout.split()
    rejects = [p for p in _untracked(site_dir) if p.endswith(".rej")]
    if conflicts or rejects:
        raise MortarError(
            "the template's changes conflict with the site's own in "
            f"{', '.join(conflicts + rejects)}: run `cruft update` in {site_dir}, merge, "
            "commit, then upgrade with --no-template"
        )
    changed = _git(site_dir, "diff", "--name-only").stdout.split() + _untracked(site_dir)
    for rel in changed:
        log.info(f"    {rel}")
    return changed


def _untracked(site_dir: Path) -> list[str]:
    return _git(site_dir, "ls-files", "--others", "--exclude-standard").stdout.split()


def _git_restore(site_dir: Path) -> None:
    """Back to the commit the upgrade started from (the checkout was clean then)."""
    _git(site_dir, "reset", "--quiet", "--hard", "HEAD")
    for rel in _untracked(site_dir):
        path = site_dir / rel
        if path.is_file() or path.is_symlink():
            path.unlink()
