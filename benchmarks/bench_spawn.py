"""Time from `cookiecutter` to the first 200 through nginx for a new site, and the idle
memory (RSS and PSS) of that site's four roles (api, web, worker, beat with their children;
a beat embedded in the worker is counted once, as `worker+beat`).

Needs PostgreSQL and Redis on loopback and nginx installed. Runs on a temp MORTAR_HOME
with a free nginx port; the base venv cache (`MORTAR_BASE_VENVS`, default
test-artifacts/base-venvs) is warmed first and not counted, as for any site after the
first on a machine ("warm package cache"). Each run spawns a fresh site, so every step
a user waits for is measured: generation, site venv, provisioning, migrations, first
tenant, process start, health, nginx registration.

    .venv/bin/python benchmarks/bench_spawn.py [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

from benchlib import free_port

KIT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent


def run(env: dict, *cmd: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc


def status_via_nginx(port: int, host: str) -> int:
    req = urllib.request.Request(f"http://127.0.0.1:{port}/", headers={"Host": host})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--idle", type=float, default=20.0, help="seconds idle before RSS")
    args = parser.parse_args()

    from mortar_infra.procs import group_memory_kib

    home = Path(tempfile.mkdtemp(prefix="mortar-bench-"))
    port = free_port()
    env = {
        **os.environ,
        "MORTAR_HOME": str(home),
        "MORTAR_HTTP_PORT": str(port),
        "MORTAR_BASE_VENVS": os.environ.get(
            "MORTAR_BASE_VENVS", str(KIT / "test-artifacts" / "base-venvs")
        ),
        "HOME": str(home),
    }
    os.environ.update(env)  # for mortar_infra imports below
    run(env, str(BIN / "mortar"), "infra", "up")
    tag = uuid.uuid4().hex[:6]
    sites: list[tuple[str, Path]] = []
    times, rss, pss = [], [], []
    try:
        # warm the shared base venv (built once per kit version/source state)
        from mortar_infra import siteenv

        t = time.perf_counter()
        siteenv.ensure_base_venv(siteenv.kit_version())
        print(f"base venv ready in {time.perf_counter() - t:.1f}s (not counted)")
        for i in range(args.runs):
            slug, domain = f"bench_{tag}_{i}", f"bench-{tag}-{i}.localhost"
            start = time.perf_counter()
            run(env, str(BIN / "cookiecutter"), str(KIT), "--no-input", "-o", str(home / "s"),
                f"site_name=Bench {i}", f"site_slug={slug}", f"domain={domain}")  # fmt: skip
            site_dir = home / "s" / slug
            sites.append((slug, site_dir))
            run(env, str(BIN / "mortar"), "site", "up", str(site_dir))
            deadline = time.monotonic() + 120  # `site up` waited for health already
            while status_via_nginx(port, domain) not in (200, 404):
                if time.monotonic() > deadline:
                    sys.exit(f"{domain} never answered through nginx on port {port}")
                time.sleep(0.1)
            # the home page of an empty tenant is web's 404 page; /api/v1/site/ must be 200
            req = urllib.request.Request(
                f"http://127.0.0.1:{port}/api/v1/site/", headers={"Host": domain}
            )
            with urllib.request.urlopen(req, timeout=10) as resp:
                assert resp.status == 200
            elapsed = time.perf_counter() - start
            times.append(elapsed)
            print(f"run {i + 1}: cookiecutter -> first 200 through nginx in {elapsed:.1f}s")
        time.sleep(args.idle)
        from mortar_infra.manifest import registered_site
        from mortar_infra.procs import status

        for slug, _ in sites:
            s = registered_site(slug)
            by_pid: dict[int, list[str]] = {}  # an embedded beat shares the worker's process
            for role, pid in status(s).items():
                if pid:
                    by_pid.setdefault(pid, []).append(role)
            mem = {"+".join(roles): group_memory_kib(pid) for pid, roles in by_pid.items()}
            total_rss = sum(m["rss"] for m in mem.values()) / 1024
            total_pss = sum(m["pss"] for m in mem.values()) / 1024
            rss.append(total_rss)
            pss.append(total_pss)
            roles = ", ".join(
                f"{r} {m['rss'] / 1024:.0f}/{m['pss'] / 1024:.0f} ({m['processes']} procs)"
                for r, m in mem.items()
            )
            print(f"{slug}: idle RSS {total_rss:.0f} MiB, PSS {total_pss:.0f} MiB  [{roles}]")
    finally:
        for slug, site_dir in sites:
            subprocess.run([str(BIN / "mortar"), "site", "down", str(site_dir)], env=env,
                           capture_output=True)  # fmt: skip
            subprocess.run([str(BIN / "mortar"), "site", "deprovision", slug, "--yes"], env=env,
                           capture_output=True)  # fmt: skip
        subprocess.run([str(BIN / "mortar"), "infra", "down"], env=env, capture_output=True)
    print()
    print(f"spawn -> first 200: median {statistics.median(times):.1f}s, "
          f"min {min(times):.1f}s, max {max(times):.1f}s over {len(times)} runs")  # fmt: skip
    print(f"idle memory of one site's 4 roles (with their children): median RSS "
          f"{statistics.median(rss):.0f} MiB, PSS {statistics.median(pss):.0f} MiB")  # fmt: skip


if __name__ == "__main__":
    main()
