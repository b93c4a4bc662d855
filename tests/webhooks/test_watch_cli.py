"""`tickettailor watch orders --webhooks PORT`: polling and webhooks in one process.

The real command runs against the sandbox; the sandbox's own sender pushes a signed
ORDER.CREATED for an order the poll (started `now`) does not cover, and the order
reaches the sink once, through the watch's own state.
"""

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


def _watch(tmp: Path, sandbox: RunningSandbox, *args: str) -> subprocess.Popen[str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TICKETTAILOR_")}
    environ.update(
        TICKETTAILOR_WEBHOOK_SECRET=SECRET,
        TICKETTAILOR_CONFIG_DIR=str(tmp / "config"),
        TICKETTAILOR_API_KEY=sandbox.key,
        TICKETTAILOR_BASE_URL=sandbox.base_url,
        TICKETTAILOR_TEST_MODE="1",
    )
    command = [sys.executable, "-c", "from tickettailor.cli.main import main; main()"]
    command += ["watch", "orders", "--state", str(tmp / "orders.sqlite3")]
    command += ["--sink", f"jsonl:{tmp / 'out.jsonl'}", *args]
    return subprocess.Popen(command, env=environ, stderr=subprocess.PIPE, text=True)


def test_webhook_into_a_running_watch_is_delivered_once(
    tmp_path: Path, sandbox: RunningSandbox, api_orders: list[dict[str, Any]]
) -> None:
    port = free_port()
    proc = _watch(tmp_path, sandbox, "--every", "300", "--webhooks", str(port))
    try:
        wait_listening(proc, port)
        order = api_orders[-1]
        with WebhookSender(poll=0.05) as sender:
            sender.subscribe(f"http://127.0.0.1:{port}/tickettailor", secret=SECRET)
            (wh_id,) = sender.emit("ORDER.CREATED", resource_url(sandbox, "orders", order), order)
            wait_for(lambda: read_jsonl(tmp_path / "out.jsonl"), what="the order delivered")
            sender.resend(wh_id)  # Ticket Tailor may deliver the same webhook twice
            assert sender.wait_idle(20), "the duplicate was not answered"
            assert sender.delivery(wh_id)["last_status"] == 200  # type: ignore[index]  # emitted above
        proc.send_signal(signal.SIGINT)
        assert proc.wait(20) == 130
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    stderr = proc.stderr.read() if proc.stderr else ""
    assert f"receiving Ticket Tailor webhooks at http://127.0.0.1:{port}" in stderr
    assert SECRET not in stderr
    assert [e["id"] for e in read_jsonl(tmp_path / "out.jsonl")] == [f"order.created:{order['id']}"]


def test_webhooks_with_once_is_a_usage_error(tmp_path: Path, sandbox: RunningSandbox) -> None:
    proc = _watch(tmp_path, sandbox, "--once", "--webhooks", str(free_port()))
    assert proc.wait(30) == 2
    stderr = proc.stderr.read() if proc.stderr else ""
    assert "--once" in stderr
    assert not (tmp_path / "orders.sqlite3").exists()
