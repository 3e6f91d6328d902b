"""``GET /api/v1/site/`` through gunicorn and the shared nginx, beside a warm web page.

Builds a scratch database on the local PostgreSQL (``mortar_bench_api_site``; override
with BENCH_DATABASE_URL) with one tenant holding realistic content (en + ar, 40 nested
pages, header/footer menus with sub-items, a hero, 10 partners with logos and WebP
renditions, footer links), starts the api's gunicorn and web's gunicorn (2 sync workers
each, loopback, free ports) and the shared nginx (mortar_infra's real main config and
vhost, in a temporary MORTAR_HOME, on a free port or MORTAR_HTTP_PORT) in front of both,
and sends a bounded number of requests with the tenant's Host, one connection each:

* cold: the tenant's response-cache generation is bumped (what any content change does)
  right before every request, so responses are built from the database - what visitors
  get right after an editor publishes (the share of real misses is printed);
* api: the same URL answered from the Redis response cache, direct to gunicorn (what web
  does) and through nginx;
* page: web's home page answered from web's Redis page cache, direct and through nginx.

Requests through nginx carry a ``bench_preview=1`` cookie: nginx's micro-cache neither
reads nor fills for a cookie named like a preview cookie, so every request reaches
gunicorn (the cost of an edge miss, not of an edge hit), while neither app reads that
cookie (the api's early path only refuses its session and CSRF cookies). A
``max-age=0`` answer would not do: nginx's cache lock makes concurrent misses poll
every 500 ms.

Prints req/s, p50 and p95 latency of each phase, the warm/cold ratios and api/page
ratios; then stops nginx and both gunicorns, drops the database and deletes its Redis
keys. Needs PostgreSQL, Redis and nginx. ``--rounds N`` repeats the warm phases N times
(interleaved) and prints medians. To compare an older api in the same window, run this
file with ``PYTHONPATH=<other checkout>/base-images/api/src``.

    .venv/bin/python benchmarks/bench_api_site.py [--requests 600] [--concurrency 4] [--rounds 3]
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

from benchlib import free_port, set_database, start_gunicorn, stop

DB_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mortar_bench_api_site"
)
PREFIX = "benchapisite"
BYPASS = {"Cookie": "bench_preview=1"}  # nginx's micro-cache skips it; the apps ignore it
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

    for model in (MenuItem, FooterLink, Partner, Page):  # a new tenant's welcome content
        model.objects.all().delete()
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
    SiteSettings.objects.update_or_create(  # a new tenant may start with a welcome row
        pk=1,
        defaults=dict(
            site_name="Bench Builders",
            site_name_ar="بناة",
            tagline="Quality since 1962",
            logo=logo,
            hero=hero,
            seo_title="Bench Builders",
            seo_description="Builders " * 10,
            contact_email="office@bench.test",
            analytics_id="G-BENCH",
            social_links=[
                {"network": n, "url": f"https://{n}.test/bench"} for n in ("x", "fb", "ig")
            ],
        ),
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
    port: int, paths: list[str], concurrency: int, before=None, headers: dict | None = None
) -> tuple[float, list[float], int]:
    """Send every path once over ``concurrency`` threads; (wall s, latencies, misses).

    ``before()`` runs before each request, outside the timed part.
    """
    headers = headers or {}
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
            conn.request("GET", path, headers={**headers, "Host": HOST, "Accept-Language": "en"})
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
        f"{label:11s} n={len(lat):4d}  {figures['rps']:8.1f} req/s  "
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


def web_environ(api_port: int, media: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "MORTAR_"))}
    env.update(
        DJANGO_SETTINGS_MODULE="mortar_web.settings",
        SECRET_KEY="bench-" + "w" * 60,
        MORTAR_REDIS_PREFIX=PREFIX,
        MORTAR_LANGUAGES="en,ar",
        MORTAR_API_URL=f"http://127.0.0.1:{api_port}",
        MORTAR_WEB_STATIC_ROOT=str(Path(media) / "web-assets"),
        MORTAR_HTTPS="false",
        DJANGO_DEBUG="false",
        DJANGO_LOG_LEVEL="WARNING",
    )
    return env


def start_nginx(home: Path, api_port: int, web_port: int) -> int:
    """The shared nginx (real main config + the site's vhost) on a free port; its port."""
    port = int(os.environ.get("MORTAR_HTTP_PORT") or free_port())
    os.environ.update(MORTAR_HOME=str(home), MORTAR_HTTP_PORT=str(port))
    from mortar_infra import nginx
    from mortar_infra.manifest import Site

    nginx.ensure_layout(port)
    site = Site(
        slug="benchapisite",
        name="Bench",
        domains=[HOST],
        mortar_version="bench",
        api_port=api_port,
        web_port=web_port,
        limits={"site": "off"},  # one address sending thousands of requests a second
    )
    nginx.apply_vhost(site.slug, nginx.render_vhost(site, port=port))
    nginx.start()
    return port


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600, help="per phase (bounded)")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--rounds", type=int, default=1, help="warm phases, interleaved")
    args = parser.parse_args()
    media = bench_environ(DB_URL, PREFIX)
    home = Path(media) / "home"
    procs: list[subprocess.Popen] = []
    nginx_up = False
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

        api_port, web_port = free_port(), free_port()
        api_log = Path(media) / "api.log"
        procs.append(start_gunicorn("mortar_api.wsgi", api_port, None, api_log, args.workers))
        wait_ready(api_port, procs[0])
        web_env = web_environ(api_port, media)
        subprocess.run(
            [str(Path(sys.executable).with_name("mortar-web")), "collectstatic", "--noinput"],
            env=web_env,
            check=True,
            capture_output=True,
        )
        procs.append(
            start_gunicorn(
                "mortar_web.wsgi:application",
                web_port,
                web_env,
                Path(media) / "web.log",
                args.workers,
            )
        )
        edge_port = start_nginx(home, api_port, web_port)
        nginx_up = True
        from mortar_api.cms.caching import bump_all

        def invalidate() -> None:
            with tenant_context(tenant):
                bump_all()

        api, page = "/api/v1/site/", "/"
        # Warm every worker's connections and code paths (and web's page cache).
        run(api_port, [api] * 20, args.concurrency, before=invalidate)
        run(web_port, [page] * 20, args.concurrency)
        run(edge_port, [page] * 20 + [api] * 20, args.concurrency, headers=BYPASS)

        print(
            f"GET {api} and web's {page} ({args.workers} gunicorn workers each, loopback), "
            f"concurrency {args.concurrency}, {args.requests} requests per phase, "
            f"load average before: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
        )
        cold = report("cold", *run(api_port, [api] * args.requests, args.concurrency, invalidate))
        run(api_port, [api], 1)  # prime the one warm entry
        phases = {
            "api direct": (api_port, api, None),
            "api nginx": (edge_port, api, BYPASS),
            "page direct": (web_port, page, None),
            "page nginx": (edge_port, page, BYPASS),
        }
        figures: dict[str, list[dict[str, float]]] = {name: [] for name in phases}
        for _round in range(args.rounds):
            for name, (port, path, headers) in phases.items():
                timed = run(port, [path] * args.requests, args.concurrency, headers=headers)
                figures[name].append(report(name, *timed))
        med = {
            name: {k: statistics.median(f[k] for f in runs) for k in runs[0]}
            for name, runs in figures.items()
        }
        if args.rounds > 1:
            print(f"medians of {args.rounds} rounds:")
            for name, f in med.items():
                print(
                    f"  {name:12s} {f['rps']:8.1f} req/s  p50={f['p50']:6.2f} ms  "
                    f"p95={f['p95']:6.2f} ms"
                )
        warm = med["api direct"]
        print(
            f"warm/cold: throughput x{warm['rps'] / cold['rps']:.1f}, "
            f"p50 latency /{cold['p50'] / warm['p50']:.1f}, "
            f"p95 latency /{cold['p95'] / warm['p95']:.1f}"
        )
        for where in ("direct", "nginx"):
            # the ratio within each round (same load), then the median over rounds
            pairs = zip(figures[f"api {where}"], figures[f"page {where}"], strict=True)
            ratios = [(a["rps"] / p["rps"], a["p50"] / p["p50"]) for a, p in pairs]
            print(
                f"api/page {where}: throughput "
                f"{statistics.median(r[0] for r in ratios):.2f}, "
                f"p50 latency {statistics.median(r[1] for r in ratios):.2f} "
                f"(medians of per-round ratios: {', '.join(f'{r[0]:.2f}' for r in ratios)})"
            )
    finally:
        if nginx_up:
            from mortar_infra import nginx

            nginx.stop()
        for proc in reversed(procs[1:]):
            stop(proc, timeout=20)
        teardown(procs[0] if procs else None, DB_URL, PREFIX, media)


if __name__ == "__main__":
    main()
