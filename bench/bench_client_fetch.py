"""Issue 3's benchmark: fetch every order from a sandbox with rate limits off.

Side by side, in one run, against one sandbox served by a separate process:

- plain:      a bare httpx2 loop that only follows ``links.next`` and decodes JSON
- sequential: ``Client().orders.list()`` (typed ``Order`` models, retries, pacing)
- windows:    ``Client().orders.list(created_gte=..., created_lt=..., concurrency=4)``

It prints records/s of each and their ratios, then the peak Python memory
(tracemalloc) of walking all the orders vs the first tenth of them: a lazy walk should
hold about one page at a time, whatever the total.

    .venv/bin/python bench/bench_client_fetch.py            # 100,000 orders
    BENCH_ORDERS=20000 .venv/bin/python bench/bench_client_fetch.py   # quicker
    BENCH_LATENCY=0.1 ...    # add 100 ms to every response, as over the internet

The sandbox database is cached in the temp dir, so only the first run pays to build it.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import httpx2

from tickettailor import Client
from tickettailor.sandbox import free_port

ORDERS = int(os.environ.get("BENCH_ORDERS", "100000"))
CONCURRENCY = int(os.environ.get("BENCH_CONCURRENCY", "4"))
LATENCY = float(os.environ.get("BENCH_LATENCY", "0"))  # seconds added to every response
KEY = "sk_1000_100000_" + "0" * 32

SERVER = """
import sys, uvicorn
from tickettailor.sandbox import SandboxConfig, create_app
from tickettailor.sandbox.faults import FaultInjector, parse_faults
port, orders, db, latency = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[5]
config = SandboxConfig(keys=[sys.argv[4]], seed=1, orders=orders, events=40,
                       rate_limit=None, db=db)
app = create_app(config)
if float(latency) > 0:  # a network's round trip, as to the real API
    app = FaultInjector(app, parse_faults(f"latency:{latency}"))
uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)
"""


def start_sandbox(orders: int) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    db = str(Path(tempfile.gettempdir()) / f"tickettailor-bench-{orders}.db")
    proc = subprocess.Popen(
        [sys.executable, "-c", SERVER, str(port), str(orders), db, KEY, str(LATENCY)],
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600  # building 100k orders the first time takes a while
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the sandbox process exited during startup")
        try:
            if httpx2.get(base + "/v1/ping", timeout=2).status_code == 200:
                return proc, base
        except httpx2.TransportError:
            pass
        time.sleep(0.2)  # polling for readiness, with the deadline above
    proc.terminate()
    raise SystemExit("the sandbox did not start within 600 s")


def plain_loop(base: str) -> int:
    count = 0
    with httpx2.Client(base_url=base + "/v1", auth=(KEY, ""), timeout=60) as http:
        url: str | None = "/orders?limit=100"
        while url:
            body = http.get(url).json()
            count += len(body["data"])
            url = body["links"]["next"]
    return count


def sequential(base: str, limit: int | None = None) -> int:
    with Client(KEY, base_url=base) as tt:
        return sum(1 for _ in tt.orders.list(limit=limit))


def windows(base: str, bounds: tuple[int, int], limit: int | None = None) -> int:
    with Client(KEY, base_url=base) as tt:
        pager = tt.orders.list(
            created_gte=bounds[0], created_lt=bounds[1], concurrency=CONCURRENCY, limit=limit
        )
        return sum(1 for _ in pager)


def timed(name: str, fn: Callable[[], int]) -> float:
    started = time.perf_counter()
    count = fn()
    elapsed = time.perf_counter() - started
    if count != ORDERS:
        raise SystemExit(f"{name}: fetched {count} records, expected {ORDERS}")
    rate = count / elapsed
    print(f"  {name:<34} {count:>7} records in {elapsed:7.2f} s = {rate:9.0f} records/s")
    return rate


def peak_memory(fn: Callable[[], int]) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def created_bounds(base: str) -> tuple[int, int]:
    """From the oldest order to now: the whole history, as a backfill would ask for it."""
    with Client(KEY, base_url=base) as tt:
        first = next(iter(tt.orders.list(limit=1)))
    return int(first.raw["created_at"]), int(time.time()) + 1


def main() -> None:
    print(f"Sandbox with {ORDERS:,} orders, rate limit off, in its own process.")
    if LATENCY:
        print(f"Every response delayed {LATENCY * 1000:.0f} ms, like a round trip to the real API.")
    proc, base = start_sandbox(ORDERS)
    try:
        bounds = created_bounds(base)
        plain_loop(base)  # warm-up: the server's caches and the OS page cache, untimed
        print(f"Throughput ({os.cpu_count()} CPUs on this machine, shared):")
        plain = timed("plain httpx2 loop (links.next)", lambda: plain_loop(base))
        seq = timed("Client.orders.list()", lambda: sequential(base))
        win = timed(f"Client.orders.list(concurrency={CONCURRENCY})", lambda: windows(base, bounds))
        print("Ratios:")
        print(f"  sequential / plain     = {seq / plain:.2f}")
        print(f"  concurrency={CONCURRENCY} / plain  = {win / plain:.2f}")
        print(f"  concurrency={CONCURRENCY} / sequential = {win / seq:.2f}")
        tenth = ORDERS // 10
        print("Peak Python memory (tracemalloc) of the first tenth vs all the orders:")
        small = peak_memory(lambda: sequential(base, limit=tenth))
        full = peak_memory(lambda: sequential(base))
        print(
            f"  sequential:    {tenth:>7,}: {small / 1e6:7.2f} MB  {ORDERS:>7,}: "
            f"{full / 1e6:7.2f} MB   ratio {full / small:.2f}"
        )
        small = peak_memory(lambda: windows(base, bounds, limit=tenth))
        full = peak_memory(lambda: windows(base, bounds))
        print(
            f"  concurrency={CONCURRENCY}: {tenth:>7,}: {small / 1e6:7.2f} MB  {ORDERS:>7,}: "
            f"{full / 1e6:7.2f} MB   ratio {full / small:.2f}"
        )
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
