"""Where pages come from, and the walk through them.

A ``PageSource`` is anything with ``get_page(path, params) -> body`` (a GET's parsed
JSON); ``ClientSource`` and ``AsyncClientSource`` adapt a ``tickettailor.Client`` or
``AsyncClient`` (its retries, timeouts and the rate budget shared by every client of
one key come with it). ``PageWalk`` walks one list from a saved cursor
with the library's own paginator (``Walk``), which checks each page's envelope and
stops on a repeated cursor, for the library and the watch alike; ``check_records``
adds what the watch needs of every record. A malformed page is an error, and errors
never move the position.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol

import anyio
import anyio.from_thread

from tickettailor._core.errors import MalformedResponseError, UsageError
from tickettailor._core.pagination import Walk
from tickettailor._core.redact import excerpt

if TYPE_CHECKING:
    from tickettailor._client import AsyncClient, Client
    from tickettailor._core.transport import APIResponse

__all__ = [
    "AsyncClientSource",
    "ClientSource",
    "PageSource",
    "PageWalk",
    "check_driver",
    "check_records",
    "source_for",
]


class PageSource(Protocol):
    """Fetches one list page and returns the parsed JSON body."""

    def get_page(self, path: str, params: Mapping[str, str]) -> Any:
        """GET ``path`` with ``params``; raise an APIError on failure."""


class ClientSource:
    """A ``PageSource`` over ``tickettailor.Client.request`` (which raises on non-2xx)."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def get_page(self, path: str, params: Mapping[str, str]) -> Any:
        return self.client.request("GET", path, params=dict(params)).body


def source_for(client: Client | AsyncClient) -> PageSource:
    """The page source of a watch's client, a ``Client`` or an ``AsyncClient``."""
    from tickettailor._client import AsyncClient

    if isinstance(client, AsyncClient):
        return AsyncClientSource(client)
    return ClientSource(client)


class AsyncClientSource:
    """A ``PageSource`` over ``tickettailor.AsyncClient.request``.

    A watch's cycle is blocking code; its async drivers (``async with watch``,
    ``run_cycle_async``, ``run_async``) run it in an anyio worker thread, from which
    each request is sent on the event loop that owns the client. The blocking drivers
    (``with watch``, ``run_cycle``, ``run``) are refused: see ``check_driver``.
    """

    def __init__(self, client: AsyncClient) -> None:
        self.client = client

    def get_page(self, path: str, params: Mapping[str, str]) -> Any:
        return anyio.from_thread.run(self._get, path, dict(params)).body

    async def _get(self, path: str, params: dict[str, str]) -> APIResponse:
        return await self.client.request("GET", path, params=params)


def check_driver(*sources: PageSource | None) -> None:
    """Refuse to run a watch on an ``AsyncClient`` outside its async drivers."""
    if not any(isinstance(source, AsyncClientSource) for source in sources):
        return
    try:
        anyio.from_thread.check_cancelled()  # only an anyio worker thread may call it
    except RuntimeError:  # anyio's NoEventLoopError
        raise UsageError(
            "A Watch on an AsyncClient runs with its async drivers: `async with watch:`, "
            "`await watch.run_cycle_async()` or `await watch.run_async()`; for the "
            "blocking ones (with, run_cycle, run) pass a Client."
        ) from None


class PageWalk:
    """One walk through a list from a saved cursor (None: from the start).

    ``params``: the list's filters; ``starting_after`` among them is ignored (the walk
    sets it from the cursor). ``next_page()`` returns a page's records and whether
    another page follows.
    """

    def __init__(
        self,
        source: PageSource,
        path: str,
        params: Mapping[str, str],
        ts_field: str,
        *,
        cursor: str | None,
    ) -> None:
        self.source = source
        self.ts_field = ts_field
        filters = [(k, v) for k, v in params.items() if k != "starting_after"]
        self.walk = Walk(path, filters, starting_after=cursor)

    def next_page(self) -> tuple[list[dict[str, Any]], bool]:
        request = self.walk.next_request()
        if request is None:  # the caller asked past the last page
            return [], False
        path, query = request
        body = self.source.get_page(path, dict(query))
        records, cursor, _links = self.walk.feed(body)
        check_records(records, path, self.ts_field)
        return records, cursor is not None


def check_records(records: list[Any], path: str, ts_field: str) -> None:
    """Each record must be an object with a string ``id`` and an integer ``ts_field``."""
    for record in records:
        ok = isinstance(record, dict) and isinstance(record.get("id"), str)
        ts = record.get(ts_field) if ok else None
        if not ok or not isinstance(ts, int) or isinstance(ts, bool):
            raise MalformedResponseError(
                f"a record on the list page from {path} lacks an id or an integer "
                f"{ts_field}: {excerpt(record)!r}"
            )
