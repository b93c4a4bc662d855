"""Issue 6's idle benchmark: requests per idle cycle, per watch, on the real sandbox.

Four watches (orders, issued tickets, check-ins, events) run in one process on one
client, so they share one rate budget. After the first cycle (where the API
ignores a time filter, a first cycle walks to the end once to find its anchor id),
nothing new happens for ``CYCLES`` cycles; every request the client sends is counted
by a transport wrapper. Side by side: a naive poller that re-lists every record each
cycle, as a watch without a position would. Printed: requests per idle cycle per watch,
the naive poller's, and the ratio.

Issued tickets cost more than one request: voids are found through ``updated_at``, which
the API documents no filter for on issued tickets, so the void stream re-reads the
voided tickets (``status=voided``, 100 a page) each cycle.

    .venv/bin/python bench/bench_watch_idle.py
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

import httpx2

from tickettailor import Client
from tickettailor.sandbox import SandboxConfig, serve_in_thread
from tickettailor.watch import Watch

KEY = "sk_1000_100000_" + "0" * 32
CYCLES = 20
PATHS = {
    "orders": "/v1/orders",
    "issued-tickets": "/v1/issued_tickets",
    "check-ins": "/v1/check_ins",
    "events": "/v1/events",
}


class Counting(httpx2.BaseTransport):
    def __init__(self) -> None:
        self.inner = httpx2.HTTPTransport()
        self.by_path: Counter[str] = Counter()

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        self.by_path[request.url.path] += 1
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def main() -> None:
    config = SandboxConfig(keys=[KEY], seed=3, orders=5000, events=20, rate_limit=None)
    with serve_in_thread(config) as sb, tempfile.TemporaryDirectory() as tmp:
        counting = Counting()
        client = Client(KEY, base_url=sb.base_url, transport=counting)
        watches = [
            Watch(r, client=client, sinks=[lambda _e: None], state=Path(tmp) / r, start="now")
            for r in PATHS
        ]
        for w in watches:
            w.run_cycle()  # the first cycle (walks once where there is no time filter)
        first = Counter(counting.by_path)
        for _ in range(CYCLES):
            for w in watches:
                w.run_cycle()
        idle = counting.by_path - first
        naive_before = Counter(counting.by_path)
        for path in PATHS.values():  # one naive cycle: re-list everything
            params: dict[str, str] = {"limit": "100"}
            while True:
                body = client.request("GET", path, params=params).body
                if not body["links"]["next"] or not body["data"]:
                    break
                params = {"limit": "100", "starting_after": body["data"][-1]["id"]}
        naive = counting.by_path - naive_before
        print(f"Sandbox: 5,000 orders; {CYCLES} idle cycles of 4 watches on one client.")
        print(f"  {'watch':<16}{'first cycle':>12}{'per idle cycle':>16}{'naive re-list':>15}")
        total_idle = 0.0
        for name, path in PATHS.items():
            per = idle[path] / CYCLES
            total_idle += per
            print(f"  {name:<16}{first[path]:>12}{per:>16.2f}{naive[path]:>15}")
        naive_total = sum(naive.values())
        print(f"  all four: {total_idle:.2f} requests per idle cycle vs {naive_total} naive")
        print(f"  ratio naive / watch = {naive_total / total_idle:.0f}")
        for w in watches:
            w.close()
        client.close()


if __name__ == "__main__":
    main()
