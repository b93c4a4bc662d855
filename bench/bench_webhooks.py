"""Webhook receiver throughput and latency on loopback, beside a bare HTTP baseline.

For each concurrency level, N signed ORDER.CREATED deliveries (distinct ids, the
sandbox's first order as payload) are POSTed by a load generator running in its own
process (so it does not share the receiver's GIL) to

- ``receiver``: ``serve_webhooks`` with a JSON-lines sink, as ``tickettailor webhooks
  serve`` runs it: its receiver process reads the raw body, verifies the HMAC, parses,
  commits to the inbox (WAL, synchronous=FULL) before answering 200; meanwhile the
  feeder, in this process, forwards into the watch outbox and relays to the sink;
- ``stored``: the receiver's process alone (``webhooks.listening``), verifying and
  storing durably as above but with no feeder: what the HTTP side takes when the
  feeder's CPU is not competing for the same cores;
- ``bare``: a Starlette route on the same uvicorn setup that reads the body and answers
  200 (the floor set by HTTP and this client).

Two disks: this machine's, and an emulated one whose fsync takes 5.5 ms. The emulation
(``--slow-fsync``, milliseconds) sleeps that long inside every inbox transaction just
before COMMIT, holding the write lock as a real fsync does (``inbox.EMULATED_FSYNC``),
and after every ``os.fsync`` of the JSON-lines sink; the watch state's own commits are
not slowed (they are off the request path).

Latency is measured by the client from sending the request to receiving the 200,
which the receiver sends only after the commit: an upper bound of "request to
stored". Figures are deliveries per second, p50/p99 in milliseconds, then the CPU time
per delivery in milliseconds of each process (steadier than the rates on a shared
machine): ``rx`` the receiver's process (HTTP, verification, inbox writer; for
``bare``, the server), ``feed`` the feeder and relay (this process), ``load`` the load
generator; ``cores`` is their sum times the rate, the cores that rate keeps busy
(this machine has ``os.cpu_count()``). The feeder forwards at a lower priority than
the receiver answers (as the command runs it), so in a burst it may finish after the
last answer: its CPU is counted until the sink has every envelope, and ``lag s`` says
how long after the last answer that was. The last column is the receiver's throughput
as a fraction of the bare endpoint's.

Before each disk's rows, the cost of one SQLite commit of a delivery-sized row there
(WAL, synchronous=FULL, nothing else running in this process) is measured: at
concurrency 1 every delivery waits for one, so ``1000 / commit ms`` bounds that row.

Run: .venv/bin/python bench/bench_webhooks.py [--n 1000] [--concurrency 1,8,32]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import os
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from multiprocessing.pool import Pool
from pathlib import Path
from typing import Any

import httpx2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tickettailor import Client
from tickettailor.sandbox import SandboxConfig, serve_in_thread
from tickettailor.sandbox.webhook_sender import encode_json
from tickettailor.sinks import JsonlSink
from tickettailor.webhooks import (
    Listening,
    ReceiverSettings,
    inbox,
    listening,
    serve_webhooks,
    sign,
)
from tickettailor.webhooks.runner import FEEDER_NICE, _server

SECRET = "whsec_bench_3c1d"  # noqa: S105  (a made-up secret for this benchmark)


def _order() -> dict[str, Any]:
    """A realistic order: the first one of a seeded sandbox, as the API returns it."""
    with (
        serve_in_thread(SandboxConfig(seed=1, orders=3, events=2)) as sandbox,
        Client(sandbox.key, base_url=sandbox.base_url) as client,
    ):
        return next(iter(client.orders.list(limit=1))).raw


# -- the load generator (runs in its own process) ---------------------------------------


def _requests(order: dict[str, Any], n: int, prefix: str) -> list[tuple[bytes, str]]:
    """Signed bodies; signed now, so a run must finish within the 5-minute window."""
    now = int(time.time())
    out = []
    for i in range(n):
        payload = {**order, "id": f"or_{prefix}{i}"}
        envelope = {
            "id": f"wh_{prefix}{i}",
            "created_at": "2026-11-29 12:00:00",
            "event": "ORDER.CREATED",
            "resource_url": f"https://api.tickettailor.com/v1/orders/or_{prefix}{i}",
            "payload": payload,
        }
        body = encode_json(envelope).encode("ascii")
        out.append((body, sign(SECRET, now, body)))
    return out


async def _post(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, path: str, body: bytes, sig: str
) -> int:
    """One keep-alive HTTP/1.1 POST written in a single send (no Nagle stall)."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\n"
        f"Tickettailor-Webhook-Signature: {sig}\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    writer.write(head.encode() + body)
    await writer.drain()
    status_line = await reader.readline()
    length = 0
    while (line := await reader.readline()) not in (b"\r\n", b""):
        name, _, value = line.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
    await reader.readexactly(length)
    return int(status_line.split()[1])


