"""Watches running while the sandbox simulates live sales, cancellations, refunds,
voids and check-ins: afterwards every record is delivered once, voids included."""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from pathlib import Path

from tests.watch.conftest import ListSink
from tickettailor import Client
from tickettailor.sandbox import SandboxConfig, serve_in_thread
from tickettailor.watch import Watch

RESOURCES = ("orders", "issued-tickets", "check-ins")


def test_live_sales_are_delivered_once(sandbox_config: SandboxConfig, tmp_path: Path) -> None:
    config = dataclasses.replace(sandbox_config, orders=150, sales_per_minute=1500)
    sinks = {r: ListSink(r) for r in RESOURCES}
    with serve_in_thread(config) as sb, Client(sb.key, base_url=sb.base_url) as client:
        watches = [
            # Voids are scanned every cycle here (void_every=0): the test closes the
            # shop and checks at once (test_void_scans covers the periodic scan).
            Watch(r, client=client, sinks=[sinks[r]], state=tmp_path / r, start="all", void_every=0)
            for r in RESOURCES
        ]
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:  # cycles while sales go on
            for watch in watches:
                assert watch.run_cycle().ok
        # The shop closes: set_rate waits for the simulator's lock, so no sale is
        # half-done once it returns.
        sb.sandbox.start_simulator(0)
        for _ in range(2):
            for watch in watches:
                watch.run_cycle()
        for watch in watches:
            watch.close()
        orders = {o.id: o.raw for o in client.orders.list()}
        tickets = {t.id: t.raw for t in client.issued_tickets.list()}
        check_ins = {c.id: c.raw for c in client.check_ins.list()}
        done = sb.sandbox.simulator.describe()["done"]
    assert done.get("sale", 0) > 5  # the simulator did sell while we watched
    for name, expected in (("orders", orders), ("check-ins", check_ins)):
        got = sinks[name].got
        assert Counter(e["id"] for e in got).most_common(1)[0][1] == 1, name
        assert {e["data"]["id"] for e in got} == set(expected), name
        # A creation carries the record as it was when seen: later cancellations and
        # refunds change an order, never its id or creation time (and are no new order).
        for env in got:
            assert env["data"]["created_at"] == expected[env["data"]["id"]]["created_at"]
    assert {e["data"]["id"]: e["data"] for e in sinks["check-ins"].got} == check_ins
    created = [e for e in sinks["issued-tickets"].got if e["type"] == "issued_ticket.created"]
    assert {e["data"]["id"] for e in created} == set(tickets)
    updates = [e for e in sinks["issued-tickets"].got if e["type"] == "issued_ticket.updated"]
    assert len({e["id"] for e in updates}) == len(updates)
    assert all(e["data"]["status"] == "voided" for e in updates)  # what the scans see
    # Every ticket's last envelope is the ticket as the API has it now: a ticket voided
    # before it was first seen was created voided (its void is no change seen).
    latest = {e["data"]["id"]: e["data"] for e in sinks["issued-tickets"].got}
    assert latest == tickets
    assert any(t["status"] == "voided" for t in tickets.values())
