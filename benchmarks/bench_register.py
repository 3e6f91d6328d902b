"""Time `mortar site register` end to end: render, `nginx -t` of the whole config, reload
(until the new workers serve), with 1 and with many sites already registered.

Needs nginx installed; uses a temp MORTAR_HOME and a free port, and the machine's
PostgreSQL/Redis only for `infra up`'s status check. Prints medians and p90s for
the CLI (a fresh `mortar` process per run, as a user runs it) and for the
in-process call (`mortar_infra.nginx.register`, what `mortar site up` uses).

    .venv/bin/python benchmarks/bench_register.py [--runs 20] [--sites 50]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchlib import free_port

MORTAR = str(Path(sys.executable).with_name("mortar"))


def write_site(root: Path, slug: str) -> Path:
    d = root / slug
    dns = slug.replace("_", "-")
    d.mkdir(parents=True)
    (d / "mortar.toml").write_text(
        f'[site]\nslug = "{slug}"\nname = "{slug}"\n'
        f'domains = ["{dns}.localhost", "www.{dns}.localhost"]\nmortar_version = "1.0.0"\n'
    )
    return d


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def report(label: str, ms: list[float]) -> None:
    print(
        f"{label:<44} median {statistics.median(ms):7.1f} ms   p90 {pct(ms, 0.9):7.1f} ms"
        f"   (n={len(ms)})"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--sites", type=int, default=50)
    args = ap.parse_args()

    home = Path(tempfile.mkdtemp(prefix="mortar-bench-"))
    os.environ.update(MORTAR_HOME=str(home), MORTAR_HTTP_PORT=str(free_port()))
    os.environ.setdefault(
        "MORTAR_POSTGRES_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    os.environ.setdefault("MORTAR_REDIS_ADMIN_URL", "redis://127.0.0.1:6379/0")
    from mortar_infra import nginx
    from mortar_infra.manifest import load_site

    sites_root = home / "site-dirs"
    try:
        subprocess.run([MORTAR, "infra", "up"], check=True, capture_output=True)
        target = write_site(sites_root, "bench_target")
        for n_other in (0, args.sites):
            for i in range(n_other):  # only the second round registers others
                nginx.register(load_site(write_site(sites_root, f"bench_other_{i}")))
            cli, inproc = [], []
            for _ in range(args.runs):
                t0 = time.perf_counter()
                res = subprocess.run(
                    [MORTAR, "site", "register", str(target)], capture_output=True, text=True
                )
                if res.returncode:
                    sys.exit(f"register failed: {res.stderr.strip()}")
                cli.append((time.perf_counter() - t0) * 1000)
            site = load_site(target)
            for _ in range(args.runs):
                t0 = time.perf_counter()
                nginx.register(site)
                inproc.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            nginx.check_config()
            t_check = (time.perf_counter() - t0) * 1000
            print(f"-- {n_other + 1} sites registered (nginx -t alone: {t_check:.1f} ms)")
            report("`mortar site register` (CLI process)", cli)
            report("nginx.register() in-process", inproc)
    finally:
        subprocess.run([MORTAR, "infra", "down"], capture_output=True)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    main()
