"""Build and run images with buildah the way this machine allows (docs/images.md).

`buildah from` + `buildah run --isolation chroot` share the host network, so a container's
gunicorn listens on a host port given by $PORT. Each running role gets its own working
container (like one compose service); `Container.stop()` ends its process group and
removes the container.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import uuid
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VERSION = (ROOT / "VERSION").read_text().strip()
BUILD_IMAGES = ROOT / "scripts" / "build-images"


def buildah(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["buildah", *args], capture_output=True, text=True, timeout=timeout)


def buildah_ok(*args: str, timeout: float = 120) -> str:
    res = buildah(*args, timeout=timeout)
    assert res.returncode == 0, f"buildah {' '.join(args)}\n{res.stderr}"
    return res.stdout.strip()


def engine_missing() -> str | None:
    """Why images cannot be built here, or None."""
    if shutil.which("buildah"):
        return None
    return "buildah is not installed: MORTAR_TEST_IMAGES=1 bash scripts/install-system-deps (root)"


def build_images(*args: str, log: Path, env: dict[str, str] | None = None) -> int:
    """Run scripts/build-images with output to `log`; returns its exit code."""
    with log.open("a") as out:
        out.write(f"\n==== scripts/build-images {' '.join(args)}\n")
        out.flush()
        return subprocess.run(
            ["bash", str(BUILD_IMAGES), *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
            timeout=1800,
        ).returncode


def image_config(ref: str) -> dict:
    import json

    return json.loads(buildah_ok("inspect", "--type", "image", ref))


def env_args(env: dict[str, str]) -> list[str]:
    out: list[str] = []
    for key, value in env.items():
        out += ["--env", f"{key}={value}"]
    return out


class Container:
    """One working container of `image`; `run()` for one-shots, `start()` for services."""

    def __init__(self, image: str, role: str) -> None:
        self.name = f"mortar-test-{role}-{uuid.uuid4().hex[:8]}"
        buildah_ok("from", "--pull=false", "--name", self.name, image)
        self.proc: subprocess.Popen[bytes] | None = None
        self.log: Path | None = None

    def _argv(self, env: dict[str, str], cmd: list[str], options: Sequence[str] = ()) -> list[str]:
        return [
            "buildah", "run", "--isolation", "chroot", *env_args(env), *options,
            self.name, "--", *cmd,
        ]  # fmt: skip

    def run(
        self,
        env: dict[str, str],
        cmd: list[str],
        timeout: float = 300,
        options: Sequence[str] = (),
    ) -> subprocess.CompletedProcess[str]:
        """A one-shot; `options` go to `buildah run` (e.g. `-v host:ctr`, `--user 0:0`)."""
        argv = self._argv(env, cmd, options)
        return subprocess.run(argv, capture_output=True, text=True, timeout=timeout)

    def start(self, env: dict[str, str], cmd: list[str], log: Path) -> None:
        self.log = log
        with log.open("wb") as out:
            # Own session: stop() signals the whole group (buildah and the server it runs).
            self.proc = subprocess.Popen(
                self._argv(env, cmd), stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log and self.log.exists() else ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(timeout=10)
            except ProcessLookupError:
                pass
        buildah("rm", self.name)
