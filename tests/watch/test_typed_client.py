"""The watch takes a typed client: a ``Client``, or an ``AsyncClient`` with the async
drivers; it knows the key only by the client's public ``key_fingerprint``; it walks
the list with the library's paginator from its saved cursor."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.watch.conftest import ListSink
from tickettailor import AsyncClient, Client, UsageError
from tickettailor.sandbox import RunningSandbox
from tickettailor.watch import Watch, fingerprint

KEY = "sk_1234_567890_" + "0123456789abcdef" * 2


def _orders(sandbox: RunningSandbox) -> list[str]:
    with Client(sandbox.key, base_url=sandbox.base_url) as client:
        return [f"order.created:{order.id}" for order in client.orders.list()]


@pytest.mark.anyio
async def test_a_watch_on_an_async_client_delivers_with_the_async_drivers(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    sink = ListSink()
    async with AsyncClient(sandbox.key, base_url=sandbox.base_url) as client:
        watch = Watch("orders", client=client, sinks=[sink], state=tmp_path / "s", start="all")
        async with watch:
            first = await watch.run_cycle_async()
            second = await watch.run_cycle_async()
    assert first.fetch_error is None
    assert second.fetch_error is None
    assert sink.keys == _orders(sandbox)  # every order, once, oldest first
    assert (first.requests, second.requests) == (4, 1)  # 400 orders: 4 pages, then 1


def test_a_watch_on_an_async_client_refuses_the_blocking_drivers(
    sandbox: RunningSandbox, tmp_path: Path
) -> None:
    client = AsyncClient(sandbox.key, base_url=sandbox.base_url)
    watch = Watch("orders", client=client, sinks=[ListSink()], state=tmp_path / "s")
    with pytest.raises(UsageError, match=r"async drivers.*pass a Client"), watch:
        pass
    assert watch.store is None  # nothing left open


def test_the_watch_knows_the_key_by_the_clients_public_fingerprint(tmp_path: Path) -> None:
    sync, other = Client(KEY, base_url="http://127.0.0.1:9"), Client("sk_other_key_123456")
    async_client = AsyncClient(KEY, base_url="http://127.0.0.1:9")
    assert sync.key_fingerprint == async_client.key_fingerprint == fingerprint(KEY)
    assert other.key_fingerprint != sync.key_fingerprint
    assert len(sync.key_fingerprint) == 16  # what states and folder names have held
    watch = Watch("orders", client=sync, sinks=[ListSink()])  # no state: the default path
    assert f"key-{sync.key_fingerprint}" in str(watch.state_path)
    sync.close()
    other.close()
