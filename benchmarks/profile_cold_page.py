"""What one cold page costs inside the api: SQL queries, Redis round trips, top of cProfile.

Seeds the same tenant and typical page as bench_web_page.py (frame + hero + 1,000-word
body) in a throwaway database (`mortar_coldprof`, Redis prefix `coldprof`), then, inside
the api's Django (in process, Django's test client, real PostgreSQL and Redis), asks the
answers web needs for a cold page - `/api/v1/site/` and `/api/v1/pages/<path>/`, or both
in one `/api/v1/page-view/?path=` where the api has it - with the api's response cache
dropped first (its generation key deleted, as the benchmark's
cold mode does). Prints per answer: SQL queries (each statement), Redis round trips (a
pipeline counts once) and, with --profile N, the api process's CPU and wall time per cold
page (medians of N) and the top cProfile entries of N more.

    .venv/bin/python benchmarks/profile_cold_page.py [--profile 200] [--show-sql]

Needs PostgreSQL (127.0.0.1:5432, user postgres) and Redis (127.0.0.1:6379); cleans up
everything it created. Asserts nothing about timing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve()
sys.path.insert(0, str(HERE.parents[1] / "base-images" / "web" / "tests"))
HOST = "bench.coldprof.localhost"


def inside_api(path: str, rounds: int, show_sql: bool) -> None:
    """Runs in the api's environment (DJANGO_SETTINGS_MODULE=mortar_api.settings)."""
    import cProfile
    import pstats
    import statistics
    import time

    import django

    django.setup()
    import redis.connection
    from django.core.cache import cache
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_tenants.utils import schema_context

    trips = [0]
    send = redis.connection.AbstractConnection.send_packed_command

    def counting(self, command, check_health=True):  # one call = one round trip
        trips[0] += 1
        return send(self, command, check_health)

    redis.connection.AbstractConnection.send_packed_command = counting
    client = Client(HTTP_HOST=HOST)

    def drop_api_cache() -> None:
        with schema_context("bench"):
            cache.delete("cms:gen:bench")

    separate = ["/api/v1/site/?lang=en", f"/api/v1/pages/{path}/?lang=en"]
    combined = [f"/api/v1/page-view/?path={path}&lang=en"]
    for url in separate + combined:  # warm up imports and connections, not caches
        drop_api_cache()
        client.get(url)
    # web's calls for a cold page: page-view where the api has it, else site then page
    # (in web's order: the first one starts the new generation)
    web_calls = combined if client.get(combined[0]).status_code == 200 else separate
    for calls in (separate, combined):
        drop_api_cache()
        for url in calls:
            trips[0] = 0
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url)
            if response.status_code != 200:
                print(f"{url}: HTTP {response.status_code} (not in this version)")
                continue
            print(f"{url}: {len(queries)} SQL queries, {trips[0]} Redis round trips")
            if show_sql:
                for q in queries:
                    print("   ", q["sql"][:160])
    if rounds:
        # CPU time of this process per cold page: less swayed than wall time by a loaded
        # machine (PostgreSQL's and Redis's own work is not in it)
        cpu, wall = [], []
        for _ in range(rounds):
            drop_api_cache()
            started, started_cpu = time.perf_counter(), time.process_time()
            for url in web_calls:
                client.get(url)
            cpu.append((time.process_time() - started_cpu) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
        print(
            f"\n{rounds} cold pages, per page: api process CPU median "
            f"{statistics.median(cpu):.2f} ms, wall median {statistics.median(wall):.2f} ms"
        )
        profiler = cProfile.Profile()
        for _ in range(rounds):
            drop_api_cache()
            profiler.enable()
            for url in web_calls:
                client.get(url)
            profiler.disable()
        stats = pstats.Stats(profiler)
        print(f"\ncProfile of {rounds} cold pages ({' + '.join(web_calls)}), by internal time:")
        stats.sort_stats("tottime").print_stats(15)
        print("by cumulative time:")
        stats.sort_stats("cumulative").print_stats(25)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", type=int, default=0, help="cold pairs to profile")
    parser.add_argument("--show-sql", action="store_true")
    parser.add_argument("--inside", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inside:
        inside_api(args.inside, args.profile, args.show_sql)
        return

    from stack import Stack

    stack = Stack("coldprof", {"bench": [HOST]}, languages="en,ar")
    try:
        print("setting up api-base (real PostgreSQL/Redis) ...", flush=True)
        stack.setup()
        path = stack.api_script("bench_seed", schema="bench", label="Bench Site")["path"]
        argv = [sys.executable, str(HERE), "--inside", path, "--profile", str(args.profile)]
        if args.show_sql:
            argv.append("--show-sql")
        print(stack._run_api(argv, "profile", timeout=1200))
    finally:
        stack.close()


if __name__ == "__main__":
    main()
