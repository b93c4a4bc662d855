"""The re-list of the recent window that catches back-dated records: what it finds, when
it runs, and what it costs in requests (the fake API counts them)."""

from __future__ import annotations

from tests.watch.conftest import T0, Clock, ListSink, MakeWatch
from tests.watch.fakeapi import FakeAPI
from tickettailor.watch.engine import RECHECK_EVERY, RECHECK_FULL_EVERY, RECHECK_PAGES

DAY_AGO = str(T0 - 86_400)  # --start as unix seconds: the fake clock's "-1d"


def test_back_dated_orders_are_found_by_the_next_rechecks(
    api: FakeAPI, make_watch: MakeWatch, clock: Clock, sink: ListSink
) -> None:
    api.add("or_", T0 - 5)
    watch = make_watch(start=DAY_AGO)
    assert watch.run_cycle().stored == 1
    near = api.add("or_", T0 - 1800)  # a new id, created half an hour before the newest
    far = api.add("or_", T0 - 7200)  # and one two hours before
    clock.now += 30
    quiet = watch.run_cycle()
    assert quiet.stored == 0  # beyond the lookback: the main scan cannot see them
    assert quiet.requests == 1  # and no recheck is due yet
    clock.now += RECHECK_EVERY
    found = watch.run_cycle()
    assert (found.stored, found.backdated) == (1, 1)  # the last hour, every 300 s
    assert sink.keys[-1] == f"order.created:{near['id']}"
    clock.now += RECHECK_FULL_EVERY
    whole = watch.run_cycle()
    assert (whole.stored, whole.backdated) == (1, 1)  # the whole day, once an hour
    assert sink.keys[-1] == f"order.created:{far['id']}"
    clock.now += RECHECK_FULL_EVERY
    again = watch.run_cycle()
    assert (again.stored, again.backdated) == (0, 0)  # found once, never twice


def test_recheck_cost_per_cycle_over_an_hour(
    api: FakeAPI, make_watch: MakeWatch, clock: Clock
) -> None:
    for i in range(250):  # 250 orders over the last day
        api.add("or_", T0 - 80_000 + i * 300)
    watch = make_watch(start=DAY_AGO, lookback=60)
    watch.run_cycle()
    requests = []
    for _ in range(60):  # an hour of cycles a minute apart, an order sold in each
        clock.now += 60
        api.add("or_", int(clock.now) - 1)
        requests.append(watch.run_cycle().requests)
    # A cycle costs one request; every 300 s the re-list of the last hour (under 100
    # orders) adds one page and the void scan (changes: tickettailor.watch.recheck)
    # one, and once an hour the whole day (309 orders) adds four and the list of events
    # not ended yet one (none here: no order of theirs to re-list).
    assert sorted(requests) == [1] * 48 + [3] * 11 + [7]
    assert requests[-1] == 7


def test_a_long_window_is_relisted_a_few_pages_per_cycle(
    api: FakeAPI, make_watch: MakeWatch, clock: Clock, sink: ListSink
) -> None:
    for i in range(RECHECK_PAGES * 100 + 150):
        api.add("or_", T0 - 50_000 + i * 10)
    watch = make_watch(start=DAY_AGO, recheck_every=0)
    watch.run_cycle()
    late = api.add("or_", T0 - 40_000)  # back-dated far, found on the last pages
    clock.now += RECHECK_FULL_EVERY
    first = watch.run_cycle()
    assert first.requests == 2 + RECHECK_PAGES  # main scan, void scan, capped re-list
    assert first.backdated == 0
    clock.now += 60
    second = watch.run_cycle()
    assert second.backdated == 1
    assert sink.keys.count(f"order.created:{late['id']}") == 1


def test_recheck_window_zero_turns_it_off_and_records_before_the_start_stay_out(
    api: FakeAPI, make_watch: MakeWatch, clock: Clock, sink: ListSink
) -> None:
    api.add("or_", T0 - 5)
    off = make_watch(start="now", recheck_window=0, recheck_every=0)
    off.run_cycle()
    api.add("or_", T0 - 3600)  # before --start now: never delivered
    clock.now += 60
    assert off.run_cycle().requests == 1
    off.close()
    on = make_watch(start="now", recheck_every=0)
    clock.now += 60
    assert on.run_cycle().backdated == 0
    assert sink.keys == []
