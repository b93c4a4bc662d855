"""One set of state-store tests, run against the SQLite store and the PostgreSQL one.

Whatever the watch engine relies on (position, de-duplication, the outbox and its
dead letters, status, the fenced lease) is asserted here for both, so they cannot
drift apart; the last tests run the real engine on each store.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.watch.conftest import T0, Clock, ListSink
from tests.watch.fakeapi import FakeAPI
from tickettailor._core.errors import StateError
from tickettailor.watch import Watch
from tickettailor.watch.changes import change_record, content_hash
from tickettailor.watch.state import Position, StateStore, StoredRecord
from tickettailor.watch.store import Store

MakeStore = Callable[..., Store]


@pytest.fixture(params=["sqlite", "postgres"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def make_store(kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[MakeStore]:
    """``make_store(**open options)``: another handle on the same watch's state."""
    made: list[Store] = []
    if kind == "sqlite":

        def make(**kw: Any) -> Store:
            kw.setdefault("resource", "orders")
            kw.setdefault("key_fingerprint", "fp-a")
            store = StateStore.open(tmp_path / "s.sqlite3", **kw)
            made.append(store)
            return store

    else:
        from tickettailor.fleet.db import Db
        from tickettailor.fleet.store import PgStateStore

        dsn = request.getfixturevalue("pg_dsn")
        schema = request.getfixturevalue("fleet_schema")

        def make(**kw: Any) -> Store:
            kw.setdefault("resource", "orders")
            kw.setdefault("key_fingerprint", "fp-a")
            store = PgStateStore.open(Db.open(dsn, schema), watch="shop/orders", **kw)
            made.append(store)
            return store

    yield make
    for store in made:
        store.close()


def record(n: int, ts: int = T0) -> StoredRecord:
    envelope: Any = {
        "id": f"order.created:or_{n}",
        "type": "order.created",
        "timestamp": "2025-11-24T16:00:00Z",
        "data": {"id": f"or_{n}"},
    }
    return StoredRecord(envelope, n, ts + n)


def held(make_store: MakeStore, **kw: Any) -> Store:
    store = make_store(**kw)
    store.acquire()
    return store


def test_positions_start_once_and_move_with_their_page(make_store: MakeStore) -> None:
    store = held(make_store)
    store.init_positions([Position("orders", watermark=T0, floor=T0)])
    store.init_positions([Position("orders", watermark=1, floor=1)])  # kept: already set
    assert store.positions()["orders"].watermark == T0
    moved = Position("orders", watermark=T0 + 5, anchor="or_5", floor=T0)
    assert store.store_page([record(1), record(2)], moved, ["a", "b"], scanned_at=T0 + 1.0) == 2
    assert store.positions()["orders"] == moved
    assert store.scanned_at("orders") == T0 + 1.0


def test_a_record_is_stored_once_and_queued_once_per_sink(make_store: MakeStore) -> None:
    store = held(make_store)
    pos = Position("orders", floor=0)
    assert store.store_page([record(1), record(2)], pos, ["a", "b"]) == 2
    assert store.store_page([record(2), record(3)], pos, ["a", "b"]) == 1
    assert [p.envelope["id"] for p in store.pending("a", 10)] == [
        "order.created:or_1",
        "order.created:or_2",
        "order.created:or_3",
    ]
    assert store.pending_by_sink() == {"a": 3, "b": 3}
    assert store.backlog() == 6
    assert store.newest_record("order.created") == ("or_3", T0 + 3)
    assert store.earliest_ts() == T0 + 1


def test_outbox_delivered_retry_dead_and_requeue(make_store: MakeStore) -> None:
    clock = Clock()
    store = held(make_store, clock=clock)
    store.store_page([record(1), record(2), record(3)], Position("orders", floor=0), ["a"])
    first, second, third = store.pending("a", 10)
    store.mark_delivered("a", [first.seq])
    store.mark_retry("a", second.seq, "timeout", T0 + 60)
    clock.now += 5
    store.mark_retry("a", second.seq, "timeout again", T0 + 120)
    store.mark_dead("a", third.seq, "410 gone")
    (row,) = store.pending("a", 10)
    assert (row.seq, row.attempts, row.next_at, row.failing_since) == (
        second.seq,
        2,
        T0 + 120,
        float(T0),
    )
    assert store.dead_letters() == {"a": 1}
    (backlog,) = store.status().sinks
    assert (backlog.pending, backlog.dead, backlog.delivered) == (1, 1, 1)
    assert backlog.failing_since == float(T0)
    assert backlog.oldest_pending == "2025-11-24T16:00:00Z"
    assert store.requeue_dead(["a"]) == 1
    assert [p.seq for p in store.pending("a", 10)] == [second.seq, third.seq]
    assert store.dead_letters() == {}