async def _drive(url: str, requests: list[tuple[bytes, str]], concurrency: int) -> list[float]:
    """POST everything with ``concurrency`` connections; latencies in seconds.

    A minimal client (one send per request, keep-alive) so the figures are the
    server's, not a client library's.
    """
    parts = httpx2.URL(url)
    latencies: list[float] = []
    todo = iter(requests)

    async def worker() -> None:
        reader, writer = await asyncio.open_connection(parts.host, parts.port)
        try:
            for body, header in todo:
                start = time.perf_counter()
                status = await _post(reader, writer, parts.path, body, header)
                latencies.append(time.perf_counter() - start)
                if status != 200:
                    raise SystemExit(f"{url} answered {status}")
        finally:
            writer.close()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies


def _load(
    url: str, order: dict[str, Any], n: int, prefix: str, level: int
) -> tuple[list[float], float, float]:
    """In the load process: a warm-up, then ``n`` deliveries; (latencies, wall seconds,
    CPU seconds of this process for those ``n``)."""
    asyncio.run(_drive(url, _requests(order, max(20, level), prefix + "w"), level))
    requests = _requests(order, n, prefix)
    cpu = time.process_time()
    start = time.perf_counter()
    latencies = asyncio.run(_drive(url, requests, level))
    return latencies, time.perf_counter() - start, time.process_time() - cpu


# -- the servers (in this process) ------------------------------------------------------


@contextmanager
def _slow_disk(seconds: float) -> Iterator[None]:
    """Emulate a disk whose fsync takes ``seconds`` (see the module's docstring)."""
    real_fsync = os.fsync

    def slow_fsync(fd: int) -> None:
        real_fsync(fd)
        time.sleep(seconds)

    inbox.EMULATED_FSYNC, os.fsync = seconds, slow_fsync
    try:
        yield
    finally:
        inbox.EMULATED_FSYNC, os.fsync = 0.0, real_fsync


def _commit_ms(folder: Path, body: bytes, n: int = 200) -> float:
    """Median milliseconds of one SQLite commit of ``body`` in ``folder`` (WAL,
    synchronous=FULL, as the inbox commits; the emulated slow fsync included)."""
    conn = sqlite3.connect(folder / "probe.sqlite3", isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, body BLOB)")
    times = []
    for i in range(n + 20):  # the first 20 grow the files: not counted
        start = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (body) VALUES (?)", (body,))
        if inbox.EMULATED_FSYNC:
            time.sleep(inbox.EMULATED_FSYNC)
        conn.execute("COMMIT")
        if i >= 20:
            times.append(time.perf_counter() - start)
    conn.close()
    return statistics.median(times) * 1000


def _cpu_seconds(pid: int | None) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def _receiver(folder: Path) -> Iterator[tuple[str, Callable[[], int], Callable[[], float]]]:
    ready, stop = threading.Event(), threading.Event()
    found: list[Listening] = []
    out = folder / "out.jsonl"

    def run() -> None:
        serve_webhooks(
            ReceiverSettings(secret=SECRET, resources=("orders",)),
            sinks=[JsonlSink(out)],
            state_dir=folder,
            port=0,
            stop=stop,
            on_ready=lambda rx: (found.append(rx), ready.set()),
            nice=FEEDER_NICE,  # as the command runs it
        )

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    if not ready.wait(60):
        raise SystemExit("the receiver did not start")

    def delivered() -> int:
        if not out.exists():
            return 0
        with out.open("rb") as f:
            return sum(1 for _ in f)

    def rx_cpu() -> float:
        process = found[0].process
        return _cpu_seconds(process.pid if process else None)

    try:
        yield found[0].url, delivered, rx_cpu
    finally:
        stop.set()
        thread.join(60)


@contextmanager
def _bare() -> Iterator[str]:
    async def ok(request: Request) -> Response:
        await request.body()
        return Response(b'{"ok":true}', media_type="application/json")

    app = Starlette(routes=[Route("/tickettailor", ok, methods=["POST"])])
    with _server(app, "127.0.0.1", 0) as port:
        yield f"http://127.0.0.1:{port}/tickettailor"


def _row(disk: str, name: str, conc: int, lat: list[float], wall: float) -> tuple[str, float]:
    ordered = sorted(lat)
    p50 = statistics.median(ordered) * 1000
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000
    rate = len(lat) / wall
    line = f"{disk:<11} {name:<9} {conc:>4} {len(lat):>6} {rate:>9.0f} {p50:>8.2f} {p99:>8.2f}"
    return line, rate


@contextmanager
def _stored_only(folder: Path) -> Iterator[tuple[str, Callable[[], float]]]:
    """The receiver's process alone (``listening``): verified, stored durably and
    answered, never forwarded; what the HTTP side takes with no feeder beside it."""
    settings = ReceiverSettings(secret=SECRET, resources=("orders",))
    with listening(settings, folder / "stored-only.sqlite3", port=0) as rx:
        pid = rx.process.pid if rx.process else None
        yield rx.url, lambda: _cpu_seconds(pid)


