"""The engine against the in-memory list API: what a user of a watch would notice."""

from __future__ import annotations

import pytest

from tests.watch.conftest import T0, Clock, ListSink, MakeWatch
from tests.watch.fakeapi import FakeAPI
from tickettailor._core.errors import UsageError
from tickettailor.watch.changes import content_hash
from tickettailor.watch.engine import VOID_EVERY


def test_start_now_emits_only_orders_created_after_start(
    api: FakeAPI, make_watch: MakeWatch, sink: ListSink, clock: Clock
) -> None:
    api.add("or_", T0 - 100)
    watch = make_watch(start="now")
    assert watch.run_cycle().ok
    assert sink.got == []
    new = api.add("or_", T0 + 5)
    clock.now += 10
    watch.run_cycle()
    assert sink.keys == [f"order.created:{new['id']}"]


def test_envelope_carries_the_record_exactly_and_a_stable_key(
    api: FakeAPI, make_watch: MakeWatch, sink: ListSink
) -> None:
    order = api.add("or_", T0 - 100, buyer_details={"name": "Zoë"}, total=1450)
    make_watch(start="all").run_cycle()
    (env,) = sink.got
    assert env == {
        "id": f"order.created:{order['id']}",
        "type": "order.created",
        "timestamp": "2025-11-24T15:58:20Z",
        "data": order,
        "seq": 1,  # the first envelope this state stored (its number in the state)
    }


def test_start_all_delivers_history_oldest_first(
    api: FakeAPI, make_watch: MakeWatch, sink: ListSink
) -> None:
    ids = [api.add("or_", T0 - 1000 + i)["id"] for i in range(250)]
    report = make_watch(start="all").run_cycle()
    assert report.fetched == 250
    assert report.requests == 3
    assert [e["data"]["id"] for e in sink.got] == ids


def test_start_date_and_start_id(api: FakeAPI, make_watch: MakeWatch, tmp_path) -> None:
    old = [api.add("or_", T0 - 86_400 * 3 + i) for i in range(3)]
    recent = [api.add("or_", T0 - 3600 + i) for i in range(3)]
    by_date = ListSink("by-date")
    make_watch(start="2025-11-24", sinks=[by_date], state=tmp_path / "a").run_cycle()
    assert [e["data"] for e in by_date.got] == recent
    by_id = ListSink("by-id")
    make_watch(start=old[1]["id"], sinks=[by_id], state=tmp_path / "b").run_cycle()
    assert [e["data"] for e in by_id.got] == [old[2], *recent]


