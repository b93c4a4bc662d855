"""Issue 6's catch-up benchmark: a watch started with a backlog of 100,000 orders.

Side by side, in one run, against one sandbox served by a separate process (rate
limits off, database cached in the temp dir by ``bench_client_fetch.start_sandbox``):

- plain list:  ``Client.orders.list()`` walking the same orders (no state, no sink)
- watch:       ``Watch("orders", start="all")`` with an in-memory Python sink, run
               cycle after cycle until the backlog is delivered: every page stored
               in the state (WAL, synchronous=FULL) with its outbox rows, then relayed,
               marks committed in batches

It prints records/s of each and the ratio, then the peak Python memory (tracemalloc)
of catching up 10,000 vs 100,000 orders: the engine holds a page and a relay batch at
a time, so the two should be close.

    .venv/bin/python bench/bench_watch_catchup.py
    BENCH_ORDERS=20000 .venv/bin/python bench/bench_watch_catchup.py   # quicker
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_client_fetch import KEY, start_sandbox  # the same cached sandbox process
from tickettailor import Client
from tickettailor.watch import Watch

ORDERS = int(os.environ.get("BENCH_ORDERS", "100000"))


def catch_up(base: str, start: str, state: Path) -> tuple[int, float]:
    """Run a watch from ``start`` until nothing is pending; (delivered, seconds)."""
    got = 0

    def sink(_envelope: dict) -> None:
        nonlocal got
        got += 1

    began = time.perf_counter()
    with (
        Client(KEY, base_url=base) as client,
        Watch("orders", client=client, sinks=[sink], state=state, start=start) as watch,
    ):
        while True:
            report = watch.run_cycle()
            if not report.ok:
                raise SystemExit(f"cycle failed: {report}")
            if report.stored == 0 and report.delivered == 0:
                break
    return got, time.perf_counter() - began


def plain(base: str, limit: int | None = None) -> tuple[int, float]:
    began = time.perf_counter()
    with Client(KEY, base_url=base) as client:
        count = sum(1 for _ in client.orders.list(limit=limit))
    return count, time.perf_counter() - began


def peak(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    print(f"Sandbox with {ORDERS:,} orders, rate limit off, in its own process.")
    proc, base = start_sandbox(ORDERS)
    work = Path(tempfile.mkdtemp(prefix="tt-bench-watch-"))
    try:
        count, secs = plain(base)
        print(f"  plain Client.orders.list()   {count:>7} in {secs:7.2f} s = {count / secs:7.0f}/s")
        got, wsecs = catch_up(base, "all", work / "all.sqlite3")
        if got != ORDERS:
            raise SystemExit(f"the watch delivered {got}, expected {ORDERS}")
        print(f"  watch --start all (catch-up) {got:>7} in {wsecs:7.2f} s = {got / wsecs:7.0f}/s")
        print(f"Ratio watch / plain list = {(got / wsecs) / (count / secs):.2f}")
        state_mb = sum(f.stat().st_size for f in work.iterdir()) / 1e6
        print(f"State files after the catch-up: {state_mb:.0f} MB")
        tenth = ORDERS // 10
        with Client(KEY, base_url=base) as client:
            # The order just before the last tenth: start after it for a 10% backlog.
            anchor = list(client.orders.list(limit=ORDERS - tenth))[-1].id
        small = peak(lambda: catch_up(base, anchor, work / "tenth.sqlite3"))
        full = peak(lambda: catch_up(base, "all", work / "all2.sqlite3"))
        print("Peak Python memory (tracemalloc) of a catch-up:")
        print(f"  {tenth:>7} orders: {small / 1e6:6.1f} MB")
        print(f"  {ORDERS:>7} orders: {full / 1e6:6.1f} MB   ratio {full / small:.2f}")
    finally:
        proc.terminate()
        proc.wait()
        for f in work.iterdir():
            f.unlink()
        work.rmdir()


if __name__ == "__main__":
    main()
