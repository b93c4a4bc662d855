"""Issue 6's idle benchmark: requests per idle cycle, per watch, on the real sandbox.

Four watches (orders, issued tickets, check-ins, events) run in one process on one
client, so they share one rate budget. After the first cycle (where the API
ignores a time filter, a first cycle walks to the end once to find its anchor id),
nothing new happens for ``CYCLES`` cycles; every request the client sends is counted
by a transport wrapper and charged to the watch whose cycle sent it.

Issued tickets also have a void scan: voids are found through ``updated_at``, which
the API documents no filter for on issued tickets, so a scan re-reads every voided
ticket (``status=voided``, 100 a page). It runs every ``void_every`` seconds (default
300), not every cycle. The watches run on a simulated clock that moves ``EVERY``
seconds a cycle (as ``--every 60`` would, without waiting 20 minutes); the sandbox and
its HTTP are real. Side by side in the same run: an issued-tickets watch with
``void_every=0`` (a void scan every cycle, as before), and a naive poller that re-lists
every record each cycle, as a watch without a position would.

Orders watches also find changes (issue 14): besides the void scan (the same
``status=voided`` pages, every ``void_every`` s) an orders watch re-lists its 30-day
window at the pace its re-check budget allows; the row ``orders, start -30d`` shows
what that adds to an idle cycle, next to the budget's cap.

Printed per watch: requests in the first cycle, per idle cycle between void scans (the
promise: 1), the void scans (how many, pages each), all idle requests per cycle with
the scans amortised, and the naive re-list; then the ratios.

    .venv/bin/python bench/bench_watch_idle.py
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx2

from tickettailor import Client
from tickettailor.sandbox import SandboxConfig, serve_in_thread
from tickettailor.watch import Watch
from tickettailor.watch.engine import VOID_EVERY
from tickettailor.watch.recheck import RATE_PER_SECOND, RECHECK_BUDGET

KEY = "sk_1000_100000_" + "0" * 32
CYCLES = 70  # over an hour: the hourly full re-check of orders shows
EVERY = 60.0  # simulated seconds between cycles
PATHS = {
    "orders": "/v1/orders",
    "issued-tickets": "/v1/issued_tickets",
    "check-ins": "/v1/check_ins",
    "events": "/v1/events",
}


class Counting(httpx2.BaseTransport):
    """Counts requests: list pages, and void-scan pages (``status=voided``) apart."""

    def __init__(self) -> None:
        self.inner = httpx2.HTTPTransport()
        self.lists = 0
        self.voids = 0

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        if request.url.params.get("status") == "voided":
            self.voids += 1
        else:
            self.lists += 1
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


class SimClock:
    """The watches' clock: real time at the start, then ``EVERY`` seconds a cycle."""

    def __init__(self) -> None:
        self.now = time.time()

    def __call__(self) -> float:
        return self.now


@dataclass
class Tally:
    """Requests one watch sent: first cycle, then per idle cycle (lists, void pages)."""

    first: int = 0
    idle: list[tuple[int, int]] = field(default_factory=list)

    def between_scans(self) -> list[int]:
        return [lists for lists, voids in self.idle if voids == 0]

    def scans(self) -> list[int]:
        return [voids for _lists, voids in self.idle if voids]


def cycle(watch: Watch, counting: Counting) -> tuple[int, int]:
    lists, voids = counting.lists, counting.voids
    assert watch.run_cycle().ok
    return counting.lists - lists, counting.voids - voids


def naive_relist(client: Client, counting: Counting) -> dict[str, int]:
    """One naive cycle per list: re-read everything (requests per list)."""
    cost = {}
    for name, path in PATHS.items():
        before = counting.lists
        params: dict[str, str] = {"limit": "100"}
        while True:
            body = client.request("GET", path, params=params).body
            if not body["links"]["next"] or not body["data"]:
                break
            params = {"limit": "100", "starting_after": body["data"][-1]["id"]}
        cost[name] = counting.lists - before
    return cost


