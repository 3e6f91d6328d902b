"""Tenant creation: cloning the template schema vs running every migration.

Creates N tenants (default 20) each way in a scratch database on the local PostgreSQL
(``postgres://postgres@127.0.0.1:5432/mortar_bench_tenants``; override with
BENCH_DATABASE_URL), times each ``create_tenant`` call (schema + row + domain, no admin
user so password hashing does not blur the figure; with and without the welcome content),
prints the medians and their ratio,
then drops the database. Needs PostgreSQL and Redis running.

    .venv/bin/python benchmarks/bench_tenant_create.py [--count 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from benchlib import set_database

DB_URL = os.environ.get(
    "BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/mortar_bench_tenants"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20)
    args = parser.parse_args()

    os.environ.update(
        {
            "DJANGO_SETTINGS_MODULE": "mortar_api.settings",
            "DATABASE_URL": DB_URL,
            "SECRET_KEY": "bench-" + "b" * 60,
            "MORTAR_REDIS_PREFIX": "benchtenants",
            "DJANGO_LOG_LEVEL": "WARNING",
        }
    )
    set_database(DB_URL, create=True)
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from mortar_api.tenancy.provisioning import create_tenant, ensure_template

        call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)
        started = time.perf_counter()
        ensure_template()
        print(f"template schema migrated in {time.perf_counter() - started:.2f}s")

        # clone: an empty tenant (--empty); welcome: cloned + the welcome content every
        # tenant gets by default; migrate: empty, every migration run instead of cloning.
        modes = ("clone", "welcome", "migrate")
        timings: dict[str, list[float]] = {m: [] for m in modes}
        for mode in modes:
            for i in range(args.count):
                schema = f"bench_{mode}_{i}"
                t0 = time.perf_counter()
                create_tenant(
                    schema,
                    [f"{schema.replace('_', '-')}.bench"],
                    clone=mode != "migrate",
                    welcome=mode == "welcome",
                )
                timings[mode].append(time.perf_counter() - t0)
        clone, welcome, migrate = (statistics.median(timings[m]) for m in modes)
        for mode in modes:
            values = sorted(timings[mode])
            print(
                f"{mode:8s} n={len(values)} median={statistics.median(values):.3f}s "
                f"min={values[0]:.3f}s max={values[-1]:.3f}s"
            )
        print(f"ratio migrate/clone = {migrate / clone:.1f}x (cloned median {clone:.3f}s)")
        print(f"welcome content adds {1000 * (welcome - clone):.0f} ms per tenant (median)")
    finally:
        from django.db import connections

        connections.close_all()
        set_database(DB_URL, create=False)


if __name__ == "__main__":
    main()
