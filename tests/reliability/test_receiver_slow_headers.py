"""Half-sent headers must not starve the webhook receiver (issue 11 §7).

600 loopback connections each send the start of a request and stall. Before the fix
uvicorn counted them against its concurrency limit and answered every real delivery
503 for as long as they stayed open. Now connections waiting for their headers are
capped (the longest waiting is evicted) and timed out, so a valid delivery is stored
while the attack goes on, and the stalled connections are closed by the deadline.

The real command runs in a subprocess; the attack stays on 127.0.0.1, is bounded (600
sockets) and every socket is closed at the end.
"""

from __future__ import annotations

import contextlib
import os
import resource
import select
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.webhooks.conftest import SECRET, read_jsonl, resource_url, run_receiver, wait_for
from tickettailor import Client
from tickettailor.sandbox import RunningSandbox
from tickettailor.sandbox.server import free_port
from tickettailor.sandbox.webhook_sender import encode_json
from tickettailor.webhooks import ReceiverSettings, sign

pytestmark = pytest.mark.slow

ATTACKERS = 600
PARTIAL = b"POST /tickettailor HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"


@pytest.fixture
def enough_files() -> Iterator[None]:
    """600 sockets here (and the sandbox's): lift a 1024 soft limit when allowed."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 4096 if hard == resource.RLIM_INFINITY else min(hard, 4096)
    if soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


@contextlib.contextmanager
def stalled_connections(port: int, count: int) -> Iterator[list[socket.socket]]:
    """``count`` connections that send half their headers and wait; all closed after."""
    socks: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.create_connection(("127.0.0.1", port), timeout=5)
            sock.sendall(PARTIAL)
            socks.append(sock)
        yield socks
    finally:
        for sock in socks:
            sock.close()


def closed_by_server(sock: socket.socket) -> bool:
    """True once the server has answered (408) or closed this connection."""
    sock.setblocking(False)
    try:
        return sock.recv(4096) is not None  # b"" (closed) or the 408 answer
    except BlockingIOError:
        return False
    except OSError:  # reset by the server
        return True


def _delivery(sandbox: RunningSandbox, order: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    body = encode_json(
        {
            "id": "wh_slow_1",
            "created_at": "2026-11-29 12:00:00",
            "event": "ORDER.CREATED",
            "resource_url": resource_url(sandbox, "orders", order),
            "payload": order,
        }
    ).encode("ascii")
    headers = {
        "Content-Type": "application/json",
        "Tickettailor-Webhook-Signature": sign(SECRET, int(time.time()), body),
    }
    return body, headers


def test_a_delivery_gets_through_600_stalled_connections_which_then_time_out(
    tmp_path: Path, sandbox: RunningSandbox, enough_files: None
) -> None:
    port = free_port()
    out = tmp_path / "out.jsonl"
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TICKETTAILOR_")}
    environ |= {"TICKETTAILOR_WEBHOOK_SECRET": SECRET, "TICKETTAILOR_TEST_MODE": "1"}
    command = [sys.executable, "-c", "from tickettailor.cli.main import main; main()"]
    command += ["webhooks", "serve", "orders", "--port", str(port)]
    command += ["--state", str(tmp_path / "state"), "--sink", f"jsonl:{out}"]
    proc = subprocess.Popen(command, env=environ, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/tickettailor"
    try:
        wait_for(lambda: _answers(proc, url), timeout=30, what="the receiver")
        with Client(sandbox.key, base_url=sandbox.base_url) as client:
            order = next(iter(client.orders.list(limit=1))).raw
        with stalled_connections(port, ATTACKERS) as socks:
            body, headers = _delivery(sandbox, order)
            response = httpx2.post(url, content=body, headers=headers, timeout=10)
            assert response.status_code == 200, response.text  # was 503 before the guard
            wait_for(lambda: read_jsonl(out), what="the order delivered")
            # Every stalled connection is closed: evicted at once, or at the deadline.
            deadline = ReceiverSettings(allow_unsigned=True).header_timeout + 20
            wait_for(
                lambda: all(closed_by_server(s) for s in socks),
                timeout=deadline,
                what="the server to close every stalled connection",
            )
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(30)
        finally:
            if proc.poll() is None:
                proc.kill()
    stderr = proc.stderr.read() if proc.stderr else ""
    assert proc.returncode == 130, stderr
    assert [e["id"] for e in read_jsonl(out)] == [f"order.created:{order['id']}"]
    assert "did not finish their request headers" in stderr
    assert stderr.count("did not finish their request headers") < 10  # counted, not one each


def _answers(proc: subprocess.Popen[str], url: str) -> bool:
    assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
    try:
        return httpx2.get(url).status_code == 200
    except httpx2.TransportError:
        return False


def _read_until_closed(sock: socket.socket, limit: float) -> bytes:
    """Everything the server sends until it closes (socket.timeout after ``limit``)."""
    sock.settimeout(limit)
    received = b""
    with contextlib.suppress(ConnectionResetError):
        while chunk := sock.recv(4096):
            received += chunk
    return received


def test_headers_sent_a_byte_at_a_time_do_not_extend_the_deadline(tmp_path: Path) -> None:
    with (
        run_receiver(tmp_path, header_timeout=0.5) as rx,
        socket.create_connection(("127.0.0.1", rx.port), timeout=5) as sock,
    ):
        sent = 0
        for byte in PARTIAL:  # 80 bytes, one per 50 ms: 4 s if nobody stops it
            if select.select([sock], [], [], 0.05)[0]:
                break  # the server answered or closed
            sock.sendall(bytes([byte]))
            sent += 1
        answer = _read_until_closed(sock, 5)
        # uvicorn alone never answers 408 and never closes a connection mid-headers.
        assert answer.startswith(b"HTTP/1.1 408 ")
        assert sent < len(PARTIAL)  # stopped while still trickling


def test_a_kept_alive_connection_that_stalls_its_next_request_is_closed(tmp_path: Path) -> None:
    with (
        run_receiver(tmp_path, header_timeout=0.5) as rx,
        socket.create_connection(("127.0.0.1", rx.port), timeout=5) as sock,
    ):
        sock.sendall(b"GET /tickettailor HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        first = b""
        while not first.endswith(b"POSTs its webhooks here.\n"):
            first += sock.recv(4096)  # the whole answer: headers, then body
        assert first.startswith(b"HTTP/1.1 200 "), first
        sock.sendall(PARTIAL)  # the next request, stalled
        answer = _read_until_closed(sock, 10)
        # Closed by the header deadline: uvicorn's keep-alive timer stops at the first
        # byte of the next request, and it never answers 408.
        assert answer.startswith(b"HTTP/1.1 408 ")
