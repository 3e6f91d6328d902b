"""Site search (GET /api/v1/search/) on a tenant with many published pages, en + ar.

Builds a scratch database on the local PostgreSQL (``mortar_bench_search``; override with
BENCH_DATABASE_URL) with one tenant of ``--pages`` published pages (default 10,000) of
generated English and Arabic text (a 2,000-word vocabulary plus common words, ~200 words
per page and language), then prints:

* database: p50/p95 of one search as the API runs it (count, one page of 10 ranked
  results, their snippets: ``cms.search.search``), for one-word, two-word and phrase
  queries in English and Arabic; a "frequent word" is on ~95% of the pages, so its
  search counts and ranks only the first ``MORTAR_SEARCH_MAX_RESULTS`` (1,000) matches;
* API uncached: p50/p95 of ``GET /api/v1/search/`` through gunicorn (2 workers, loopback)
  with the response cache generation bumped before every request (every answer is built);
* index upkeep: the mean time of an UPDATE of a page's English body with the generated
  search columns and their GIN indexes, against the same UPDATE on a copy of the table
  without them: the index's cost per page save.

Then stops gunicorn, drops the database and deletes its Redis keys. Needs PostgreSQL and
Redis running. ``.venv/bin/python benchmarks/bench_search.py [--pages 10000]``
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

from bench_api_site import HOST, bench_environ, pct, run, teardown, wait_ready
from benchlib import free_port

DB_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mortar_bench_search"
)
PREFIX = "benchsearch"
COMMON_EN = (
    "the of and to in is for on with as by at from that this are was be it an or stone "
    "brick wall arch beam light river garden window door street city harbour market bridge "
    "tower field forest valley meadow building restore workshop craft timber roof"
).split()
COMMON_AR = (
    "في من على إلى عن مع هذا هذه التي الذي المدينة المكتبات مكتبة الكتب كتاب المعلمون "
    "معلم المدرسة المدارس الطلاب الحديقة الحدائق الجسر الجسور السوق الأسواق البيت البيوت "
    "النهر الأنهار الشارع الشوارع الحجر الحجارة البناء المباني"
).split()


def vocabulary(rng: random.Random, size: int, alphabet: str) -> list[str]:
    return ["".join(rng.choices(alphabet, k=rng.randint(4, 9))) for _ in range(size)]


def text(rng: random.Random, common: list[str], rare: list[str], words: int) -> str:
    out = [rng.choice(common) if rng.random() < 0.6 else rng.choice(rare) for _ in range(words)]
    return " ".join(out)


def populate(count: int, rng: random.Random) -> tuple[list[str], list[str]]:
    """``count`` published pages in bulk (the generated columns computed by PostgreSQL)."""
    from mortar_api.cms.models import Page

    rare_en = vocabulary(rng, 2000, "abcdefghijklmnopqrstuvwxyz")
    rare_ar = vocabulary(rng, 2000, "ابتثجحخدذرزسشصضطظعغفقكلمنهوي")
    batch = []
    for i in range(count):
        p = Page(
            slug=f"p{i}",
            path=f"p{i}",
            status="published",
            title_en=text(rng, COMMON_EN, rare_en, 5),
            title_ar=text(rng, COMMON_AR, rare_ar, 5),
            seo_description_en=text(rng, COMMON_EN, rare_en, 20),
            body_en="<p>" + text(rng, COMMON_EN, rare_en, 200) + "</p>",
            body_ar="<p>" + text(rng, COMMON_AR, rare_ar, 200) + "</p>",
            blocks_en=[{"type": "quote", "value": {"text": text(rng, COMMON_EN, rare_en, 15)}}],
            blocks_ar=[],
        )
        batch.append(p)
        if len(batch) == 1000:
            Page.objects.bulk_create(batch)
            batch = []
    if batch:
        Page.objects.bulk_create(batch)
    return rare_en, rare_ar


def queries(rng: random.Random, rare_en: list[str], rare_ar: list[str], n: int) -> list[tuple]:
    out = []
    for i in range(n):
        lang, rare, common = (
            ("en", rare_en, COMMON_EN[20:]) if i % 2 == 0 else ("ar", rare_ar, COMMON_AR[8:])
        )
        kind = i % 6 // 2
        if kind == 0:
            q = rng.choice(rare)
        elif kind == 1:
            q = f"{rng.choice(common)} {rng.choice(rare)}"
        else:
            q = f'"{rng.choice(common)}"'  # a frequent word: many matches to rank
        out.append((lang, q))
    return out


def figures(label: str, seconds: list[float]) -> None:
    print(
        f"{label:34s} n={len(seconds):4d}  p50={statistics.median(seconds) * 1000:7.2f} ms  "
        f"p95={pct(seconds, 0.95) * 1000:7.2f} ms"
    )


def time_db(tenant, qs: list[tuple], show: bool = True) -> None:
    from django.utils import translation
    from django_tenants.utils import tenant_context
    from mortar_api.cms.models import Page
    from mortar_api.cms.public import search_data

    by_kind: dict[str, list[float]] = {}
    with tenant_context(tenant):
        for i, (lang, q) in enumerate(qs):
            kind = ("one word", "two words", "frequent word")[i % 6 // 2]
            with translation.override(lang):
                t0 = time.perf_counter()
                search_data(q, lang, 1, 10)
                by_kind.setdefault(f"database {lang} {kind}", []).append(time.perf_counter() - t0)
        hits = Page.objects.published().count()
    if not show:
        return
    for label, values in sorted(by_kind.items()):
        figures(label, values)
    figures("database all", [v for vs in by_kind.values() for v in vs])
    print(f"({hits} published pages; load average {os.getloadavg()[0]:.2f})")


def time_upkeep(tenant, rng: random.Random, n: int = 300) -> None:
    from django.db import connection
    from django_tenants.utils import tenant_context

    with tenant_context(tenant), connection.cursor() as cur:
        cur.execute(
            "CREATE TABLE bench_plain AS SELECT id, title_en, body_en, body_ar FROM cms_page;"
            "ALTER TABLE bench_plain ADD PRIMARY KEY (id)"
        )
        ids = [rng.randint(1, 5000) for _ in range(n)]
        body = "<p>" + " ".join(rng.choices(COMMON_EN, k=200)) + "</p>"
        spent = {}
        for table in ("cms_page", "bench_plain"):
            t0 = time.perf_counter()
            for pk in ids:
                cur.execute(f"UPDATE {table} SET body_en = %s WHERE id = %s", [body, pk])  # noqa: S608
            spent[table] = (time.perf_counter() - t0) / n * 1000
        cur.execute("DROP TABLE bench_plain")
    print(
        f"page save (UPDATE of body_en, mean of {n}): with the search index "
        f"{spent['cms_page']:.2f} ms, without {spent['bench_plain']:.2f} ms: "
        f"index upkeep {spent['cms_page'] - spent['bench_plain']:.2f} ms per save"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=300, help="per phase (bounded)")
    parser.add_argument("--concurrency", type=int, default=1, help="API phase")
    args = parser.parse_args()
    media = bench_environ(DB_URL, PREFIX)
    proc = None
    rng = random.Random(21)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection, connections
        from django_tenants.utils import tenant_context
        from mortar_api.cms.caching import bump_all
        from mortar_api.tenancy.provisioning import create_tenant

        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        tenant = create_tenant("bench_search", [HOST]).tenant
        with tenant_context(tenant):
            t0 = time.perf_counter()
            rare_en, rare_ar = populate(args.pages, rng)
            spent = time.perf_counter() - t0
            with connection.cursor() as cur:
                cur.execute("ANALYZE cms_page")
        print(
            f"{args.pages} pages inserted in {spent:.1f} s ({spent / args.pages * 1000:.2f} ms "
            f"per page, bulk, index computed by PostgreSQL); load average "
            f"{os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs"
        )
        qs = queries(rng, rare_en, rare_ar, args.queries)
        time_db(tenant, qs[:20], show=False)  # warm PostgreSQL's and Python's caches
        time_db(tenant, qs)
        connections.close_all()

        port = free_port()
        log = Path(media) / "gunicorn.log"
        proc = subprocess.Popen(
            [str(Path(sys.executable).with_name("gunicorn")), "mortar_api.wsgi",
             "--bind", f"127.0.0.1:{port}", "--workers", "2", "--access-logfile", "/dev/null"],
            stdout=log.open("wb"), stderr=subprocess.STDOUT,
        )  # fmt: skip
        wait_ready(port, proc)

        def invalidate() -> None:
            with tenant_context(tenant):
                bump_all()

        paths = [f"/api/v1/search/?{urlencode({'q': q, 'lang': lang})}" for lang, q in qs]
        run(port, paths[:20], args.concurrency, before=invalidate)  # warm both workers
        _wall, lat, misses = run(port, paths, args.concurrency, before=invalidate)
        figures(f"API uncached (misses {misses}/{len(lat)})", lat)
        print(f"(load average {os.getloadavg()[0]:.2f})")
        time_upkeep(tenant, rng)
    finally:
        teardown(proc, DB_URL, PREFIX, media)


if __name__ == "__main__":
    main()
