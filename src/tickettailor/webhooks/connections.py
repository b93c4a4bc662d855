"""Connections that never finish their request headers must not starve the receiver.

uvicorn sets no deadline on a request's headers, and its ``limit_concurrency`` counts
every open connection: 600 clients that send half a request and wait made every real
delivery a 503 for as long as they stayed. The receiver's HTTP protocol is uvicorn's
httptools protocol (its C parser costs a fraction of h11's pure-Python one) with two
guards on connections still waiting for their headers (a new connection, or a
kept-alive one that has started its next request: the parser's message begin):

- a deadline: headers not complete ``timeout`` seconds after the wait began get a
  408 and the connection is closed (sending a byte at a time does not extend it);
- a cap: at most ``most`` connections wait at once; one more evicts (408, closed) the
  one that has waited longest, so a sender that writes its headers at once, as Ticket
  Tailor does, always gets through.

Closed connections are logged as a count, at most one line per ``REPORT_EVERY``
seconds, so an attack cannot flood the log.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

__all__ = ["REPORT_EVERY", "HeaderGuard", "guarded_protocol"]

log = logging.getLogger("tickettailor.webhooks")

REPORT_EVERY = 10.0
_TIMEOUT_ANSWER = (
    b"HTTP/1.1 408 Request Timeout\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"connection: close\r\ncontent-length: 37\r\n\r\nrequest headers not received in time\n"
)


class HeaderGuard:
    """The connections of one server that are waiting for their headers."""

    def __init__(self, timeout: float, most: int) -> None:
        self.timeout = timeout
        self.most = most
        # Each waiting connection's deadline (loop time), oldest first: every deadline
        # is its start plus the same timeout, so one timer, set for the first, serves
        # all (a timer per request cost more than the rest of the guard).
        self.waiting: dict[HttpToolsProtocol, float] = {}
        self._timer: asyncio.TimerHandle | None = None
        self.closed = 0  # connections closed by the guard, in all
        self._unreported = 0
        self._reported_at = 0.0
        self._report: asyncio.TimerHandle | None = None

    def wait(self, conn: HttpToolsProtocol) -> None:
        """``conn`` waits for its headers: start its deadline (once per request)."""
        if conn in self.waiting:
            return
        while len(self.waiting) >= self.most:
            self.close(next(iter(self.waiting)))
        self.waiting[conn] = conn.loop.time() + self.timeout
        if self._timer is None:
            self._timer = conn.loop.call_at(self.waiting[conn], self._expire, conn.loop)

    def done(self, conn: HttpToolsProtocol) -> None:
        """``conn`` has its headers (or is gone): no deadline."""
        self.waiting.pop(conn, None)

    def _expire(self, loop: asyncio.AbstractEventLoop) -> None:
        """Close the connections past their deadline; set the timer for the next one."""
        self._timer = None
        now = loop.time()
        while self.waiting:
            conn, deadline = next(iter(self.waiting.items()))
            if deadline > now:
                self._timer = loop.call_at(deadline, self._expire, loop)
                return
            self.close(conn)

    def close(self, conn: HttpToolsProtocol) -> None:
        """Answer 408 and close ``conn``; count it for the log."""
        self.done(conn)
        if not conn.transport.is_closing():
            conn.transport.write(_TIMEOUT_ANSWER)
            conn.transport.close()
        self.closed += 1
        self._unreported += 1
        if self._report is None:
            wait = max(1.0, REPORT_EVERY - (time.monotonic() - self._reported_at))
            self._report = conn.loop.call_later(wait, self._log)

    def _log(self) -> None:
        log.warning(
            "closed %d connection(s) that did not finish their request headers within "
            "%g s or were evicted by newer ones (slow or stalled clients, or an attack)",
            self._unreported,
            self.timeout,
        )
        self._unreported = 0
        self._reported_at = time.monotonic()
        self._report = None


def guarded_protocol(timeout: float, most: int) -> type[HttpToolsProtocol]:
    """uvicorn's httptools protocol with a ``HeaderGuard`` shared by one server's
    connections."""
    guard = HeaderGuard(timeout, most)

    class GuardedHttpToolsProtocol(HttpToolsProtocol):
        header_guard = guard

        def connection_made(self, transport: Any) -> None:
            super().connection_made(transport)
            guard.wait(self)

        def on_message_begin(self) -> None:
            super().on_message_begin()
            if not self.transport.is_closing():
                guard.wait(self)  # the next request on a kept-alive connection began

        def on_headers_complete(self) -> None:
            guard.done(self)
            super().on_headers_complete()

        def connection_lost(self, exc: Exception | None) -> None:
            guard.done(self)
            super().connection_lost(exc)

    return GuardedHttpToolsProtocol
