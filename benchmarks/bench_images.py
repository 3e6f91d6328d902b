"""Image figures: sizes, cold build time of both bases, site api rebuild after a one-line change.

    .venv/bin/python benchmarks/bench_images.py [--cold] [--rebuilds N]

--cold rebuilds both bases with every layer (`scripts/build-images --no-cache`; pip still
downloads wheels from the package index); without it the bases are only built when missing
or changed. Then a site is generated, its images built once (warm cache), and a one-line
code change in the site's api rebuilds its api image N times (median, p90, max).
Uses buildah, or docker when a Docker engine answers (same as `make images`).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VERSION = (ROOT / "VERSION").read_text().strip()
BUILD = ["bash", str(ROOT / "scripts" / "build-images")]
COOKIECUTTER = str(Path(sys.executable).with_name("cookiecutter"))
SLUG = "bench_img"


def engine() -> str:
    ok = shutil.which("docker") and subprocess.run(["docker", "info"], capture_output=True)
    return "docker" if ok and ok.returncode == 0 else "buildah"


def timed(cmd: list[str]) -> float:
    start = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if res.returncode != 0:
        sys.exit(f"failed: {' '.join(cmd)}\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}")
    return elapsed


def size_mb(ref: str) -> float:
    if engine() == "docker":
        out = subprocess.run(
            ["docker", "image", "inspect", "-f", "{{.Size}}", ref], capture_output=True, text=True
        )
        return int(out.stdout.strip()) / 1e6
    # buildah reports a human size ("289 MB"); the storage driver's is what `du` would count.
    images = json.loads(
        subprocess.run(["buildah", "images", "--json", ref], capture_output=True, text=True).stdout
    )
    human = images[0]["size"]
    value, unit = re.fullmatch(r"([\d.]+)\s*(\w+)", human).groups()
    return float(value) * {"KB": 1e-3, "MB": 1, "GB": 1e3}[unit.upper()]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cold", action="store_true", help="rebuild the bases with --no-cache")
    ap.add_argument("--rebuilds", type=int, default=5)
    args = ap.parse_args()
    print(f"engine: {engine()}  kit version: {VERSION}")

    if args.cold:
        for part in ("api", "web"):
            t = timed([*BUILD, "--no-cache", part])
            print(f"cold build mortarcms/{part}-base:{VERSION}: {t:.1f} s")
    else:
        timed(BUILD)
        print("bases: built when missing or changed (pass --cold for cold build times)")

    with tempfile.TemporaryDirectory() as tmp:
        res = subprocess.run(
            [COOKIECUTTER, str(ROOT), "--no-input", "--output-dir", tmp,
             "site_name=Bench Images", f"site_slug={SLUG}"],
            capture_output=True, text=True,
        )  # fmt: skip
        if res.returncode != 0:
            sys.exit(res.stderr)
        site = Path(tmp) / SLUG
        first = timed([*BUILD, "--site", str(site), "--tag", "bench"])
        print(f"site images (api + web), first build on warm bases: {first:.1f} s")
        views = site / "api" / "site_apps" / "notices" / "views.py"
        original = views.read_text()
        times = []
        for i in range(args.rebuilds):
            views.write_text(original + f"\nBENCH_CHANGE = {i}\n")  # the one-line change
            times.append(timed([*BUILD, "--site", str(site), "--tag", "bench", "api"]))
        times.sort()
        p90 = times[min(len(times) - 1, round(0.9 * (len(times) - 1)))]
        print(
            f"site api rebuild after a one-line change (n={len(times)}): "
            f"median {statistics.median(times):.1f} s, p90 {p90:.1f} s, max {times[-1]:.1f} s "
            "(target < 15 s)"
        )

    dns = SLUG.replace("_", "-")
    refs = [
        f"mortarcms/api-base:{VERSION}",
        f"mortarcms/web-base:{VERSION}",
        f"mortarcms/{dns}-api:bench",
        f"mortarcms/{dns}-web:bench",
    ]
    for ref in refs:
        print(
            f"size {ref}: {size_mb(ref):.0f} MB"
            + ("  (target < 300 MB)" if "api-base" in ref else "")
        )
    rm = ["docker", "rmi"] if engine() == "docker" else ["buildah", "rmi"]
    subprocess.run([*rm, *refs[2:]], capture_output=True)


if __name__ == "__main__":
    main()
