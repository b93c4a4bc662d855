"""Fixtures for the webhook receiver tests: a receiver on loopback feeding a JSON-lines
sink, the sandbox's own webhook sender (it signs), and real records from the sandbox."""

from __future__ import annotations

import contextlib
import json
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tickettailor import Client
from tickettailor.sandbox import RunningSandbox
from tickettailor.sandbox.webhook_sender import WebhookSender
from tickettailor.sinks import JsonlSink
from tickettailor.webhooks import Listening, ReceiverSettings, serve_webhooks
from tickettailor.webhooks.inbox import Inbox

SECRET = "whsec_test_5b9e0d3f1a"


@pytest.fixture(autouse=True)
def _test_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TICKETTAILOR_TEST_MODE", "1")  # instant relay backoff


def wait_for(condition: Callable[[], Any], timeout: float = 10.0, what: str = "") -> Any:
    """Poll ``condition`` until it is truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.02)


def wait_listening(proc: subprocess.Popen[str], port: int, timeout: float = 30.0) -> None:
    """Wait until the command ``proc`` answers on its receiver ``port`` (or fail with its
    stderr if it died)."""

    def up() -> bool:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        try:
            return httpx2.get(f"http://127.0.0.1:{port}/tickettailor").status_code == 200
        except httpx2.TransportError:
            return False

    wait_for(up, timeout=timeout, what="the receiver to listen")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    # Only complete lines: the sink may be writing the next one as we read.
    text = path.read_text("utf-8")
    return [json.loads(line) for line in text[: text.rfind("\n") + 1].splitlines() if line.strip()]


@dataclass
class RunningReceiver:
    url: str
    port: int
    state: Path
    out: Path
    errors: list[BaseException] = field(default_factory=list)

    def delivered(self) -> list[dict[str, Any]]:
        return read_jsonl(self.out)

    def keys(self) -> list[str]:
        return [e["id"] for e in self.delivered()]

    def wait_keys(self, count: int, timeout: float = 10.0) -> list[str]:
        wait_for(lambda: len(self.keys()) >= count, timeout, f"{count} deliveries")
        return self.keys()

    def counts(self) -> dict[str, int]:
        inbox = Inbox.open(self.state / "webhooks.sqlite3")
        try:
            return inbox.counts()
        finally:
            inbox.close()


@contextlib.contextmanager
def run_receiver(
    state: Path, *, port: int = 0, client: Client | None = None, **settings: Any
) -> Iterator[RunningReceiver]:
    """``serve_webhooks`` in a thread until the block ends (errors re-raised)."""
    settings.setdefault("secret", SECRET)
    out = state / "out.jsonl"
    ready = threading.Event()
    stop = threading.Event()
    found: dict[str, Listening] = {}
    errors: list[BaseException] = []

    def on_ready(rx: Listening) -> None:
        found["rx"] = rx
        ready.set()

    def run() -> None:
        try:
            serve_webhooks(
                ReceiverSettings(**settings),
                sinks=[JsonlSink(out)],
                state_dir=state,
                port=port,
                client=client,
                stop=stop,
                on_ready=on_ready,
            )
        except BaseException as exc:
            errors.append(exc)
            ready.set()

    thread = threading.Thread(target=run, name="test-receiver")
    thread.start()
    ready.wait(30)
    if errors:
        thread.join()
        raise errors[0]
    rx = found["rx"]
    try:
        yield RunningReceiver(rx.url, rx.port, state, out, errors)
    finally:
        stop.set()
        thread.join(30)
    if errors:
        raise errors[0]


@pytest.fixture
def sender() -> Iterator[WebhookSender]:
    """The sandbox's webhook sender, its retry schedule shrunk 500 times."""
    with WebhookSender(time_scale=0.002, poll=0.05) as running:
        yield running


@pytest.fixture(scope="module")
def client(sandbox: RunningSandbox) -> Iterator[Client]:
    with Client(sandbox.key, base_url=sandbox.base_url) as api:
        yield api


@pytest.fixture(scope="module")
def api_orders(client: Client) -> list[dict[str, Any]]:
    """Every order of the sandbox, exactly as the API returns it, oldest first."""
    return [order.raw for order in client.orders.list()]


def resource_url(sandbox: RunningSandbox, path: str, record: dict[str, Any]) -> str:
    return f"{sandbox.base_url}/v1/{path}/{record['id']}"
