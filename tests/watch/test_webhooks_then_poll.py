"""Webhooks, then polling, on one state: the poll starts where the receiver started, so
an order sold while neither ran still reaches the sink (issue 10 s2). The real
commands: ``tickettailor webhooks serve`` in a subprocess fed by the sandbox's signed
sender, then ``tickettailor watch orders --once``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.watch.shop import new_order
from tests.webhooks.conftest import SECRET, read_jsonl, wait_for, wait_listening
from tickettailor.cli.main import app
from tickettailor.sandbox import RunningSandbox, SandboxConfig, serve_in_thread
from tickettailor.sandbox.server import free_port
from tickettailor.sandbox.webhook_sender import WebhookSender

KEY = "sk_1000_100000_" + "c" * 32


@pytest.fixture
def shop() -> Iterator[RunningSandbox]:
    with serve_in_thread(SandboxConfig(keys=[KEY], seed=4, orders=30)) as running:
        yield running


def _environ(tmp: Path, shop: RunningSandbox) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TICKETTAILOR_")}
    environ.update(
        TICKETTAILOR_WEBHOOK_SECRET=SECRET,
        TICKETTAILOR_CONFIG_DIR=str(tmp / "config"),
        TICKETTAILOR_DATA_DIR=str(tmp / "data"),
        TICKETTAILOR_API_KEY=KEY,
        TICKETTAILOR_BASE_URL=shop.base_url,
        TICKETTAILOR_TEST_MODE="1",
    )
    return environ


def test_a_poll_after_the_receiver_covers_what_sold_while_nothing_ran(
    shop: RunningSandbox, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder, out, port = tmp_path / "state", tmp_path / "out.jsonl", free_port()
    command = [sys.executable, "-c", "from tickettailor.cli.main import main; main()"]
    command += ["webhooks", "serve", "orders", "--port", str(port), "--state", str(folder)]
    command += ["--sink", f"jsonl:{out}"]
    receiver = subprocess.Popen(
        command, env=_environ(tmp_path, shop), stderr=subprocess.PIPE, text=True
    )
    try:
        wait_listening(receiver, port)
        first = new_order(shop)
        with WebhookSender(poll=0.05) as sender:
            sender.subscribe(f"http://127.0.0.1:{port}/tickettailor", secret=SECRET)
            url = f"{shop.base_url}/v1/orders/{first['id']}"
            sender.emit("ORDER.CREATED", url, first)
            wait_for(lambda: read_jsonl(out), what="the webhook's order delivered")
        receiver.send_signal(signal.SIGINT)
        receiver.wait(30)
    finally:
        if receiver.poll() is None:
            receiver.kill()
        receiver.wait()

    sold = new_order(shop)  # while neither the receiver nor a poll runs
    created = int(str(sold["created_at"]))
    # A poll started "now" must be strictly later than the sale to miss it.
    wait_for(lambda: int(time.time()) > created, what="the clock to pass the sale")

    for name, value in _environ(tmp_path, shop).items():
        monkeypatch.setenv(name, value)
    state = folder / "orders.sqlite3"
    poll = CliRunner().invoke(
        app, ["watch", "orders", "--once", "--state", str(state), "--sink", f"jsonl:{out}"]
    )
    assert poll.exit_code == 0, poll.stderr
    assert "the webhook receiver fed this state since" in poll.stderr
    assert "polling starts there, not at --start now" in poll.stderr
    ids = [e["data"]["id"] for e in read_jsonl(out)]
    assert ids == [first["id"], sold["id"]]  # the gap is covered, nothing twice
