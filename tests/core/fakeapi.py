"""A tiny in-memory stand-in of the list API, for faults the sandbox cannot make.

It serves ``/v1/orders`` (and ``/v1/orders/{id}``) over an httpx2 MockTransport,
honours ``limit``, ``starting_after`` and ``created_at.gte/.lt``, answers with the
real envelope (``links.next`` in the live form: no /v1, underscores), and records
every request. ``script`` queues canned responses that are served first.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import httpx2

from tests.fixtures import load_fixture

FIXTURE = load_fixture("order")

RATE_HEADERS = {
    "x-rate-limit-limit": "10000",
    "x-rate-limit-remaining": "9000",
    "x-rate-limit-reset": "900",
}
NOT_FOUND = {
    "status": 404,
    "error_code": "NOT_FOUND",
    "message": "The requested resource does not exist.",
}


def order(n: int, created_at: int) -> dict[str, Any]:
    return {**FIXTURE, "id": f"or_{n}", "created_at": created_at}


class FakeAPI:
    def __init__(self, count: int = 0, *, start: int = 1_700_000_000, step: int = 60) -> None:
        self.orders = [order(i, start + i * step) for i in range(1, count + 1)]
        self.requests: list[httpx2.Request] = []
        self.script: deque[Any] = deque()  # httpx2.Response, or an exception to raise

    @property
    def transport(self) -> httpx2.MockTransport:
        return httpx2.MockTransport(self.handle)

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if self.script:
            item = self.script.popleft()
            if isinstance(item, Exception):
                raise item
            return item
        path = request.url.path
        if path.startswith("/v1/orders/"):
            wanted = path.rsplit("/", 1)[1]
            for record in self.orders:
                if record["id"] == wanted:
                    return httpx2.Response(200, json=record, headers=RATE_HEADERS)
            return httpx2.Response(404, json=NOT_FOUND)
        if path == "/v1/orders":
            return self.list_orders(request)
        return httpx2.Response(404, json=NOT_FOUND)

    def list_orders(self, request: httpx2.Request) -> httpx2.Response:
        q = request.url.params
        rows = self.orders
        gte, lt = q.get("created_at.gte"), q.get("created_at.lt")
        if gte is not None:
            rows = [r for r in rows if r["created_at"] >= int(gte)]
        if lt is not None:
            rows = [r for r in rows if r["created_at"] < int(lt)]
        after = q.get("starting_after")
        if after is not None:
            n = int(after.split("_")[1])
            rows = [r for r in rows if int(r["id"].split("_")[1]) > n]
        limit = int(q.get("limit", "100"))
        assert 1 <= limit <= 100, f"limit {limit} outside 1..100"
        page = rows[:limit]
        more = len(rows) > limit
        nxt = None
        if more:
            rest = [(k.replace(".", "_"), v) for k, v in q.multi_items() if k != "starting_after"]
            nxt = "/orders?" + str(httpx2.QueryParams([("starting_after", page[-1]["id"]), *rest]))
        body = {"data": page, "links": {"next": nxt, "previous": None}}
        return httpx2.Response(200, json=body, headers=RATE_HEADERS)
