"""The receiver as a user runs it: `webhooks serve` and `watch --webhooks` in a subprocess.

What the user sees: refused requests in the log (path, status, reason; never the
secret or the signature), a line per accepted delivery, `--webhook-path`, secrets from
a file, Ctrl-C exiting 130, and `watch status` recording the receiver's successes.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.webhooks.conftest import SECRET, read_jsonl, resource_url, wait_for
from tickettailor.sandbox import RunningSandbox
from tickettailor.sandbox.server import free_port
from tickettailor.sandbox.webhook_sender import encode_json
from tickettailor.webhooks import sign

CLI = [sys.executable, "-c", "from tickettailor.cli.main import main; main()"]


def _env(tmp: Path, sandbox: RunningSandbox, **extra: str) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TICKETTAILOR_")}
    environ.update(
        TICKETTAILOR_CONFIG_DIR=str(tmp / "config"),
        TICKETTAILOR_API_KEY=sandbox.key,
        TICKETTAILOR_BASE_URL=sandbox.base_url,
        TICKETTAILOR_TEST_MODE="1",
        **extra,
    )
    return environ


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen([*CLI, *args], env=env, stderr=subprocess.PIPE, text=True)


def _up(proc: subprocess.Popen[str], url: str) -> None:
    def answers() -> bool:
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        try:
            return httpx2.get(url).status_code == 200
        except httpx2.TransportError:
            return False

    wait_for(answers, timeout=30, what=f"a receiver at {url}")


def _stop(proc: subprocess.Popen[str]) -> tuple[int, str]:
    """Ctrl-C, then the exit code and everything it wrote on stderr."""
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    try:
        code = proc.wait(30)
    finally:
        if proc.poll() is None:
            proc.kill()
    return code, proc.stderr.read() if proc.stderr else ""


def _delivery(sandbox: RunningSandbox, order: dict[str, Any], wh_id: str) -> tuple[bytes, str]:
    body = {
        "id": wh_id,
        "created_at": "2026-11-29 12:00:00",
        "event": "ORDER.CREATED",
        "resource_url": resource_url(sandbox, "orders", order),
        "payload": order,
    }
    data = encode_json(body).encode("ascii")
    return data, sign(SECRET, int(time.time()), data)


def _post(url: str, body: bytes, signature: str) -> httpx2.Response:
    headers = {"Content-Type": "application/json", "Tickettailor-Webhook-Signature": signature}
    return httpx2.post(url, content=body, headers=headers)


def test_watch_receives_on_webhook_path_and_logs_what_it_refuses(
    tmp_path: Path, sandbox: RunningSandbox, api_orders: list[dict[str, Any]]
) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text(SECRET + "\n")
    port = free_port()
    out = tmp_path / "out.jsonl"
    args = ["watch", "orders", "--state", str(tmp_path / "orders.sqlite3"), "--every", "300"]
    args += ["--sink", f"jsonl:{out}", "--webhooks", str(port), "--webhook-path", "/hook"]
    proc = _start([*args, "--webhook-secret-file", str(secret_file)], _env(tmp_path, sandbox))
    try:
        _up(proc, f"http://127.0.0.1:{port}/hook")
        order = api_orders[-1]
        body, signature = _delivery(sandbox, order, "wh_path_1")
        wrong = _post(f"http://127.0.0.1:{port}/tickettailor", body, signature)
        assert wrong.status_code == 404
        assert "POST webhooks to /hook" in wrong.json()["error"]
        forged = _post(f"http://127.0.0.1:{port}/hook", body, sign("whsec_other", 1, body))
        assert forged.status_code == 401
        assert _post(f"http://127.0.0.1:{port}/hook", body, signature).status_code == 200
        wait_for(lambda: read_jsonl(out), what="the order delivered")
    finally:
        code, stderr = _stop(proc)
    assert code == 130
    assert f"receiving Ticket Tailor webhooks at http://127.0.0.1:{port}/hook" in stderr
    assert "refused a request to /tickettailor from 127.0.0.1: 404 nothing at /tickettailor" in (
        stderr
    )
    assert "refused a request to /hook from 127.0.0.1: 401" in stderr
    assert "accepted ORDER.CREATED wh_path_1 (stored)" in stderr
    assert SECRET not in stderr
    assert signature.split("v1=")[1] not in stderr
    assert [e["id"] for e in read_jsonl(out)] == [f"order.created:{order['id']}"]


def test_serve_prints_each_delivery_records_success_and_ctrl_c_exits_130(
    tmp_path: Path, sandbox: RunningSandbox, api_orders: list[dict[str, Any]]
) -> None:
    port = free_port()
    state, out = tmp_path / "state", tmp_path / "out.jsonl"
    args = ["webhooks", "serve", "orders", "--port", str(port), "--state", str(state)]
    env = _env(tmp_path, sandbox, TICKETTAILOR_WEBHOOK_SECRET=SECRET)
    proc = _start([*args, "--sink", f"jsonl:{out}"], env)
    orders = api_orders[-3:]
    try:
        _up(proc, f"http://127.0.0.1:{port}/tickettailor")
        for n, order in enumerate(orders):
            body, signature = _delivery(sandbox, order, f"wh_serve_{n}")
            response = _post(f"http://127.0.0.1:{port}/tickettailor", body, signature)
            assert response.status_code == 200
        wait_for(lambda: len(read_jsonl(out)) == 3, what="three orders delivered")
    finally:
        code, stderr = _stop(proc)
    assert code == 130, stderr
    for n in range(3):
        assert f"accepted ORDER.CREATED wh_serve_{n} (stored)" in stderr
    assert "Traceback" not in stderr
    status = subprocess.run(
        [*CLI, "watch", "status", "orders", "--state", str(state / "orders.sqlite3"), "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    info = json.loads(status.stdout)
    assert info["last_success"] != "never"
    assert info["sinks"][0]["delivered"] == 3


def test_serve_stops_with_0_on_sigterm(tmp_path: Path, sandbox: RunningSandbox) -> None:
    port = free_port()
    args = ["webhooks", "serve", "--port", str(port), "--state", str(tmp_path / "state")]
    proc = _start(args, _env(tmp_path, sandbox, TICKETTAILOR_WEBHOOK_SECRET=SECRET))
    _up(proc, f"http://127.0.0.1:{port}/tickettailor")
    proc.send_signal(signal.SIGTERM)
    code = proc.wait(30)
    stderr = proc.stderr.read() if proc.stderr else ""
    assert code == 0, stderr
    assert "Stopped; every acknowledged delivery is stored." in stderr


@pytest.mark.parametrize(
    ("extra", "secret_text", "message"),
    [
        (["--secret", "whsec_x"], SECRET, "give --secret or --secret-file, not both"),
        ([], "  \n", "is empty: put the secret in it"),
        (["--sink-secret-file", "MISSING"], SECRET, "--sink-secret-file MISSING: cannot read"),
    ],
)
def test_secret_files_are_checked(
    tmp_path: Path, sandbox: RunningSandbox, extra: list[str], secret_text: str, message: str
) -> None:
    secret_file = tmp_path / "secret"
    secret_file.write_text(secret_text)
    args = ["webhooks", "serve", "--port", "0", "--state", str(tmp_path / "state")]
    args += ["--secret-file", str(secret_file), *extra]
    done = subprocess.run(
        [*CLI, *args],
        env=_env(tmp_path, sandbox),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert "whsec_x" not in done.stderr
    assert SECRET not in done.stderr


def test_secret_options_warn_that_command_lines_are_visible(
    tmp_path: Path, sandbox: RunningSandbox
) -> None:
    env = _env(tmp_path, sandbox, COLUMNS="200")
    for command, wanted in (
        (["webhooks", "serve"], ("--secret-file", "--sink-secret-file")),
        (["watch", "orders"], ("--webhook-secret-file", "--sink-secret-file", "--webhook-path")),
    ):
        shown = subprocess.run(
            [*CLI, *command, "--help"], env=env, capture_output=True, text=True, check=True
        ).stdout
        assert shown.count("Other users may see command lines") == 2, command
        for option in wanted:
            assert option in shown


def test_a_busy_receiver_shows_a_count_instead_of_a_line_per_delivery(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from tickettailor.cli.webhooks import _ReceiverLog
    from tickettailor.webhooks.receiver import ACCEPTED

    handler = _ReceiverLog(ACCEPTED)
    logger = logging.getLogger("tests.busy_receiver")
    logger.propagate = False
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
    try:
        for n in range(25):
            logger.info("accepted ORDER.CREATED wh_%d (stored)", n, extra={ACCEPTED: True})
        logger.warning("refused a request to /x from 127.0.0.1: 404 nothing at /x")
    finally:
        logger.removeHandler(handler)
        handler.close()
    lines = capsys.readouterr().err.splitlines()
    assert sum("accepted ORDER.CREATED" in line for line in lines) == _ReceiverLog.BURST == 20
    assert "refused a request to /x" in lines[-2]  # refusals are never held back
    summary = "... and 5 more deliveries accepted (at most 20 lines per 10 s are shown)"
    assert lines[-1].endswith(summary)
