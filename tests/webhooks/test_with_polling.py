"""Webhooks and polling together: whichever sees a record first delivers it, once."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.webhooks.conftest import SECRET, read_jsonl, resource_url, wait_for
from tickettailor import Client
from tickettailor.sandbox import RunningSandbox
from tickettailor.sandbox.server import free_port
from tickettailor.sandbox.webhook_sender import WebhookSender
from tickettailor.sinks import JsonlSink
from tickettailor.watch import CycleReport, Watch
from tickettailor.webhooks import Listening, ReceiverSettings, run_with_polling
from tickettailor.webhooks.inbox import Inbox


def _watch(client: Client, state: Path, start: str) -> Watch:
    return Watch(
        "orders",
        client=client,
        sinks=[JsonlSink(state / "out.jsonl")],
        state=state / "orders.sqlite3",
        start=start,
    )


@contextmanager
def _combined(watch: Watch, port: int = 0) -> Iterator[tuple[Listening, list[CycleReport]]]:
    """``run_with_polling`` in a thread (it owns the watch) until the block ends."""
    ready, stop = threading.Event(), threading.Event()
    found: list[Listening] = []
    cycles: list[CycleReport] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            run_with_polling(
                [watch],
                ReceiverSettings(secret=SECRET),
                port=port,
                every=0.2,
                stop=stop,
                on_ready=lambda rx: (found.append(rx), ready.set()),
                on_cycle=lambda _w, report: cycles.append(report),
            )
        except BaseException as exc:
            errors.append(exc)
        finally:
            watch.close()
            ready.set()

    thread = threading.Thread(target=run, name="test-combined")
    thread.start()
    ready.wait(30)
    try:
        assert not errors, errors
        yield found[0], cycles
    finally:
        stop.set()
        thread.join(30)
    assert not errors, errors


def _counts(state: Path) -> dict[str, int]:
    inbox = Inbox.open(state / "webhooks.sqlite3")
    try:
        return inbox.counts()
    finally:
        inbox.close()


def _keys(state: Path) -> list[str]:
    return [e["id"] for e in read_jsonl(state / "out.jsonl")]


def test_webhooks_and_polls_of_the_same_orders_deliver_each_once(
    tmp_path: Path,
    sender: WebhookSender,
    sandbox: RunningSandbox,
    api_orders: list[Any],
    client: Client,
) -> None:
    expected = [f"order.created:{o['id']}" for o in api_orders[-3:]]
    with _combined(_watch(client, tmp_path, api_orders[-4]["id"])) as (rx, cycles):
        sender.subscribe(rx.url, secret=SECRET)
        for order in api_orders[-3:]:
            sender.emit("ORDER.CREATED", resource_url(sandbox, "orders", order), order)
        assert sender.wait_idle()
        assert all(d["last_status"] == 200 for d in sender.deliveries())
        seen = len(cycles)
        wait_for(lambda: len(cycles) >= seen + 2, what="two more polling cycles")
        wait_for(lambda: _counts(tmp_path) == {"forwarded": 3}, what="3 forwarded")
    # Polling and webhooks raced for these orders; whoever won, each arrived once.
    assert sorted(_keys(tmp_path)) == sorted(expected)


def test_a_receiver_down_for_a_while_is_caught_up_by_polling(
    tmp_path: Path,
    sender: WebhookSender,
    sandbox: RunningSandbox,
    api_orders: list[Any],
    client: Client,
) -> None:
    port = free_port()
    sender.subscribe(f"http://127.0.0.1:{port}/tickettailor", secret=SECRET)
    for order in api_orders[-2:]:
        sender.emit("ORDER.CREATED", resource_url(sandbox, "orders", order), order)
    wait_for(
        lambda: all(d["attempts"] >= 2 for d in sender.deliveries()),
        what="failed attempts while the receiver is down",
    )
    # Polling alone (say `watch orders --once` from cron) delivers them meanwhile.
    with _watch(client, tmp_path, api_orders[-3]["id"]) as watch:
        assert watch.run_cycle().delivered == 2
    expected = [f"order.created:{o['id']}" for o in api_orders[-2:]]
    assert _keys(tmp_path) == expected
    # The receiver comes back: Ticket Tailor's retries land, and deliver nothing new.
    with _combined(_watch(client, tmp_path, "now"), port=port):
        wait_for(
            lambda: all(d["state"] == "delivered" for d in sender.deliveries()),
            timeout=20,
            what="the sender's retries to succeed",
        )
        wait_for(lambda: _counts(tmp_path) == {"forwarded": 2}, what="2 forwarded")
    assert _keys(tmp_path) == expected
    assert all(d["attempts"] >= 3 for d in sender.deliveries())
