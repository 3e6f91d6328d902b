"""``GET /api/v1/site/`` through gunicorn: response cache cold vs warm.

Builds a scratch database on the local PostgreSQL (``mortar_bench_api_site``; override
with BENCH_DATABASE_URL) with one tenant holding realistic content (en + ar, 40 nested
pages, header/footer menus with sub-items, a hero, 10 partners with logos and WebP
renditions, footer links), starts gunicorn (2 sync workers, loopback, a free port) and
sends a bounded number of requests with the tenant's Host:

* cold: the tenant's response-cache generation is bumped (what any content change does)
  right before every request, so responses are built from the database - what visitors
  get right after an editor publishes (the share of real misses is printed);
* warm: the same URL, answered from the Redis response cache.

Prints req/s, p50 and p95 latency of each, and the warm/cold ratios; then stops gunicorn,
drops the database and deletes its Redis keys. Needs PostgreSQL and Redis running.

    .venv/bin/python benchmarks/bench_api_site.py [--requests 600] [--concurrency 4]
"""

from __future__ import annotations

import argparse
import http.client
import io
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from benchlib import free_port, set_database, stop

DB_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mortar_bench_api_site"
)
PREFIX = "benchapisite"
HOST = "bench-site.localhost"


def png(width: int, height: int, colour: tuple[int, int, int]) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "PNG")
    return out.getvalue()


