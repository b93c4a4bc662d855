"""Run the sandbox on a real loopback port in a background thread (tests, demo, bench)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import uvicorn
from starlette.types import Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

from tickettailor.sandbox.app import Sandbox, create_app
from tickettailor.sandbox.config import SandboxConfig
from tickettailor.sandbox.faults.dropping import DROP_EXTENSION

if TYPE_CHECKING:
    from starlette.applications import Starlette


@dataclass
class RunningSandbox:
    """A sandbox served on loopback: ``base_url`` is the server root (no ``/v1``)."""

    base_url: str
    app: Starlette
    config: SandboxConfig

    @property
    def sandbox(self) -> Sandbox:
        sandbox: Sandbox = self.app.state.sandbox
        return sandbox

    @property
    def key(self) -> str:
        """The first box office's API key."""
        return self.sandbox.store.boxes[0].spec.key

    @property
    def keys(self) -> list[str]:
        return [b.spec.key for b in self.sandbox.store.boxes]

    def __repr__(self) -> str:
        return f"RunningSandbox(base_url={self.base_url!r})"


class DroppingH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, offering every request a way to drop its connection."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        app = self.app

        async def with_drop(scope: Scope, receive: Receive, send: Send) -> None:
            extensions = scope.setdefault("extensions", {})
            extensions[DROP_EXTENSION] = {"drop": self.transport.close}
            await app(scope, receive, send)

        self.app = with_drop


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


@contextmanager
def serve_in_thread(
    config: SandboxConfig | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    app: Starlette | None = None,
    startup_timeout: float = 30.0,
) -> Iterator[RunningSandbox]:
    """Serve a sandbox (``app``, or a new one from ``config``) until the block ends.

    ``port=0`` picks a free port. The server is stopped and its thread joined on exit,
    and the sandbox closed (simulated sales and the webhook sender stop).
    """
    config = config or SandboxConfig()
    app = app or create_app(config)
    # IPPROTO_TCP explicitly: asyncio sets TCP_NODELAY only on sockets whose proto says
    # TCP, and without it keep-alive answers wait ~40 ms for Nagle's algorithm.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        _close(app)
        raise
    bound_port = sock.getsockname()[1]
    # The protocol offers the fault middleware a way to drop a connection (faults/dropping.py).
    server = uvicorn.Server(
        uvicorn.Config(
            app, log_level="warning", lifespan="off", access_log=False, http=DroppingH11Protocol
        )
    )
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="tickettailor-sandbox", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + startup_timeout
    while not server.started:
        if not thread.is_alive():
            sock.close()
            _close(app)
            raise RuntimeError("the sandbox server stopped during startup")
        if time.monotonic() > deadline:
            server.should_exit = True
            thread.join(5)
            sock.close()
            _close(app)
            raise RuntimeError(f"the sandbox server did not start within {startup_timeout}s")
        time.sleep(0.01)  # polling for readiness with a deadline
    try:
        yield RunningSandbox(f"http://{host}:{bound_port}", app, config)
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
        _close(app)


def _close(app: object) -> None:
    """Stop the sandbox's background work (simulator, webhook sender). ``app`` may be
    wrapped (e.g. in a fault-injecting middleware), which has no ``state``: leave it."""
    sandbox = getattr(getattr(app, "state", None), "sandbox", None)
    if sandbox is not None:
        sandbox.close()
