"""The receiver end to end: the sandbox's sender signs and retries, the receiver
verifies, stores, de-duplicates and delivers to a JSON-lines sink."""

from __future__ import annotations

import logging
import socket
import time
from concurrent.futures import Future
from pathlib import Path
from typing import Any

import httpx2
import pytest
from typer.testing import CliRunner

from tests.conftest import TEST_KEY
from tests.webhooks.conftest import SECRET, resource_url, run_receiver, wait_for
from tickettailor import Client, StateError
from tickettailor.cli.main import app
from tickettailor.sandbox import RunningSandbox, SandboxConfig, create_app, serve_in_thread
from tickettailor.sandbox.faults import FaultInjector, parse_faults
from tickettailor.sandbox.webhook_sender import WebhookSender, encode_json, sign
from tickettailor.watch import Watch, default_state_path, fingerprint
from tickettailor.watch.changes import content_hash
from tickettailor.webhooks.inbox import Inbox, NewDelivery
from tickettailor.webhooks.receiver import InboxWriter


def _post(url: str, body: bytes, header: str | None, **headers: str) -> httpx2.Response:
    if header is not None:
        headers["Tickettailor-Webhook-Signature"] = header
    return httpx2.post(url, content=body, headers={"Content-Type": "application/json", **headers})


def _body(event: str, payload: dict[str, Any], delivery_id: str = "wh_900") -> bytes:
    envelope = {
        "id": delivery_id,
        "created_at": "2026-11-29 12:00:00",
        "event": event,
        "resource_url": f"https://api.tickettailor.com/v1/orders/{payload.get('id', 'or_1')}",
        "payload": payload,
    }
    return encode_json(envelope).encode("ascii")


def test_sandbox_deliveries_reach_the_sink_once_as_polling_envelopes(
    tmp_path: Path,
    sender: WebhookSender,
    sandbox: RunningSandbox,
    api_orders: list[Any],
    client: Client,
) -> None:
    orders = api_orders[-3:]
    ticket = next(t.raw for t in client.issued_tickets.list() if t.raw["status"] == "valid")
    voided = next(t.raw for t in client.issued_tickets.list() if t.raw["status"] == "voided")
    event = next(iter(client.events.list())).raw
    with run_receiver(tmp_path) as rx:
        sender.subscribe(rx.url, secret=SECRET)
        for order in orders:
            sender.emit("ORDER.CREATED", resource_url(sandbox, "orders", order), order)
        sender.emit(
            "ISSUED_TICKET.CREATED", resource_url(sandbox, "issued_tickets", ticket), ticket
        )
        sender.emit(
            "ISSUED_TICKET.UPDATED", resource_url(sandbox, "issued_tickets", voided), voided
        )
        sender.emit("EVENT.CREATED", resource_url(sandbox, "events", event), event)
        keys = rx.wait_keys(6)
        assert sender.wait_idle()
    assert all(d["state"] == "delivered" and d["attempts"] == 1 for d in sender.deliveries())
    assert sorted(keys) == sorted(
        [f"order.created:{o['id']}" for o in orders]
        + [
            f"issued_ticket.created:{ticket['id']}",
            f"issued_ticket.updated:{voided['id']}:{content_hash(voided)}",
            f"event.created:{event['id']}",
        ]
    )
    by_key = {e["id"]: e for e in rx.delivered()}
    first = by_key[f"order.created:{orders[0]['id']}"]
    assert first["type"] == "order.created"
    assert first["data"] == orders[0]  # the record exactly as the API returns it


def test_duplicates_and_replays_are_acknowledged_and_not_delivered_again(
    tmp_path: Path, sender: WebhookSender, sandbox: RunningSandbox, api_orders: list[Any]
) -> None:
    order = api_orders[-1]
    with run_receiver(tmp_path) as rx:
        sender.subscribe(rx.url, secret=SECRET)
        (wh_id,) = sender.emit("ORDER.CREATED", resource_url(sandbox, "orders", order), order)
        rx.wait_keys(1)
        sender.resend(wh_id)  # Ticket Tailor sending the same delivery again
        sender.resend(wh_id)
        assert sender.wait_idle()
        # A verbatim replay of captured bytes and header, inside the 5 minutes.
        body = _body("ORDER.CREATED", order, wh_id)
        header = sign(SECRET, int(time.time()), body)
        assert _post(rx.url, body, header).json() == {"id": wh_id, "result": "duplicate"}
        assert _post(rx.url, body, header).status_code == 200
        # The duplicates were answered without storing anything: the inbox still holds
        # one delivery, so nothing more can reach the sink later.
        wait_for(lambda: rx.counts() == {"forwarded": 1}, what="one delivery, forwarded")
        assert rx.keys() == [f"order.created:{order['id']}"]
    delivery = sender.delivery(wh_id)
    assert delivery is not None
    assert delivery["extra_sends"] == 2
    assert delivery["last_status"] == 200


