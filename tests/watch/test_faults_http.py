"""The watch over real HTTP to the sandbox, with the wire misbehaving in between.

A transport wrapper around the client's real one injects 5xx, 429 with Retry-After,
Cloudflare-style HTML, truncated JSON, dropped connections and repeated rows. The
client retries some of them itself; the rest reach the engine, which must record the
error, keep its position, and deliver every order exactly once when the API recovers.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest

from tests.watch.conftest import ListSink
from tests.watch.sandbox_data import add_orders
from tickettailor import Client
from tickettailor.sandbox import RunningSandbox, SandboxConfig, serve_in_thread
from tickettailor.watch import Watch


@pytest.fixture(scope="module")
def live(sandbox_config: SandboxConfig) -> Iterator[RunningSandbox]:
    with serve_in_thread(dataclasses.replace(sandbox_config, orders=120)) as running:
        yield running


class FaultyTransport(httpx2.BaseTransport):
    """Real HTTP, except for the faults queued in ``plan`` (one per request)."""

    def __init__(self) -> None:
        self.inner = httpx2.HTTPTransport()
        self.plan: list[str | None] = []
        self.last_rows: list[Any] = []
        self.requests = 0

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        self.requests += 1
        fault = self.plan.pop(0) if self.plan else None
        if fault == "drop":
            raise httpx2.ConnectError("connection reset by peer", request=request)
        response = self.inner.handle_request(request)
        response.read()
        if fault is None or fault == "repeat":
            return self._remember(request, response, repeat=fault == "repeat")
        if fault in ("500", "503"):
            body = {"status": int(fault), "error_code": "SERVER_ERROR", "message": "boom"}
            return httpx2.Response(int(fault), json=body, request=request)
        if fault == "429":
            body = {"status": 429, "error_code": "TOO_MANY_REQUESTS", "message": "slow down"}
            return httpx2.Response(429, json=body, headers={"Retry-After": "1"}, request=request)
        if fault == "html":
            page = "<html><body><h1>502 Bad gateway</h1>cloudflare</body></html>"
            return httpx2.Response(502, html=page, request=request)
        assert fault == "malformed"
        cut = response.content[: len(response.content) // 2]
        headers = {"Content-Type": "application/json"}
        return httpx2.Response(200, content=cut, headers=headers, request=request)

    def _remember(
        self, request: httpx2.Request, response: httpx2.Response, *, repeat: bool
    ) -> httpx2.Response:
        body = response.json()
        if not isinstance(body, dict) or "data" not in body:
            return response
        if repeat:  # the previous page's last rows come again at the top
            body["data"] = self.last_rows + body["data"]
        self.last_rows = body["data"][-3:]
        headers = {"Content-Type": "application/json"}
        return httpx2.Response(
            200, content=json.dumps(body).encode(), headers=headers, request=request
        )

    def close(self) -> None:
        self.inner.close()


PLANS = {
    "5xx beyond the client's retries": ["503"] * 7,
    "429 bursts": ["429"] * 7,
    "html error pages": [None, "html", "html", "html", "html", "html", "html", "html"],
    "truncated json": [None, "malformed"] * 3,
    "dropped connections": ["drop"] * 7,
    "repeated rows": [None, "repeat", "repeat", None, "repeat"],
    "a bit of everything": ["503", "429", None, "malformed", "drop", "repeat", "html"] * 2,
}


@pytest.mark.parametrize("plan", PLANS.values(), ids=PLANS.keys())
def test_faults_on_the_wire_lose_nothing_and_repeat_nothing(
    live: RunningSandbox, tmp_path: Path, plan: list[str | None], monkeypatch
) -> None:
    monkeypatch.setenv("TICKETTAILOR_TEST_MODE", "1")  # client backoff is instant
    transport = FaultyTransport()
    sink = ListSink()
    add_orders(live, 105)  # a page boundary inside one second
    with (
        Client(live.key, base_url=live.base_url, transport=transport) as client,
        Watch("orders", client=client, sinks=[sink], state=tmp_path / "s", start="all") as w,
    ):
        transport.plan = list(plan)
        reports = [w.run_cycle() for _ in range(3)]
        add_orders(live, 5)
        transport.plan = []
        for _ in range(5):
            if w.run_cycle().stored == 0:
                break
    expected = {o.id: o.raw for o in Client(live.key, base_url=live.base_url).orders.list()}
    keys = Counter(sink.keys)
    assert set(keys) == {f"order.created:{oid}" for oid in expected}
    assert max(keys.values()) == 1
    assert all(env["data"] == expected[env["data"]["id"]] for env in sink.got)
    if plan.count(plan[0]) >= 6 and plan[0] in ("503", "429", "drop"):
        assert reports[0].fetch_error  # the engine saw the failure, and kept its position


def test_the_sandboxs_own_fault_injection(sandbox_config: SandboxConfig, tmp_path: Path) -> None:
    """The same promise with the faults made by the sandbox itself (issue 5)."""
    faults = (
        "status:503,path=/v1/orders*,count=7; malformed,path=/v1/orders*,count=2; "
        "html,path=/v1/orders*,count=2; repeat:3,path=/v1/orders*,count=3; "
        "429:2,path=/v1/orders*,count=1; drop,path=/v1/orders*,count=2"
    )
    config = dataclasses.replace(sandbox_config, orders=350, faults=faults)
    sink = ListSink()
    with (
        serve_in_thread(config) as sb,
        Client(sb.key, base_url=sb.base_url, test_mode=True) as client,
        Watch("orders", client=client, sinks=[sink], state=tmp_path / "s", start="all") as w,
    ):
        reports = [w.run_cycle() for _ in range(8)]
        expected = {o.id: o.raw for o in client.orders.list()}
    assert any(r.fetch_error for r in reports)  # some faults did reach the engine
    keys = Counter(sink.keys)
    assert set(keys) == {f"order.created:{oid}" for oid in expected}
    assert max(keys.values()) == 1
    assert all(env["data"] == expected[env["data"]["id"]] for env in sink.got)