def _measure(
    pool: Pool, order: dict[str, Any], disk: str, levels: list[int], n: int, bare: str | None
) -> None:
    """Every level against a fresh receiver (and the bare endpoint, if given)."""
    with tempfile.TemporaryDirectory() as tmp:
        body = _requests(order, 1, "probe")[0][0]
        commit = _commit_ms(Path(tmp), body)
        print(
            f"{disk}: one inbox-sized commit takes {commit:.2f} ms (median): concurrency 1 "
            f"can store at most {1000 / commit:.0f}/s here",
            flush=True,
        )
        with (
            _receiver(Path(tmp)) as (url, delivered, rx_cpu),
            _stored_only(Path(tmp)) as (stored_url, stored_cpu),
        ):
            endpoints = [("bare", bare, None), ("stored", stored_url, stored_cpu)]
            endpoints.append(("receiver", url, rx_cpu))
            sent = 0
            for level in levels:
                bare_rate = None
                sent += n + max(20, level)
                for name, target, cpu in endpoints:
                    if target is None:
                        continue
                    sink = (delivered, sent) if name == "receiver" else None
                    line, rate = _one_row(pool, order, disk, name, target, cpu, level, n, sink)
                    ratio = f"  {rate / bare_rate:.2f}x bare" if bare_rate else ""
                    bare_rate = rate if name == "bare" else bare_rate
                    print(line + ratio, flush=True)
            expected = sum(n + max(20, level) for level in levels)
            deadline = time.monotonic() + 120
            while delivered() < expected and time.monotonic() < deadline:
                time.sleep(0.1)  # waiting, with a deadline, for the sink to catch up
            print(f"{disk}: the sink received {delivered()} of {expected} envelopes", flush=True)


def _one_row(
    pool: Pool,
    order: dict[str, Any],
    disk: str,
    name: str,
    url: str,
    rx_cpu: Callable[[], float] | None,
    level: int,
    n: int,
    sink: tuple[Callable[[], int], int] | None = None,
) -> tuple[str, float]:
    """One endpoint at one concurrency: the row, and its rate. ``sink``: the receiver's
    count of envelopes delivered, and the count to wait for (the feeder's CPU is read
    once it has caught up, and the lag is shown)."""
    prefix = f"{disk[0]}{name[0]}{level}_"
    feed, rx = time.process_time(), rx_cpu() if rx_cpu else 0.0
    lat, wall, load = pool.apply(_load, (url, order, n, prefix, level))
    lag, polling = _catch_up(*sink) if sink else (None, 0.0)
    feed, rx = time.process_time() - feed - polling, (rx_cpu() - rx) if rx_cpu else 0.0
    if rx_cpu is None:  # the bare server runs in this process: its CPU is "rx"
        feed, rx = 0.0, feed
    line, rate = _row(disk, name, level, lat, wall)
    # warm-up requests are in rx and feed, not in load (see _load)
    per = [rx / (n + max(20, level)), feed / (n + max(20, level)), load / n]
    cores = sum(per) * rate
    shown = line + "".join(f" {x * 1000:>6.3f}" for x in per) + f" {cores:>5.2f}"
    return shown + (f" {lag:>5.2f}" if lag is not None else f" {'':>5}"), rate


def _catch_up(delivered: Callable[[], int], expected: int) -> tuple[float, float]:
    """Seconds until the sink holds ``expected`` envelopes (polled, 120 s at most), and
    the CPU seconds the polling took in this process (not the feeder's)."""
    start, polling = time.monotonic(), 0.0
    while time.monotonic() - start < 120:
        cpu = time.process_time()
        done = delivered() >= expected
        polling += time.process_time() - cpu
        if done:
            break
        time.sleep(0.02)  # waiting, with a deadline, for the feeder to catch up
    return time.monotonic() - start, polling


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="deliveries per measurement")
    parser.add_argument("--concurrency", default="1,8,32", help="comma list")
    parser.add_argument(
        "--slow-fsync", type=float, default=5.5, help="emulated fsync in ms (0: skip those rows)"
    )
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    os.environ.setdefault("TICKETTAILOR_TEST_MODE", "0")
    order = _order()
    header = f"{'disk':<11} {'endpoint':<9} {'conc':>4} {'n':>6} {'per s':>9}"
    cpu = "".join(f" {c:>6}" for c in ("rx", "feed", "load"))
    print(f"load average {os.getloadavg()[0]:.2f}; {os.cpu_count()} cores", flush=True)
    print(f"{header} {'p50 ms':>8} {'p99 ms':>8}{cpu} {'cores':>5} {'lag s':>5}  ratio", flush=True)
    with multiprocessing.get_context("spawn").Pool(1) as pool, _bare() as bare_url:
        _measure(pool, order, "this disk", levels, args.n, bare_url)
        if args.slow_fsync > 0:
            with _slow_disk(args.slow_fsync / 1000):
                _measure(pool, order, f"fsync {args.slow_fsync:g}ms", levels, args.n, None)
    print(f"load average {os.getloadavg()[0]:.2f} at the end", flush=True)


if __name__ == "__main__":
    main()
