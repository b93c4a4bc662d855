"""The issued-tickets void scan is periodic: an idle cycle costs one request, and a
void is still delivered once, at the first void scan after it, restarts included.

The API documents no ``updated_at`` filter on issued tickets, so the fake API here
ignores the time filters on that list, as the real one may: a void scan then re-reads
every voided ticket, which is why it does not run every cycle.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from tests.watch.conftest import T0, Clock, ListSink, MakeWatch
from tests.watch.fakeapi import FakeAPI
from tickettailor._core.errors import UsageError
from tickettailor.watch.changes import content_hash
from tickettailor.watch.crash import set_crash_hook
from tickettailor.watch.engine import VOID_EVERY

TICKETS = "/v1/issued_tickets"


@pytest.fixture
def shop(api: FakeAPI) -> list[dict[str, Any]]:
    """250 old tickets, 230 of them voided long ago: a void scan is three pages."""
    api.ignores_time_filters = {TICKETS}
    tickets = [api.add("it_", T0 - 100_000 + i) for i in range(250)]
    for ticket in tickets[:230]:
        api.void(ticket["id"], T0 - 50_000)
    return tickets


def void_key(ticket: dict[str, Any]) -> str:
    return f"issued_ticket.updated:{ticket['id']}:{content_hash(ticket)}"


def void_scans(api: FakeAPI, since: int) -> int:
    """Requests for voided tickets since call number ``since``."""
    return sum(1 for _path, params in api.calls[since:] if params.get("status") == "voided")


class Crash(Exception):
    """Stands in for kill -9 at a crash point (the transaction in flight is lost)."""


def crash_at(point: str, nth: int) -> None:
    hits = 0

    def hook(name: str) -> None:
        nonlocal hits
        hits += name == point
        if hits == nth:
            raise Crash(point)

    set_crash_hook(hook)


@pytest.fixture(autouse=True)
def _no_crash_hook():
    yield
    set_crash_hook(None)


def test_idle_cycles_cost_one_request_between_void_scans(
    api: FakeAPI, shop: list[dict[str, Any]], make_watch: MakeWatch, clock: Clock
) -> None:
    watch = make_watch("issued-tickets", start="now")
    # The first cycle walks the creations once for an anchor id (3 pages, the time
    # filter being ignored), then scans the voids (3 pages).
    assert watch.run_cycle().requests == 6
    costs = []
    for _ in range(10):
        clock.now += 60
        costs.append(watch.run_cycle().requests)
    assert costs == [1, 1, 1, 1, 4, 1, 1, 1, 1, 4]  # a void scan every 300 s


def test_a_void_between_scans_arrives_once_at_the_next_scan_across_restarts(
    api: FakeAPI, shop: list[dict[str, Any]], make_watch: MakeWatch, clock: Clock, sink: ListSink
) -> None:
    watch = make_watch("issued-tickets", start="now")
    watch.run_cycle()  # void scan at T0
    ticket = shop[240]
    clock.now += 60
    api.void(ticket["id"], int(clock.now))
    assert watch.run_cycle().requests == 1
    watch.close()
    assert sink.got == []

    clock.now += 60  # restarted at T0 + 120: the scan time came from the state
    again = make_watch("issued-tickets", start="now")
    before = len(api.calls)
    assert again.run_cycle().requests == 1
    assert sink.got == []
    clock.now = T0 + VOID_EVERY  # the next scan is due
    report = again.run_cycle()
    assert (report.requests, report.stored, void_scans(api, before)) == (4, 1, 3)
    assert sink.keys == [void_key(ticket)]
    assert sink.got[0]["data"]["status"] == "voided"
    again.close()

    for _ in range(2):  # later scans and restarts re-read the void and deliver it no more
        clock.now += VOID_EVERY
        with make_watch("issued-tickets", start="now") as later:
            assert later.run_cycle().requests == 4
    assert sink.keys == [void_key(ticket)]


def test_a_crash_before_the_scan_commits_redoes_the_scan_after_restart(
    api: FakeAPI, shop: list[dict[str, Any]], make_watch: MakeWatch, clock: Clock, sink: ListSink
) -> None:
    watch = make_watch("issued-tickets", start="now")
    watch.run_cycle()
    ticket = shop[245]
    clock.now += 100
    api.void(ticket["id"], int(clock.now))
    clock.now = T0 + VOID_EVERY
    # Commit 1 is the creations page, 2..4 the void scan's pages: die inside the last.
    crash_at("before_position_commit", 4)
    with pytest.raises(Crash):
        watch.run_cycle()
    set_crash_hook(None)
    clock.now += 61  # the dead watcher's lease runs out
    restarted = make_watch("issued-tickets", start="now")
    before = len(api.calls)
    restarted.run_cycle()
    assert void_scans(api, before) >= 1  # not skipped: the scan time did not move
    assert sink.keys == [void_key(ticket)]
    clock.now += 60
    assert restarted.run_cycle().requests == 1  # and now it did


def test_a_crash_after_the_scan_commits_neither_skips_nor_repeats_it(
    api: FakeAPI, shop: list[dict[str, Any]], make_watch: MakeWatch, clock: Clock, sink: ListSink
) -> None:
    watch = make_watch("issued-tickets", start="now")
    watch.run_cycle()
    ticket = shop[245]
    clock.now += 100
    api.void(ticket["id"], int(clock.now))
    clock.now = T0 + VOID_EVERY
    crash_at("after_position_commit", 4)  # the void scan's last page is committed
    with pytest.raises(Crash):
        watch.run_cycle()
    set_crash_hook(None)
    assert sink.got == []  # stored in the outbox, not yet delivered
    clock.now += 61
    restarted = make_watch("issued-tickets", start="now")
    report = restarted.run_cycle()
    assert report.requests == 1  # the scan is done: not redone
    assert sink.keys == [void_key(ticket)]  # and its void is delivered from the outbox


def test_api_errors_never_move_the_scan_time_and_a_cut_scan_carries_on(
    api: FakeAPI, shop: list[dict[str, Any]], make_watch: MakeWatch, clock: Clock, sink: ListSink
) -> None:
    watch = make_watch("issued-tickets", start="now")
    watch.run_cycle()
    ticket = shop[249]  # the last voided: on the scan's last page
    clock.now += 10
    api.void(ticket["id"], int(clock.now))
    clock.now = T0 + VOID_EVERY
    api.faults = [None, None, "500"]  # creations fine, void page 1 fine, page 2 fails
    report = watch.run_cycle()
    assert "500" in (report.fetch_error or "")
    assert watch.store is not None
    assert watch.store.scanned_at("voided") == T0  # unmoved
    watch.close()
    clock.now += 1
    # Restarted with an hour between scans: the scan cut short still carries on from
    # its cursor (pages 2 and 3) at once.
    again = make_watch("issued-tickets", start="now", void_every=3600)
    before = len(api.calls)
    assert again.run_cycle().ok
    assert void_scans(api, before) == 2
    assert sink.keys == [void_key(ticket)]
    assert again.store is not None
    assert again.store.scanned_at("voided") == T0 + VOID_EVERY + 1
    assert again.store.status().scanned_at == {"voided": T0 + VOID_EVERY + 1}
    clock.now += VOID_EVERY
    assert again.run_cycle().requests == 1  # the next scan is an hour after that one


def test_voids_every_zero_scans_every_cycle_as_before(
    api: FakeAPI, shop: list[dict[str, Any]], make_watch: MakeWatch, clock: Clock, sink: ListSink
) -> None:
    watch = make_watch("issued-tickets", start="now", void_every=0)
    watch.run_cycle()
    ticket = shop[240]
    clock.now += 1
    api.void(ticket["id"], int(clock.now))
    costs = []
    for _ in range(3):
        clock.now += 1
        costs.append(watch.run_cycle().requests)
    assert costs == [4, 4, 4]
    assert sink.keys == [void_key(ticket)]  # the very next cycle, once


def test_a_clock_set_back_does_not_hold_the_void_scan_off(
    api: FakeAPI, shop: list[dict[str, Any]], make_watch: MakeWatch, clock: Clock
) -> None:
    clock.now = T0 + 86_400  # the first scan happens on a clock a day fast
    watch = make_watch("issued-tickets", start="all")
    watch.run_cycle()
    clock.now = T0  # corrected: the last scan now looks a day in the future
    before = len(api.calls)
    watch.run_cycle()
    assert void_scans(api, before) == 3
    assert watch.run_cycle().requests == 1


def test_reset_forgets_the_scan_time(
    api: FakeAPI, shop: list[dict[str, Any]], make_watch: MakeWatch, clock: Clock
) -> None:
    with make_watch("issued-tickets", start="now") as first:
        first.run_cycle()
    clock.now += 60
    before = len(api.calls)
    with make_watch("issued-tickets", start="now", reset=True) as fresh:
        fresh.run_cycle()
    assert void_scans(api, before) == 3


@pytest.mark.parametrize("bad", [-1, math.nan, math.inf])
def test_a_bad_void_interval_is_a_usage_error(make_watch: MakeWatch, bad: float) -> None:
    with pytest.raises(UsageError, match="void_every must be 0"):
        make_watch("issued-tickets", void_every=bad)
