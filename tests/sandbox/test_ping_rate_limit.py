"""``GET /v1/ping`` is rate limited like every other request (reference §6: the real API
sends the X-Rate-Limit-* headers on every response, ping included, and ping uses up
the budget)."""

from __future__ import annotations

import httpx2

from tests.conftest import TEST_KEY
from tickettailor.sandbox import SandboxConfig, serve_in_thread

NOW = 60 * 29_833_333 + 10.0  # 10 s into a 60 s window: it cannot roll over mid-test


def rate(response: httpx2.Response) -> tuple[str, str, str]:
    h = response.headers
    return h["x-rate-limit-limit"], h["x-rate-limit-remaining"], h["x-rate-limit-reset"]


def test_ping_carries_the_headers_and_spends_the_keys_budget() -> None:
    config = SandboxConfig(keys=(TEST_KEY,), orders=5, events=2, rate_limit=(3, 60),
                           clock=lambda: NOW)  # fmt: skip
    with serve_in_thread(config) as sb, httpx2.Client(base_url=sb.base_url) as http:
        key = (TEST_KEY, "")
        first = http.get("/v1/ping", auth=key)
        overview = http.get("/v1/overview", auth=key)
        second = http.get("/v1/ping", auth=key)
        spent = http.get("/v1/ping", auth=key)
        anonymous = http.get("/v1/ping")  # no key: counted per client address instead

    assert first.json() == {"version": "1.0"}
    assert [rate(r) for r in (first, overview, second)] == [
        ("3", "2", "50"), ("3", "1", "50"), ("3", "0", "50")
    ]  # fmt: skip
    assert spent.status_code == 429
    assert rate(spent) == ("3", "0", "50")
    assert spent.headers["retry-after"] == "50"
    assert anonymous.status_code == 200
    assert rate(anonymous) == ("3", "2", "50")
