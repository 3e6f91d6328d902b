"""The backup archive format: one tar file, a JSON header, a sha256 per member.

Layout (members in this order):

    mortar-backup.json   what it is: kind (site | tenant), format, slug, versions, counts
    ...                  the payload (`database.dump`, `mortar.toml`, `media/...`, `env`)
    SHA256SUMS           `<sha256>  <name>` for every member above, last

`SHA256SUMS` is in `sha256sum -c` format, so an extracted archive can be checked by hand.
The payload is not compressed again: pg_dump's custom format is already compressed and
media are mostly images. Writing goes to a temp file beside the target, renamed into
place only once complete (mode 600 when it holds secrets); a failure leaves nothing.
Reading checks every member against `SHA256SUMS` before anything is restored.
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import tarfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from mortar_infra.config import UsageError

log = logging.getLogger(__name__)

FORMAT = 1
META = "mortar-backup.json"
SUMS = "SHA256SUMS"
_CHUNK = 1 << 20
# member names: relative, no `..`, no control characters (one line in SHA256SUMS)
_BAD_NAME = re.compile(r"(^/)|(^|/)\.\.?(/|$)|[\x00-\x1f\x7f\\]")


class ArchiveError(UsageError):
    """Not a usable Mortar backup (corrupt, foreign, wrong kind or version)."""


def check_name(name: str) -> str:
    if not name or _BAD_NAME.search(name) or name in (META, SUMS):
        raise ArchiveError(f"unsafe member name in backup: {name!r}")
    return name


class _HashingReader:
    """Feeds tarfile while hashing what it reads: one pass over each file."""

    def __init__(self, fh: IO[bytes]) -> None:
        self.fh, self.sha = fh, hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self.fh.read(size)
        self.sha.update(data)
        return data


class ArchiveWriter:
    """`with ArchiveWriter(dest, meta, private) as w: w.add_file(...)`; renamed on success."""

    def __init__(self, dest: Path, meta: dict[str, Any], private: bool = False) -> None:
        self.dest, self.private = Path(dest), private
        self.meta = {"format": FORMAT, **meta}
        self.sums: dict[str, str] = {}
        self.tmp = self.dest.with_name(f".{self.dest.name}.{os.getpid()}.partial")

    def __enter__(self) -> ArchiveWriter:
        self.dest.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(
            self.tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if self.private else 0o644
        )
        self.fh = os.fdopen(fd, "wb")
        self.tar = tarfile.open(fileobj=self.fh, mode="w", format=tarfile.PAX_FORMAT)
        self._bytes(META, json.dumps(self.meta, indent=2, sort_keys=True).encode(), check=False)
        return self

    def _bytes(self, name: str, data: bytes, check: bool = True) -> None:
        if check:
            check_name(name)
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
        self.sums[name] = hashlib.sha256(data).hexdigest()
        self.tar.addfile(info, io.BytesIO(data))

    def add_bytes(self, name: str, data: bytes) -> None:
        self._bytes(name, data)

    def add_file(self, name: str, path: Path) -> int:
        """Add one file under `name`; returns its size."""
        check_name(name)
        st = path.stat()
        info = tarfile.TarInfo(name)
        info.size, info.mtime, info.mode = st.st_size, int(st.st_mtime), st.st_mode & 0o777
        with path.open("rb") as fh:
            reader = _HashingReader(fh)
            self.tar.addfile(info, reader)  # type: ignore[arg-type]
        self.sums[name] = reader.sha.hexdigest()
        return st.st_size

    def add_tree(self, prefix: str, root: Path) -> tuple[int, int]:
        """Every regular file under `root` as `<prefix>/<relative path>`; (files, bytes).
        Symlinks are skipped (local storage never makes them; following one could leave
        the media folder)."""
        files = size = 0
        last = time.monotonic()
        for path in sorted(root.rglob("*")):
            if path.is_symlink() or not path.is_file():
                continue
            size += self.add_file(f"{prefix}/{path.relative_to(root).as_posix()}", path)
            files += 1
            if time.monotonic() - last > 2:
                log.info(f"    media: {files} files, {size / 1e6:.1f} MB so far")
                last = time.monotonic()
        return files, size

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        try:
            if exc_type is None:
                text = "".join(f"{h}  {n}\n" for n, h in self.sums.items())
                info = tarfile.TarInfo(SUMS)
                data = text.encode()
                info.size, info.mtime, info.mode = len(data), int(time.time()), 0o600
                self.tar.addfile(info, io.BytesIO(data))
            self.tar.close()
            self.fh.flush()
            os.fsync(self.fh.fileno())
            self.fh.close()
            if exc_type is None:
                os.replace(self.tmp, self.dest)
        finally:
            self.tmp.unlink(missing_ok=True)  # gone after the rename; else the partial file


def _members(path: Path) -> Iterator[tuple[tarfile.TarFile, tarfile.TarInfo]]:
    try:
        with tarfile.open(path, mode="r:") as tar:
            for info in tar:
                yield tar, info
    except FileNotFoundError:
        raise ArchiveError(f"{path}: no such file") from None
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise _unreadable(path, exc) from None


def _unreadable(path: Path, exc: BaseException) -> ArchiveError:
    return ArchiveError(f"{path}: not a readable backup archive ({exc or type(exc).__name__})")


def verify(path: Path, kind: str) -> dict[str, Any]:
    """Check every member's sha256 against SHA256SUMS and the header's kind/format; returns
    the header. Raises `ArchiveError` with what is wrong."""
    path = Path(path)
    try:
        return _verify(path, kind)
    except (tarfile.TarError, EOFError, OSError) as exc:  # a member cut short
        raise _unreadable(path, exc) from None


def _verify(path: Path, kind: str) -> dict[str, Any]:
    seen: dict[str, str] = {}
    sums_text: str | None = None
    meta: dict[str, Any] | None = None
    for tar, info in _members(path):
        if info.name == SUMS:
            sums_text = tar.extractfile(info).read().decode(errors="replace")  # type: ignore[union-attr]
            continue
        if sums_text is not None:
            raise ArchiveError(f"{path}: member {info.name!r} after {SUMS} (tampered archive)")
        if not info.isfile():
            raise ArchiveError(f"{path}: unexpected member {info.name!r} (not a regular file)")
        if info.name != META:
            check_name(info.name)
        if info.name in seen:
            raise ArchiveError(f"{path}: member {info.name!r} twice")
        sha = hashlib.sha256()
        fh = tar.extractfile(info)
        assert fh is not None
        data = b""
        while chunk := fh.read(_CHUNK):
            sha.update(chunk)
            if info.name == META:
                data += chunk
        seen[info.name] = sha.hexdigest()
        if info.name == META:
            try:
                meta = json.loads(data)
            except ValueError:
                raise ArchiveError(f"{path}: {META} is not JSON (corrupt archive)") from None
    if meta is None or not isinstance(meta, dict):
        raise ArchiveError(f"{path}: not a Mortar backup (no {META})")
    if sums_text is None:
        raise ArchiveError(f"{path}: incomplete backup (no {SUMS}: truncated or still written)")
    expected: dict[str, str] = {}
    for line in sums_text.splitlines():
        digest, _, name = line.partition("  ")
        expected[name] = digest
    bad = sorted(n for n in seen if expected.get(n) != seen[n])
    missing = sorted(set(expected) - set(seen))
    if bad or missing:
        what = [f"checksum mismatch: {', '.join(bad)}"] if bad else []
        what += [f"missing: {', '.join(missing)}"] if missing else []
        raise ArchiveError(f"{path}: corrupt backup ({'; '.join(what)})")
    if meta.get("format") != FORMAT:
        raise ArchiveError(
            f"{path}: backup format {meta.get('format')!r}; this mortar reads format {FORMAT}"
        )
    if meta.get("kind") != kind:
        raise ArchiveError(
            f"{path}: a {meta.get('kind')} backup, not a {kind} backup "
            f"(use `mortar {meta.get('kind')} restore`)"
        )
    return meta


def extract(path: Path, wanted: dict[str, Path]) -> int:
    """Extract members into place after `verify`: a member named in `wanted` goes to that
    file; members under a `wanted` key ending in `/` go below that folder. Returns the
    number of files written."""
    try:
        return _extract(path, wanted)
    except (tarfile.TarError, EOFError) as exc:
        raise _unreadable(path, exc) from None


def _extract(path: Path, wanted: dict[str, Path]) -> int:
    count = 0
    for tar, info in _members(path):
        if info.name in (META, SUMS) or not info.isfile():
            continue
        target = wanted.get(info.name)
        if target is None:
            for prefix, folder in wanted.items():
                if prefix.endswith("/") and info.name.startswith(prefix):
                    target = folder / check_name(info.name[len(prefix) :])
                    break
        if target is None:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        src = tar.extractfile(info)
        assert src is not None
        with target.open("wb") as out:
            while chunk := src.read(_CHUNK):
                out.write(chunk)
        os.chmod(target, info.mode & 0o777 or 0o644)
        os.utime(target, (info.mtime, info.mtime))
        count += 1
    return count
