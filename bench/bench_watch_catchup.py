"""Issue 6's catch-up benchmark: a watch started with a backlog of 100,000 orders.

Against one sandbox served by a separate process (rate limits off, database cached in
the temp dir by ``bench_client_fetch.start_sandbox``), in one run:

- plain list:  ``Client.orders.list()`` walking every order (no state, no sink)
- watch:       ``Watch("orders", start="all")`` with an in-memory Python sink, cycle
               after cycle until the backlog is delivered: each page stored in the state
               (WAL, synchronous=FULL) with its outbox rows, then relayed, marks
               committed in batches of 50
- watch 10%:   the same from the order before the last tenth (a 10,000-order backlog)

Each watch runs in its own process, so its peak RSS is its own. Printed: records/s,
the watch / plain ratio, the share of the watch's time spent waiting for the API (the
rest is the state and the relay), records/s of the first and last cycle (the state
growing must not slow it down), and peak RSS of the 10,000 vs 100,000 catch-up.
The machine is shared: compare the ratios, not the absolute rates.

    .venv/bin/python bench/bench_watch_catchup.py
    BENCH_ORDERS=20000 .venv/bin/python bench/bench_watch_catchup.py   # quicker
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_client_fetch import KEY, start_sandbox  # the same cached sandbox process
from tickettailor import Client
from tickettailor.watch import Watch
from tickettailor.watch.source import ClientSource

ORDERS = int(os.environ.get("BENCH_ORDERS", "100000"))


class TimedSource(ClientSource):
    """The client's page source, timing the waits for the API."""

    waited = 0.0

    def get_page(self, path: str, params: Mapping[str, str]) -> Any:
        began = time.perf_counter()
        try:
            return super().get_page(path, params)
        finally:
            self.waited += time.perf_counter() - began


def peak_rss_mb() -> float:
    """This process's peak RSS (VmHWM: unlike ru_maxrss it does not carry the parent's
    high-water mark across fork and exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child(base: str, start: str, state: str) -> None:
    """One catch-up in this process; prints a JSON summary."""
    got = 0

    def sink(_envelope: dict) -> None:
        nonlocal got
        got += 1

    cycles = []
    began = time.perf_counter()
    with Client(KEY, base_url=base) as client:
        source = TimedSource(client)
        with Watch("orders", source=source, sinks=[sink], state=state, start=start) as watch:
            while True:
                t0, before = time.perf_counter(), got
                report = watch.run_cycle()
                if not report.ok:
                    raise SystemExit(f"cycle failed: {report}")
                if report.stored == 0 and report.delivered == 0:
                    break
                cycles.append((got - before) / (time.perf_counter() - t0))
    summary = {
        "delivered": got,
        "seconds": time.perf_counter() - began,
        "api_seconds": source.waited,
        "cycles": cycles,
        "maxrss_mb": peak_rss_mb(),
        "state_mb": sum(p.stat().st_size for p in Path(state).parent.glob(Path(state).name + "*"))
        / 1e6,
    }
    print(json.dumps(summary))


def catch_up(base: str, start: str, work: Path) -> dict[str, Any]:
    state = work / f"{start}.sqlite3"
    out = subprocess.run(
        [sys.executable, __file__, "--child", base, start, str(state)],
        capture_output=True,
        text=True,
        check=True,
    )
    for f in work.iterdir():
        f.unlink()
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    print(f"Sandbox with {ORDERS:,} orders, rate limit off, in its own process.")
    proc, base = start_sandbox(ORDERS)
    work = Path(tempfile.mkdtemp(prefix="tt-bench-watch-"))
    try:
        began = time.perf_counter()
        with Client(KEY, base_url=base) as client:
            count = sum(1 for _ in client.orders.list())
        secs = time.perf_counter() - began
        print(f"  plain Client.orders.list()  {count:>7} in {secs:7.1f} s = {count / secs:5.0f}/s")
        full = catch_up(base, "all", work)
        n, w = full["delivered"], full["seconds"]
        if n != ORDERS:
            raise SystemExit(f"the watch delivered {n}, expected {ORDERS}")
        print(f"  watch --start all           {n:>7} in {w:7.1f} s = {n / w:5.0f}/s")
        print(f"Ratio watch / plain list = {(n / w) / (count / secs):.2f}")
        api = full["api_seconds"] / w
        print(f"Watch time waiting for the API: {api:.0%}; state and relay: {1 - api:.0%}")
        c = full["cycles"]
        print(f"Cycles: {len(c)}; first {c[0]:.0f}/s, last {c[-1]:.0f}/s")
        print(f"State file after the catch-up: {full['state_mb']:.0f} MB")
        tenth = ORDERS // 10
        with Client(KEY, base_url=base) as client:
            # The order just before the last tenth: start after it for a 10% backlog.
            anchor = list(client.orders.list(limit=ORDERS - tenth))[-1].id
        small = catch_up(base, anchor, work)
        print("Peak RSS of the watch process:")
        print(f"  {small['delivered']:>7} orders: {small['maxrss_mb']:6.1f} MB")
        print(
            f"  {n:>7} orders: {full['maxrss_mb']:6.1f} MB   "
            f"ratio {full['maxrss_mb'] / small['maxrss_mb']:.2f}"
        )
    finally:
        proc.terminate()
        proc.wait()
        for f in work.iterdir():
            f.unlink()
        work.rmdir()


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        child(*sys.argv[2:5])
    else:
        main()
