"""Run one test body against ``Client`` and ``AsyncClient`` alike.

``make_client(mode, ...)`` gives a client whose calls all return plain values: the
async client's coroutines are run to completion, and lists (``Pager`` or
``AsyncPager``) are collected into Python lists, so a test asserts once for both.
"""

from __future__ import annotations

import asyncio
import inspect
import secrets
from typing import Any

from tickettailor import AsyncClient, AsyncPager, Client, Pager

MODES = ["sync", "async"]


async def _collect(pager: AsyncPager[Any]) -> list[Any]:
    return [record async for record in pager]


def _plain(value: Any) -> Any:
    if inspect.isawaitable(value) and not isinstance(value, AsyncPager):
        value = asyncio.run(_await(value))
    if isinstance(value, AsyncPager):
        return asyncio.run(_collect(value))
    if isinstance(value, Pager):
        return list(value)
    return value


async def _await(value: Any) -> Any:
    return await value


class Plain:
    """A view of a client (or resource) whose calls return plain values."""

    def __init__(self, target: Any) -> None:
        self._target = target

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if callable(attr):
            return lambda *a, **kw: _plain(attr(*a, **kw))
        if hasattr(attr, "_core"):  # a resource
            return Plain(attr)
        return attr


def make_client(mode: str, **kwargs: Any) -> Any:
    # A fresh key per client: each key has its own shared rate budget.
    kwargs.setdefault("api_key", "sk_0000_000000_" + secrets.token_hex(16))
    kwargs.setdefault("base_url", "http://tt.test")
    kwargs.setdefault("test_mode", True)
    cls = Client if mode == "sync" else AsyncClient
    return Plain(cls(**kwargs))
