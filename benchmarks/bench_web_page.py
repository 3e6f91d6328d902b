"""Web-base page throughput and latency: cold, rendered from cached api answers, warm.

Starts a real api-base (gunicorn, PostgreSQL database `mortar_webbench`, Redis prefix
`webbench`) with one tenant and a typical page (frame + hero + 1,000-word body), and
two web-base gunicorns in front of it (both 2 sync workers, loopback only):

  (a) cold: web's cache disabled (MORTAR_WEB_CACHE_TTL=0) and the api's response cache
      dropped before every request (its generation key deleted), so each page costs
      two api calls that hit PostgreSQL, plus rendering;
  (b) render: the rendered page dropped from web's page cache before every request (as
      after a publish): one MGET (generation + page, a miss), one MGET of the cached api
      answers, rendering, one SET of the page;
  (c) warm: the whole rendered page from web's Redis: one MGET (generation + page),
      no api call, no rendering.

Prints req/s and p50/p95/p99 per mode and the warm/cold throughput ratio. Targets on
the 2-core reference machine: warm p95 < 15 ms, warm >= 5x cold throughput.

    .venv/bin/python benchmarks/bench_web_page.py [--requests 600] [--concurrency 2]

Needs PostgreSQL (127.0.0.1:5432, user postgres) and Redis (127.0.0.1:6379); cleans up
everything it created. Asserts nothing about timing.
"""

from __future__ import annotations

import argparse
import http.client
import statistics
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "base-images" / "web" / "tests"))
from stack import Stack, free_port

HOST = "bench.webbench.localhost"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def run(url: str, total: int, concurrency: int, before=None) -> tuple[float, list[float], int]:
    """`total` GETs over `concurrency` keep-alive clients.

    Returns (wall seconds, latencies in ms, how many answers came from web's page cache).
    """
    latencies: list[float] = []
    hits: list[bool] = []
    lock = threading.Lock()
    counter = iter(range(total))
    errors: list[str] = []

    target = urlsplit(url)

    def client() -> None:
        # http.client, not requests: a lighter client leaves more of the 2 cores to gunicorn
        conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
        while True:
            with lock:
                if next(counter, None) is None:
                    conn.close()
                    return
            if before:
                before()
            started = time.perf_counter()
            conn.request("GET", target.path, headers={"Host": HOST})
            response = conn.getresponse()
            response.read()
            elapsed = (time.perf_counter() - started) * 1000
            if response.status != 200:
                errors.append(f"HTTP {response.status}")
            with lock:
                latencies.append(elapsed)
                hits.append(response.getheader("X-Mortar-Cache") == "hit")

    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - started
    if errors:
        raise SystemExit(f"{len(errors)} failed requests, e.g. {errors[0]}")
    return wall, latencies, sum(hits)


def report(name: str, wall: float, latencies: list[float], hits: int) -> float:
    rps = len(latencies) / wall
    print(
        f"{name:<6} {len(latencies):>5} req  {rps:8.1f} req/s  "
        f"p50 {statistics.median(latencies):7.2f} ms  p95 {percentile(latencies, 95):7.2f} ms  "
        f"p99 {percentile(latencies, 99):7.2f} ms  page-cache hits {hits}"
    )
    return rps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=600)
    # default = web workers: latency without client-side queueing; try 4 to see saturation
    parser.add_argument("--concurrency", type=int, default=2)
    args = parser.parse_args()

    stack = Stack("webbench", {"bench": [HOST]}, languages="en,ar")
    try:
        print("setting up api-base + web-base (real PostgreSQL/Redis) ...", flush=True)
        stack.setup()
        path = stack.api_script("bench_seed", schema="bench", label="Bench Site")["path"]
        stack.start_api(workers=2)
        warm_url = stack.start_web(workers=2) + f"/{path}/"
        cold_url = stack.start_web(workers=2, port=free_port(), MORTAR_WEB_CACHE_TTL="0")
        cold_url += f"/{path}/"

        page = requests.get(warm_url, headers={"Host": HOST}, timeout=30)
        words = len(page.text.split())
        print(f"page /{path}/: {len(page.content) / 1024:.1f} KiB HTML, ~{words} words")

        client = stack.redis()
        requests.get(cold_url, headers={"Host": HOST}, timeout=30)
        api_gen_keys = [k for k in client.scan_iter("webbench:cache:*cms:gen:*")]
        if not api_gen_keys:
            print("note: no api generation key found; the api cache may be warm in (a)")

        def drop_api_cache() -> None:
            if api_gen_keys:
                client.delete(*api_gen_keys)

        run(cold_url, 20, args.concurrency, drop_api_cache)  # warm up workers, not caches
        cold = report("cold", *run(cold_url, args.requests, args.concurrency, drop_api_cache))
        run(warm_url, 50, args.concurrency)  # fill web's cache, warm up workers
        page_keys = list(client.scan_iter("webbench:cache:web:page:*"))

        def drop_page_cache() -> None:
            client.delete(*page_keys)

        report("render", *run(warm_url, args.requests, args.concurrency, drop_page_cache))
        run(warm_url, 20, args.concurrency)  # the page back in web's cache
        wall, latencies, hits = run(warm_url, args.requests, args.concurrency)
        warm = report("warm", wall, latencies, hits)
        print(
            f"warm/cold throughput: {warm / cold:.1f}x  (target >= 5x);  "
            f"warm p95 {percentile(latencies, 95):.2f} ms (target < 15 ms)"
        )
    finally:
        stack.close()


if __name__ == "__main__":
    main()
