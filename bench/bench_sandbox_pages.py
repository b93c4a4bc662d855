"""Sandbox list pages cost the same with a million orders as with ten thousand.

Builds two box offices (10,000 and 1,000,000 orders by default), then times list pages
(limit 100, a ``created_at.gte`` filter and a ``starting_after`` cursor at random
places) against both, interleaved so machine noise hits both sides alike. Prints the
time to generate the large one, the p50 page latency of each size in-process (the
handler: parse, SQL, render, JSON) and over loopback HTTP, and the ratios (goal <= 1.5).

    .venv/bin/python bench/bench_sandbox_pages.py [--small 10000] [--large 1000000]
"""

# ruff: noqa: S608  (SQL text built from the sandbox's own table names; values are bound)
from __future__ import annotations

import argparse
import base64
import json
import random
import resource
import statistics
import time
from typing import Any

import httpx2

from tickettailor.sandbox import Sandbox, SandboxConfig, create_app, serve_in_thread

KEY = "sk_1000_100000_" + "0" * 32
AUTH = "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()
ANCHOR = 1_790_000_000


def build(orders: int) -> tuple[Sandbox, float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    sandbox = Sandbox(SandboxConfig(keys=(KEY,), seed=1, orders=orders, events=60,
                                    rate_limit=None, anchor=ANCHOR))  # fmt: skip
    return sandbox, time.perf_counter() - wall, time.process_time() - cpu


def sample_queries(sandbox: Sandbox, resource_name: str, n: int, rng: random.Random) -> list[str]:
    """Pages in the middle of the data: created_at.gte = a record's time, cursor a bit later."""
    box = sandbox.store.boxes[0]
    table = {"orders": "orders", "issued_tickets": "tickets"}[resource_name]
    prefix = {"orders": "or", "issued_tickets": "it"}[resource_name]
    lo, hi = sandbox.store.one(f"SELECT min(id), max(id) FROM {box.prefix}{table}") or (0, 0)
    out = []
    for _ in range(n):
        pivot = lo + int(rng.random() * (hi - lo) * 0.9)
        row = sandbox.store.one(
            f"SELECT id, created_at FROM {box.prefix}{table} WHERE id >= ? ORDER BY id LIMIT 1",
            (pivot,),
        )
        assert row is not None
        cursor = sandbox.store.one(
            f"SELECT id FROM {box.prefix}{table} WHERE id > ? ORDER BY id LIMIT 1 OFFSET 40",
            (row[0],),
        )
        assert cursor is not None
        out.append(f"limit=100&created_at.gte={row[1]}&starting_after={prefix}_{cursor[0]}")
    return out


def in_process(sandbox: Sandbox, path: str, query: str) -> float:
    start = time.perf_counter()
    response = sandbox.handle("GET", path, query, AUTH, "bench")
    elapsed = time.perf_counter() - start
    body: Any = json.loads(bytes(response.body))
    assert response.status_code == 200
    assert len(body["data"]) == 100
    return elapsed


def over_http(client: httpx2.Client, path: str, query: str) -> float:
    start = time.perf_counter()
    response = client.get(f"{path}?{query}", headers={"Authorization": AUTH})
    response.read()
    elapsed = time.perf_counter() - start
    assert response.status_code == 200
    return elapsed


def p50(samples: list[float]) -> float:
    return statistics.median(samples) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(7)

    small, small_wall, _ = build(args.small)
    large, large_wall, large_cpu = build(args.large)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"generate {args.small:>9,} orders: {small_wall:6.1f} s")
    print(f"generate {args.large:>9,} orders: {large_wall:6.1f} s wall, {large_cpu:.1f} s CPU "
          f"(peak RSS of this process {rss:,.0f} MB)")  # fmt: skip

    for name in ("orders", "issued_tickets"):
        path = f"/v1/{name}"
        queries = {id(s): sample_queries(s, name, args.samples, rng) for s in (small, large)}
        times: dict[int, list[float]] = {id(small): [], id(large): []}
        for i in range(args.samples):  # interleaved: both sizes see the same noise
            for s in (small, large) if i % 2 else (large, small):
                times[id(s)].append(in_process(s, path, queries[id(s)][i]))
        a, b = p50(times[id(small)]), p50(times[id(large)])
        print(f"{name:>15} in-process p50: {args.small:,}: {a:6.2f} ms   "
              f"{args.large:,}: {b:6.2f} ms   ratio {b / a:.2f}")  # fmt: skip

    with serve_in_thread(small.config, app=create_app(sandbox=small)) as s_srv, serve_in_thread(
        large.config, app=create_app(sandbox=large)
    ) as l_srv, httpx2.Client(base_url=s_srv.base_url) as sc, httpx2.Client(
        base_url=l_srv.base_url
    ) as lc:  # fmt: skip
        queries = {id(s): sample_queries(s, "orders", args.samples, rng) for s in (small, large)}
        http_times: dict[str, list[float]] = {"small": [], "large": []}
        for i in range(args.samples):
            http_times["small"].append(over_http(sc, "/v1/orders", queries[id(small)][i]))
            http_times["large"].append(over_http(lc, "/v1/orders", queries[id(large)][i]))
        a, b = p50(http_times["small"]), p50(http_times["large"])
        print(f"{'orders':>15} over HTTP   p50: {args.small:,}: {a:6.2f} ms   "
              f"{args.large:,}: {b:6.2f} ms   ratio {b / a:.2f}")  # fmt: skip
    print("goal: ratio <= 1.5")


if __name__ == "__main__":
    main()
