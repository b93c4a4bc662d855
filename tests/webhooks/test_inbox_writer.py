"""The receiver's fast paths keep its promises: the feeder's marks share the
deliveries' commit, and a body parsed by the receiver is reused only for those bytes."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.webhooks.conftest import SECRET
from tickettailor.sinks import JsonlSink
from tickettailor.watch.state import StateStore
from tickettailor.webhooks import receiver, sign
from tickettailor.webhooks.events import parse_delivery
from tickettailor.webhooks.feeder import Feeder, Target
from tickettailor.webhooks.inbox import Inbox, NewDelivery
from tickettailor.webhooks.receiver import InboxWriter, ReceiverSettings, create_app
from tickettailor.webhooks.signature import SIGNATURE_HEADER


def _body(order_id: str, delivery_id: str = "wh_1") -> bytes:
    payload = {"object": "order", "id": order_id, "created_at": 1_764_450_000, "total": 100}
    delivery = {
        "id": delivery_id,
        "created_at": "2026-11-29 12:00:00",
        "event": "ORDER.CREATED",
        "resource_url": f"https://api.tickettailor.com/v1/orders/{order_id}",
        "payload": payload,
    }
    return json.dumps(delivery).encode()


def _feeder(tmp_path: Path, inbox: Inbox) -> tuple[Feeder, StateStore, Path]:
    store = StateStore.open(tmp_path / "orders.sqlite3", resource="orders", key_fingerprint="fp")
    store.acquire()
    out = tmp_path / "out.jsonl"
    return Feeder(inbox, {"orders": Target(store, [JsonlSink(out)])}), store, out


def test_the_feeders_marks_are_committed_with_the_next_deliveries(tmp_path: Path) -> None:
    inbox = Inbox.open(tmp_path / "webhooks.sqlite3")
    commits: list[tuple[int, int]] = []  # (deliveries, changes) per transaction
    add = inbox.add

    def spy(deliveries: Any, then: Any = ()) -> list[bool]:
        commits.append((len(deliveries), len(then)))
        return add(deliveries, then)

    inbox.add = spy  # type: ignore[method-assign]  # counting the writer's transactions
    writer = InboxWriter(inbox)
    try:
        assert writer.submit(NewDelivery("wh_1", "ORDER.CREATED", "orders", b"{}")).result(5)
        (row,) = inbox.pending(["orders"])
        marker = threading.Thread(target=inbox.mark_forwarded, args=([row.seq],))
        marker.start()  # the feeder's thread: it waits for the writer's commit
        assert writer.submit(NewDelivery("wh_2", "ORDER.CREATED", "orders", b"{}")).result(5)
        marker.join(5)
        assert not marker.is_alive()
        assert inbox.counts() == {"forwarded": 1, "pending": 1}
        # The mark waited for a delivery and shared its commit, or went alone after
        # the short linger: never a second writer on the file.
        assert commits[0] == (1, 0)
        assert commits[1:] in ([(1, 1)], [(0, 1), (1, 0)])
    finally:
        writer.close()
        inbox.close()


def test_a_body_the_receiver_parsed_is_reused_only_for_the_same_bytes(tmp_path: Path) -> None:
    inbox = Inbox.open(tmp_path / "webhooks.sqlite3")
    feeder, store, out = _feeder(tmp_path, inbox)
    stored, other = _body("or_1"), _body("or_2")
    inbox.add([NewDelivery("wh_1", "ORDER.CREATED", "orders", stored)])
    # Another body came with the same delivery id (a duplicate answered from the
    # inbox): what it parsed must not stand in for the stored row.
    inbox.parsed["wh_1"] = (other, parse_delivery(other))
    assert feeder.forward() == 1
    feeder.relay()
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == [
        "order.created:or_1"
    ]
    assert inbox.parsed == {}
    store.close()
    inbox.close()


def test_deliveries_still_being_checked_share_the_commit_and_a_lone_one_never_waits(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(receiver, "JOIN", 5.0)  # long enough to tell waiting from not
    inbox = Inbox.open(tmp_path / "webhooks.sqlite3")
    commits: list[int] = []
    add = inbox.add

    def spy(deliveries: Any, then: Any = ()) -> list[bool]:
        commits.append(len(deliveries))
        return add(deliveries, then)

    inbox.add = spy  # type: ignore[method-assign]  # counting the writer's transactions
    writer = InboxWriter(inbox)
    try:
        # Nothing else arriving (concurrency 1): stored at once, alone.
        start = time.monotonic()
        assert writer.submit(NewDelivery("wh_1", "ORDER.CREATED", "orders", b"{}")).result(5)
        assert time.monotonic() - start < 2.5
        # One more being read and checked on the event loop: the writer waits for it.
        writer.arriving = 1
        first = writer.submit(NewDelivery("wh_2", "ORDER.CREATED", "orders", b"{}"))
        assert not first.done()
        writer.arriving = 0
        second = writer.submit(NewDelivery("wh_3", "ORDER.CREATED", "orders", b"{}"))
        assert first.result(2.5)
        assert second.result(2.5)
        assert commits == [1, 2]
    finally:
        writer.close()
        inbox.close()


def test_the_receiver_counts_only_deliveries_on_their_way_to_the_writer(
    tmp_path: Path,
) -> None:
    inbox = Inbox.open(tmp_path / "webhooks.sqlite3")
    writer = InboxWriter(inbox)
    app = create_app(ReceiverSettings(secret=SECRET), writer)
    body = _body("or_1")
    signed = {SIGNATURE_HEADER: sign(SECRET, int(time.time()), body)}

    async def post(content: bytes, headers: dict[str, str]) -> int:
        transport = httpx2.ASGITransport(app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://rx") as http:
            return (await http.post("/tickettailor", content=content, headers=headers)).status_code

    try:
        assert asyncio.run(post(body, signed)) == 200
        assert asyncio.run(post(b"{}", signed)) == 401  # not what was signed
        assert asyncio.run(post(body, {})) == 401  # no signature
        assert writer.arriving == 0  # or a later delivery would wait JOIN for nothing
    finally:
        writer.close()
        inbox.close()
