"""Publish an image's collected files to the shared nginx's files folder (Compose).

Run by `mortar-entrypoint publish-files` in both bases, as a one-shot Compose service with
the site's folder of the shared stack's `MORTAR_FILES_DIR` mounted at /srv/files:

  python publish_files.py SOURCE DEST_NAME [--media-owner UID:GID]

- copies SOURCE (the image's collectstatic output) to /srv/files/DEST_NAME, replacing
  an older copy in one rename (nginx serves either the old set or the new one; a failed
  copy leaves the old set in place and no temporary folder behind);
- files 0644 and folders 0755, so nginx's workers (another user) can read them;
- with --media-owner: makes /srv/files/media owned by that user (the api writes uploads
  there, nginx reads them), when it is missing or owned by someone else.

$MORTAR_FILES_TARGET overrides /srv/files (tests). Exit 2 with one line on bad input.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
from pathlib import Path

TARGET = Path(os.environ.get("MORTAR_FILES_TARGET", "/srv/files"))
# Public on purpose: nginx's workers (another user) read what is published.
DIR_MODE, FILE_MODE = 0o755, 0o644


def _readable(root: Path) -> None:
    os.chmod(root, DIR_MODE)
    for folder, dirs, names in os.walk(root):
        for name in dirs:
            os.chmod(os.path.join(folder, name), DIR_MODE)
        for name in names:
            os.chmod(os.path.join(folder, name), FILE_MODE)


def publish(source: Path, dest: Path) -> int:
    """Copy `source` over `dest` atomically; the number of files published."""
    tmp = dest.with_name(f".{dest.name}.new")
    old = dest.with_name(f".{dest.name}.old")
    for leftover in (tmp, old):  # an interrupted earlier run
        shutil.rmtree(leftover, ignore_errors=True)
    try:
        shutil.copytree(source, tmp, symlinks=False)
        _readable(tmp)
        if dest.exists():
            dest.rename(old)
        tmp.rename(dest)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if old.exists() and not dest.exists():
            old.rename(dest)
        raise
    shutil.rmtree(old, ignore_errors=True)
    return sum(len(names) for _, _, names in os.walk(dest))


def own_media(media: Path, owner: str) -> str:
    uid, gid = (int(part) for part in owner.split(":"))
    media.mkdir(mode=0o755, exist_ok=True)
    st = media.stat()
    if (st.st_uid, st.st_gid) == (uid, gid):
        return f"{media} already owned by {owner}"
    if os.geteuid() != 0:
        return f"{media} is owned by {st.st_uid}:{st.st_gid}; run as root to give it to {owner}"
    os.chown(media, uid, gid)
    os.chmod(media, DIR_MODE)
    return f"{media} now owned by {owner}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="publish-files", description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("dest_name", choices=("static", "assets"))
    parser.add_argument("--media-owner", metavar="UID:GID")
    args = parser.parse_args(argv)
    owner = (args.media_owner or "0:0").split(":")
    if len(owner) != 2 or not all(part.isdigit() for part in owner):
        parser.exit(2, f"error: --media-owner wants UID:GID, got {args.media_owner!r}\n")
    if not args.source.is_dir():
        parser.exit(2, f"error: {args.source} is not a folder (no collected files to publish)\n")
    if not TARGET.is_dir():
        parser.exit(2, f"error: {TARGET} is missing: mount the site's MORTAR_FILES_DIR folder\n")
    try:
        count = publish(args.source, TARGET / args.dest_name)
    except (OSError, shutil.Error) as exc:
        # shutil.Error carries (src, dst, why) per file: name the first one.
        detail = exc.args[0][0] if isinstance(exc, shutil.Error) else (exc.filename, "", exc)
        print(f"error: publishing {args.source} failed, the old set is kept: "
              f"{detail[0]}: {detail[2]}", file=sys.stderr)  # fmt: skip
        return 1
    print(f"==> published {count} files from {args.source} to {TARGET / args.dest_name}")
    if args.media_owner:
        print(f"==> {own_media(TARGET / 'media', args.media_owner)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