def test_replay_reset_and_drop_sink(make_store: MakeStore) -> None:
    store = held(make_store)
    store.store_page([record(1), record(2)], Position("orders", floor=0), ["a"])
    store.mark_delivered("a", [p.seq for p in store.pending("a", 10)])
    assert store.replay(T0 + 2, ["a", "b"]) == 1
    assert store.pending_by_sink() == {"a": 1, "b": 1}
    assert store.drop_sink("b") == 1
    assert store.pending_by_sink() == {"a": 1}
    store.reset()
    assert store.positions() == {}
    assert store.backlog() == 0
    assert store.status().records == 0


def test_status_meta_and_notes(make_store: MakeStore) -> None:
    clock = Clock()
    store = held(make_store, clock=clock)
    store.note(error="429 too many")
    clock.now += 1
    store.note()
    store.set_meta(box_office="Shop (GBP)")
    store.set_meta(box_office=None, extra="x")
    store.set_status("webhooks:since", "1.0", keep=True)
    store.set_status("webhooks:since", "2.0", keep=True)
    status = store.status()
    assert status.last_error == "429 too many"
    assert (status.last_error_at, status.last_success_at) == (float(T0), T0 + 1.0)
    assert "box_office" not in store.meta()
    assert store.meta()["extra"] == "x"
    assert store.meta()["resource"] == "orders"
    assert store.status_value("webhooks:since") == "1.0"
    assert status.holder is not None  # this process holds it
    assert status.resource == "orders"


def test_a_second_holder_is_refused_until_release(make_store: MakeStore) -> None:
    first = held(make_store)
    second = make_store()
    with pytest.raises(StateError, match="in use by another watcher"):
        second.acquire(wait=0.3)
    first.release()
    second.acquire()
    assert second.token == 2


def test_a_holder_that_lost_its_lease_cannot_write(make_store: MakeStore) -> None:
    clock = Clock()
    first = held(make_store, clock=clock, lease_ttl=30)
    clock.now += 31  # first stalls past its lease ...
    second = held(make_store, clock=clock, lease_ttl=30)  # ... and is replaced
    for write in (
        lambda: first.mark_delivered("a", [1]),
        first.renew,
        lambda: first.store_page([record(1)], Position("orders", floor=0), ["a"]),
        lambda: first.set_status("k", "v"),
    ):
        with pytest.raises(StateError, match="lost the lease"):
            write()
    assert second.token == 2
    assert second.positions() == {}  # nothing of first's page was written


def test_every_write_renews_the_lease(make_store: MakeStore) -> None:
    clock = Clock()
    first = held(make_store, clock=clock, lease_ttl=30)
    clock.now += 20
    first.set_status("k", "v")  # a write at +20 holds the lease until +50
    clock.now += 20
    second = make_store(clock=clock, lease_ttl=30)
    with pytest.raises(StateError, match="in use by another watcher"):
        second.acquire()


def test_state_of_another_key_or_resource_is_refused(make_store: MakeStore) -> None:
    make_store()
    with pytest.raises(StateError, match="belongs to another API key"):
        make_store(key_fingerprint="fp-b")
    with pytest.raises(StateError, match="belongs to a watch of orders, not events"):
        make_store(resource="events")


