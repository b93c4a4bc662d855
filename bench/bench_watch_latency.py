"""Issue 6's latency benchmark: from a sale in the sandbox to the sink, at --every 1.

A sandbox serves on loopback; a seller thread records a new order every 0.1-0.6 s
(inserted into the sandbox's store the way its simulator does: next id, created now),
while a watch runs ``every=1`` with a Python sink that notes when each order arrives.
Printed: latency percentiles, and the same measured side by side at ``every=0.25``
to show the latency follows the polling interval (about half of it plus the cycle).

    .venv/bin/python bench/bench_watch_latency.py
"""

from __future__ import annotations

import random
import statistics
import tempfile
import threading
import time
from pathlib import Path

from tickettailor import Client
from tickettailor.sandbox import RunningSandbox, SandboxConfig, serve_in_thread
from tickettailor.watch import Watch

KEY = "sk_1000_100000_" + "0" * 32
SALES = 60


def sell(sb: RunningSandbox, sold: dict[str, float], stop: threading.Event) -> None:
    """One order at a time, like live sales: a copy of the newest with a new id, now."""
    store = sb.sandbox.store
    table = f"{store.boxes[0].prefix}orders"
    with store.lock:
        cols = [r[1] for r in store.conn.execute(f"PRAGMA table_info({table})") if r[1] != "id"]
    select = ", ".join("?" if c == "created_at" else c for c in cols)
    sql = f"INSERT INTO {table} ({', '.join(cols)}) SELECT {select} FROM {table} WHERE id = ?"  # noqa: S608  (our own table and columns)
    rng = random.Random(1)
    for _ in range(SALES):
        if stop.wait(rng.uniform(0.1, 0.6)):
            return
        with store.lock:
            (newest,) = store.conn.execute(f"SELECT max(id) FROM {table}").fetchone()  # noqa: S608  (our own table)
            now = time.time()
            cur = store.conn.execute(sql, (int(now), newest))
            sold[f"or_{cur.lastrowid}"] = now


def measure(sb: RunningSandbox, every: float) -> list[float]:
    sold: dict[str, float] = {}
    arrived: dict[str, float] = {}

    def sink(envelope: dict) -> None:
        arrived[envelope["data"]["id"]] = time.time()

    stop = threading.Event()
    with (
        tempfile.TemporaryDirectory() as tmp,
        Client(KEY, base_url=sb.base_url) as client,
        Watch("orders", client=client, sinks=[sink], state=Path(tmp) / "s", lookback=5) as w,
    ):
        runner = threading.Thread(target=w.run, kwargs={"every": every, "stop": stop})
        runner.start()
        sell(sb, sold, stop)
        deadline = time.monotonic() + 30
        while set(sold) - set(arrived) and time.monotonic() < deadline:
            time.sleep(0.05)  # waiting for the last deliveries, with a deadline
        stop.set()
        runner.join()
    missing = set(sold) - set(arrived)
    if missing:
        raise SystemExit(f"{len(missing)} orders never arrived: {sorted(missing)[:5]}")
    return [arrived[k] - sold[k] for k in sold]


def show(every: float, lat: list[float]) -> float:
    q = statistics.quantiles(lat, n=20)
    p50 = statistics.median(lat)
    print(
        f"  every={every:<5} {len(lat)} orders: p50 {p50:.2f} s, p95 {q[18]:.2f} s, "
        f"max {max(lat):.2f} s"
    )
    return p50


def main() -> None:
    config = SandboxConfig(keys=[KEY], seed=5, orders=2000, events=10, rate_limit=None)
    with serve_in_thread(config) as sb:
        print(f"Latency from sale to sink, {SALES} live sales, sandbox on loopback:")
        slow = show(1.0, measure(sb, 1.0))
        fast = show(0.25, measure(sb, 0.25))
        print(f"Ratio p50 at every=1 / p50 at every=0.25 = {slow / fast:.2f}")


if __name__ == "__main__":
    main()
