"""Issue 13's client rows: fetch every order, side by side, in one run, one sandbox.

The sandbox runs in its own process with rate limits off. For each added latency
(none, 100 ms, 300 ms: the sandbox's own ``latency`` fault rule, set through its
control API), the same orders are fetched by:

- plain:          a bare httpx2 loop that follows ``links.next`` and decodes JSON
- sequential:     ``Client().orders.list()``
- concurrency=K:  ``Client().orders.list(created_gte=..., created_lt=..., concurrency=K)``
- airbyte:        with ``--peers``, Airbyte's ``source-tickettailor`` (bench/_airbyte.py)

and it prints records/s as ratios (to the plain loop, and to sequential), the requests
in flight on average (time-weighted, counted by the transport), the client's CPU per
page (this process only), and the sandbox's side, from the kernel's scheduler
statistics of its threads: its CPU per request, the share of the run it was running
("ran", 100% = one core) and the share it was ready to run but waiting for a core
("waited"; the machine is shared). A sandbox that ran or waited most of the run is the
ceiling of that row: more requests in flight then only queue in it, and the row says
so. Then the peak Python memory (tracemalloc) of sequential vs concurrency=4 with no
latency.

    .venv/bin/python bench/bench_client_fetch.py                # 20,000 orders
    BENCH_ORDERS=5000 .venv/bin/python bench/bench_client_fetch.py --latencies 0,0.1
    .venv/bin/python bench/bench_client_fetch.py --sandboxes 2  # two sandbox processes
    .venv/bin/python bench/bench_client_fetch.py --peers \\
        --airbyte-python PATH --airbyte-manifest PATH

``--sandboxes N`` serves the same database from N sandbox processes and spreads the
requests over them round-robin (in the transport), to show whether one sandbox process
is what caps the concurrent rows. ``--peers`` adds Airbyte when ``--airbyte-python``
names a python with airbyte-cdk and ``--airbyte-manifest`` its manifest; otherwise it
says why it was left out. The sandbox database is cached in the temp dir, so only the
first run pays to build it.

Last measured (20,000 orders, a quiet machine: load average 0.3 at the start, 0.3 at
the end; records/s as ratios from one run; in flight on average and requests sent,
sequential 200; with ``--peers``):

    latency  seq/plain  c4/seq (in flight, req.)  c8/seq (in flight, req.)  ours/Airbyte seq, c8
    0 ms     1.22       1.05 (3.4, 221)           1.13 (6.6, 224)           3.73x, 4.21x
    100 ms   1.02       3.10 (3.8, 221)           5.06 (6.9, 221)           1.19x, 6.02x
    300 ms   1.01       3.40 (3.8, 221)           6.07 (7.4, 224)           1.08x, 6.53x

Client CPU per page 1.14x the plain loop (sequential, 0 ms); peak memory of
concurrency=4 1.28x sequential (4.02 vs 3.15 MB). At 0 ms the sandbox was the ceiling
of the concurrent rows (it ran 89-93% of a core). Under latency a sequential walk of
anyone's is one request at a time: ours/Airbyte sequential is then about
(latency + Airbyte's CPU per page) / (latency + ours), 1.1-1.2x.

The run before (load average 4.6 at the start, 2.7 at the end):

    latency  seq/plain  c4/seq (in flight, requests)  c8/seq (in flight, requests)
    0 ms     1.36       0.75 (3.5, 220)               0.79 (6.8, 225)
    100 ms   1.15       3.10 (3.7, 222)               5.07 (7.1, 224)
    300 ms   1.00       3.18 (3.7, 225)               6.04 (7.2, 225)

At 0 ms the sandbox was the ceiling of every library row (at load 4.6 it waited for a
core 43-76% of the run), so that row measured the machine: side by side at load 3.5
(three rounds each), c4/seq was 0.86-1.16 with pieces of 4 pages and 0.87-0.95 with
the former pieces of 250 records. Concurrent walks send 10-14% more requests than
sequential (each piece ends on a part-filled page; pieces of 250 records sent 233-246,
17-23% more); at 100 ms, side by side, the in-flight averages were the same (c4
3.6-3.8, c8 6.6-7.4). Peak memory of concurrency=4: 1.29x sequential (4.12 vs 3.19
MB). The run before (pieces of 250 records, load average 1.7 to 2.0):

    latency  seq/plain  c4/seq (in flight)  c8/seq (in flight)
    0 ms     1.18       1.05 (3.4)          1.11 (6.9)
    100 ms   0.98       2.62 (3.8)          3.90 (7.3)
    300 ms   1.05       3.15 (3.8)          5.50 (7.3)

Client CPU, whole run: sequential 1.12-1.19x the plain loop, concurrent 0.97-1.23x
(each page is decoded once: a page that waits is only skimmed on arrival; when it
was decoded twice, c4/seq at 0 ms was 0.77-0.79). At 0 ms the sandbox was the
ceiling of the concurrent rows (7-8 ms of CPU per request). A run at load average
5-6 gave at 0 ms c4/seq 1.02, c8/seq 0.95.

Before that (load average 2-3), with Airbyte (``--peers``): ours/Airbyte sequential
5.27x at 0 ms, 1.32x at 100 ms (c8 4.67x), 1.14x at 300 ms (c8 5.97x). Airbyte: 29-30
ms of CPU per page and 1.8-2.5 s to start; at 100 ms a sequential walk of ours can be
at most about (100 + 11 + 30) / (100 + 11 + 6) = 1.2-1.3x faster.
An earlier run at load average 6-9 gave, at 100 ms: c8/seq 4.66 (7.0 in flight),
ours/Airbyte 1.69x and 7.87x. With ``--sandboxes 2`` (load average 3.2 to 5.9): at 0 ms
seq/plain 1.13 and c8/seq 1.02 (neither sandbox at its ceiling in the sequential
rows), at 100 ms c8/seq 4.00 (6.9 in flight).
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
from itertools import cycle
from pathlib import Path

import httpx2

import _airbyte
from tickettailor import Client
from tickettailor.sandbox import free_port

ORDERS = int(os.environ.get("BENCH_ORDERS", "20000"))
KEY = "sk_1000_100000_" + "0" * 32
# A sandbox running or waiting for a core this share of a row's time is its ceiling.
NEAR_CEILING = 0.85


class CountingTransport(httpx2.HTTPTransport):
    """Counts requests in flight over time (time-weighted average), and spreads them
    over the sandbox processes' ports round-robin."""

    def __init__(self, ports: list[int] | None = None) -> None:
        super().__init__()
        self.lock = threading.Lock()
        self.now = 0
        self.area = 0.0
        self.since = time.perf_counter()
        self.first: float | None = None
        self.requests = 0
        self.ports = cycle(ports) if ports and len(ports) > 1 else None

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
        if self.ports is not None:
            with self.lock:
                port = next(self.ports)
            request.url = request.url.copy_with(port=port)
        self._move(1)
        try:
            response = super().handle_request(request)
            try:  # read here (a request is in flight until its body is in), as it came
                wire = b"".join(response.stream)  # type: ignore[union-attr]  # a sync stream
            finally:
                response.close()
            return httpx2.Response(
                response.status_code,
                headers=response.headers,
                stream=httpx2.ByteStream(wire),
                extensions=response.extensions,
                request=request,
            )
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
    server_ran: float  # seconds the sandbox processes' threads ran during the run
    server_waited: float  # ... were ready to run but waited for a core

    @property
    def rate(self) -> float:
        return self.records / self.seconds


