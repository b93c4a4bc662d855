"""Running the real ``tickettailor`` command in-process (typer's runner) for CLI tests.

``tt("orders", "list", "--limit", "2")`` runs the command with the sandbox's base URL
and key from the environment, as a user's shell would have them, and returns the
result (``.exit_code``, ``.stdout``, ``.stderr``). Every test gets its own empty config
directory, and none of the user's TICKETTAILOR_* settings leak in.
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Protocol
from unittest import mock
from urllib.parse import urlsplit

import httpx2
import pytest
import typer.testing
from typer.main import get_command
from typer.testing import CliRunner, Result

from tests.conftest import TEST_KEY
from tickettailor import Client
from tickettailor.cli.main import app
from tickettailor.sandbox import RunningSandbox

_ENV = (
    "TICKETTAILOR_API_KEY",
    "TICKETTAILOR_PROFILE",
    "TICKETTAILOR_BASE_URL",
    "TICKETTAILOR_TZ",
    "TICKETTAILOR_CONFIG_DIR",
)


class Run(Protocol):
    def __call__(self, *args: str, input: str | None = None, **env: str | None) -> Result: ...


@pytest.fixture(autouse=True)
def clean_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private config dir, no TICKETTAILOR_* from outside, instant backoff."""
    for name in _ENV:
        monkeypatch.delenv(name, raising=False)
    config = tmp_path / "config"
    monkeypatch.setenv("TICKETTAILOR_CONFIG_DIR", str(config))
    monkeypatch.setenv("TICKETTAILOR_TEST_MODE", "1")
    return config


# typer rebuilds the click command tree on every invoke (~0.2 s of CPU); the tree does
# not change between tests, so build it once.
_ROOT = get_command(app)


def invoke(*args: str, input: str | None = None, **env: str | None) -> Result:
    """Run the command with ``args``; keyword arguments are environment variables."""
    with mock.patch.object(typer.testing, "_get_command", return_value=_ROOT):
        return CliRunner().invoke(app, list(args), input=input, env=env or None)


@pytest.fixture
def tt(sandbox: RunningSandbox, monkeypatch: pytest.MonkeyPatch) -> Run:
    """The command, pointed at the shared sandbox through the environment."""
    monkeypatch.setenv("TICKETTAILOR_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("TICKETTAILOR_API_KEY", sandbox.key)
    return invoke


@pytest.fixture
def bare() -> Run:
    """The command with no key or server configured."""
    return invoke


def jsonl(text: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in text.splitlines() if line.strip()]


@pytest.fixture
def client(sandbox: RunningSandbox) -> Iterator[Client]:
    """The library on the same sandbox: the API's own answer to compare the CLI with."""
    with Client(sandbox.key, base_url=sandbox.base_url) as library:
        yield library


class _Echo(BaseHTTPRequestHandler):
    """Answers every request with what it received, as JSON (418 for /teapot)."""

    def _answer(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        url = urlsplit(self.path)
        seen = {
            "method": self.command,
            "path": url.path,
            "query": url.query,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "body": self.rfile.read(length).decode(),
        }
        payload = json.dumps(seen).encode()
        self.send_response(418 if url.path.endswith("/teapot") else 200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    def log_message(self, format: str, *args: Any) -> None:
        return None


@contextlib.contextmanager
def serving(handler: type[BaseHTTPRequestHandler]) -> Iterator[str]:
    """A loopback HTTP server answering with ``handler``; yields its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.fixture(scope="module")
def echo() -> Iterator[str]:
    """A loopback server answering every request with what it received, as JSON."""
    with serving(_Echo) as url:
        yield url


@pytest.fixture
def wire(echo: str, bare: Run) -> Run:
    def run(*args: str, input: str | None = None, **env: str | None) -> Any:
        return bare("--base-url", echo, "--api-key", TEST_KEY, *args, input=input, **env)

    return run


def sent(result: Any) -> dict[str, Any]:
    assert result.exit_code == 0, result.output
    seen: dict[str, Any] = json.loads(result.stdout)
    return seen


class Faults:
    """The sandbox's fault injector, driven through its control API."""

    def __init__(self, base_url: str) -> None:
        self.url = f"{base_url}/_sandbox/faults"

    def add(self, spec: str) -> None:
        httpx2.post(self.url, json={"spec": spec}).raise_for_status()

    def clear(self) -> None:
        httpx2.delete(self.url).raise_for_status()
