"""Long waits: the server's Retry-After wins over the budget, long waits are announced,
``max_wait`` caps them, and a refused loopback connection fails fast (issue 10)."""

from __future__ import annotations

import logging

import httpx2
import pytest

from tests.core.both import MODES, make_client
from tests.core.fakeapi import FakeAPI
from tickettailor import APIConnectionError, RateLimitError

pytestmark = pytest.mark.parametrize("mode", MODES)

WINDOW_SPENT = {"X-Rate-Limit-Remaining": "0", "X-Rate-Limit-Reset": "873"}


def too_many(**headers: str) -> httpx2.Response:
    body = {"status": 429, "error_code": "TOO_MANY_REQUESTS", "message": "slow down"}
    return httpx2.Response(429, json=body, headers=headers)


def test_retry_after_wins_over_the_window_reset(mode: str) -> None:
    api = FakeAPI(1)
    api.script.append(too_many(**{"Retry-After": "1", **WINDOW_SPENT}))
    client = make_client(mode, transport=api.transport)
    assert client.orders.get("or_1").id == "or_1"
    assert client.clock.slept == [1.0]  # not 873 s
    # The budget learnt the window from the reply after the 429: no pacing next time.
    client.orders.get("or_1")
    assert client.clock.slept == [1.0]


def test_long_waits_are_announced_to_the_hook_and_the_log(
    mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    api = FakeAPI(1)
    api.script.append(too_many(**{"Retry-After": "14"}))
    heard: list[tuple[float, str]] = []
    client = make_client(mode, transport=api.transport, on_wait=lambda s, t: heard.append((s, t)))
    with caplog.at_level(logging.WARNING, logger="tickettailor"):
        client.orders.get("or_1")
    assert heard == [(14.0, "rate limited (429): waiting 14s as the server asked; Ctrl-C to stop")]
    assert heard[0][1] in caplog.text


def test_pacing_to_the_window_reset_is_announced(mode: str) -> None:
    api = FakeAPI(1)
    api.script.append(httpx2.Response(200, json=api.orders[0], headers=WINDOW_SPENT))
    heard: list[str] = []
    client = make_client(
        mode, transport=api.transport, max_wait=1800, on_wait=lambda _s, t: heard.append(t)
    )
    client.orders.get("or_1")  # its reply says: nothing left for 873 s
    client.orders.get("or_1")
    assert client.clock.slept[0] == pytest.approx(873, abs=1)
    assert heard == ["rate limited: waiting 14m33s for the window to reset; Ctrl-C to stop"]


def test_max_wait_caps_pacing_with_rate_limit_error(mode: str) -> None:
    api = FakeAPI(1)
    api.script.append(httpx2.Response(200, json=api.orders[0], headers=WINDOW_SPENT))
    client = make_client(mode, transport=api.transport, max_wait=60)
    client.orders.get("or_1")
    with pytest.raises(RateLimitError) as caught:
        client.orders.get("or_1")
    assert caught.value.retry_after == pytest.approx(873, abs=1)
    assert "longer than max_wait (1m00s)" in str(caught.value)
    assert client.clock.slept == []


def test_max_wait_caps_a_429(mode: str) -> None:
    api = FakeAPI(1)
    api.script.append(too_many(**{"Retry-After": "30"}))
    client = make_client(mode, transport=api.transport, max_wait=10)
    with pytest.raises(RateLimitError) as caught:
        client.orders.get("or_1")
    assert caught.value.retry_after == 30.0
    assert client.clock.slept == []


def refused(request: httpx2.Request) -> httpx2.Response:
    raise httpx2.ConnectError("[Errno 111] Connection refused", request=request)


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "[::1]", "localhost"])
def test_a_refused_loopback_connection_is_retried_once(mode: str, host: str) -> None:
    calls: list[int] = []

    def handle(request: httpx2.Request) -> httpx2.Response:
        calls.append(1)
        return refused(request)

    client = make_client(mode, base_url=f"http://{host}:9", transport=httpx2.MockTransport(handle))
    with pytest.raises(APIConnectionError) as caught:
        client.orders.get("or_1")
    assert len(calls) == 2
    assert sum(client.clock.slept) < 1
    assert caught.value.reason == "Connection refused"


def test_a_refused_remote_connection_keeps_its_retries(mode: str) -> None:
    calls: list[int] = []

    def handle(request: httpx2.Request) -> httpx2.Response:
        calls.append(1)
        return refused(request)

    client = make_client(mode, base_url="http://tt.test", transport=httpx2.MockTransport(handle))
    with pytest.raises(APIConnectionError):
        client.orders.get("or_1")
    assert len(calls) == 6  # the first try and five retries
