"""The CLI's transport: counts the attempts of each request, so a 429 can say how
many tries and how long the library waited before giving up (``RetryStats``).

Imported when a command builds its client, not when the command line is parsed:
httpx2 is not needed to print ``--help``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx2

__all__ = ["AsyncCountingTransport", "CountingTransport", "RetryStats"]


@dataclass
class RetryStats:
    """Attempts of the last request as seen on the wire (filled in by the transports)."""

    tries: int = 0
    waited: float = 0.0


class _Streak:
    """Counts the attempts of one request, so a 429 can say how often and how long."""

    def __init__(self, stats: RetryStats) -> None:
        self.stats = stats
        self.last: tuple[str, str] | None = None
        self.last_ok = True
        self.started = 0.0
        # The client's clock once it exists: in test mode its waits are virtual.
        self.now: Callable[[], float] = time.monotonic

    def record(self, request: httpx2.Request, status: int | None) -> None:
        now = self.now()
        key = (request.method, str(request.url))
        if key != self.last or self.last_ok:
            self.stats.tries = 0
            self.started = now
        self.last = key
        self.last_ok = status is not None and status < 400
        self.stats.tries += 1
        self.stats.waited = now - self.started


class CountingTransport(httpx2.BaseTransport):
    def __init__(self, inner: httpx2.BaseTransport, stats: RetryStats) -> None:
        self.inner = inner
        self.streak = _Streak(stats)

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        try:
            response = self.inner.handle_request(request)
        except Exception:
            self.streak.record(request, None)
            raise
        self.streak.record(request, response.status_code)
        return response

    def close(self) -> None:
        self.inner.close()


class AsyncCountingTransport(httpx2.AsyncBaseTransport):
    def __init__(self, inner: httpx2.AsyncBaseTransport, stats: RetryStats) -> None:
        self.inner = inner
        self.streak = _Streak(stats)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        try:
            response = await self.inner.handle_async_request(request)
        except Exception:
            self.streak.record(request, None)
            raise
        self.streak.record(request, response.status_code)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()
