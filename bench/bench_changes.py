"""Issue 14's change benchmark: how long from a change to its ``order.updated`` envelope,
by each way changes are found, and what the re-check spends.

An orders watch (the real engine, state and hashing) runs every ``EVERY`` simulated
seconds against an in-memory list API holding ``N`` orders created within the 30-day
re-check window (10,000 and 100,000). During ``HOURS`` simulated hours, a change is
made every few minutes to a random order:

- a partial refund (no void, no webhook): only the re-check can see it;
- a void of one of its tickets: the void scan (every 300 s) re-reads the order;
- the same void announced by an ``ORDER.UPDATED`` webhook: stored through the
  receiver's path (``webhooks.events.to_record`` and the state's ``store_page``) at
  once; its latency is the wall time of that path (Ticket Tailor's own delivery delay
  comes on top and is not measured here).

Latency is the simulated time from the change to the cycle that stored its envelope
(p50, p95). Re-check requests per hour are counted against the budget (10% of
10,000 requests per 30 min = 2,000 an hour). The in-memory API answers at once: this
measures the schedule, not the network.

    .venv/bin/python bench/bench_changes.py            # 10k and 100k (a few minutes)
    .venv/bin/python bench/bench_changes.py --quick    # 10k only
"""

from __future__ import annotations

import bisect
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from tickettailor.watch import Watch
from tickettailor.watch.envelope import Envelope
from tickettailor.watch.recheck import RATE_PER_SECOND, RECHECK_BUDGET
from tickettailor.watch.state import Position
from tickettailor.webhooks.events import to_record

EVERY = 60.0
HOURS = 3
WINDOW = 30 * 86_400
T0 = 1_790_000_000


class ShopAPI:
    """Orders (ids rising with created_at) and voided tickets, as list pages."""

    def __init__(self, count: int, now: float) -> None:
        step = (WINDOW - 7200) / count
        self.orders = [
            {
                "object": "order",
                "id": f"or_{i + 1}",
                "created_at": int(now - WINDOW + 3600 + i * step),
                "status": "completed",
                "refund_amount": 0,
                "issued_tickets": [{"id": f"it_{i + 1}", "status": "valid", "voided_at": None}],
            }
            for i in range(count)
        ]
        self.created = [o["created_at"] for o in self.orders]
        self.voided: list[dict[str, Any]] = []
        self.recheck_pages = 0

    def get_page(self, path: str, params: Mapping[str, str]) -> Any:
        if path.startswith("/v1/orders/"):
            return self.orders[int(path.rsplit("_", 1)[1]) - 1]
        if path == "/v1/issued_tickets":
            since = int(params.get("updated_at.gte", "0"))
            rows = [t for t in self.voided if t["updated_at"] >= since]
            return {"data": rows[:100], "links": {"next": None}}
        if "created_at.lt" in params:
            self.recheck_pages += 1
        lo = bisect.bisect_left(self.created, int(params.get("created_at.gte", "0")))
        hi = bisect.bisect_left(self.created, int(params.get("created_at.lt", str(2**40))))
        if "starting_after" in params:
            lo = max(lo, int(params["starting_after"].rsplit("_", 1)[1]))
        page = self.orders[lo : min(hi, lo + 100)]
        more = lo + 100 < hi
        return {"data": page, "links": {"next": "x" if more else None}}


class Clock:
    def __init__(self) -> None:
        self.now = float(T0)

    def __call__(self) -> float:
        return self.now


class Seen:
    """The sink: when each order's update arrived (simulated time)."""

    def __init__(self, clock: Clock) -> None:
        self.name = "seen"
        self.clock = clock
        self.at: dict[str, float] = {}

    def send(self, envelope: Envelope) -> None:
        if envelope["type"] == "order.updated":
            self.at.setdefault(envelope["data"]["id"], self.clock())

    def close(self) -> None:
        pass


