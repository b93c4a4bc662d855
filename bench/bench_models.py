"""Issue 13, first bullet: what building models costs per page of 100 orders.

Side by side, in one run:

1. In process, on the same 100-order pages (JSON bytes fetched once from a sandbox),
   CPU per page of: ``json.loads`` alone; eager models (``Order.from_api`` on every
   record, as before lazy records), with the garbage collector on and off (its share);
   lazy records reading ``.id`` and ``.raw`` (what list calls return now); and lazy
   records whose typed fields are then read (``order.total``: the model built on first
   use). Ratios are to ``json.loads`` alone.
2. End to end, against a sandbox in its own process (so its CPU is not counted): client
   CPU per page of a plain httpx2 loop (follow ``links.next``, decode, read ``id``) and
   of ``Client().orders.list()`` reading ``.id`` and ``.raw``, with lazy records and
   with eager ones. The issue's goal: client CPU at most 1.2x the plain loop.

    .venv/bin/python bench/bench_models.py          # 20,000 orders, 200 pages a walk
    BENCH_ORDERS=5000 .venv/bin/python bench/bench_models.py   # quicker
"""

from __future__ import annotations

import gc
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx2

from tickettailor import Client
from tickettailor.models import Order, TTModel
from tickettailor.sandbox import free_port

ORDERS = int(os.environ.get("BENCH_ORDERS", "20000"))
ROUNDS = 5  # each figure is the median of this many runs
KEY = "sk_bench_models_" + "0" * 32


@contextmanager
def sandbox_process() -> Iterator[str]:
    """``tickettailor sandbox`` in its own process, its data cached in the temp dir."""
    port = free_port()
    db = Path(tempfile.gettempdir()) / f"tickettailor-bench-models-{ORDERS}.db"
    cli = Path(sys.executable).with_name("tickettailor")  # the command, from this venv
    command = [str(cli), "sandbox", "--port", str(port)]
    command += ["--api-key", KEY, "--orders", str(ORDERS), "--rate-limit", "off"]
    proc = subprocess.Popen([*command, "--db", str(db)], stdout=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 600  # building the data the first time takes a while
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("the sandbox did not start")
            try:
                if httpx2.get(base + "/v1/ping", timeout=2).status_code == 200:
                    break
            except httpx2.TransportError:
                time.sleep(0.2)  # polling for readiness, with the deadline above
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def page_bodies(base: str, count: int) -> list[bytes]:
    """The JSON bytes of the first ``count`` pages of 100 orders."""
    bodies = []
    with httpx2.Client(base_url=base + "/v1", auth=(KEY, ""), timeout=60) as http:
        url: str | None = "/orders?limit=100"
        while url and len(bodies) < count:
            response = http.get(url)
            bodies.append(response.content)
            url = response.json()["links"]["next"]
    return bodies


def cpu_per_page(pages: int, fn: Callable[[], object], *, collect: bool = True) -> float:
    """Median CPU ms per page of ``fn`` (which handles ``pages`` pages), GC on or off."""
    runs = []
    for _ in range(ROUNDS):
        gc.collect()
        if not collect:
            gc.disable()
        try:
            started = time.process_time()
            fn()
            runs.append((time.process_time() - started) * 1000 / pages)
        finally:
            gc.enable()
    return statistics.median(runs)


def models_in(value: Any) -> int:
    """How many models one built record holds, itself included."""
    if isinstance(value, list):
        return sum(models_in(item) for item in value)
    if not isinstance(value, TTModel):
        return 0
    return 1 + sum(models_in(getattr(value, name)) for name in type(value).model_fields)


def in_process(bodies: list[bytes]) -> None:
    pages = len(bodies)

    def loads() -> None:
        for body in bodies:
            json.loads(body)

    def eager() -> None:
        for body in bodies:
            for raw in json.loads(body)["data"]:
                order = Order.from_api(raw)
                order.id, order.raw  # noqa: B018  # what a walk reads

    def lazy() -> None:
        for body in bodies:
            for raw in json.loads(body)["data"]:
                order = Order.from_api_lazy(raw)
                order.id, order.raw  # noqa: B018  # what a walk reads

    def lazy_typed() -> None:
        for body in bodies:
            for raw in json.loads(body)["data"]:
                Order.from_api_lazy(raw).total  # noqa: B018  # the first typed read builds it

    page = [Order.from_api(raw) for raw in json.loads(bodies[0])["data"]]
    print(f"models built per page of 100 orders: {sum(models_in(o) for o in page):,}")
    base = cpu_per_page(pages, loads)
    rows = [
        ("json.loads alone", base),
        ("eager models (from_api), GC on", cpu_per_page(pages, eager)),
        ("eager models, GC off", cpu_per_page(pages, eager, collect=False)),
        ("lazy records, .id and .raw", cpu_per_page(pages, lazy)),
        ("lazy records, then .total (built)", cpu_per_page(pages, lazy_typed)),
    ]
    print(f"\nCPU per page of 100 orders, in process ({pages} pages, median of {ROUNDS}):")
    for name, ms in rows:
        print(f"  {name:<36} {ms:7.2f} ms   {ms / base:5.2f}x json.loads")
    gc_share = 1 - rows[2][1] / rows[1][1]
    print(f"  GC share of the eager build: {gc_share:.0%}")


def plain_loop(base: str) -> int:
    pages = 0
    with httpx2.Client(base_url=base + "/v1", auth=(KEY, ""), timeout=60) as http:
        url: str | None = "/orders?limit=100"
        while url:
            body = http.get(url).json()
            for record in body["data"]:
                record["id"]  # what a walk reads
            pages += 1
            url = body["links"]["next"]
    return pages


def client_walk(base: str) -> int:
    count = 0
    with Client(KEY, base_url=base) as tt:
        for order in tt.orders.list():
            order.id, order.raw  # noqa: B018  # what a walk reads
            count += 1
    return -(-count // 100)


@contextmanager
def eager_records() -> Iterator[None]:
    """List calls building every model at once, as before lazy records."""
    Order.from_api_lazy = Order.from_api  # type: ignore[method-assign]  # the old behaviour, for comparison
    try:
        yield
    finally:
        del Order.from_api_lazy  # inherited from TTModel again


def end_to_end(base: str) -> None:
    pages = plain_loop(base)
    plain = cpu_per_page(pages, lambda: plain_loop(base))
    lazy = cpu_per_page(pages, lambda: client_walk(base))
    with eager_records():
        eager = cpu_per_page(pages, lambda: client_walk(base))
        eager_no_gc = cpu_per_page(pages, lambda: client_walk(base), collect=False)
    print(f"\nclient CPU per page, end to end ({pages} pages, sandbox in its own process):")
    print(f"  plain httpx2 loop                    {plain:7.2f} ms")
    print(f"  Client.orders.list(), lazy records   {lazy:7.2f} ms   {lazy / plain:5.2f}x plain")
    print(f"  Client.orders.list(), eager models   {eager:7.2f} ms   {eager / plain:5.2f}x plain")
    share = 1 - eager_no_gc / eager
    print(f"  the same, GC off                     {eager_no_gc:7.2f} ms   (GC share {share:.0%})")
    print("  goal (issue 13): client CPU <= 1.2x plain")


def main() -> None:
    print(f"bench_models: {ORDERS:,} orders")
    with sandbox_process() as base:
        in_process(page_bodies(base, 20))
        end_to_end(base)


if __name__ == "__main__":
    main()
