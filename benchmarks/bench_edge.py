"""The shared nginx's micro-cache against nginx serving the same bytes as a static file.

Brings up the native stack on a temp MORTAR_HOME and a free port, and the demo site
(`mortar demo`: api, web, worker, beat) behind it. Then, in the same nginx and the same
run, with wrk (2 threads, 16 connections, loopback, HTTP/1.1 keep-alive):

  (a) edge: `/about/` of the demo through its vhost, answered from the micro-cache
      (web marks it `public, max-age=5`; the entry is refreshed every 5 s by one request
      while the others are served from the cache);
  (b) static: the same bytes, saved to a file, served by a plain `root`/`try_files`
      server block of the same nginx.

Prints req/s and p50/p99 for each and the edge/static throughput ratio (target >= 50%).
Asserts nothing about timing. Needs wrk (`apt-get install wrk`), nginx, and the
machine's PostgreSQL/Redis; removes the demo site's database and Redis user afterwards.

    .venv/bin/python benchmarks/bench_edge.py [--seconds 10] [--connections 16] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import requests
from benchlib import free_port

MORTAR = str(Path(sys.executable).with_name("mortar"))
STATIC_HOST = "static-bench.localhost"


def wrk(url: str, host: str, args: argparse.Namespace) -> dict[str, float]:
    """One wrk run: req/s and the p50/p99 latency in ms (from `--latency`)."""
    out = subprocess.run(
        ["wrk", f"-t{args.threads}", f"-c{args.connections}", f"-d{args.seconds}s",
         "--latency", "-H", f"Host: {host}", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50": _ms(re.search(r"^\s+50%\s+(\S+)", out, re.M).group(1)),
        "p99": _ms(re.search(r"^\s+99%\s+(\S+)", out, re.M).group(1)),
        "errors": float(non2xx.group(1)) if non2xx else 0.0,
    }


def _ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def static_vhost(root: Path, port: int) -> str:
    return (
        "server {\n"
        f"    listen 127.0.0.1:{port};\n"
        f"    server_name {STATIC_HOST};\n"
        "    access_log off;\n"
        f"    root {root};\n"
        "    default_type text/html;\n"
        "    location = /about/ { try_files /about.html =404; }\n"
        "}\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("error: wrk not found (apt-get install wrk)")

    tmp = Path(tempfile.mkdtemp(prefix="mortar-bench-edge-"))
    port = free_port()
    os.environ.update(MORTAR_HOME=str(tmp / "home"), MORTAR_HTTP_PORT=str(port))
    slug, domain = f"bench_edge_{uuid.uuid4().hex[:6]}", "edge-bench.localhost"
    site_dir = tmp / slug

    def mortar(*cli: str) -> str:
        res = subprocess.run([MORTAR, "--quiet", *cli], capture_output=True, text=True)
        if res.returncode != 0:
            raise SystemExit(f"mortar {' '.join(cli)} failed:\n{res.stdout}\n{res.stderr}")
        return res.stdout

    try:
        t0 = time.monotonic()
        mortar("infra", "up")
        mortar("demo", "--dir", str(site_dir), "--slug", slug, "--domain", domain)
        print(f"demo site up in {time.monotonic() - t0:.0f} s")
        # wrk is one address sending thousands of requests a second: lift the edge's
        # per-address limits for the run (the static server block has none either).
        manifest = site_dir / "mortar.toml"
        manifest.write_text(manifest.read_text() + '\n[nginx.limits]\nsite = "off"\n')
        from mortar_infra import nginx
        from mortar_infra.manifest import load_site

        nginx.register(load_site(site_dir))

        base = f"http://127.0.0.1:{port}"
        page = requests.get(f"{base}/about/", headers={"Host": domain}, timeout=15)
        page.raise_for_status()
        cached = requests.get(f"{base}/about/", headers={"Host": domain}, timeout=15)
        print(
            f"/about/: {len(page.content)} bytes, Cache-Control: {cached.headers['Cache-Control']}"
            f", X-Cache-Status: {cached.headers.get('X-Cache-Status')}"
        )
        root = tmp / "static"
        root.mkdir()
        (root / "about.html").write_bytes(page.content)
        root.chmod(0o755)
        tmp.chmod(0o755)  # nginx's workers (nobody, as root) must reach the file
        nginx.apply_vhost("zz_static_bench", static_vhost(root, port))
        static = requests.get(f"{base}/about/", headers={"Host": STATIC_HOST}, timeout=15)
        assert static.content == page.content, "the static copy differs"

        results = {
            "edge (micro-cache)": wrk(f"{base}/about/", domain, args),
            "static file": wrk(f"{base}/about/", STATIC_HOST, args),
        }
        print(
            f"\nwrk -t{args.threads} -c{args.connections} -d{args.seconds}s, "
            f"{os.cpu_count()} cores, nginx {nginx_version()}"
        )
        print(f"{'':20} {'req/s':>10} {'p50 ms':>8} {'p99 ms':>8} {'non-2xx':>8}")
        for label, r in results.items():
            print(
                f"{label:20} {r['rps']:>10.0f} {r['p50']:>8.2f} {r['p99']:>8.2f}"
                f" {r['errors']:>8.0f}"
            )
        ratio = results["edge (micro-cache)"]["rps"] / results["static file"]["rps"]
        print(f"\nedge / static throughput: {ratio:.0%} (target >= 50%)")
    finally:
        subprocess.run([MORTAR, "--quiet", "site", "down", str(site_dir)], capture_output=True)
        subprocess.run(
            [MORTAR, "--quiet", "site", "deprovision", slug, "--yes"], capture_output=True
        )
        subprocess.run([MORTAR, "--quiet", "infra", "down"], capture_output=True)
        shutil.rmtree(tmp, ignore_errors=True)


def nginx_version() -> str:
    res = subprocess.run(["nginx", "-v"], capture_output=True, text=True)
    return res.stderr.strip().rsplit("/", 1)[-1]


if __name__ == "__main__":
    main()
