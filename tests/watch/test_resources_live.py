"""Each watchable resource against the sandbox: what the watch emits is what the API has."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from tests.watch.conftest import ListSink
from tickettailor import Client
from tickettailor.sandbox import RunningSandbox
from tickettailor.watch import Watch


def test_every_resource_from_the_start(sandbox: RunningSandbox, tmp_path: Path) -> None:
    with Client(sandbox.key, base_url=sandbox.base_url) as client:
        expected = {
            "orders": {o.id: o.raw for o in client.orders.list()},
            "events": {e.id: e.raw for e in client.events.list()},
            "check-ins": {c.id: c.raw for c in client.check_ins.list()},
            "issued-tickets": {t.id: t.raw for t in client.issued_tickets.list()},
        }
        for resource, records in expected.items():
            sink = ListSink(resource)
            with Watch(
                resource, client=client, sinks=[sink], state=tmp_path / resource, start="all"
            ) as watch:
                assert watch.run_cycle().ok
                assert watch.run_cycle().stored == 0  # the second look finds nothing new
            kinds = Counter(e["type"] for e in sink.got)
            created = {
                e["data"]["id"]: e["data"] for e in sink.got if e["type"].endswith(".created")
            }
            assert created == records, resource
            assert len(set(sink.keys)) == len(sink.keys)
            if resource == "issued-tickets":
                # A ticket first seen voided is created voided: its void is no change
                # seen, and the void scan's look at it has the same content, no new key.
                voided = {i for i, r in records.items() if r["status"] == "voided"}
                assert voided  # the sandbox has cancelled orders, hence voids
                assert {i for i, r in created.items() if r["status"] == "voided"} == voided
                assert kinds["issued_ticket.updated"] == 0
            else:
                assert set(kinds) == {sink.got[0]["type"]}


def test_two_box_offices_in_one_process(sandbox: RunningSandbox, tmp_path: Path) -> None:
    """One client per key (each with its own rate budget), watches run side by side."""
    from tickettailor.watch import run_watches

    sinks = {key: ListSink(f"sink-{n}") for n, key in enumerate(sandbox.keys)}
    clients = [Client(key, base_url=sandbox.base_url) for key in sandbox.keys]
    watches = [
        Watch(r, client=c, sinks=[sinks[k]], state=tmp_path / f"{n}-{r}", start="all")
        for n, (k, c) in enumerate(zip(sandbox.keys, clients, strict=True))
        for r in ("orders", "events")
    ]
    run_watches(watches, cycles=1)
    for watch in watches:
        watch.close()
    for key, client in zip(sandbox.keys, clients, strict=True):
        orders = {o.id for o in client.orders.list()}
        got = {e["data"]["id"] for e in sinks[key].got if e["type"] == "order.created"}
        assert got == orders
        client.close()
    first, second = (set(s.keys) for s in sinks.values())
    assert not first & second  # each box office's records to its own sink only
