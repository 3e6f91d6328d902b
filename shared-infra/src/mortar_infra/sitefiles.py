"""Where a site's files are on disk, for the shared nginx to serve them without Python.

- `/static/`: the api's collectstatic output (`STATIC_ROOT` in `.env`, else
  `<site>/staticfiles`);
- `/assets/`: web's fingerprinted assets (collected per site into `<state>/web-assets`,
  see `processenv`);
- `/media/`: local media (`MEDIA_ROOT`, else `<site>/media`); none for a site whose media
  live in a bucket (`MORTAR_MEDIA_STORAGE=s3`: the files carry the bucket's URLs).

Compose mode: the same three under `/srv/mortar/<slug-dns>/` in the nginx container (the
host folder `MORTAR_FILES_DIR`, mounted read-only), which the site's compose.yml fills
(`publish-files` one-shots, media bound there; docs/shared-infra.md).
"""

from __future__ import annotations

import logging
import os
import stat
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)
COMPOSE_FILES_DIR = "/srv/mortar"


@dataclass(frozen=True)
class SiteFiles:
    """Folders nginx serves from disk; None: that prefix still goes to the site."""

    static: str | None
    assets: str | None
    media: str | None


def _path(site_dir: Path, value: str | None, default: str) -> Path:
    path = Path(value or default)
    return path if path.is_absolute() else site_dir / path


def workers_can_reach(path: Path) -> bool:
    """nginx's workers can open files under `path`.

    As root they run as `nobody`: every existing folder on the way must be searchable by
    others (a 0700 home is not), else nginx would log a critical error per request. A
    folder that does not exist yet counts as reachable if its existing parents are.
    """
    if os.geteuid() != 0:
        return True
    for folder in [path, *path.parents]:
        try:
            mode = folder.stat().st_mode
        except FileNotFoundError:
            continue
        if not mode & stat.S_IXOTH:
            return False
    return True


def local_media(env: dict[str, str]) -> bool:
    return env.get("MORTAR_MEDIA_STORAGE", "local") == "local"


def native_files(site_dir: Path, state_dir: Path, env: dict[str, str]) -> SiteFiles:
    """A site's folders on this machine, from its `.env` (`env`); those nginx's workers
    cannot reach are left out."""
    wanted = {
        "static": _path(site_dir, env.get("STATIC_ROOT"), "staticfiles"),
        "assets": state_dir / "web-assets",
        "media": _path(site_dir, env.get("MEDIA_ROOT"), "media") if local_media(env) else None,
    }
    found: dict[str, str | None] = {}
    for name, path in wanted.items():
        if path is not None and not workers_can_reach(path):
            log.debug(f"nginx's workers cannot reach {path}: /{name}/ stays with the site")
            path = None
        found[name] = str(path) if path is not None else None
    return SiteFiles(**found)


def compose_files(dns_name: str, env: dict[str, str]) -> SiteFiles:
    base = f"{COMPOSE_FILES_DIR}/{dns_name}"
    media = f"{base}/media" if local_media(env) else None
    return SiteFiles(static=f"{base}/static", assets=f"{base}/assets", media=media)
