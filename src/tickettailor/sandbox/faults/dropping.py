"""Dropping a connection without a byte of response (the ``drop`` fault).

ASGI has no message for this, so the server offers it: the sandbox's server
(``serve_in_thread``) runs uvicorn with ``server.DroppingH11Protocol`` (uvicorn's
``http=`` option takes a protocol class), which puts a ``drop`` callable into each
request's ``scope["extensions"]`` under ``DROP_EXTENSION`` (where ASGI servers advertise
extensions). Calling it
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

import anyio
from starlette.types import Receive, Scope, Send

DROP_EXTENSION = "tickettailor.sandbox.drop"
_UNWRITABLE_STATUS = 0  # outside 100-599: no HTTP/1.1 server can write a status line for it


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