def populate() -> None:
    """Content a real small-business site might have, in English and Arabic."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from mortar_api.cms.models import FooterLink, Hero, MenuItem, Page, Partner, SiteSettings
    from mortar_api.media.models import RENDITION_WIDTHS, MediaAsset
    from mortar_api.media.renditions import render_widths

    def asset(name: str, size: tuple[int, int], colour: tuple[int, int, int]) -> MediaAsset:
        a = MediaAsset(file=SimpleUploadedFile(name, png(*size, colour)), alt=f"{name} alt")
        a.alt_ar = f"{name} بديل"
        a.save()
        a.renditions = render_widths(a.file.storage, a.file.name, RENDITION_WIDTHS)
        a.save()
        return a

    logo = asset("logo.png", (800, 200), (10, 80, 160))
    hero = Hero.objects.create(
        name="home",
        title="Building things that last",
        title_ar="نبني ما يدوم",
        description="Family-run builders since 1962. " * 4,
        button_label="Get a quote",
        button_link="/contact/",
        background_image=asset("hero.png", (1600, 900), (120, 90, 60)),
    )
    SiteSettings.objects.create(
        site_name="Bench Builders",
        site_name_ar="بناة",
        tagline="Quality since 1962",
        logo=logo,
        hero=hero,
        seo_title="Bench Builders",
        seo_description="Builders " * 10,
        contact_email="office@bench.test",
        analytics_id="G-BENCH",
        social_links=[{"network": n, "url": f"https://{n}.test/bench"} for n in ("x", "fb", "ig")],
    )
    pages = []
    for i in range(8):
        top = Page(
            title=f"Section {i}", title_ar=f"قسم {i}", slug=f"section-{i}", status="published"
        )
        top.body = "<p>" + "Lorem ipsum dolor sit amet. " * 40 + "</p>"
        top.save()
        pages.append(top)
        item = MenuItem.objects.create(label=f"Section {i}", label_ar=f"قسم {i}", page=top, order=i)
        for j in range(4):
            child = Page(title=f"Topic {i}.{j}", slug=f"topic-{j}", parent=top, status="published")
            child.save()
            MenuItem.objects.create(label=f"Topic {i}.{j}", page=child, parent=item, order=j)
    Page(title="Home", slug="home", status="published", is_home=True, hero=hero).save()
    for k in range(6):
        MenuItem.objects.create(label=f"Footer {k}", url=f"https://ext{k}.test/", location="footer")
    for k in range(10):
        Partner.objects.create(
            name=f"Partner {k}",
            url=f"https://p{k}.test/",
            logo=asset(f"p{k}.png", (400, 200), (k * 20, 100, 50)),
            order=k,
        )
    for k in range(8):
        FooterLink.objects.create(
            key=f"link-{k}", label=f"Link {k}", label_ar=f"رابط {k}", route=f"/l{k}/", order=k
        )


def run(
    port: int, paths: list[str], concurrency: int, before=None
) -> tuple[float, list[float], int]:
    """Send every path once over ``concurrency`` threads; (wall s, latencies, misses).

    ``before()`` runs before each request, outside the timed part.
    """
    latencies: list[float] = []
    misses = [0]
    lock = threading.Lock()
    queue = list(reversed(paths))
    errors: list[str] = []

    def worker() -> None:
        while True:
            with lock:
                if not queue:
                    return
                path = queue.pop()
            if before is not None:
                before()
            t0 = time.perf_counter()
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
            conn.request("GET", path, headers={"Host": HOST, "Accept-Language": "en"})
            resp = conn.getresponse()
            resp.read()
            conn.close()
            elapsed = time.perf_counter() - t0
            with lock:
                latencies.append(elapsed)
                misses[0] += resp.getheader("X-Mortar-Cache") == "miss"
                if resp.status != 200:
                    errors.append(f"{path}: HTTP {resp.status}")

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit(f"{len(errors)} failed requests, e.g. {errors[0]}")
    return time.perf_counter() - started, latencies, misses[0]


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(label: str, wall: float, lat: list[float], misses: int) -> dict[str, float]:
    figures = {
        "rps": len(lat) / wall,
        "p50": statistics.median(lat) * 1000,
        "p95": pct(lat, 0.95) * 1000,
    }
    print(
        f"{label:5s} n={len(lat):4d}  {figures['rps']:8.1f} req/s  "
        f"p50={figures['p50']:7.2f} ms  p95={figures['p95']:7.2f} ms  "
        f"cache misses {misses}/{len(lat)}"
    )
    return figures


def wait_ready(port: int, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("gunicorn exited early")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/site/", headers={"Host": HOST})
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise SystemExit("gunicorn did not answer in time")


def bench_environ(db_url: str, prefix: str) -> str:
    """The api's settings for a benchmark (a fresh database, its own Redis prefix); the
    temporary media folder."""
    media = tempfile.mkdtemp(prefix=f"mortar-bench-{prefix}-")
    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "mortar_api.settings",
            "DATABASE_URL": db_url,
            "SECRET_KEY": "bench-" + "b" * 60,
            "MORTAR_REDIS_PREFIX": prefix,
            "MORTAR_LANGUAGES": "en,ar",
            "MORTAR_HTTPS": "false",
            "MEDIA_ROOT": media,
            "DJANGO_LOG_LEVEL": "WARNING",
            "DJANGO_CONN_MAX_AGE": "60",
        }
    )
    set_database(db_url, create=True)
    return media


def teardown(proc: subprocess.Popen | None, db_url: str, prefix: str, media: str) -> None:
    """Stop gunicorn, drop the database, delete the Redis keys and the media folder."""
    stop(proc, timeout=20)
    from django.db import connections

    connections.close_all()
    set_database(db_url, create=False)
    try:
        import redis

        rds = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
        for key in rds.scan_iter(f"{prefix}:*"):
            rds.delete(key)
    except Exception as exc:  # cleanup is best effort; say so
        print(f"note: could not delete Redis keys {prefix}:*: {exc}")
    shutil.rmtree(media, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600, help="per phase (bounded)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    args = parser.parse_args()
    media = bench_environ(DB_URL, PREFIX)
    proc = None
    try:
        import django

        django.setup()
        import redis
        from django.conf import settings
        from django.core.management import call_command
        from django_tenants.utils import tenant_context
        from mortar_api.tenancy.provisioning import create_tenant

        rds = redis.Redis.from_url(settings.REDIS_URL)
        for key in rds.scan_iter(f"{PREFIX}:*"):
            rds.delete(key)
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        tenant = create_tenant("bench_site", [HOST, f"www.{HOST}"]).tenant
        with tenant_context(tenant):
            populate()
        from django.db import connections

        connections.close_all()

        port = free_port()
        log = Path(media) / "gunicorn.log"
        proc = subprocess.Popen(
            [
                str(Path(sys.executable).with_name("gunicorn")),
                "mortar_api.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--access-logfile",
                "-" if os.environ.get("BENCH_ACCESS_LOG") else "/dev/null",
            ],
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        wait_ready(port, proc)
        from mortar_api.cms.caching import bump_response_cache

        def invalidate() -> None:
            with tenant_context(tenant):
                bump_response_cache()

        # Warm every worker's connections and code paths before measuring either phase.
        run(port, ["/api/v1/site/"] * 20, args.concurrency, before=invalidate)

        print(
            f"GET /api/v1/site/ via gunicorn ({args.workers} workers, loopback), "
            f"concurrency {args.concurrency}, {args.requests} requests per phase, "
            f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
        )
        cold = report(
            "cold",
            *run(port, ["/api/v1/site/"] * args.requests, args.concurrency, before=invalidate),
        )
        run(port, ["/api/v1/site/"], 1)  # prime the one warm entry
        warm = report("warm", *run(port, ["/api/v1/site/"] * args.requests, args.concurrency))
        print(
            f"warm/cold: throughput x{warm['rps'] / cold['rps']:.1f}, "
            f"p50 latency /{cold['p50'] / warm['p50']:.1f}, "
            f"p95 latency /{cold['p95'] / warm['p95']:.1f}"
        )
    finally:
        teardown(proc, DB_URL, PREFIX, media)


if __name__ == "__main__":
    main()
