"""Issue 13's client rows: fetch every order, side by side, in one run, one sandbox.

The sandbox runs in its own process with rate limits off. For each added latency
(none, 100 ms, 300 ms: the sandbox's own ``latency`` fault rule, set through its
control API), the same orders are fetched by:

- plain:          a bare httpx2 loop that follows ``links.next`` and decodes JSON
- sequential:     ``Client().orders.list()``
- concurrency=K:  ``Client().orders.list(created_gte=..., created_lt=..., concurrency=K)``

and it prints records/s as ratios (to the plain loop, and to sequential), the requests
in flight on average (time-weighted, counted by the transport), the client's CPU per
page (this process only: the sandbox is another one), then the peak Python memory
(tracemalloc) of sequential vs concurrency=4 with no latency.

    .venv/bin/python bench/bench_client_fetch.py                # 20,000 orders
    BENCH_ORDERS=5000 .venv/bin/python bench/bench_client_fetch.py --latencies 0,0.1
    .venv/bin/python bench/bench_client_fetch.py --peers --airbyte-python PATH

``--peers`` adds Airbyte's ``source-tickettailor`` when ``--airbyte-python`` names a
python that has airbyte-cdk; otherwise it says why it was left out.
The sandbox database is cached in the temp dir, so only the first run pays to build it.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx2

from tickettailor import Client
from tickettailor.sandbox import free_port

ORDERS = int(os.environ.get("BENCH_ORDERS", "20000"))
KEY = "sk_1000_100000_" + "0" * 32


class CountingTransport(httpx2.HTTPTransport):
    """Counts requests in flight over time (time-weighted average)."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.now = 0
        self.area = 0.0
        self.since = time.perf_counter()
        self.first: float | None = None
        self.requests = 0

    def _move(self, step: int) -> None:
        with self.lock:
            t = time.perf_counter()
            if self.first is None:
                self.first = t
            self.area += self.now * (t - self.since)
            self.since = t
            self.now += step
            self.requests += step > 0

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        self._move(1)
        try:
            response = super().handle_request(request)
            response.read()
            return response
        finally:
            self._move(-1)

    def average(self) -> float:
        span = self.since - (self.first or self.since)
        return self.area / span if span else 0.0


@dataclass
class Run:
    records: int
    seconds: float
    cpu: float
    requests: int
    in_flight: float

    @property
    def rate(self) -> float:
        return self.records / self.seconds


def start_sandbox() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    db = str(Path(tempfile.gettempdir()) / f"tickettailor-bench-{ORDERS}.db")
    command = [str(Path(sys.executable).with_name("tickettailor")), "sandbox", "--port", str(port)]
    command += ["--api-key", KEY, "--seed", "1", "--orders", str(ORDERS), "--events", "40"]
    command += ["--rate-limit", "off", "--db", db]
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 600  # building many orders the first time takes a while
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


def set_latency(base: str, seconds: float) -> None:
    """The sandbox's ``latency`` fault on every /v1 request (none when 0)."""
    httpx2.delete(base + "/_sandbox/faults").raise_for_status()
    if seconds:
        spec = {"spec": f"latency:{seconds}"}
        httpx2.post(base + "/_sandbox/faults", json=spec).raise_for_status()


def plain_loop(base: str, transport: CountingTransport) -> int:
    count = 0
    with httpx2.Client(
        base_url=base + "/v1", auth=(KEY, ""), timeout=60, transport=transport
    ) as http:
        url: str | None = "/orders?limit=100"
        while url:
            body = http.get(url).json()
            count += len(body["data"])
            url = body["links"]["next"]
    return count


def library(
    base: str, transport: CountingTransport, concurrency: int, bounds: tuple[int, int]
) -> int:
    with Client(KEY, base_url=base, transport=transport) as tt:
        if concurrency == 1:
            pager = tt.orders.list()
        else:
            pager = tt.orders.list(
                created_gte=bounds[0], created_lt=bounds[1], concurrency=concurrency
            )
        return sum(1 for _ in pager)


def measure(fn: Callable[[CountingTransport], int]) -> Run:
    transport = CountingTransport()
    cpu = time.process_time()
    started = time.perf_counter()
    count = fn(transport)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    if count != ORDERS:
        raise SystemExit(f"fetched {count} records, expected {ORDERS}")
    return Run(count, elapsed, cpu, transport.requests, transport.average())


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


def report(name: str, run: Run, plain: Run, sequential: Run | None) -> None:
    pages = max(1, run.requests)
    to_seq = f"{run.rate / sequential.rate:5.2f}" if sequential else "    -"
    print(
        f"  {name:<16} {run.rate:9.0f}/s  x plain {run.rate / plain.rate:5.2f}  "
        f"x sequential {to_seq}  in flight {run.in_flight:4.2f}  "
        f"CPU/page {run.cpu / pages * 1000:5.1f} ms (x plain {run.cpu / plain.cpu:4.2f})"
    )


def one_latency(base: str, latency: float, bounds: tuple[int, int], levels: list[int]) -> None:
    set_latency(base, latency)
    print(f"Added latency {latency * 1000:.0f} ms per request:")
    plain = measure(lambda t: plain_loop(base, t))
    report("plain httpx2", plain, plain, None)
    sequential = measure(lambda t: library(base, t, 1, bounds))
    report("sequential", sequential, plain, None)
    for level in levels:
        run = measure(lambda t, level=level: library(base, t, level, bounds))  # type: ignore[misc]  # bound per loop
        report(f"concurrency={level}", run, plain, sequential)


def peers(args: argparse.Namespace) -> None:
    python = args.airbyte_python
    if python is None:
        print("Airbyte source-tickettailor: not run (pass --airbyte-python PATH, a python "
              "with airbyte-cdk).")  # fmt: skip
        return
    probe = subprocess.run([python, "-c", "import airbyte_cdk"], capture_output=True)
    if probe.returncode != 0:
        print(f"Airbyte source-tickettailor: not run ({python} cannot import airbyte_cdk).")
        return
    print("Airbyte source-tickettailor: airbyte-cdk found, but running its manifest against "
          "the sandbox is not implemented in this bench yet.")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latencies", default="0,0.1,0.3", help="seconds, comma separated")
    parser.add_argument("--concurrency", default="4,8", help="levels, comma separated")
    parser.add_argument("--peers", action="store_true", help="add Airbyte's connector")
    parser.add_argument("--airbyte-python", default=None, help="a python with airbyte-cdk")
    args = parser.parse_args()
    latencies = [float(x) for x in args.latencies.split(",")]
    levels = [int(x) for x in args.concurrency.split(",")]
    print(f"Sandbox with {ORDERS:,} orders, rate limit off, in its own process; "
          f"{os.cpu_count()} CPUs on this machine, shared.")  # fmt: skip
    proc, base = start_sandbox()
    try:
        bounds = created_bounds(base)
        plain_loop(base, CountingTransport())  # warm-up: the server's caches, untimed
        for latency in latencies:
            one_latency(base, latency, bounds, levels)
        set_latency(base, 0)
        print("Peak Python memory (tracemalloc), no added latency:")
        seq = peak_memory(lambda: library(base, CountingTransport(), 1, bounds))
        con = peak_memory(lambda: library(base, CountingTransport(), 4, bounds))
        print(f"  sequential {seq / 1e6:6.2f} MB  concurrency=4 {con / 1e6:6.2f} MB  "
              f"ratio {con / seq:4.2f}")  # fmt: skip
        if args.peers:
            peers(args)
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()
