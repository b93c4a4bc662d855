"""The sandbox's outbound webhooks, observed by a real HTTP receiver on loopback.

Signatures are checked with an independent implementation of the scheme (reference
§7.4): HMAC-SHA256 over the decimal ``t`` immediately followed by the raw body bytes.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx2
import pytest
from starlette.applications import Starlette

from tests.fixtures import load_fixture
from tickettailor.sandbox.control.webhooks import webhook_routes
from tickettailor.sandbox.webhook_sender import (
    WebhookConfigError,
    WebhookSender,
    parse_subscription,
)

SECRET = "whsec-test-7f3a9c"
NOW = 1_796_000_000.0  # 2026-11-30 00:53:20 UTC


# --- an independent verifier ------------------------------------------------------


def verify(secret: str, header: str, body: bytes, now: float, tolerance: float = 300) -> bool:
    fields = dict(part.split("=", 1) for part in header.split(","))
    timestamp = int(fields["t"])
    expected = hmac.new(secret.encode(), str(timestamp).encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), fields["v1"]) and (
        abs(now - timestamp) <= tolerance
    )


def stamp(header: str) -> int:
    return int(header.split(",")[0].removeprefix("t="))


# --- a receiver on loopback and a clock the test moves -----------------------------


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic() on arrival


class Receiver:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.respond: Callable[[int], tuple[int, dict[str, str]]] = lambda _n: (200, {})
        self.hold: threading.Event | None = None
        self._cond = threading.Condition()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if receiver.hold is not None:
                    receiver.hold.wait(10)
                with receiver._cond:
                    item = Received(self.path, dict(self.headers.items()), body, time.monotonic())
                    receiver.received.append(item)
                    status, headers = receiver.respond(len(receiver.received))
                    receiver._cond.notify_all()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def wait_for(self, count: int, timeout: float = 5.0) -> list[Received]:
        with self._cond:
            assert self._cond.wait_for(lambda: len(self.received) >= count, timeout), (
                f"expected {count} deliveries, got {len(self.received)}"
            )
            return list(self.received)

    def close(self) -> None:
        if self.hold is not None:
            self.hold.set()
        self.server.shutdown()
        self.server.server_close()


class FakeClock:
    def __init__(self, now: float = NOW) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def make_sender() -> Iterator[Callable[..., WebhookSender]]:
    senders: list[WebhookSender] = []

    def make(**options: Any) -> WebhookSender:
        sender = WebhookSender(poll=0.02, timeout=5.0, **options)
        senders.append(sender)
        return sender

    yield make
    for sender in senders:
        sender.close()


def advance(sender: WebhookSender, clock: FakeClock, to_offset: float, start: float) -> None:
    clock.now = start + to_offset
    sender.wake()
    assert sender.wait_idle(5.0)


ORDER_URL = "https://api.tickettailor.com/v1/orders/or_81118285"


# --- body, escaping and signature --------------------------------------------------


def test_body_is_byte_exact_and_signature_verifies_independently(
    receiver: Receiver, clock: FakeClock, make_sender: Callable[..., WebhookSender]
) -> None:
    sender = make_sender(clock=clock)
    sender.subscribe(receiver.url, secret=SECRET)
    payload = {
        "object": "order",
        "id": "or_81118285",
        "note": 'Fish & Chips <b>café</b> ’ 🎟 "q"\\\n\t/',
        "total": 1450,
        "revenue": 464.5,
        "big": 1e20,
        "refunded": "false",
        "flag": True,
        "txn_id": None,
        "items": [1, "a/b"],
        "empty": {},
    }
    [delivery_id] = sender.emit("order.created", ORDER_URL, payload)
    [got] = receiver.wait_for(1)

    expected = (
        b'{"id":"wh_1","created_at":"2026-11-30 00:53:20","event":"ORDER.CREATED",'
        b'"resource_url":"https:\\/\\/api.tickettailor.com\\/v1\\/orders\\/or_81118285",'
        b'"payload":{"object":"order","id":"or_81118285",'
        b'"note":"Fish & Chips <b>caf\\u00e9<\\/b> \\u2019 \\ud83c\\udf9f \\"q\\"\\\\\\n\\t\\/",'
        b'"total":1450,"revenue":464.5,"big":1.0e+20,"refunded":"false","flag":true,'
        b'"txn_id":null,"items":[1,"a\\/b"],"empty":{}}}'
    )
    assert delivery_id == "wh_1"
    assert got.body == expected
    assert json.loads(got.body)["payload"]["note"] == payload["note"]
    assert got.headers["Content-Type"] == "application/json"
    header = got.headers["Tickettailor-Webhook-Signature"]
    assert header.startswith(f"t={int(NOW)},v1=")
    assert len(header.split("v1=")[1]) == 64
    assert verify(SECRET, header, got.body, now=NOW)
    assert not verify("another-secret", header, got.body, now=NOW)
    assert not verify(SECRET, header, got.body.replace(b"\\/", b"/"), now=NOW)


def test_real_fixture_payload_keeps_its_shape_and_slashes(
    receiver: Receiver, make_sender: Callable[..., WebhookSender]
) -> None:
    envelope = load_fixture("synth_webhook_event_created_envelope")
    sender = make_sender()
    sender.subscribe(receiver.url, ["EVENT.CREATED"], secret=SECRET)
    sender.emit("EVENT.CREATED", envelope["resource_url"], envelope["payload"])
    [got] = receiver.wait_for(1)

    assert list(json.loads(got.body)) == ["id", "created_at", "event", "resource_url", "payload"]
    assert json.loads(got.body)["payload"] == envelope["payload"]
    assert (
        b'"resource_url":"https:\\/\\/api.tickettailor.com\\/v1\\/events\\/ev_5943073"' in got.body
    )
    assert b"Wes Anderson\\u2019s" in got.body
    assert b"The coolest cinema vibes" in got.body
    assert b"\n" not in got.body
    assert verify(SECRET, got.headers["Tickettailor-Webhook-Signature"], got.body, time.time())


def test_no_signature_header_without_secret_and_events_filtered(
    receiver: Receiver, make_sender: Callable[..., WebhookSender]
) -> None:
    sender = make_sender()
    sender.add_subscription(parse_subscription(receiver.url + "#order.created"))
    sender.subscribe(receiver.url + "?all=1")
    first = sender.emit("ORDER.CREATED", ORDER_URL, {"id": "or_1"})
    second = sender.emit("ISSUED_TICKET.CREATED", ORDER_URL, {"id": "it_1"})
    received = receiver.wait_for(3)

    assert first == ["wh_1", "wh_2"]
    assert second == ["wh_3"]  # only the unfiltered subscription wants tickets
    assert all("Tickettailor-Webhook-Signature" not in r.headers for r in received)
    assert sorted(json.loads(r.body)["id"] for r in received) == ["wh_1", "wh_2", "wh_3"]


# --- retries -----------------------------------------------------------------------


def test_full_schedule_is_n_to_the_fourth_with_same_envelope_and_fresh_t(
    receiver: Receiver, clock: FakeClock, make_sender: Callable[..., WebhookSender]
) -> None:
    receiver.respond = lambda _n: (503, {})
    sender = make_sender(clock=clock, disable_after=None)
    sender.subscribe(receiver.url, secret=SECRET)
    sender.emit("ORDER.UPDATED", ORDER_URL, {"id": "or_1", "status": "cancelled"})
    receiver.wait_for(1)

    for attempt in range(2, 23):
        advance(sender, clock, attempt**4 - 1, NOW)  # one second early: nothing yet
        assert len(receiver.received) == attempt - 1, f"attempt {attempt} went out early"
        advance(sender, clock, attempt**4, NOW)
        receiver.wait_for(attempt)

    advance(sender, clock, 30 * 86400, NOW)  # long after: no 23rd attempt
    assert len(receiver.received) == 22
    bodies = {r.body for r in receiver.received}
    assert len(bodies) == 1  # same id and created_at on every retry
    stamps = [stamp(r.headers["Tickettailor-Webhook-Signature"]) for r in receiver.received]
    assert [s - int(NOW) for s in stamps] == [0] + [n**4 for n in range(2, 23)]
    assert all(
        verify(SECRET, r.headers["Tickettailor-Webhook-Signature"], r.body, now=stamp)
        for r, stamp in zip(receiver.received, stamps, strict=True)
    )
    [log] = sender.deliveries()
    assert (log["state"], log["attempts"], log["last_status"]) == ("failed", 22, 503)


def test_scaled_schedule_in_real_time(
    receiver: Receiver, make_sender: Callable[..., WebhookSender]
) -> None:
    receiver.respond = lambda n: (500, {}) if n < 5 else (204, {})
    scale = 0.002  # attempt n at n**4 * 2 ms: 32, 162, 512, 1250 ms
    sender = make_sender(time_scale=scale)
    sender.subscribe(receiver.url)
    emitted = time.monotonic()
    sender.emit("ORDER.CREATED", ORDER_URL, {"id": "or_1"})
    received = receiver.wait_for(5)

    for attempt, got in enumerate(received[1:], start=2):
        due = attempt**4 * scale
        assert got.at - emitted >= due, f"attempt {attempt} came early"  # never early
        assert got.at - received[0].at <= due + 1.0, f"attempt {attempt} came far too late"
    assert sender.wait_idle()
    [log] = sender.deliveries()
    assert (log["state"], log["attempts"], log["last_status"]) == ("delivered", 5, 204)


def test_redirects_and_network_errors_are_failures_and_retried(
    receiver: Receiver, clock: FakeClock, make_sender: Callable[..., WebhookSender]
) -> None:
    receiver.respond = lambda n: (302, {"Location": "/elsewhere"}) if n == 1 else (200, {})
    with socket.socket() as probe:  # a port with nobody listening
        probe.bind(("127.0.0.1", 0))
        dead_url = f"http://127.0.0.1:{probe.getsockname()[1]}/hook"
    sender = make_sender(clock=clock, disable_after=None)
    sender.subscribe(receiver.url)
    sender.subscribe(dead_url)
    sender.emit("ORDER.CREATED", ORDER_URL, {"id": "or_1"})
    receiver.wait_for(1)
    assert sender.wait_idle()

    logs = {log["url"]: log for log in sender.deliveries()}
    assert logs[receiver.url]["last_status"] == 302
    assert logs[dead_url]["last_status"] == "ConnectError"
    assert all(log["state"] == "pending" for log in logs.values())
    advance(sender, clock, 16, NOW)
    receiver.wait_for(2)
    assert [r.path for r in receiver.received] == ["/hook", "/hook"]  # never followed
    logs = {log["url"]: log for log in sender.deliveries()}
    assert (logs[receiver.url]["state"], logs[receiver.url]["attempts"]) == ("delivered", 2)
    assert (logs[dead_url]["state"], logs[dead_url]["attempts"]) == ("pending", 2)
    assert logs[dead_url]["next_attempt_at"] == NOW + 81


def test_subscription_disabled_after_continued_failure_until_enabled(
    receiver: Receiver, clock: FakeClock, make_sender: Callable[..., WebhookSender]
) -> None:
    receiver.respond = lambda n: (500, {}) if n <= 4 else (200, {})
    sender = make_sender(clock=clock, disable_after=100)
    [sub] = [sender.subscribe(receiver.url)]
    sender.emit("ORDER.CREATED", ORDER_URL, {"id": "or_1"})
    receiver.wait_for(1)
    for offset in (16, 81, 256):  # failing for 256 s >= 100 s: disabled at the 4th
        advance(sender, clock, offset, NOW)
    receiver.wait_for(4)
    advance(sender, clock, 10_000, NOW)

    assert len(receiver.received) == 4
    assert sender.deliveries()[0]["state"] == "abandoned"
    assert sender.subscriptions()[0].describe()["enabled"] is False
    assert sender.emit("ORDER.CREATED", ORDER_URL, {"id": "or_2"}) == []

    sender.enable(sub.id)
    assert sender.emit("ORDER.CREATED", ORDER_URL, {"id": "or_3"}) == ["wh_2"]
    assert json.loads(receiver.wait_for(5)[4].body)["payload"] == {"id": "or_3"}


# --- test hooks --------------------------------------------------------------------


def test_duplicate_and_stale_signature_hooks(
    receiver: Receiver, clock: FakeClock, make_sender: Callable[..., WebhookSender]
) -> None:
    sender = make_sender(clock=clock)
    sender.subscribe(receiver.url, secret=SECRET)
    [delivery_id] = sender.emit("ORDER.CREATED", ORDER_URL, {"id": "or_1"})
    receiver.wait_for(1)
    clock.now += 30
    sender.resend(delivery_id)
    duplicate = receiver.wait_for(2)[1]
    sender.resend(delivery_id, stale_seconds=600)
    stale = receiver.wait_for(3)[2]

    original = receiver.received[0]
    assert duplicate.body == stale.body == original.body
    dup_header = duplicate.headers["Tickettailor-Webhook-Signature"]
    stale_header = stale.headers["Tickettailor-Webhook-Signature"]
    assert dup_header.startswith(f"t={int(NOW) + 30},")
    assert stale_header.startswith(f"t={int(NOW) + 30 - 600},")
    assert verify(SECRET, dup_header, duplicate.body, now=clock.now)
    assert not verify(SECRET, stale_header, stale.body, now=clock.now)  # too old
    assert verify(SECRET, stale_header, stale.body, now=clock.now, tolerance=10**6)
    assert sender.wait_idle()
    [log] = sender.deliveries()
    assert (log["state"], log["attempts"], log["extra_sends"]) == ("delivered", 1, 2)


def test_emit_returns_while_the_receiver_is_stuck_and_close_is_clean(
    receiver: Receiver, make_sender: Callable[..., WebhookSender]
) -> None:
    receiver.hold = threading.Event()
    sender = make_sender()
    sender.subscribe(receiver.url, secret=SECRET)
    ids = [sender.emit("ORDER.CREATED", ORDER_URL, {"id": f"or_{n}"})[0] for n in range(10)]

    assert ids == [f"wh_{n}" for n in range(1, 11)]  # all queued while the receiver hangs
    assert {log["state"] for log in sender.deliveries()} == {"pending"}
    receiver.hold.set()
    receiver.wait_for(10)
    assert sender.wait_idle()
    assert {log["state"] for log in sender.deliveries()} == {"delivered"}
    assert sender.close() == 0
    assert sender.emit("ORDER.CREATED", ORDER_URL, {"id": "late"}) == []
    assert sender.close() == 0  # twice is fine


def test_close_drops_scheduled_retries(
    receiver: Receiver, make_sender: Callable[..., WebhookSender]
) -> None:
    receiver.respond = lambda _n: (500, {})
    sender = make_sender()
    sender.subscribe(receiver.url)
    sender.emit("ORDER.CREATED", ORDER_URL, {"id": "or_1"})
    receiver.wait_for(1)
    assert sender.wait_idle()

    assert sender.close() == 1  # the retry due in 16 s is dropped, not waited for
    assert sender.deliveries()[0]["state"] == "abandoned"


# --- configuration and the control API ---------------------------------------------


def test_cli_form_parsing_and_clear_errors() -> None:
    sub = parse_subscription(
        "http://127.0.0.1:9000/h#order.created, ISSUED_TICKET.UPDATED", secret=SECRET
    )
    assert sub.url == "http://127.0.0.1:9000/h"
    assert sub.events == {"ORDER.CREATED", "ISSUED_TICKET.UPDATED"}
    assert parse_subscription("https://example.test/h").events is None
    assert SECRET not in repr(sub)
    assert SECRET not in json.dumps(sub.describe())

    with pytest.raises(WebhookConfigError, match=r"unknown webhook event ORDER\.REFUNDED"):
        parse_subscription("http://h/x#ORDER.REFUNDED")
    with pytest.raises(WebhookConfigError, match=r"not an absolute http\(s\) URL"):
        parse_subscription("127.0.0.1:9000/hook")
    with pytest.raises(WebhookConfigError, match="time_scale"):
        WebhookSender(time_scale=0)


def test_passwords_in_urls_are_hidden_from_the_log(
    make_sender: Callable[..., WebhookSender],
) -> None:
    sender = make_sender()
    sub = sender.subscribe("http://user:hunter2@127.0.0.1:1/hook", secret=SECRET)
    assert sub.describe()["url"] == "http://user:***@127.0.0.1:1/hook"


def test_control_routes(receiver: Receiver, make_sender: Callable[..., WebhookSender]) -> None:
    sender = make_sender()
    app = Starlette(routes=webhook_routes(sender))

    async def scenario() -> list[httpx2.Response]:
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://sandbox") as client:
            created = await client.post(
                "/_sandbox/webhooks",
                json={"url": receiver.url, "events": "ORDER.CREATED", "secret": SECRET},
            )
            bad = await client.post("/_sandbox/webhooks", json={"url": "nope"})
            not_json = await client.post("/_sandbox/webhooks", content=b"{")
            sender.emit("ORDER.CREATED", ORDER_URL, {"id": "or_1"})
            receiver.wait_for(1)
            resent = await client.post(
                "/_sandbox/webhooks/deliveries/wh_1/resend", json={"stale_seconds": 900}
            )
            missing = await client.post("/_sandbox/webhooks/deliveries/wh_9/resend")
            receiver.wait_for(2)
            listing = await client.get("/_sandbox/webhooks")
            enabled = await client.post("/_sandbox/webhooks/sub_1/enable")
            deleted = await client.delete("/_sandbox/webhooks/sub_1")
            gone = await client.delete("/_sandbox/webhooks/sub_1")
            return [created, bad, not_json, resent, missing, listing, enabled, deleted, gone]

    created, bad, not_json, resent, missing, listing, enabled, deleted, gone = asyncio.run(
        scenario()
    )
    assert created.status_code == 201
    assert created.json() == {
        "id": "sub_1",
        "url": receiver.url,
        "events": ["ORDER.CREATED"],
        "signed": True,
        "enabled": True,
    }
    assert bad.status_code == 400
    assert "absolute http(s) URL" in bad.json()["message"]
    assert not_json.status_code == 400
    assert "not valid JSON" in not_json.json()["message"]
    assert resent.status_code == 202
    assert missing.status_code == 404
    stale = receiver.received[1].headers["Tickettailor-Webhook-Signature"]
    assert not verify(SECRET, stale, receiver.received[1].body, now=time.time())
    body = listing.json()
    assert [d["id"] for d in body["deliveries"]] == ["wh_1"]
    assert body["deliveries"][0]["extra_sends"] == 1
    assert SECRET not in listing.text
    assert enabled.status_code == 200
    assert deleted.json() == {"id": "sub_1", "deleted": "true"}
    assert gone.status_code == 404


def test_log_keeps_the_newest_finished_and_every_pending_delivery(
    receiver: Receiver, clock: FakeClock, make_sender: Callable[..., WebhookSender]
) -> None:
    receiver.respond = lambda n: (500, {}) if n == 1 else (200, {})
    sender = make_sender(clock=clock, log_size=3)
    sender.subscribe(receiver.url)
    sender.emit("ORDER.CREATED", ORDER_URL, {"id": "or_0"})  # fails once: stays pending
    receiver.wait_for(1)
    for n in range(1, 6):
        sender.emit("ORDER.CREATED", ORDER_URL, {"id": f"or_{n}"})
    receiver.wait_for(6)
    assert sender.wait_idle()
    assert len(sender.deliveries()) == 6  # trimmed on the next emit, never mid-flight
    sender.emit("ORDER.CREATED", ORDER_URL, {"id": "or_6"})
    receiver.wait_for(7)
    assert sender.wait_idle()

    assert [(d["id"], d["state"]) for d in sender.deliveries()] == [
        ("wh_1", "pending"),  # still retrying: never dropped
        ("wh_6", "delivered"),
        ("wh_7", "delivered"),
    ]
