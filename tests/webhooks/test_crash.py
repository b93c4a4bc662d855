"""The real command, killed between storing a delivery and answering it: Ticket
Tailor's retry meets a receiver that already has it, and the order is delivered once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.webhooks.conftest import SECRET, read_jsonl, resource_url, wait_for, wait_listening
from tickettailor.sandbox import RunningSandbox
from tickettailor.sandbox.server import free_port
from tickettailor.sandbox.webhook_sender import WebhookSender
from tickettailor.webhooks.inbox import Inbox


def _start(
    state: Path, port: int, *, new_session: bool = False, **env: str
) -> subprocess.Popen[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TICKETTAILOR_")}
    environ.update(
        TICKETTAILOR_WEBHOOK_SECRET=SECRET,
        TICKETTAILOR_CONFIG_DIR=str(state / "config"),
        TICKETTAILOR_TEST_MODE="1",
        **env,
    )
    command = [
        sys.executable,
        "-c",
        "from tickettailor.cli.main import main; main()",
        "webhooks",
        "serve",
        "orders",
        "--port",
        str(port),
        "--state",
        str(state),
        "--sink",
        f"jsonl:{state / 'out.jsonl'}",
    ]
    proc = subprocess.Popen(
        command, env=environ, stderr=subprocess.PIPE, text=True, start_new_session=new_session
    )
    wait_listening(proc, port)
    return proc


def _counts(state: Path) -> dict[str, int]:
    inbox = Inbox.open(state / "webhooks.sqlite3")
    try:
        return inbox.counts()
    finally:
        inbox.close()


def test_killed_after_storing_before_answering_delivers_once(
    tmp_path: Path, sandbox: RunningSandbox, api_orders: list[Any]
) -> None:
    # Ticket Tailor's schedule shrunk 2000 times: retries every few seconds while the
    # receiver restarts (a command start takes seconds on a busy machine).
    with WebhookSender(time_scale=0.0005, poll=0.05) as sender:
        _crash_and_restart(tmp_path, sender, sandbox, api_orders[-1])


def _crash_and_restart(
    tmp_path: Path, sender: WebhookSender, sandbox: RunningSandbox, order: dict[str, Any]
) -> None:
    port = free_port()
    crashing = _start(tmp_path, port, TICKETTAILOR_WEBHOOK_CRASH_AT="after_store")
    try:
        sender.subscribe(f"http://127.0.0.1:{port}/tickettailor", secret=SECRET)
        (wh_id,) = sender.emit("ORDER.CREATED", resource_url(sandbox, "orders", order), order)
        assert crashing.wait(30) == -signal.SIGKILL
    finally:
        if crashing.poll() is None:
            crashing.kill()
        crashing.wait()
    # Stored durably, never answered: the sender counts it as failed and will retry.
    assert _counts(tmp_path) in ({"pending": 1}, {"forwarded": 1})
    wait_for(lambda: sender.delivery(wh_id)["next_attempt_at"], what="a retry scheduled")  # type: ignore[index]  # emitted above
    assert sender.delivery(wh_id)["state"] == "pending"  # type: ignore[index]  # emitted above

    receiver = _start(tmp_path, port)
    try:
        wait_for(
            lambda: sender.delivery(wh_id)["state"] == "delivered",  # type: ignore[index]  # emitted above
            timeout=20,
            what="the retry to be acknowledged",
        )
        wait_for(lambda: read_jsonl(tmp_path / "out.jsonl"), what="the order delivered")
        receiver.send_signal(signal.SIGTERM)
        assert receiver.wait(20) == 0
    finally:
        if receiver.poll() is None:
            receiver.kill()
        receiver.wait()
    stderr = receiver.stderr.read() if receiver.stderr else ""
    assert f"Receiving Ticket Tailor webhooks at http://127.0.0.1:{port}/tickettailor" in stderr
    assert "events: ORDER.CREATED" in stderr
    assert "Stopped" in stderr
    assert SECRET not in stderr
    assert [e["id"] for e in read_jsonl(tmp_path / "out.jsonl")] == [f"order.created:{order['id']}"]
    assert _counts(tmp_path) == {"forwarded": 1}
    assert sender.delivery(wh_id)["attempts"] >= 2  # type: ignore[index]  # emitted above
