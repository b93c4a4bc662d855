"""The async drivers: the same receiver run from an event loop, stopped by cancelling."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import anyio
import httpx2
import pytest

from tests.webhooks.conftest import SECRET, read_jsonl
from tickettailor.sandbox.webhook_sender import encode_json, sign
from tickettailor.sinks import JsonlSink
from tickettailor.webhooks import Listening, ReceiverSettings, serve_webhooks_async


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_serve_from_async_code_and_stop_by_cancelling(
    tmp_path: Path, api_orders: list[Any]
) -> None:
    order = api_orders[-1]
    ready: list[Listening] = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(
            lambda: serve_webhooks_async(
                ReceiverSettings(secret=SECRET),
                sinks=[JsonlSink(tmp_path / "out.jsonl")],
                state_dir=tmp_path,
                port=0,
                on_ready=ready.append,
            )
        )
        with anyio.fail_after(30):
            while not ready:
                await anyio.sleep(0.02)
        envelope = {
            "id": "wh_async_1",
            "created_at": "2026-11-29 12:00:00",
            "event": "ORDER.CREATED",
            "resource_url": f"https://api.tickettailor.com/v1/orders/{order['id']}",
            "payload": order,
        }
        body = encode_json(envelope).encode("ascii")
        headers = {"Tickettailor-Webhook-Signature": sign(SECRET, int(time.time()), body)}
        async with httpx2.AsyncClient() as client:
            response = await client.post(ready[0].url, content=body, headers=headers)
        assert response.json() == {"id": "wh_async_1", "result": "stored"}
        with anyio.fail_after(10):
            while not read_jsonl(tmp_path / "out.jsonl"):
                await anyio.sleep(0.02)
        tg.cancel_scope.cancel()
    # Cancelled and fully stopped: the port is closed, the delivery was kept once.
    with pytest.raises(httpx2.TransportError):
        httpx2.get(ready[0].url)
    assert [e["id"] for e in read_jsonl(tmp_path / "out.jsonl")] == [f"order.created:{order['id']}"]
