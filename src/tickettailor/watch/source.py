"""Where pages come from: anything with ``get_page(path, params) -> body``.

``ClientSource`` adapts a ``tickettailor.Client`` (its retries, timeouts and the rate
budget shared by every client of one key come with it). ``parse_page`` checks a body
has the documented list shape before anything of it is stored: a malformed page is an
error, and errors never move the position.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from tickettailor._core.errors import APIStatusError, MalformedResponseError
from tickettailor._core.redact import excerpt

__all__ = ["ClientSource", "PageSource", "parse_page"]


class PageSource(Protocol):
    """Fetches one list page and returns the parsed JSON body."""

    def get_page(self, path: str, params: Mapping[str, str]) -> Any:
        """GET ``path`` with ``params``; raise an APIError on failure."""


class ClientSource:
    """A ``PageSource`` over ``tickettailor.Client.request``."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def get_page(self, path: str, params: Mapping[str, str]) -> Any:
        response = self.client.request("GET", path, params=dict(params))
        status = getattr(response, "status_code", 200)
        if status >= 300:
            raise APIStatusError(f"listing {path} failed with HTTP {status}", status_code=status)
        return response.body


def parse_page(body: Any, path: str, ts_field: str) -> tuple[list[dict[str, Any]], bool]:
    """The records of a list page and whether another page follows.

    Each record must be an object with a string ``id`` and an integer ``ts_field``.
    """
    if not isinstance(body, dict) or not isinstance(body.get("data"), list):
        raise MalformedResponseError(
            f"the list page from {path} is not a {{data, links}} object: {excerpt(body)!r}"
        )
    records = body["data"]
    for record in records:
        ok = isinstance(record, dict) and isinstance(record.get("id"), str)
        ts = record.get(ts_field) if ok else None
        if not ok or not isinstance(ts, int) or isinstance(ts, bool):
            raise MalformedResponseError(
                f"a record on the list page from {path} lacks an id or an integer "
                f"{ts_field}: {excerpt(record)!r}"
            )
    links = body.get("links")
    has_next = isinstance(links, dict) and bool(links.get("next"))
    return records, bool(records) and has_next
