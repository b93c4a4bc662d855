"""A ``webhook:`` sink whose receiver answers 4xx for a while (issue 11, 5).

Before: any 4xx but 408/409/429 made a dead letter at once, so a receiver answering
404 for eight seconds (a deploy, a route fixed minutes later) lost 110 of 215 orders
for good. Now every non-2xx is retried with backoff for up to ``--dead-after`` (3 days),
only 410 Gone stops at once; ``watch status`` counts dead letters per sink and
``watch replay --dead`` sends them again.
"""

from __future__ import annotations

import dataclasses
import json
import signal
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.reliability._cli import cli, order_ids, poll, run, start
from tickettailor.sandbox import RunningSandbox, SandboxConfig, serve_in_thread
from tickettailor.sinks.webhook import generate_secret
from tickettailor.watch import Backoff
from tickettailor.watch.envelope import Envelope
from tickettailor.watch.relay import relay
from tickettailor.watch.state import Position, StateStore, StoredRecord

pytestmark = pytest.mark.slow
SECRET = generate_secret()


class Receiver(ThreadingHTTPServer):
    """Answers ``status`` to every POST and keeps the ids of the records it accepted."""

    status = 404
    requests = 0
    accepted: list[str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/hooks"


class Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        status = self.server.status
        self.server.requests += 1
        if 200 <= status < 300:
            self.server.accepted.append(json.loads(body)["data"]["id"])
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver(("127.0.0.1", 0), Handler)
    server.accepted = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def shop(sandbox_config: SandboxConfig) -> Iterator[RunningSandbox]:
    with serve_in_thread(dataclasses.replace(sandbox_config, orders=30)) as running:
        yield running


def watch_args(state: Path, rx: Receiver, *more: str) -> list[str]:
    sink = ["--sink", f"webhook:{rx.url}", "--sink-secret", SECRET]
    return ["--state", str(state), *sink, *more]


def status_of(sb: RunningSandbox, state: Path) -> str:
    result = run(cli(sb, "watch", "status", "orders", "--state", str(state)))
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_a_receiver_answering_404_for_a_while_gets_every_order_once_fixed(
    shop: RunningSandbox, receiver: Receiver, tmp_path: Path
) -> None:
    state = tmp_path / "orders.sqlite3"
    args = watch_args(state, receiver, "--every", "0.2", "--start", "all")
    proc = start(cli(shop, "watch", "orders", *args))
    try:
        poll(lambda: receiver.requests >= 5, "the watch to meet the 404s")
        receiver.status = 200  # the route is fixed
        expected = order_ids(shop)
        poll(lambda: set(receiver.accepted) >= expected, "every order to reach the receiver")
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert "404" in err  # the failure was reported while it lasted
    assert sorted(set(receiver.accepted)) == sorted(expected)
    assert f"0 pending, {len(expected)} delivered, 0 dead letters" in status_of(shop, state)


def test_410_gone_is_a_dead_letter_at_once_and_replay_dead_sends_it_again(
    shop: RunningSandbox, receiver: Receiver, tmp_path: Path
) -> None:
    state = tmp_path / "orders.sqlite3"
    receiver.status = 410
    first = run(
        cli(shop, "watch", "orders", "--once", *watch_args(state, receiver, "--start", "all"))
    )
    expected = order_ids(shop)
    assert first.returncode == 0, first.stderr
    assert f"{len(expected)} dead letters" in first.stderr
    status = status_of(shop, state)
    assert f"0 pending, 0 delivered, {len(expected)} dead letters" in status
    assert "410" in status
    assert "replay RESOURCE --dead" in status
    receiver.status = 200
    again = run(cli(shop, "watch", "replay", "orders", "--dead", *watch_args(state, receiver)))
    assert again.returncode == 0, again.stderr
    assert f"{len(expected)} dead letters queued again, {len(expected)} delivered" in again.stderr
    assert sorted(receiver.accepted) == sorted(expected)
    assert f"0 pending, {len(expected)} delivered, 0 dead letters" in status_of(shop, state)


def test_dead_after_sets_the_horizon_and_is_checked(
    shop: RunningSandbox, receiver: Receiver, tmp_path: Path
) -> None:
    state = tmp_path / "orders.sqlite3"
    args = watch_args(state, receiver, "--start", "all", "--dead-after", "0s")
    result = run(cli(shop, "watch", "orders", "--once", *args))
    assert result.returncode == 0, result.stderr
    status = status_of(shop, state)
    assert f"{len(order_ids(shop))} dead letters" in status
    assert "404" in status
    assert "gave up after 1 attempt" in status
    bad = run(
        cli(shop, "watch", "orders", "--once", *watch_args(state, receiver, "--dead-after", "3x"))
    )
    assert bad.returncode == 2
    assert "--dead-after '3x': give a duration like 3d" in bad.stderr


class DownSink:
    """A sink that is down until told otherwise."""

    name = "down"

    def __init__(self) -> None:
        self.got: list[str] = []
        self.down = True

    def send(self, envelope: Envelope) -> None:
        if self.down:
            raise ConnectionError("receiver answered 404")
        self.got.append(envelope["id"])

    def close(self) -> None:
        pass


def test_a_failing_delivery_is_retried_for_three_days_then_dead_and_the_next_goes(
    tmp_path: Path,
) -> None:
    now = [1_000_000.0]
    store = StateStore.open(
        tmp_path / "s.sqlite3", resource="orders", key_fingerprint="fp", clock=lambda: now[0]
    )
    store.acquire()
    records = [
        StoredRecord(
            {"id": f"k{i}", "type": "order.created", "timestamp": "t", "data": {"id": i}}, i, i
        )
        for i in range(2)
    ]
    store.store_page(records, Position("orders"), ["down"])
    sink, backoff = DownSink(), Backoff(base=0, cap=0)  # due again at once

    def attempt() -> int:
        return relay(store, [sink], limit=None, clock=lambda: now[0], backoff=backoff).dead

    assert attempt() == 0  # first failure: t0
    now[0] += 2 * 86400
    assert attempt() == 0  # two days on: still retried
    now[0] += 86400
    assert attempt() == 1  # three days after the first failure: given up ...
    (backlog,) = store.status().sinks
    assert (backlog.pending, backlog.dead) == (1, 1)
    assert backlog.last_error is not None
    assert "gave up after 3 attempts over 3 d" in backlog.last_error
    sink.down = False
    assert relay(store, [sink], limit=None, clock=lambda: now[0], backoff=backoff).delivered == 1
    assert sink.got == ["k1"]  # ... and the next one went
    assert store.requeue_dead(["down"]) == 1
    relay(store, [sink], limit=None, clock=lambda: now[0], backoff=backoff)
    assert sink.got == ["k1", "k0"]
    store.close()


def test_a_horizon_that_is_not_a_duration_is_refused() -> None:
    from tickettailor._core.errors import UsageError

    for bad in (-1.0, float("nan")):
        with pytest.raises(UsageError, match="dead_after"):
            Backoff(dead_after=bad)