def start_sandbox(
    orders: int = ORDERS, *, port: int | None = None
) -> tuple[subprocess.Popen[bytes], str]:
    """A sandbox of ``orders`` orders in its own process: (process, base URL)."""
    port = port or free_port()
    db = str(Path(tempfile.gettempdir()) / f"tickettailor-bench-{orders}.db")
    command = [str(Path(sys.executable).with_name("tickettailor")), "sandbox", "--port", str(port)]
    command += ["--api-key", KEY, "--seed", "1", "--orders", str(orders), "--events", "40"]
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


class Sandboxes:
    """One or more sandbox processes serving the same database (started one after
    another: the first builds it, the others reuse it)."""

    def __init__(self, count: int) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        self.bases: list[str] = []
        try:
            for _ in range(count):
                proc, base = start_sandbox()
                self.procs.append(proc)
                self.bases.append(base)
        except BaseException:
            self.stop()
            raise
        self.base = self.bases[0]
        self.ports = [int(b.rsplit(":", 1)[1]) for b in self.bases]

    def sched(self) -> tuple[float, float]:
        """Seconds the sandbox processes have (run, waited for a core) so far."""
        both = [_process_sched(p.pid) for p in self.procs]
        return sum(ran for ran, _ in both), sum(waited for _, waited in both)

    def set_latency(self, seconds: float) -> None:
        """The sandbox's ``latency`` fault on every /v1 request (none when 0)."""
        for base in self.bases:
            httpx2.delete(base + "/_sandbox/faults").raise_for_status()
            if seconds:
                spec = {"spec": f"latency:{seconds}"}
                httpx2.post(base + "/_sandbox/faults", json=spec).raise_for_status()

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            proc.wait(10)