@pytest.mark.parametrize(
    ("start", "message"),
    [
        ("yesterdayish", "--start 'yesterdayish' is not now, all, a date"),
        ("ev_12", "ids of orders start with 'or_'"),
        ("2025-13-40", "--start '2025-13-40'"),
    ],
)
def test_bad_start_is_a_clear_usage_error(
    make_watch: MakeWatch, tmp_path, start: str, message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        make_watch(start=start)
    assert list(tmp_path.iterdir()) == []  # nothing created


def test_later_run_continues_from_state_whatever_start_says(
    api: FakeAPI, make_watch: MakeWatch, sink: ListSink, clock: Clock
) -> None:
    api.add("or_", T0 - 50)
    first = make_watch(start="all")
    first.run_cycle()
    first.close()
    api.add("or_", T0 + 1)
    clock.now += 5
    make_watch(start="all").run_cycle()  # same state: continues, no repeat
    assert len(sink.keys) == len(set(sink.keys)) == 2


def test_reset_starts_over(api: FakeAPI, make_watch: MakeWatch, sink: ListSink) -> None:
    api.add("or_", T0 - 50)
    first = make_watch(start="all")
    first.run_cycle()
    first.close()
    make_watch(start="all", reset=True).run_cycle()
    assert len(sink.keys) == 2
    assert len(set(sink.keys)) == 1


def test_limit_caps_each_cycle_and_the_rest_follow_in_order(
    api: FakeAPI, make_watch: MakeWatch, sink: ListSink
) -> None:
    ids = [api.add("or_", T0 - 500 + i)["id"] for i in range(7)]
    watch = make_watch(start="all", limit=3)
    counts = []
    for _ in range(4):
        counts.append(watch.run_cycle().delivered)
    assert counts == [3, 3, 1, 0]
    assert [e["data"]["id"] for e in sink.got] == ids


def test_same_second_orders_across_a_page_boundary_arrive_once(
    api: FakeAPI, make_watch: MakeWatch, sink: ListSink, clock: Clock
) -> None:
    watch = make_watch(start="now")
    watch.run_cycle()
    batch1 = [api.add("or_", T0 + 1) for _ in range(150)]  # 1.5 pages in one second
    clock.now += 1
    watch.run_cycle()
    batch2 = [api.add("or_", T0 + 1) for _ in range(30)]  # later, same second
    clock.now += 1
    watch.run_cycle()
    watch.run_cycle()
    assert sink.keys == [f"order.created:{o['id']}" for o in batch1 + batch2]


def test_idle_cycle_costs_one_request(
    api: FakeAPI, make_watch: MakeWatch, sink: ListSink, clock: Clock
) -> None:
    for i in range(20):
        api.add("or_", T0 - 10 + i)
    watch = make_watch(start="all")
    watch.run_cycle()
    clock.now += 60
    before = len(api.calls)
    report = watch.run_cycle()
    assert report.requests == 1 == len(api.calls) - before
    assert report.stored == 0


@pytest.mark.parametrize("resource", ["check-ins", "events"])
def test_lists_without_time_filter_start_after_an_anchor(
    api: FakeAPI, make_watch: MakeWatch, sink: ListSink, clock: Clock, resource: str
) -> None:
    prefix = "ch_" if resource == "check-ins" else "ev_"
    api.ignores_time_filters = {"/v1/check_ins", "/v1/events"}  # as documented
    for i in range(450):
        api.add(prefix, T0 - 10_000 + i)
    watch = make_watch(resource, start="now")
    first = watch.run_cycle()
    assert first.requests == 5
    assert sink.got == []
    clock.now += 60
    assert watch.run_cycle().requests == 1  # then idle costs one request
    new = api.add(prefix, T0 + 30)
    clock.now += 60
    watch.run_cycle()
    assert [e["data"]["id"] for e in sink.got] == [new["id"]]


def test_issued_tickets_emit_creations_and_voids(
    api: FakeAPI, make_watch: MakeWatch, sink: ListSink, clock: Clock
) -> None:
    old = api.add("it_", T0 - 5000)
    watch = make_watch("issued-tickets", start="now")
    watch.run_cycle()
    new = api.add("it_", T0 + 2)
    api.void(old["id"], T0 + 3)
    clock.now += 10
    watch.run_cycle()
    assert sink.keys == [f"issued_ticket.created:{new['id']}"]  # the void waits for its scan
    clock.now += VOID_EVERY
    watch.run_cycle()
    watch.run_cycle()
    assert sink.keys == [
        f"issued_ticket.created:{new['id']}",
        f"issued_ticket.updated:{old['id']}:{content_hash(old)}",
    ]
    assert sink.got[1]["data"]["status"] == "voided"
    assert sink.got[1]["timestamp"] == "2025-11-24T16:00:03Z"


def test_order_cancellation_is_not_a_new_order(
    api: FakeAPI, make_watch: MakeWatch, sink: ListSink, clock: Clock
) -> None:
    order = api.add("or_", T0 - 30, status="completed")
    watch = make_watch(start="all", updates=False)  # with updates: tests/watch/test_changes.py
    watch.run_cycle()
    order["status"] = "cancelled"
    clock.now += 60
    watch.run_cycle()
    assert sink.keys == [f"order.created:{order['id']}"]


@pytest.mark.parametrize("fault", ["500", "429", "malformed"])
def test_api_errors_never_move_the_position(
    api: FakeAPI, make_watch: MakeWatch, sink: ListSink, clock: Clock, fault: str
) -> None:
    watch = make_watch(start="now")
    watch.run_cycle()
    orders = [api.add("or_", T0 + 1 + i // 80) for i in range(250)]
    api.faults = [None, fault]  # page 1 fine, page 2 fails
    clock.now += 10
    report = watch.run_cycle()
    assert report.fetch_error
    assert not report.ok
    assert watch.store is not None
    assert watch.store.status().last_error
    watch.run_cycle()
    assert sink.keys == [f"order.created:{o['id']}" for o in orders]


def test_repeated_rows_are_delivered_once(
    api: FakeAPI, make_watch: MakeWatch, sink: ListSink
) -> None:
    orders = [api.add("or_", T0 - 100 + i) for i in range(120)]
    api.faults = ["repeat", "repeat"]
    make_watch(start="all").run_cycle()
    assert sink.keys == [f"order.created:{o['id']}" for o in orders]


def test_a_list_that_does_not_move_forward_is_an_error_not_a_loop(
    make_watch: MakeWatch, sink: ListSink
) -> None:
    class Stuck:
        calls = 0

        def get_page(self, path, params):
            self.calls += 1
            rows = [{"id": "or_5", "created_at": T0}, {"id": "or_6", "created_at": T0}]
            return {"data": rows, "links": {"next": "/orders?starting_after=or_6"}}

    stuck = Stuck()
    watch = make_watch(start="all", source=stuck)
    report = watch.run_cycle()
    assert "twice" in (report.fetch_error or "")  # the paginator stops on a repeated cursor
    assert stuck.calls == 2
    assert len(sink.got) == 2


def test_sink_down_for_a_long_time_then_everything_in_order(
    api: FakeAPI, make_watch: MakeWatch, sink: ListSink, clock: Clock
) -> None:
    watch = make_watch(start="now")
    watch.run_cycle()
    sink.down = True
    orders = []
    for _hour in range(24):
        orders += [api.add("or_", int(clock.now) + 1) for _ in range(5)]
        clock.now += 3600
        report = watch.run_cycle()
        assert report.sink_errors == {"list": "ConnectionError: sink unreachable"}
    assert watch.store is not None
    (backlog,) = watch.store.status().sinks
    assert backlog.pending == 120
    assert "unreachable" in (backlog.last_error or "")
    sink.down = False
    clock.now += 3600
    watch.run_cycle()
    assert sink.keys == [f"order.created:{o['id']}" for o in orders]


def test_retry_waits_for_backoff_and_keeps_order(
    api: FakeAPI, make_watch: MakeWatch, sink: ListSink, clock: Clock, monkeypatch
) -> None:
    monkeypatch.delenv("TICKETTAILOR_TEST_MODE", raising=False)
    a, b = api.add("or_", T0 - 10), api.add("or_", T0 - 9)
    watch = make_watch(start="all")
    sink.down = True
    watch.run_cycle()
    sink.down = False
    assert watch.run_cycle().delivered == 0  # still backing off: b does not jump ahead
    clock.now += 1.0
    watch.run_cycle()
    assert sink.keys == [f"order.created:{a['id']}", f"order.created:{b['id']}"]


def test_permanent_failure_is_a_dead_letter_and_the_rest_go_on(
    api: FakeAPI, make_watch: MakeWatch, sink: ListSink
) -> None:
    a, b, c = (api.add("or_", T0 - 10 + i) for i in range(3))
    sink.permanent_for = {f"order.created:{b['id']}"}
    watch = make_watch(start="all")
    report = watch.run_cycle()
    assert (report.delivered, report.dead) == (2, 1)
    assert sink.keys == [f"order.created:{a['id']}", f"order.created:{c['id']}"]
    assert watch.store is not None
    (status,) = watch.store.status().sinks
    assert (status.dead, status.delivered, status.pending) == (1, 2, 0)
    assert "410 gone" in (status.last_error or "")


def test_every_sink_gets_every_envelope_independently(
    api: FakeAPI, make_watch: MakeWatch, clock: Clock
) -> None:
    good, flaky = ListSink("good"), ListSink("flaky", down=True)
    orders = [api.add("or_", T0 - 10 + i) for i in range(3)]
    watch = make_watch(start="all", sinks=[good, flaky])
    watch.run_cycle()
    assert len(good.got) == 3
    assert flaky.got == []
    flaky.down = False
    clock.now += 1  # past the first backoff (at most 1 s)
    watch.run_cycle()
    assert flaky.got == good.got
    assert [e["data"] for e in good.got] == orders


def test_python_callables_sync_and_async_are_sinks(api: FakeAPI, make_watch: MakeWatch) -> None:
    seen: list[str] = []
    seen_async: list[str] = []

    def on_order(envelope):
        seen.append(envelope["id"])

    async def on_order_async(envelope):
        seen_async.append(envelope["id"])

    api.add("or_", T0 - 1)
    make_watch(start="all", sinks=[on_order, on_order_async]).run_cycle()
    assert seen == seen_async
    assert len(seen) == 1


def test_replay_redelivers_with_the_original_keys(
    api: FakeAPI, make_watch: MakeWatch, sink: ListSink
) -> None:
    for i in range(5):
        api.add("or_", T0 - 100 + i * 10)
    watch = make_watch(start="all")
    watch.run_cycle()
    first = list(sink.got)
    assert watch.store is not None
    assert watch.store.replay(T0 - 80, ["list"]) == 3
    watch.run_cycle()
    assert sink.got == first + first[2:]


@pytest.mark.anyio
async def test_async_driver_runs_the_same_engine(
    api: FakeAPI, make_watch: MakeWatch, sink: ListSink
) -> None:
    orders = [api.add("or_", T0 - 10 + i) for i in range(3)]
    watch = make_watch(start="all")
    async with watch:
        first = await watch.run_cycle_async()  # each call may land on another thread
        second = await watch.run_cycle_async()
    assert (first.delivered, second.delivered) == (3, 0)
    assert [e["data"] for e in sink.got] == orders


def test_a_long_outage_stops_fetching_at_the_backlog_cap_without_losing_anything(
    api: FakeAPI, make_watch: MakeWatch, sink: ListSink, clock: Clock
) -> None:
    watch = make_watch(start="now", max_backlog=30)
    watch.run_cycle()
    sink.down = True
    orders = [api.add("or_", T0 + 1 + i // 20) for i in range(100)]
    clock.now += 10
    first = watch.run_cycle()
    assert first.stored == 100  # the page in flight is kept whole
    clock.now += 10
    assert watch.run_cycle().requests == 0  # over the cap: the outbox is not grown
    sink.down = False
    clock.now += 400
    watch.run_cycle()
    assert sink.keys == [f"order.created:{o['id']}" for o in orders]


@pytest.mark.anyio
async def test_run_async_runs_cycles_and_can_be_cancelled(
    api: FakeAPI, make_watch: MakeWatch, sink: ListSink
) -> None:
    import anyio

    api.add("or_", T0 - 10)
    watch = make_watch(start="all", lease_ttl=0.3)
    async with watch:
        await watch.run_async(every=0.01, cycles=3)
        assert len(sink.got) == 1
        with anyio.move_on_after(0.3) as scope:
            await watch.run_async(every=5)  # sleeps, renewing its lease, until cancelled
        assert scope.cancelled_caught
        api.add("or_", T0 - 5)
        assert (await watch.run_cycle_async()).delivered == 1  # the watch is intact


def test_where_the_time_filter_works_start_now_costs_one_request(
    api: FakeAPI, make_watch: MakeWatch, sink: ListSink, clock: Clock
) -> None:
    for i in range(450):
        api.add("ch_", T0 - 10_000 + i)
    watch = make_watch("check-ins", start="now")
    assert watch.run_cycle().requests == 1
    new = api.add("ch_", T0 + 30)
    clock.now += 60
    watch.run_cycle()
    assert [e["data"]["id"] for e in sink.got] == [new["id"]]


def test_a_server_ignoring_the_time_filter_still_loses_and_repeats_nothing(
    api: FakeAPI, make_watch: MakeWatch, sink: ListSink, clock: Clock
) -> None:
    api.ignores_time_filters = {"/v1/orders"}
    for i in range(150):  # history: must not be emitted although the server returns it
        api.add("or_", T0 - 500 + i)
    watch = make_watch(start="now")
    watch.run_cycle()
    new = [api.add("or_", T0 + 1) for _ in range(120)]
    clock.now += 5
    watch.run_cycle()
    clock.now += 120
    watch.run_cycle()
    assert sink.keys == [f"order.created:{o['id']}" for o in new]
