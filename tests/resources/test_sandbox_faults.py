"""The client against a misbehaving sandbox (its fault injector), sync over loopback
and async in-process: what a user sees when the API fails."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
from collections.abc import Callable, Iterator

import httpx2
import pytest

from tests.conftest import SANDBOX_ORDERS
from tickettailor import (
    APIConnectionError,
    AsyncClient,
    Client,
    MalformedResponseError,
    RateLimitError,
    ServerError,
)
from tickettailor.sandbox import SandboxConfig, create_app, serve_in_thread


@pytest.fixture
def serve(sandbox_config: SandboxConfig) -> Iterator[Callable[[str], Client]]:
    """``serve(faults)``: a Client on a sandbox over loopback that misbehaves so."""
    with contextlib.ExitStack() as stack:

        def start(faults: str) -> Client:
            config = dataclasses.replace(sandbox_config, faults=faults)
            running = stack.enter_context(serve_in_thread(config))
            return stack.enter_context(
                Client(running.key, base_url=running.base_url, test_mode=True)
            )

        yield start


def test_5xx_on_a_list_is_retried_and_the_walk_completes(serve: Callable[[str], Client]) -> None:
    client = serve("status:503,path=/v1/orders,count=2")
    assert len(list(client.orders.list())) == SANDBOX_ORDERS
    assert len(client.clock.slept) == 2


def test_cloudflare_html_that_persists_is_a_server_error_with_its_text(
    serve: Callable[[str], Client],
) -> None:
    client = serve("html:520,path=/v1/orders")
    with pytest.raises(ServerError) as caught:
        list(client.orders.list())
    assert caught.value.status_code == 520
    assert "<" not in caught.value.message
    assert caught.value.message
    assert len(client.clock.slept) == 5  # retried max_retries times, then raised


def test_429_waits_for_retry_after_then_continues(serve: Callable[[str], Client]) -> None:
    client = serve("429,path=/v1/orders,count=1,retry_after=7")
    assert len(list(client.orders.list(limit=150))) == 150
    assert 7.0 in client.clock.slept


def test_429_with_a_long_wait_is_raised_for_the_caller(serve: Callable[[str], Client]) -> None:
    client = serve("429,path=/v1/orders,count=1,retry_after=900")
    with pytest.raises(RateLimitError) as caught:
        list(client.orders.list())
    assert caught.value.retry_after == 900


def test_a_cut_off_json_body_is_malformed(serve: Callable[[str], Client]) -> None:
    client = serve("malformed,path=/v1/orders,count=1")
    with pytest.raises(MalformedResponseError):
        list(client.orders.list())


def test_a_dropped_connection_on_a_get_is_retried(serve: Callable[[str], Client]) -> None:
    client = serve("drop,path=/v1/orders/*,count=1")
    first = next(iter(client.orders.list(limit=1)))
    assert client.orders.get(first.id).id == first.id


def test_a_dropped_connection_that_persists_is_a_connection_error(
    serve: Callable[[str], Client],
) -> None:
    client = serve("drop,path=/v1/orders/*")
    with pytest.raises(APIConnectionError):
        client.orders.get("or_1")


def test_overlapping_pages_yield_each_order_once(serve: Callable[[str], Client]) -> None:
    client = serve("repeat:3,path=/v1/orders")
    got = [o.id for o in client.orders.list()]
    assert len(got) == len(set(got)) == SANDBOX_ORDERS


def test_async_client_rides_out_faults_in_process(sandbox_config: SandboxConfig) -> None:
    faults = "status:502,path=/v1/orders,count=3; latency:0.01,path=/v1/orders"
    app = create_app(dataclasses.replace(sandbox_config, faults=faults))
    key = app.state.sandbox.store.boxes[0].spec.key

    async def main() -> int:
        transport = httpx2.ASGITransport(app=app)
        async with AsyncClient(
            key, base_url="http://sandbox.test", transport=transport, test_mode=True
        ) as tt:
            return len([o async for o in tt.orders.list(concurrency=2)])

    assert asyncio.run(main()) == SANDBOX_ORDERS