def _process_sched(pid: int) -> tuple[float, float]:
    """(run, run-queue wait) seconds of every thread of ``pid``, from Linux's
    /proc/PID/task/TID/schedstat; zeros where that is missing."""
    ran = waited = 0
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            run_ns, wait_ns, _slices = (task / "schedstat").read_text().split()
        except (OSError, ValueError):
            continue  # a thread that ended meanwhile
        ran += int(run_ns)
        waited += int(wait_ns)
    return ran / 1e9, waited / 1e9


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


def measure(sandboxes: Sandboxes, fn: Callable[[CountingTransport], int]) -> Run:
    transport = CountingTransport(sandboxes.ports)
    ran, waited = sandboxes.sched()
    cpu = time.process_time()
    started = time.perf_counter()
    count = fn(transport)
    elapsed = time.perf_counter() - started
    cpu = time.process_time() - cpu
    ran_after, waited_after = sandboxes.sched()
    if count != ORDERS:
        raise SystemExit(f"fetched {count} records, expected {ORDERS}")
    in_flight = transport.average()
    return Run(
        count, elapsed, cpu, transport.requests, in_flight, ran_after - ran, waited_after - waited
    )


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


def report(name: str, run: Run, plain: Run, sequential: Run | None, processes: int) -> None:
    pages = max(1, run.requests)
    to_seq = f"{run.rate / sequential.rate:5.2f}" if sequential else "    -"
    ran = run.server_ran / run.seconds / processes
    waited = run.server_waited / run.seconds / processes
    ceiling = "  << the sandbox's ceiling" if ran + waited >= NEAR_CEILING else ""
    requests = f"{run.requests:4d}" + (f" (seq {sequential.requests})" if sequential else "")
    print(
        f"  {name:<16} {run.rate:6.0f}/s  x plain {run.rate / plain.rate:5.2f}  "
        f"x sequential {to_seq}  in flight {run.in_flight:4.2f}  requests {requests:<15} "
        f"CPU/page {run.cpu / pages * 1000:4.1f} ms (x plain {run.cpu / plain.cpu:4.2f})  "
        f"sandbox {run.server_ran / pages * 1000:4.1f} ms/request, ran {ran:4.0%} "
        f"waited {waited:4.0%}{ceiling}"
    )


@dataclass
class Row:
    """What one latency's rows measured, for the peer comparison."""

    sequential: Run
    best: tuple[int, Run]  # the concurrency level with the most records/s