def run(count: int) -> None:
    clock, rng = Clock(), random.Random(14)
    api = ShopAPI(count, clock.now)
    sink = Seen(clock)
    with tempfile.TemporaryDirectory() as tmp:
        watch = Watch(
            "orders",
            sinks=[sink],
            source=api,
            state=Path(tmp) / "orders.sqlite3",
            key_fingerprint="bench",
            start="all",
            clock=clock,
            max_fetch=200_000,
            max_backlog=10_000_000,
        )
        loaded = time.perf_counter()
        watch.run_cycle()  # stores every order once (their creations)
        loaded = time.perf_counter() - loaded
        api.recheck_pages = 0
        changes: dict[str, tuple[str, float]] = {}
        webhook_ms: list[float] = []
        cycles = int(HOURS * 3600 / EVERY)
        for _ in range(cycles):
            for _ in range(2):  # two changes a cycle, the order picked at random
                order = api.orders[rng.randrange(count)]
                if order["id"] in changes:
                    continue
                kind = rng.choice(["recheck", "void", "webhook"])
                _change(api, order, kind, int(clock.now))
                changes[order["id"]] = (kind, clock.now)
                if kind == "webhook":
                    webhook_ms.append(_by_webhook(watch, order))
            clock.now += EVERY
            watch.run_cycle()
        watch.close()
    _report(count, loaded, changes, sink, webhook_ms, api.recheck_pages)


def _change(api: ShopAPI, order: dict[str, Any], kind: str, now: int) -> None:
    if kind == "recheck":
        order["refund_amount"] = 500  # a partial refund: nothing announces it
        return
    ticket = order["issued_tickets"][0]
    ticket.update(status="voided", voided_at=now)
    order["status"] = "cancelled"
    api.voided.append(
        {
            "id": ticket["id"],
            "status": "voided",
            "updated_at": now,
            "order_id": order["id"],
            "created_at": order["created_at"],
        }
    )


def _by_webhook(watch: Watch, order: dict[str, Any]) -> float:
    """The receiver's path for an ORDER.UPDATED delivery: envelope, store, relay (ms)."""
    begun = time.perf_counter()
    record = to_record("ORDER.UPDATED", dict(order))
    store = watch._store()
    pos = store.positions().get("webhooks") or Position("webhooks")
    store.store_page([record] if record else [], pos, [s.name for s in watch.sinks])
    watch.deliver()
    return (time.perf_counter() - begun) * 1000


def _report(
    count: int,
    loaded: float,
    changes: dict[str, tuple[str, float]],
    sink: Seen,
    webhook_ms: list[float],
    pages: int,
) -> None:
    print(
        f"{count:,} orders in the 30-day window; first scan stored them in {loaded:.1f} s;"
        f" {HOURS} h simulated, a cycle every {EVERY:g} s, {len(changes)} changes"
    )
    for kind in ("webhook", "void", "recheck"):
        lat = [
            sink.at[oid] - at for oid, (k, at) in changes.items() if k == kind and oid in sink.at
        ]
        missed = sum(1 for oid, (k, _) in changes.items() if k == kind and oid not in sink.at)
        if kind == "webhook":
            text = (
                f"p50 {statistics.median(webhook_ms):.1f} ms, "
                f"p95 {_p95(webhook_ms):.1f} ms (wall time of the receiver's path)"
            )
        else:
            text = f"p50 {statistics.median(lat) / 60:.1f} min, p95 {_p95(lat) / 60:.1f} min"
        print(f"  via {kind:<8} {text}; not yet seen at the end: {missed}")
    per_hour = pages / HOURS
    budget = RATE_PER_SECOND * RECHECK_BUDGET * 3600
    print(
        f"  re-check: {per_hour:.0f} requests/h of a {budget:.0f}/h budget "
        f"({per_hour / budget:.0%}); a full sweep reads {count // 100 + 1} pages"
    )


def _p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(len(values) * 0.95) - 1)] if values else float("nan")


if __name__ == "__main__":
    for size in (10_000,) if "--quick" in sys.argv else (10_000, 100_000):
        run(size)
