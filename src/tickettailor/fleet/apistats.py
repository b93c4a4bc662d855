"""What a worker's API requests told it, per box office: requests, 429s, budget left.

Each runner's ``Client`` gets a ``CountingTransport``: every answer the API gives
(retries included, so every 429 is counted) passes through it, and its
``X-Rate-Limit-Remaining`` header is kept as the box office's last known budget.
``/metrics`` reads the counts (``tickettailor.fleet.web``).

The transports share one TLS context (httpx2's default, made once): making one loads
the CA bundle, 22 ms of CPU, which a worker claiming a hundred box offices (at start,
or taking over from a dead worker) would otherwise spend a hundred times.
"""

from __future__ import annotations

import ssl
import threading
from dataclasses import dataclass

import httpx2

__all__ = ["ApiStats", "BoxOfficeCalls", "CountingTransport"]


@dataclass
class BoxOfficeCalls:
    """One box office's requests as this worker made them (since the worker started)."""

    requests: int = 0
    rate_limited: int = 0  # answers with status 429
    remaining: int | None = None  # the last X-Rate-Limit-Remaining the API sent


class ApiStats:
    """Per box office counts, shared by the worker's runner threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: dict[str, BoxOfficeCalls] = {}
        self._tls: ssl.SSLContext | None = None

    def tls(self) -> ssl.SSLContext:
        """The TLS context every transport of this worker uses (made on first use)."""
        with self._lock:
            if self._tls is None:
                self._tls = httpx2.create_ssl_context()
            return self._tls

    def note(self, name: str, response: httpx2.Response) -> None:
        remaining = _int(response.headers.get("X-Rate-Limit-Remaining"))
        with self._lock:
            calls = self._calls.setdefault(name, BoxOfficeCalls())
            calls.requests += 1
            calls.rate_limited += response.status_code == 429
            if remaining is not None:
                calls.remaining = remaining

    def snapshot(self) -> dict[str, BoxOfficeCalls]:
        with self._lock:
            return {name: BoxOfficeCalls(**vars(c)) for name, c in self._calls.items()}

    def transport(self, name: str) -> CountingTransport:
        return CountingTransport(self, name, self.tls())


class CountingTransport(httpx2.BaseTransport):
    """httpx2's own transport, counting each answer for one box office."""

    def __init__(self, stats: ApiStats, name: str, tls: ssl.SSLContext) -> None:
        self._inner = httpx2.HTTPTransport(verify=tls)
        self._stats = stats
        self._name = name

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        response = self._inner.handle_request(request)
        self._stats.note(self._name, response)
        return response

    def close(self) -> None:
        self._inner.close()


def _int(value: str | None) -> int | None:
    try:
        return None if value is None else int(value.strip())
    except ValueError:
        return None
