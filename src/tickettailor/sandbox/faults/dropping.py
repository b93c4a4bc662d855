"""Dropping a connection without a byte of response (the ``drop`` fault).

ASGI has no message for this, so the server offers it: the sandbox's server
(``serve_in_thread``) runs uvicorn with :class:`DroppingH11Protocol` (uvicorn's
``http=`` option takes a protocol class), which puts a ``drop`` callable into each
request's ``scope["extensions"]`` (where ASGI servers advertise extensions). Calling it
closes the connection's transport; the app then waits for ``http.disconnect``, and
uvicorn, seeing a disconnected client, answers nothing.

Without the extension (an app served by someone else's uvicorn, or an in-process ASGI
transport) the middleware does what ASGI alone allows: it starts a response with a
status no server can write, then fails. uvicorn marks a response started before it
writes the status line, and closes the connection when the app fails after that
(``run_asgi``), so the client still sees the connection close with no bytes (and
uvicorn logs the error). In-process, the client gets the ConnectionResetError.
"""

from __future__ import annotations

import contextlib
from typing import Any

import anyio
from starlette.types import Receive, Scope, Send
from uvicorn.protocols.http.h11_impl import H11Protocol

DROP_EXTENSION = "tickettailor.sandbox.drop"
_UNWRITABLE_STATUS = 0  # outside 100-599: no HTTP/1.1 server can write a status line for it


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


async def drop_connection(scope: Scope, receive: Receive, send: Send) -> None:
    """Close the client's connection without sending a byte of response."""
    extension = (scope.get("extensions") or {}).get(DROP_EXTENSION)
    if extension is None:
        await _drop_through_asgi(send)
        return
    extension["drop"]()
    with anyio.move_on_after(2.0):  # until the server has seen the connection go
        while (await receive())["type"] != "http.disconnect":
            pass


async def _drop_through_asgi(send: Send) -> None:
    with contextlib.suppress(Exception):  # the server refusing the status is the point
        await send({"type": "http.response.start", "status": _UNWRITABLE_STATUS, "headers": []})
    raise ConnectionResetError("sandbox fault: connection dropped without a response")
