"""The re-check of the orders of events not ended yet that were created before
``--recheck-window`` (issue 14): paid from the re-check's budget a page at a time, its
progress kept in the state so a restart resumes it, each change delivered once; the
orders of events that have ended are not read."""

from __future__ import annotations

from tests.watch.conftest import T0, Clock, ListSink, MakeWatch
from tests.watch.fakeapi import FakeAPI
from tickettailor.watch import Watch
from tickettailor.watch.changes import content_hash
from tickettailor.watch.engine import RECHECK_FULL_EVERY

OLD = T0 - 40 * 86_400  # before the default 30-day window


def event(api: FakeAPI, ends: int) -> str:
    return str(api.add("ev_", OLD - 86_400, end_at=ends, end={"unix": ends})["id"])


def test_old_orders_of_live_events_are_rechecked_across_a_restart(
    api: FakeAPI, make_watch: MakeWatch, clock: Clock, sink: ListSink
) -> None:
    live, ended = event(api, T0 + 7 * 86_400), event(api, T0 - 35 * 86_400)
    orders = [api.add("or_", OLD + i, event_id=live, refund_amount=0) for i in range(250)]
    past = [api.add("or_", OLD + 300 + i, event_id=ended, refund_amount=0) for i in range(20)]
    api.add("or_", T0 - 10)  # the newest: the others lie behind the lookback

    def make() -> Watch:
        watch = make_watch(start=str(T0 - 60 * 86_400))
        watch.recheck_pages = 2  # a small budget: the sweep takes several cycles
        return watch

    watch = make()
    assert watch.run_cycle().stored == 271
    for order in [*orders, *past]:
        order["refund_amount"] = 100  # partial refunds: no void, no webhook
    clock.now += RECHECK_FULL_EVERY
    for cycle in range(8):
        if cycle == 2:  # the sweep is under way: a restart resumes it
            watch.close()
            watch = make()
        clock.now += 60
        assert watch.run_cycle().ok
    watch.close()
    updates = [e for e in sink.got if e["type"] == "order.updated"]
    assert sorted(e["data"]["id"] for e in updates) == sorted(o["id"] for o in orders)
    assert all(e["id"] == f"order.updated:{o['id']}:{content_hash(o)}" for e, o in zip(
        sorted(updates, key=lambda e: e["data"]["id"]), sorted(orders, key=lambda o: o["id"]),
        strict=True))  # fmt: skip
    asked = [p for path, p in api.calls if path == "/v1/orders" and "event_id" in p]
    assert {p["event_id"] for p in asked} == {live}  # the ended event's orders: never read
    assert len(asked) <= 4  # three pages, one perhaps read again after the restart
