"""Changes keyed by content (tickettailor.watch.changes) on the fake API: what is one
change, what is two, the void scan's re-reads, the re-check, a restart mid-sweep, and
states from before changes were watched."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.watch.conftest import T0, Clock, ListSink, MakeWatch
from tests.watch.fakeapi import FakeAPI
from tickettailor.watch import Watch
from tickettailor.watch.changes import canonical, content_hash
from tickettailor.watch.engine import RECHECK_FULL_EVERY, RECHECK_PAGES, VOID_EVERY

DAY_AGO = str(T0 - 86_400)


def updated_key(order: dict) -> str:
    return f"order.updated:{order['id']}:{content_hash(order)}"


def test_the_hash_is_over_sorted_compact_json_and_leaves_out_event_counters() -> None:
    assert canonical({"b": 1, "a": [1, {"d": 2, "c": 3}]}) == '{"a":[1,{"c":3,"d":2}],"b":1}'
    event = {"object": "event", "id": "ev_1", "status": "published", "total_orders": 3}
    sold = {**event, "total_orders": 4, "ticket_types": [{"id": "tt_1", "quantity_issued": 9}]}
    assert content_hash({**sold, "ticket_types": [{"id": "tt_1"}]}) == content_hash(
        {**event, "ticket_types": [{"id": "tt_1", "quantity_issued": 2}]}
    )
    assert content_hash(event) != content_hash({**event, "status": "sold_out"})
    order = {"object": "order", "id": "or_1", "total_orders": 1}
    assert content_hash(order) != content_hash({**order, "total_orders": 2})  # orders: whole


def test_one_change_is_one_envelope_and_two_changes_are_two(
    api: FakeAPI, make_watch: MakeWatch, clock: Clock, sink: ListSink
) -> None:
    order = api.add("or_", T0 - 30, status="completed", refund_amount=0)
    watch = make_watch(start=DAY_AGO)
    watch.run_cycle()
    order.update(refund_amount=500)  # a partial refund, seen by the lookback re-read
    clock.now += 20
    first = watch.run_cycle()
    assert (first.stored, first.updated) == (1, 1)
    clock.now += 20
    assert watch.run_cycle().updated == 0  # the same content again: nothing
    refunded = updated_key(order)
    order.update(status="cancelled", refund_amount=1500)
    clock.now += 10
    assert watch.run_cycle().updated == 1
    assert sink.keys[1:] == [refunded, updated_key(order)]
    assert sink.got[-1]["data"]["status"] == "cancelled"  # the whole record after the change
    assert sink.got[-1]["type"] == "order.updated"


def test_no_updates_keeps_new_records_only(
    api: FakeAPI, make_watch: MakeWatch, clock: Clock, sink: ListSink
) -> None:
    order = api.add("or_", T0 - 30, status="completed")
    watch = make_watch(start=DAY_AGO, updates=False)
    watch.run_cycle()
    order["status"] = "cancelled"
    clock.now += 20
    assert watch.run_cycle().updated == 0
    assert sink.keys == [f"order.created:{order['id']}"]


def test_a_void_makes_the_orders_watch_reread_that_order_once(
    api: FakeAPI, make_watch: MakeWatch, clock: Clock, sink: ListSink
) -> None:
    orders = [api.add("or_", T0 - 3600, status="completed") for _ in range(3)]
    tickets = [api.add("it_", T0 - 3600, order_id=o["id"]) for o in orders for _ in (1, 2)]
    api.add("or_", T0 - 10)  # the newest: the others are behind the lookback
    watch = make_watch(start=DAY_AGO, recheck_window=0)
    watch.run_cycle()
    for ticket in tickets[:2]:  # both tickets of the first order
        api.void(ticket["id"], int(clock.now) + 5)
    orders[0]["status"] = "cancelled"
    clock.now += 60
    assert watch.run_cycle().updated == 0  # the void scan waits for void_every
    clock.now += VOID_EVERY
    api.calls.clear()
    report = watch.run_cycle()
    assert report.updated == 1
    reads = [path for path, _ in api.calls if path.startswith("/v1/orders/")]
    assert reads == [f"/v1/orders/{orders[0]['id']}"]  # one request per changed order
    assert sink.keys[-1] == updated_key(orders[0])
    clock.now += VOID_EVERY
    api.calls.clear()
    assert watch.run_cycle().updated == 0
    assert not [path for path, _ in api.calls if path.startswith("/v1/orders/")]


def test_the_recheck_finds_a_change_no_void_revealed(
    api: FakeAPI, make_watch: MakeWatch, clock: Clock, sink: ListSink
) -> None:
    old = api.add("or_", T0 - 20 * 86_400, status="completed", refund_amount=0)
    api.add("or_", T0 - 10)
    watch = make_watch(start="all")
    watch.run_cycle()
    old["refund_amount"] = 250  # a partial refund: no void, no webhook
    for _ in range(int(RECHECK_FULL_EVERY // 60) + 1):
        clock.now += 60
        if watch.run_cycle().updated:
            break
    assert sink.keys[-1] == updated_key(old)
    assert clock.now - T0 <= RECHECK_FULL_EVERY + 60


def test_a_sweep_cut_short_resumes_after_a_restart_without_a_second_key(
    api: FakeAPI, make_watch: MakeWatch, clock: Clock, sink: ListSink, tmp_path: Path
) -> None:
    orders = [
        api.add("or_", T0 - 80_000 + i, status="completed") for i in range(RECHECK_PAGES * 100 + 50)
    ]
    api.add("or_", T0 - 10)  # the newest: the others are behind the lookback
    watch = make_watch(start=DAY_AGO, recheck_every=0)
    watch.run_cycle()
    orders[-10]["status"] = "cancelled"  # on the sweep's last pages
    orders[5]["status"] = "cancelled"  # on its first
    clock.now += RECHECK_FULL_EVERY
    first = watch.run_cycle()
    assert first.updated == 1  # the budget's pages ran out before the last page
    watch.close()  # a restart: a new Watch on the same state
    again = make_watch(start=DAY_AGO, recheck_every=0)
    clock.now += 60
    assert again.run_cycle().updated == 1
    keys = [k for k in sink.keys if k.startswith("order.updated")]
    assert sorted(keys) == sorted([updated_key(orders[5]), updated_key(orders[-10])])


def test_a_state_from_before_changes_is_hashed_not_flooded(
    api: FakeAPI, make_watch: MakeWatch, clock: Clock, sink: ListSink, tmp_path: Path
) -> None:
    same = api.add("or_", T0 - 3600, status="completed")
    changed = api.add("or_", T0 - 3500, status="completed")
    old = make_watch(start=DAY_AGO, updates=False)
    old.run_cycle()
    old.close()
    with sqlite3.connect(tmp_path / "orders.sqlite3") as conn:  # as schema 2 left it
        conn.execute("DELETE FROM content_hashes")
    changed["status"] = "cancelled"
    watch = make_watch(start=DAY_AGO, recheck_full_every=0)
    clock.now += 3600
    watch.run_cycle()
    updates = [k for k in sink.keys if k.startswith("order.updated")]
    assert updates == [updated_key(changed)]
    assert same["id"] not in "".join(updates)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    steps=st.lists(
        st.sampled_from(["sale", "refund", "cancel", "restart", "cycle", "hour"]),
        min_size=1,
        max_size=25,
    )
)
def test_every_change_that_lasts_a_sweep_reaches_the_sink_once(
    tmp_path_factory: object, steps: list[str]
) -> None:
    api, clock, sink = FakeAPI(), Clock(), ListSink()
    state = tmp_path_factory.mktemp("p") / "orders.sqlite3"  # type: ignore[attr-defined]  # pytest's factory

    def make() -> Watch:
        return Watch(
            "orders",
            sinks=[sink],
            state=state,
            key_fingerprint="fp",
            source=api,
            clock=clock,
            start=DAY_AGO,
            recheck_full_every=0,
        )

    watch, orders = make(), []
    for step in steps:
        if step == "sale":
            orders.append(api.add("or_", int(clock.now) - 1, status="completed", refund_amount=0))
        elif step == "refund" and orders:
            orders[-1]["refund_amount"] += 100
        elif step == "cancel" and orders:
            orders[0]["status"] = "cancelled"
        elif step == "restart":
            watch.close()
            watch = make()
        clock.now += 3600 if step == "hour" else 30
        watch.run_cycle()
    for _ in range(2):  # a full sweep after the last change
        clock.now += RECHECK_FULL_EVERY
        watch.run_cycle()
    watch.close()
    assert len(sink.keys) == len(set(sink.keys))  # nothing twice
    last = {e["data"]["id"]: e["data"] for e in sink.got}
    assert last == {o["id"]: o for o in orders}  # the sink ends where the API is
    contents = [(e["data"]["id"], content_hash(e["data"])) for e in sink.got]
    assert len(contents) == len(set(contents))  # no content under two keys


def test_events_are_relisted_and_only_real_changes_are_delivered(
    api: FakeAPI, make_watch: MakeWatch, clock: Clock, sink: ListSink
) -> None:
    old = api.add("ev_", T0 - 90 * 86_400, object="event", status="published", total_orders=1)
    api.add("ev_", T0 - 10, object="event", status="published")
    watch = make_watch("events", start="all")
    watch.run_cycle()
    old["total_orders"] = 7  # sales move counters: not a change
    clock.now += 300
    assert watch.run_cycle().updated == 0
    old["start"] = {"unix": T0 + 86_400}  # the event is moved
    clock.now += 60
    assert watch.run_cycle().updated == 0  # the re-list waits for recheck_every
    clock.now += 300
    report = watch.run_cycle()
    assert report.updated == 1
    assert sink.keys[-1] == f"event.updated:{old['id']}:{content_hash(old)}"
    assert sink.got[-1]["data"]["start"] == {"unix": T0 + 86_400}
