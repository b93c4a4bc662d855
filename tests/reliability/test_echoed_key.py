"""A server that echoes the API key back never makes us print or store it.

A wrong ``--base-url`` or a misbehaving proxy can answer with the key in any field:
the error's message, hint, error code, field errors, a header, or an HTML page. The
key (raw, or as the base64 of ``key:`` the Basic header carries) must appear nowhere:
not in an exception's str() or repr() or fields, not on the command's stdout or
stderr, not in the watch's output, and not in its state file.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.cli.conftest import serving
from tickettailor import Client, TicketTailorError

KEY = "sk_echo_7f3a9c2e5b1d"
TOKEN = base64.b64encode(f"{KEY}:".encode()).decode()
LEAKS = (KEY, TOKEN, TOKEN.rstrip("="))
EXE = str(Path(sys.executable).with_name("tickettailor"))


def _json(status: int, body: dict[str, Any]) -> tuple[int, str, str]:
    return status, "application/json", json.dumps(body)


# Each way a server can echo the key: (status, content type, body).
ECHOES: dict[str, tuple[int, str, str]] = {
    "message": _json(401, {"status": 401, "message": f"bad key {KEY}"}),
    "hint": _json(403, {"message": "Forbidden", "hint": f"the key {KEY} lacks access"}),
    "error_code": _json(400, {"message": "Bad", "error_code": f"KEY_{KEY}"}),
    "errors": _json(
        422,
        {"message": "Invalid", "errors": [{"field": "x", "messages": [f"got {KEY}"]}]},
    ),
    "basic": _json(403, {"message": "Forbidden", "hint": f"sent Authorization: Basic {TOKEN}"}),
    "html_error": (502, "text/html", f"<html><body><h1>Bad gateway</h1>key={KEY}</body></html>"),
    # The key near the end of a long page: a body cut short must not keep half of it.
    "html_page": (200, "text/html", "<p>" + "x" * 100 + f"{KEY}</p>"),
    "page_shape": _json(200, {"oops": f"{'y' * 110}{KEY}"}),
}


def _texts(exc: BaseException) -> str:
    """Everything of an error a program could print or store."""
    fields = {k: v for k, v in vars(exc).items() if k != "request"}
    headers = getattr(exc, "headers", None)
    return "\n".join(
        [
            str(exc),
            repr(exc),
            repr(exc.args),
            repr(fields),
            repr(list(headers.items()) if headers else ""),
        ]
    )


def _assert_clean(text: str) -> None:
    for leak in LEAKS:
        assert leak not in text


def _mock(name: str) -> httpx2.MockTransport:
    status, kind, body = ECHOES[name]

    def handle(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(
            status, headers={"content-type": kind, "x-echo": KEY}, content=body.encode()
        )

    return httpx2.MockTransport(handle)


CALLS: dict[str, Callable[[Client], Any]] = {
    "get": lambda c: c.orders.get("or_1"),
    "list": lambda c: list(c.orders.list(limit=1)),
    "overview": lambda c: c.overview(),
}
# A JSON object of the wrong shape is an error only where a list page is expected.
CASES = [(n, c) for n in sorted(ECHOES) for c in CALLS if n != "page_shape" or c == "list"]


@pytest.mark.parametrize(("name", "call"), CASES)
def test_library_errors_never_hold_the_key(name: str, call: str) -> None:
    client = Client(KEY, base_url="http://127.0.0.1:9", transport=_mock(name), max_retries=0)
    with client, pytest.raises(TicketTailorError) as caught:
        CALLS[call](client)
    _assert_clean(_texts(caught.value))


def test_the_watch_page_check_redacts_its_excerpt() -> None:
    from tickettailor._core.errors import MalformedResponseError
    from tickettailor.watch.source import check_records

    Client(KEY, base_url="http://127.0.0.1:9").close()  # registers the key
    with pytest.raises(MalformedResponseError) as caught:
        check_records([{"oops": "z" * 110 + KEY}], "/v1/orders", "created_at")
    _assert_clean(_texts(caught.value))
    assert "[redacted]" in str(caught.value) or "…" in str(caught.value)


# -- the real command and the watch, against a real loopback server -----------------------


class _Echoing(BaseHTTPRequestHandler):
    """Answers with the echo named by the first path segment: /hint/v1/orders -> hint."""

    def do_GET(self) -> None:
        name = self.path.strip("/").split("/")[0]
        status, kind, body = ECHOES[name]
        payload = body.encode()
        self.send_response(status)
        self.send_header("content-type", kind)
        self.send_header("content-length", str(len(payload)))
        self.send_header("x-echo", KEY)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        return None


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    with serving(_Echoing) as url:
        yield url


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("TICKETTAILOR_")}
    return clean | {
        "TICKETTAILOR_CONFIG_DIR": str(tmp_path / "config"),
        "TICKETTAILOR_API_KEY": KEY,
        "TICKETTAILOR_TEST_MODE": "1",
    }


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [EXE, *args], env=env, capture_output=True, text=True, timeout=60, check=False
    )


COMMANDS = {
    "list": ["orders", "list"],
    "get": ["orders", "get", "or_1"],
    "call": ["call", "GET", "/v1/orders", "-i"],  # prints the reply, headers and all
}


@pytest.mark.parametrize(
    ("name", "command"),
    [(n, c) for n in sorted(ECHOES) for c in COMMANDS if n != "page_shape" or c != "get"],
)
def test_the_command_never_prints_the_key(
    server: str, env: dict[str, str], name: str, command: str
) -> None:
    result = _run(["-v", "--base-url", f"{server}/{name}", *COMMANDS[command]], env)
    assert result.returncode != 0 or command == "call"
    assert result.stderr.strip(), "the failure was reported"
    _assert_clean(result.stdout + result.stderr)


@pytest.mark.parametrize("name", ["hint", "errors", "html_page", "page_shape", "html_error"])
def test_the_watch_never_prints_or_stores_the_key(
    server: str, env: dict[str, str], tmp_path: Path, name: str
) -> None:
    state = tmp_path / "state.sqlite3"
    args = ["--base-url", f"{server}/{name}", "watch", "orders", "--once", "--state", str(state)]
    result = _run([*args, "--sink", f"jsonl:{tmp_path / 'out.jsonl'}"], env)
    assert "fetching failed" in result.stderr or result.returncode != 0, result.stderr
    _assert_clean(result.stdout + result.stderr)
    stored = [p for p in tmp_path.iterdir() if p.name.startswith("state.sqlite3")]
    assert stored, "the watch kept a state"
    for path in stored:
        data = path.read_bytes()
        for leak in LEAKS:
            assert leak.encode() not in data, f"{path.name} holds the key"
    status = _run(["watch", "status", "orders", "--state", str(state)], env)
    _assert_clean(status.stdout + status.stderr)