def test_stale_and_tampered_requests_are_refused_and_nothing_is_stored(
    tmp_path: Path,
    sender: WebhookSender,
    sandbox: RunningSandbox,
    api_orders: list[Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="tickettailor.webhooks")
    order = api_orders[-2]
    body = _body("ORDER.CREATED", order)
    now = int(time.time())
    good = sign(SECRET, now, body)
    with run_receiver(tmp_path) as rx:
        # Replay of an old delivery, as the sandbox sends it.
        sender.subscribe(rx.url, secret=SECRET, events=["BASKET.EXPIRED"])  # kept, not fed
        (wh_id,) = sender.emit("BASKET.EXPIRED", resource_url(sandbox, "orders", order), order)
        assert sender.wait_idle()
        before = rx.counts()
        sender.resend(wh_id, stale_seconds=600)
        assert sender.wait_idle()
        assert sender.delivery(wh_id)["last_status"] == 401  # type: ignore[index]  # found above
        refused = [
            _post(rx.url, body.replace(b"or_", b"or_9"), good),  # tampered body
            _post(rx.url, body, good.replace(f"t={now}", f"t={now + 1}")),  # tampered t
            _post(rx.url, body, sign(SECRET, now - 301, body)),  # 5 min + 1 s old
            _post(rx.url, body, sign(SECRET, now + 600, body)),  # from the future
            _post(rx.url, body, sign("whsec_wrong", now, body)),  # another secret
            _post(rx.url, body, None),  # unsigned
        ]
        assert [r.status_code for r in refused] == [401] * 6
        assert "does not match" in refused[0].json()["error"]
        assert "old" in refused[2].json()["error"]
        assert "unsigned" in refused[5].json()["error"]
        assert rx.counts() == before == {"kept": 1}
        assert rx.keys() == []
    log_text = caplog.text
    assert "refused a request to /tickettailor" in log_text
    assert "401" in log_text
    assert SECRET not in log_text


def _slow_request(port: int, path: str) -> bytes:
    """Headers promising 100 bytes, then 10 bytes and silence."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            'Content-Length: 100\r\n\r\n{"id": "wh'.encode()
        )
        return sock.recv(4096)


def test_bad_input_gets_a_clear_4xx_and_the_server_stays_up(
    tmp_path: Path, api_orders: list[Any]
) -> None:
    order = api_orders[-1]
    no_time = {k: v for k, v in order.items() if k != "created_at"}
    cases: list[tuple[bytes, int, str]] = [
        (b"not json{", 400, "not JSON"),
        (b"[1, 2]", 400, "not a JSON object"),
        (
            b'{"id": "wh_1", "event": "ORDER.CREATED"}',
            400,
            "lacks created_at, resource_url, payload",
        ),
        (_body("TICKET.SOLD", order), 400, "unknown event 'TICKET.SOLD'"),
        (_body("ORDER.CREATED", no_time), 400, "created_at is not a unix time"),
        (_body("ORDER.CREATED", {**order, "id": 5}), 400, "no string id"),
        (b"{" + b" " * 5000 + b"}", 413, "over the 4096-byte limit"),
    ]
    with run_receiver(tmp_path, max_body=4096, body_timeout=0.5) as rx:
        for body, status, message in cases:
            response = _post(rx.url, body, sign(SECRET, int(time.time()), body))
            assert response.status_code == status, response.text
            assert message in response.json()["error"]
        chunked = httpx2.post(rx.url, content=iter([b"{", b" " * 5000, b"}"]))  # no length
        assert chunked.status_code == 413
        assert b"408" in _slow_request(rx.port, "/tickettailor").split(b"\r\n")[0]
        assert (
            httpx2.post(rx.url.replace("/tickettailor", "/other"), content=b"{}").status_code == 404
        )
        wrong_method = httpx2.put(rx.url, content=b"{}")
        assert wrong_method.status_code == 405
        assert "PUT is not accepted here; POST webhooks to /tickettailor" in wrong_method.text
        assert "POST" in wrong_method.headers["allow"]
        assert rx.counts() == {}
        # Still up and working.
        body = _body("ORDER.CREATED", order)
        assert _post(rx.url, body, sign(SECRET, int(time.time()), body)).status_code == 200
        assert rx.wait_keys(1) == [f"order.created:{order['id']}"]


def test_lower_case_event_names_are_understood(tmp_path: Path, api_orders: list[Any]) -> None:
    order = api_orders[-1]
    body = _body("order.created", order)
    with run_receiver(tmp_path) as rx:
        assert _post(rx.url, body, sign(SECRET, int(time.time()), body)).status_code == 200
        assert rx.wait_keys(1) == [f"order.created:{order['id']}"]


def test_events_polling_cannot_see_are_kept_but_not_delivered(
    tmp_path: Path,
    sender: WebhookSender,
    sandbox: RunningSandbox,
    api_orders: list[Any],
) -> None:
    order = api_orders[-1]
    with run_receiver(tmp_path) as rx:
        sender.subscribe(rx.url, secret=SECRET)
        url = resource_url(sandbox, "orders", order)
        # (ORDER.UPDATED is delivered as a change: tests/watch/test_changes_live.py)
        sender.emit("WAITLIST_SIGNUP.CREATED", url, {"id": "ws_1"})
        sender.emit("BASKET.EXPIRED", url, {})
        sender.emit("ORDER.CREATED", url, order)
        assert rx.wait_keys(1) == [f"order.created:{order['id']}"]
        assert sender.wait_idle()
        assert all(d["last_status"] == 200 for d in sender.deliveries())
        wait_for(lambda: rx.counts() == {"kept": 2, "forwarded": 1}, what="3 rows settled")
    assert rx.keys() == [f"order.created:{order['id']}"]


def test_a_ticket_change_that_is_not_a_void_is_delivered_once_keyed_by_content(
    tmp_path: Path, sender: WebhookSender, sandbox: RunningSandbox, client: Client
) -> None:
    ticket = next(t.raw for t in client.issued_tickets.list() if t.raw["status"] == "valid")
    url = resource_url(sandbox, "issued_tickets", ticket)
    changed = {**ticket, "first_name": "Renamed", "updated_at": ticket["updated_at"] + 60}
    with run_receiver(tmp_path) as rx:
        sender.subscribe(rx.url, secret=SECRET)
        sender.emit("ISSUED_TICKET.CREATED", url, ticket)
        assert rx.wait_keys(1) == [f"issued_ticket.created:{ticket['id']}"]
        sender.emit("ISSUED_TICKET.UPDATED", url, changed)
        sender.emit("ISSUED_TICKET.UPDATED", url, changed)  # the same change twice
        sender.emit("ISSUED_TICKET.UPDATED", url, ticket)  # back to a content seen before
        assert sender.wait_idle()
        wait_for(lambda: rx.counts() == {"forwarded": 4}, what="4 rows forwarded")
        keys = rx.wait_keys(2)
    assert keys[0] == f"issued_ticket.created:{ticket['id']}"
    assert keys[1].startswith(f"issued_ticket.updated:{ticket['id']}:")
    assert rx.keys() == keys  # one envelope for the change, none for the repeat


def test_only_the_watches_asked_for_are_fed(tmp_path: Path, api_orders: list[Any]) -> None:
    order = api_orders[-1]
    event_body = _body("EVENT.CREATED", {"id": "ev_1", "created_at": 1_700_000_000})
    body = _body("ORDER.CREATED", order, "wh_2")
    with run_receiver(tmp_path, resources=("orders",)) as rx:
        now = int(time.time())
        assert _post(rx.url, event_body, sign(SECRET, now, event_body)).status_code == 200
        assert _post(rx.url, body, sign(SECRET, now, body)).status_code == 200
        assert rx.wait_keys(1) == [f"order.created:{order['id']}"]
        assert rx.counts() == {"kept": 1, "forwarded": 1}
    assert sorted(p.name for p in tmp_path.glob("*.sqlite3")) == [
        "orders.sqlite3",
        "webhooks.sqlite3",
    ]


def test_unsigned_deliveries_need_allow_unsigned(
    tmp_path: Path, sender: WebhookSender, sandbox: RunningSandbox, api_orders: list[Any]
) -> None:
    order = api_orders[-1]
    with run_receiver(tmp_path, secret=None, allow_unsigned=True) as rx:
        sender.subscribe(rx.url)  # a webhook created without a secret: no header
        sender.emit("ORDER.CREATED", resource_url(sandbox, "orders", order), order)
        assert rx.wait_keys(1) == [f"order.created:{order['id']}"]


def test_refetch_delivers_the_api_record_and_only_asks_the_api_host(
    tmp_path: Path,
    sender: WebhookSender,
    sandbox: RunningSandbox,
    api_orders: list[Any],
    client: Client,
) -> None:
    order = api_orders[-1]
    stale_payload = {**order, "status": "something the API does not say"}
    with run_receiver(tmp_path, client=client, api_root=client.base_url) as rx:
        sender.subscribe(rx.url, secret=SECRET)
        sender.emit("ORDER.CREATED", resource_url(sandbox, "orders", order), stale_payload)
        assert rx.wait_keys(1) == [f"order.created:{order['id']}"]
        assert rx.delivered()[0]["data"] == order  # from GET resource_url, not the payload
        foreign = _body("ORDER.CREATED", order, "wh_77")  # resource_url on api.tickettailor.com
        response = _post(rx.url, foreign, sign(SECRET, int(time.time()), foreign))
        assert response.status_code == 400
        assert "refusing to refetch it with the API key" in response.json()["error"]
        gone = {**order, "id": "or_999999999"}
        sender.emit("ORDER.CREATED", resource_url(sandbox, "orders", gone), gone)
        wait_for(lambda: rx.counts().get("dead") == 1, what="the 404 refetch parked as dead")
    assert sandbox.key not in " ".join(str(e) for e in rx.delivered())


def test_a_webhook_and_a_later_poll_of_the_same_order_deliver_once(
    tmp_path: Path,
    sender: WebhookSender,
    sandbox: RunningSandbox,
    api_orders: list[Any],
    client: Client,
) -> None:
    webhook_order = api_orders[-1]
    with run_receiver(tmp_path) as rx:
        sender.subscribe(rx.url, secret=SECRET)
        url = resource_url(sandbox, "orders", webhook_order)
        sender.emit("ORDER.CREATED", url, webhook_order)
        rx.wait_keys(1)
    # Later, the polling watch of the same state (as `tickettailor watch orders` finds
    # it) reads the last three orders, the webhook's among them.
    seen: list[str] = []
    start = api_orders[-4]["id"]
    with Watch(
        "orders",
        client=client,
        sinks=[lambda e: seen.append(e["id"])],
        state=tmp_path / "orders.sqlite3",
        start=start,
    ) as watch:
        report = watch.run_cycle()
    assert report.fetched == 3
    assert report.stored == 2
    assert seen == [f"order.created:{o['id']}" for o in api_orders[-3:-1]]
    assert rx.keys() == [f"order.created:{webhook_order['id']}"]


def test_a_foreign_inbox_file_is_refused_untouched(tmp_path: Path) -> None:
    foreign = tmp_path / "webhooks.sqlite3"
    foreign.write_bytes(b"my own notes, not a database" * 10)
    with pytest.raises(StateError, match="not a tickettailor webhook inbox"):
        Inbox.open(foreign)
    assert foreign.read_bytes() == b"my own notes, not a database" * 10


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["webhooks", "serve", "--state", "S"], {}, "needs the webhook's secret"),
        (["webhooks", "serve", "--secret", "x"], {}, "No API key"),
        (
            ["webhooks", "serve", "check-ins", "--secret", "x", "--state", "S"],
            {},
            "no webhook for check-ins",
        ),
        (
            ["webhooks", "serve", "--secret", "x", "--state", "S", "--sink", "nope:x"],
            {},
            "unknown sink kind 'nope'",
        ),
        (
            ["webhooks", "serve", "--secret", "x", "--state", "S", "--sink", "/tmp/x.jsonl"],
            {},
            "the sink spec names no kind: did you mean jsonl:/tmp/x.jsonl?",
        ),
    ],
)
def test_cli_bad_options_say_what_to_do(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    env: dict[str, str],
    message: str,
) -> None:
    for name in ("TICKETTAILOR_API_KEY", "TICKETTAILOR_PROFILE", "TICKETTAILOR_WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("TICKETTAILOR_CONFIG_DIR", str(tmp_path / "config"))
    args = [str(tmp_path / "state") if a == "S" else a for a in args]
    result = CliRunner().invoke(app, args, env=env)
    assert result.exit_code == 2, result.output
    assert message in result.stderr
    assert "Traceback" not in result.output


def test_a_busy_port_is_a_clear_error_and_the_default_state_is_the_watch_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "sk_1234_567890_0123456789abcdef0123456789abcdef"
    monkeypatch.setenv("TICKETTAILOR_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("TICKETTAILOR_API_KEY", key)
    monkeypatch.setenv("TICKETTAILOR_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TICKETTAILOR_CONFIG_DIR", str(tmp_path / "config"))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        result = CliRunner().invoke(app, ["-v", "webhooks", "serve", "orders", "--port", port])
    assert result.exit_code == 2, result.output
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "pick another --port" in result.stderr
    assert SECRET not in result.output
    assert key not in result.output
    # The state it opened is the one `tickettailor watch orders` uses with this key.
    assert default_state_path("orders", profile=None, key_fingerprint=fingerprint(key)).exists()


def test_the_inbox_forgets_settled_rows_after_a_month_but_never_pending_ones(
    tmp_path: Path,
) -> None:
    now = [1_800_000_000.0]
    inbox = Inbox.open(tmp_path / "webhooks.sqlite3", clock=lambda: now[0])
    try:
        rows = [
            NewDelivery("wh_1", "ORDER.CREATED", "orders", b"{}"),
            NewDelivery("wh_2", "ORDER.UPDATED", None, b"{}"),
            NewDelivery("wh_3", "ORDER.CREATED", "orders", b"{}"),
        ]
        assert inbox.add(rows) == [True, True, True]
        assert inbox.add(rows[:1]) == [False]
        inbox.mark_forwarded([1])
        now[0] += 29 * 86400
        assert inbox.prune() == 0
        now[0] += 2 * 86400
        assert inbox.prune() == 2
        assert inbox.counts() == {"pending": 1}
        assert [r.id for r in inbox.pending(["orders"])] == ["wh_3"]
    finally:
        inbox.close()


def test_refetch_retries_while_the_api_fails_then_delivers(
    tmp_path: Path,
    sender: WebhookSender,
    sandbox_config: SandboxConfig,
    api_orders: list[Any],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger="tickettailor.webhooks")
    order = api_orders[-1]
    faulty = FaultInjector(
        create_app(sandbox_config), parse_faults("status:503,path=/v1/orders/*,count=2")
    )
    with (
        serve_in_thread(sandbox_config, app=faulty) as api,  # type: ignore[arg-type]  # an ASGI app
        Client(TEST_KEY, base_url=api.base_url, max_retries=0) as client,
        run_receiver(tmp_path, client=client, api_root=client.base_url) as rx,
    ):
        sender.subscribe(rx.url, secret=SECRET)
        (wh_id,) = sender.emit("ORDER.CREATED", f"{api.base_url}/v1/orders/{order['id']}", order)
        assert rx.wait_keys(1) == [f"order.created:{order['id']}"]
        assert sender.delivery(wh_id)["attempts"] == 1  # type: ignore[index]  # emitted above
    assert rx.delivered()[0]["data"] == order
    assert caplog.text.count("retrying in") == 2
    assert "503" in caplog.text


def test_a_request_cancelled_while_queued_is_not_stored_and_the_writer_goes_on(
    tmp_path: Path,
) -> None:
    inbox = Inbox.open(tmp_path / "webhooks.sqlite3")
    writer = InboxWriter(inbox)
    try:
        gone: Future[bool] = Future()
        gone.cancel()
        kept: Future[bool] = Future()
        writer._commit(  # the batch step, with one waiter already gone
            [
                (NewDelivery("wh_1", "ORDER.CREATED", "orders", b"{}"), gone),
                (NewDelivery("wh_2", "ORDER.CREATED", "orders", b"{}"), kept),
            ]
        )
        assert kept.result(5) is True
        assert writer.submit(NewDelivery("wh_3", "ORDER.CREATED", None, b"{}")).result(5)
        assert writer.submit(NewDelivery("wh_1", "ORDER.CREATED", "orders", b"{}")).result(5)
    finally:
        writer.close()
        inbox.close()
