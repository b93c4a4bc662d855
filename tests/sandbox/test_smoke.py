"""The shared fixtures work: in-process and over loopback HTTP."""

from __future__ import annotations

import httpx2
import pytest
from starlette.applications import Starlette

from tests.conftest import OTHER_KEY, TEST_KEY
from tickettailor.sandbox import RunningSandbox


def test_loopback_sandbox_answers_with_the_test_key(sandbox: RunningSandbox) -> None:
    assert sandbox.key == TEST_KEY
    assert sandbox.keys == [TEST_KEY, OTHER_KEY]
    response = httpx2.get(f"{sandbox.base_url}/v1/orders?limit=3", auth=(sandbox.key, ""))
    assert response.status_code == 200
    body = response.json()
    assert [o["object"] for o in body["data"]] == ["order"] * 3
    assert body["links"]["next"].startswith("/orders?starting_after=or_")


@pytest.mark.anyio
async def test_in_process_app_answers_ping_and_refuses_no_key(sandbox_app: Starlette) -> None:
    transport = httpx2.ASGITransport(app=sandbox_app)
    async with httpx2.AsyncClient(transport=transport, base_url="http://sandbox") as client:
        assert (await client.get("/v1/ping")).json() == {"version": "1.0"}
        assert (await client.get("/v1/overview")).status_code == 403
        ok = await client.get("/v1/overview", auth=(TEST_KEY, ""))
        assert ok.status_code == 200
        assert ok.json()["box_office_name"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