def main() -> None:
    config = SandboxConfig(keys=[KEY], seed=3, orders=5000, events=20, rate_limit=None)
    with serve_in_thread(config) as sb, tempfile.TemporaryDirectory() as tmp:
        counting, clock = Counting(), SimClock()
        client = Client(KEY, base_url=sb.base_url, transport=counting)

        def watch(
            resource: str, state: str, void_every: float = VOID_EVERY, start: str = "now"
        ) -> Watch:
            return Watch(
                resource,
                client=client,
                sinks=[lambda _e: None],
                state=Path(tmp) / state,
                start=start,
                clock=clock,
                void_every=void_every,
            )

        watches = {name: watch(name, name) for name in PATHS}
        watches["issued-tickets, void_every=0"] = watch("issued-tickets", "v0", void_every=0)
        # Changes (issue 14): an orders watch whose 30-day re-check window holds orders.
        watches["orders, start -30d (re-check)"] = watch("orders", "o30", start="-30d")
        tallies = {name: Tally() for name in watches}
        for name, w in watches.items():
            lists, voids = cycle(w, counting)  # walks once where there is no time filter
            tallies[name].first = lists + voids
        for _ in range(CYCLES):
            clock.now += EVERY
            for name, w in watches.items():
                tallies[name].idle.append(cycle(w, counting))
        naive = naive_relist(client, counting)
        for w in watches.values():
            w.close()
        client.close()
    report(tallies, naive)


def report(tallies: dict[str, Tally], naive: dict[str, int]) -> None:
    print(
        f"Sandbox: 5,000 orders; {CYCLES} idle cycles of 5 watches on one client, "
        f"{EVERY:g} s apart (simulated clock); void scans every {VOID_EVERY:g} s (default)."
    )
    head = ("watch", "first", "idle between scans", "void scans x pages", "per idle cycle")
    print(f"  {head[0]:<30}{head[1]:>6}{head[2]:>20}{head[3]:>20}{head[4]:>16}{'naive':>7}")
    total_default = 0.0
    for name, tally in tallies.items():
        between = tally.between_scans()
        spread = f"{min(between)}..{max(between)}" if between else "(none)"
        if between and min(between) == max(between):
            spread = str(between[0])
        scans = tally.scans()
        pages = f"{len(scans)} x {max(scans)}" if scans else "0"
        per = sum(lists + voids for lists, voids in tally.idle) / CYCLES
        if "=" not in name and "(" not in name:  # the default watches only
            total_default += per
        relist = naive.get(name.split(",")[0], 0)
        print(f"  {name:<30}{tally.first:>6}{spread:>20}{pages:>20}{per:>16.2f}{relist:>7}")
    recheck = tallies["orders, start -30d (re-check)"]
    lists = sum(a for a, _ in recheck.idle) / CYCLES
    voids = sum(b for _, b in recheck.idle) / CYCLES
    print(
        f"  orders with changes: 1 request per idle cycle + void scan {voids:.2f} + "
        f"re-check {lists - 1:.2f} (its budget: at most "
        f"{RATE_PER_SECOND * RECHECK_BUDGET * EVERY:.1f} per {EVERY:g} s cycle)"
    )
    tickets = tallies["issued-tickets"]
    every_cycle = tallies["issued-tickets, void_every=0"]
    per_default = sum(a + b for a, b in tickets.idle) / CYCLES
    per_zero = sum(a + b for a, b in every_cycle.idle) / CYCLES
    naive_total = sum(naive.values())
    print(
        f"  issued tickets, void scan every cycle / every {VOID_EVERY:g} s: "
        f"{per_zero:.2f} / {per_default:.2f} = {per_zero / per_default:.1f}x fewer requests"
    )
    print(
        f"  all four (default): {total_default:.2f} requests per idle cycle vs "
        f"{naive_total} naive: ratio naive / watch = {naive_total / total_default:.0f}"
    )


if __name__ == "__main__":
    main()