def one_latency(
    sandboxes: Sandboxes, latency: float, bounds: tuple[int, int], levels: list[int]
) -> Row:
    sandboxes.set_latency(latency)
    base, processes = sandboxes.base, len(sandboxes.procs)
    print(f"Added latency {latency * 1000:.0f} ms per request:")
    plain = measure(sandboxes, lambda t: plain_loop(base, t))
    report("plain httpx2", plain, plain, None, processes)
    sequential = measure(sandboxes, lambda t: library(base, t, 1, bounds))
    report("sequential", sequential, plain, None, processes)
    best = (1, sequential)
    for level in levels:
        run = measure(sandboxes, lambda t, level=level: library(base, t, level, bounds))  # type: ignore[misc]  # bound per loop
        report(f"concurrency={level}", run, plain, sequential, processes)
        if run.rate > best[1].rate:
            best = (level, run)
    return Row(sequential, best)


def peer(args: argparse.Namespace, base: str, row: Row) -> None:
    """Airbyte's full read of the orders at this latency, and our ratios to it."""
    with tempfile.TemporaryDirectory() as tmp:
        run = _airbyte.read(
            base, KEY, ("orders",), args.airbyte_python, args.airbyte_manifest, Path(tmp)
        )
    if isinstance(run, str):
        print(f"  airbyte          {run}")
        return
    steady = run.records / max(1e-9, run.seconds - run.first)
    cpu = run.cpu / (run.records / 100) * 1000
    print(f"  airbyte          {run.line()}, CPU {cpu:.0f} ms/page")
    level, best = row.best
    fastest = f"concurrency={level}" if level > 1 else "fastest (sequential)"
    print(
        f"  ours / airbyte   sequential {row.sequential.rate / run.rate:4.2f}x "
        f"(goal >= 1.5), {fastest} {best.rate / run.rate:4.2f}x (goal >= 3); "
        f"against Airbyte's pace after its start-up: "
        f"{row.sequential.rate / steady:4.2f}x and {best.rate / steady:4.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latencies", default="0,0.1,0.3", help="seconds, comma separated")
    parser.add_argument("--concurrency", default="4,8", help="levels, comma separated")
    parser.add_argument("--sandboxes", type=int, default=1, help="sandbox processes")
    parser.add_argument("--peers", action="store_true", help="add Airbyte's connector")
    parser.add_argument("--airbyte-python", metavar="PATH", help="a python with airbyte-cdk")
    parser.add_argument("--airbyte-manifest", metavar="PATH", help="its manifest.yaml")
    args = parser.parse_args()
    latencies = [float(x) for x in args.latencies.split(",")]
    levels = [int(x) for x in args.concurrency.split(",")]
    print(f"Sandbox with {ORDERS:,} orders, rate limit off, {args.sandboxes} process(es) of "
          f"its own; {os.cpu_count()} CPUs on this machine, shared; load average "
          f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}.")  # fmt: skip
    sandboxes = Sandboxes(args.sandboxes)
    try:
        base = sandboxes.base
        bounds = created_bounds(base)
        plain_loop(base, CountingTransport(sandboxes.ports))  # warm-up: caches, untimed
        for latency in latencies:
            row = one_latency(sandboxes, latency, bounds, levels)
            if args.peers:
                peer(args, base, row)
        sandboxes.set_latency(0)
        print("Peak Python memory (tracemalloc), no added latency:")
        seq = peak_memory(lambda: library(base, CountingTransport(sandboxes.ports), 1, bounds))
        con = peak_memory(lambda: library(base, CountingTransport(sandboxes.ports), 4, bounds))
        print(f"  sequential {seq / 1e6:6.2f} MB  concurrency=4 {con / 1e6:6.2f} MB  "
              f"ratio {con / seq:4.2f} (goal <= 1.5)")  # fmt: skip
        print(f"Load average at the end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}.")
    finally:
        sandboxes.stop()


if __name__ == "__main__":
    main()