def test_lease_of_a_killed_process_is_taken_at_once(
    kind: str, make_store: MakeStore, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    make_store()
    if kind == "sqlite":
        opener = (
            "from tickettailor.watch.state import StateStore\n"
            f"s = StateStore.open({str(tmp_path / 's.sqlite3')!r}, resource='orders', "
            "key_fingerprint='fp-a')\n"
        )
    else:
        dsn, schema = request.getfixturevalue("pg_dsn"), request.getfixturevalue("fleet_schema")
        opener = (
            "from tickettailor.fleet.db import Db\n"
            "from tickettailor.fleet.store import PgStateStore\n"
            f"s = PgStateStore.open(Db.open({dsn!r}, {schema!r}), watch='shop/orders', "
            "resource='orders', key_fingerprint='fp-a')\n"
        )
    script = f"import os, signal\n{opener}s.acquire()\nos.kill(os.getpid(), signal.SIGKILL)\n"
    proc = subprocess.run([sys.executable, "-c", script], check=False)
    assert proc.returncode == -9
    store = make_store()
    store.acquire()  # the holder is provably dead: no waiting for its lease to expire
    assert store.token == 2


def order(n: int, **fields: Any) -> StoredRecord:
    """Order n with ``fields`` as the state stores it when changes are watched."""
    return change_record("order.created", {"id": f"or_{n}", **fields}, T0 + n, T0 + 100)


def test_a_new_content_of_a_known_record_is_a_change_a_seen_content_is_not(
    make_store: MakeStore,
) -> None:
    store = held(make_store)
    pos = Position("orders", floor=0)
    paid, refunded = {"status": "completed"}, {"status": "completed", "refund_amount": 500}
    assert store.store_page([order(1, **paid)], pos, ["a"]) == 1  # new: its creation
    assert store.changes_stored == 0
    assert store.store_page([order(1, **paid)], pos, ["a"]) == 0  # the same content
    assert store.store_page([order(1, **refunded)], pos, ["a"]) == 1  # a new content
    assert store.changes_stored == 1
    assert store.store_page([order(1, **refunded), order(1, **paid)], pos, ["a"]) == 0  # seen
    digest = content_hash({"id": "or_1", **refunded})
    assert [p.envelope["id"] for p in store.pending("a", 10)] == [
        "order.created:or_1",
        f"order.updated:or_1:{digest}",
    ]
    change = store.pending("a", 10)[1].envelope
    assert (change["type"], change["data"]) == ("order.updated", {"id": "or_1", **refunded})
    assert store.last_hash("or_1") == digest
    assert store.last_hash("or_2") is None
    assert store.count_records("order.created", T0) == 1
    assert store.count_records("order.updated", 0) == 1
    assert store.count_records("order.created", T0 + 2) == 0


def test_one_page_of_new_changed_and_repeated_records_queues_them_in_page_order(
    make_store: MakeStore,
) -> None:
    """A page is stored in one go (the PostgreSQL store decides it from two reads):
    the outcome is the record-by-record one, in the page's order, on both stores."""
    store = held(make_store)
    pos = Position("orders", floor=0)
    store.store_page([order(1, status="completed"), order(2, status="completed")], pos, ["a"])
    page = [
        order(3, status="completed"),  # new
        order(1, status="cancelled"),  # a known record's new content: its change
        order(2, status="completed"),  # seen
        order(4, status="completed"),  # new
        order(3, status="completed"),  # repeated within the page: once
        order(1, status="refunded"),  # a second new content in the same page
    ]
    assert store.store_page(page, pos, ["a", "b"]) == 4
    assert store.changes_stored == 2
    cancelled = content_hash({"id": "or_1", "status": "cancelled"})
    refunded = content_hash({"id": "or_1", "status": "refunded"})
    expected = [
        "order.created:or_1",
        "order.created:or_2",
        "order.created:or_3",
        f"order.updated:or_1:{cancelled}",
        "order.created:or_4",
        f"order.updated:or_1:{refunded}",
    ]
    for sink in ("a", "b"):
        pending = store.pending(sink, 10)
        assert [p.envelope["id"] for p in pending][-4:] == expected[-4:]
    assert [p.envelope["id"] for p in store.pending("a", 10)] == expected
    seqs = [p.seq for p in store.pending("a", 10)]
    assert seqs == sorted(seqs)
    assert store.store_page(page, pos, ["a", "b"]) == 0  # the same page again: nothing


def test_seen_pairs_unseen_and_records_stored_before_changes_were_watched(
    make_store: MakeStore,
) -> None:
    store = held(make_store)
    pos = Position("orders", floor=0)
    store.store_page([record(1)], pos, ["a"])  # stored by a watch without changes
    assert store.store_page([order(1)], pos, ["a"]) == 0  # its content: seen (seeded)
    assert store.store_page([order(1, status="cancelled")], pos, ["a"]) == 1
    marks = [("it_1", "void:1"), ("it_2", "void:2")]
    assert store.unseen(marks) == marks
    assert store.store_page([], pos, ["a"], seen=marks[:1]) == 0
    assert store.unseen(marks) == marks[1:]
    store.reset()  # forgets the hashes too
    assert store.unseen(marks) == marks
    assert store.last_hash("or_1") is None
    assert store.store_page([order(1, status="cancelled")], pos, ["a"]) == 1
    assert [p.envelope["type"] for p in store.pending("a", 10)] == ["order.created"]


# -- the engine on either store ---------------------------------------------------------


def test_the_engine_delivers_each_order_once_on_either_store(make_store: MakeStore) -> None:
    api, clock, sink = FakeAPI(), Clock(), ListSink()
    for n in range(5):
        api.add("or_", T0 - 100 + n)

    def watch() -> Watch:
        return Watch(
            "orders",
            sinks=[sink],
            source=api,
            key_fingerprint="fp-a",
            start="all",
            clock=clock,
            open_store=lambda: make_store(clock=clock),
        )

    with watch() as first:
        report = first.run_cycle()
    assert (report.stored, report.delivered) == (5, 5)
    api.add("or_", T0 - 10)
    with watch() as again:  # a restart resumes from the stored position
        report = again.run_cycle()
        assert again.resumed
    assert (report.stored, report.delivered) == (1, 1)
    assert len(sink.keys) == len(set(sink.keys)) == 6


def test_the_engine_delivers_each_change_once_on_either_store(make_store: MakeStore) -> None:
    api, clock, sink = FakeAPI(), Clock(), ListSink()
    placed = api.add("or_", T0 - 30, status="completed", refund_amount=0)

    def watch() -> Watch:
        return Watch(
            "orders",
            sinks=[sink],
            source=api,
            key_fingerprint="fp-a",
            start=str(T0 - 86_400),
            clock=clock,
            open_store=lambda: make_store(clock=clock),
        )

    with watch() as first:
        first.run_cycle()
        placed.update(refund_amount=500)  # seen by the lookback's re-read
        clock.now += 20
        report = first.run_cycle()
    assert (report.stored, report.updated) == (1, 1)
    clock.now += 20
    with watch() as again:  # a restart: the content is known, nothing new
        assert again.run_cycle().updated == 0
    assert sink.keys == [
        f"order.created:{placed['id']}",
        f"order.updated:{placed['id']}:" + content_hash(placed),
    ]


def test_a_change_only_stream_stores_a_new_content_once_and_a_seen_one_never(
    make_store: MakeStore,
) -> None:
    """The issued tickets' void scan: its record is its change (issue 14)."""
    store = held(make_store, resource="issued-tickets")
    pos = Position("voided", floor=0)
    ticket = {"object": "issued_ticket", "id": "it_1", "created_at": T0, "updated_at": T0}
    created = change_record("issued_ticket.created", {**ticket, "status": "valid"}, T0, T0)
    voided = {**ticket, "status": "voided", "updated_at": T0 + 5}
    void = change_record("issued_ticket.updated", voided, T0 + 5, T0 + 9)
    assert void.envelope is void.change
    assert store.store_page([created], pos, ["a"]) == 1
    assert store.store_page([void], pos, ["a"]) == 1  # a new content: the change
    assert store.changes_stored == 1
    assert store.store_page([void], pos, ["a"]) == 0  # seen: never again
    seen_first = change_record("issued_ticket.created", {**voided, "id": "it_2"}, T0, T0)
    assert store.store_page([seen_first], pos, ["a"]) == 1
    again = change_record("issued_ticket.updated", {**voided, "id": "it_2"}, T0 + 5, T0 + 9)
    assert store.store_page([again], pos, ["a"]) == 0  # created with that very content
    keys = [p.envelope["id"] for p in store.pending("a", 10)]
    assert keys == [
        "issued_ticket.created:it_1",
        f"issued_ticket.updated:it_1:{content_hash(voided)}",
        "issued_ticket.created:it_2",
    ]
    assert store.pending("a", 10)[1].envelope["timestamp"] == "2025-11-24T16:00:05Z"
