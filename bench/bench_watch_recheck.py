"""Issue 11 s6's cost figure: what the re-list for back-dated orders adds to a watch.

A sandbox box office sold ``ORDERS`` orders over the last day (made through the control
API with back-dated ``created_at``; rate limit off). An orders watch started a day ago
catches up, then runs ``CYCLES`` cycles ``EVERY`` seconds apart on a simulated clock
(the sandbox and its HTTP are real). At cycle 10, two orders back-dated by half an
hour and by two hours are sold: the main scan cannot see them (they are older than
``--lookback``). Side by side, in the same run: the default (a re-list of the last hour
every 300 s and of the whole day once an hour, at most 10 pages a cycle) and the
re-list turned off (``recheck_window=0``).

Printed: requests per cycle for each, the re-lists' pages, and when each back-dated
order was delivered.

    .venv/bin/python bench/bench_watch_recheck.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import httpx2

from tickettailor import Client
from tickettailor.sandbox import SandboxConfig, serve_in_thread
from tickettailor.watch import Watch
from tickettailor.watch.envelope import Envelope

KEY = "sk_1000_100000_" + "0" * 32
ORDERS = 1000
CYCLES = 70
EVERY = 60.0


class Counting(httpx2.BaseTransport):
    def __init__(self) -> None:
        self.inner = httpx2.HTTPTransport()
        self.requests = 0

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        self.requests += 1
        return self.inner.handle_request(request)

    def close(self) -> None:
        self.inner.close()


def sell(base_url: str, now: int) -> None:
    """ORDERS orders spread over the last day, five a second-stamp, over every event on
    sale (one event has too few seats for all)."""
    with httpx2.Client(base_url=base_url, auth=(KEY, "")) as http:
        events = [e["id"] for e in http.get("/v1/events", params={"limit": 100}).json()["data"]]
        made, i = 0, 0
        while made < ORDERS:
            at = now - 86_000 + made * 86_000 // ORDERS
            body = {"created_at": at, "count": 5, "event_id": events[i % len(events)]}
            reply = http.post("/_sandbox/orders", json=body)
            i += 1
            if reply.status_code == 201:
                made += 5
            else:  # sold out, or not on sale: the next event
                assert i < ORDERS * 10, reply.text


def main() -> None:
    now = int(time.time())
    config = SandboxConfig(
        keys=[KEY], seed=3, orders=50, events=40, anchor=now - 3 * 86400, rate_limit=None
    )
    with serve_in_thread(config) as sb, tempfile.TemporaryDirectory() as tmp:
        sell(sb.base_url, now)
        counting = Counting()
        client = Client(KEY, base_url=sb.base_url, transport=counting)
        clock = [float(now)]
        got: dict[str, list[Envelope]] = {"default": [], "off": []}
        watches = {
            name: Watch(
                "orders",
                client=client,
                sinks=[got[name].append],
                state=Path(tmp) / name,
                start=str(now - 86_400),
                clock=lambda: clock[0],
                recheck_window=0 if name == "off" else 86_400,
            )
            for name in got
        }
        first = {}
        for name, watch in watches.items():
            before = counting.requests
            assert watch.run_cycle().ok
            first[name] = counting.requests - before
        per: dict[str, list[int]] = {name: [] for name in watches}
        late: dict[str, int] = {}  # order id -> seconds back-dated
        found: dict[tuple[str, str], int] = {}  # (watch, order id) -> cycle delivered
        for n in range(1, CYCLES + 1):
            clock[0] += EVERY
            if n == 10:
                with httpx2.Client(base_url=sb.base_url) as http:
                    for ago in (1800, 7200):
                        made = http.post("/_sandbox/orders", json={"ago": ago}).json()
                        late[made["data"][0]["id"]] = ago
            for name, watch in watches.items():
                before = counting.requests
                assert watch.run_cycle().ok
                per[name].append(counting.requests - before)
                for envelope in got[name]:
                    if envelope["data"]["id"] in late:
                        found.setdefault((name, envelope["data"]["id"]), n)
        for watch in watches.values():
            watch.close()
        client.close()
    print(
        f"Sandbox: {ORDERS} orders sold over the last day; an orders watch started a day "
        f"ago, then {CYCLES} cycles {EVERY:g} s apart (simulated clock); two orders "
        "back-dated by 1800 s and 7200 s sold at cycle 10."
    )
    for name in watches:
        relists = sorted(r - 1 for r in per[name] if r > 1)
        when = ", ".join(
            f"{ago} s: " + (f"cycle {found[name, oid]}" if (name, oid) in found else "never")
            for oid, ago in late.items()
        )
        print(
            f"  recheck {name:<8} first cycle {first[name]:>3} requests; per cycle "
            f"{sum(per[name]) / CYCLES:.2f}; re-list pages {relists}; back-dated "
            f"delivered ({when})"
        )
    ratio = sum(per["default"]) / sum(per["off"])
    print(f"  requests with the re-list / without: {ratio:.2f}x")


if __name__ == "__main__":
    main()
