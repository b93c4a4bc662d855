"""Helpers for the sandbox tests: a synchronous client for the in-process ASGI app, so
one test body can run in-process and over real HTTP."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import Iterator
from typing import Any, Protocol

import httpx2
from starlette.applications import Starlette


class Api(Protocol):
    def get(self, path: str, **kwargs: Any) -> httpx2.Response: ...


class SyncASGI:
    """``.get`` / ``.request`` through ``httpx2.ASGITransport`` on a private event loop."""

    def __init__(self, app: Starlette, base_url: str = "http://sandbox.test") -> None:
        self.loop = asyncio.new_event_loop()
        self.client = httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url=base_url)

    def request(self, method: str, path: str, **kwargs: Any) -> httpx2.Response:
        return self.loop.run_until_complete(self.client.request(method, path, **kwargs))

    def get(self, path: str, **kwargs: Any) -> httpx2.Response:
        return self.request("GET", path, **kwargs)

    def close(self) -> None:
        self.loop.run_until_complete(self.client.aclose())
        self.loop.close()


def basic(token: str) -> dict[str, str]:
    """An Authorization header carrying base64(``token``) verbatim."""
    return {"Authorization": "Basic " + base64.b64encode(token.encode()).decode()}


def walk(api: Api, path: str, key: str) -> Iterator[dict[str, Any]]:
    """Every record of a list, following ``links.next`` the way a client resolves it."""
    url = path
    while True:
        body = api.get(url, headers=basic(key + ":")).json()
        yield from body["data"]
        if body["links"]["next"] is None:
            return
        url = "/v1" + body["links"]["next"]
