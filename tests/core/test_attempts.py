"""The client says how many tries a call took and how long it waited in between, on
the response and on the error (as openai's ``retries_taken``): the command line's 429
message is built from them."""

from __future__ import annotations

import pytest

from tests.core.both import MODES, make_client
from tests.core.fakeapi import FakeAPI
from tests.core.test_transport import reply
from tickettailor import RateLimitError, ServerError

pytestmark = pytest.mark.parametrize("mode", MODES)

SLOW = {"status": 429, "error_code": "TOO_MANY_REQUESTS", "message": "slow"}


def test_a_reply_after_retries_carries_its_tries_and_waits(mode: str) -> None:
    api = FakeAPI(1)
    api.script.extend([reply(503, "busy"), reply(429, SLOW, **{"Retry-After": "7"})])
    client = make_client(mode, transport=api.transport)
    response = client.request("GET", "/orders/or_1")
    assert response.attempts == 3
    assert response.waited == pytest.approx(sum(client.clock.slept))
    assert response.waited >= 7  # the server's Retry-After is in it
    assert client.request("GET", "/orders/or_1").attempts == 1  # a clean call: 1, no wait


def test_an_error_after_every_retry_carries_its_tries_and_waits(mode: str) -> None:
    api = FakeAPI()
    api.script.extend([reply(429, SLOW, **{"Retry-After": "2"})] * 6)
    client = make_client(mode, transport=api.transport)
    with pytest.raises(RateLimitError) as caught:
        client.orders.get("or_1")
    assert caught.value.attempts == 6  # the first try and 5 retries
    assert caught.value.waited == pytest.approx(10.0)


def test_an_error_not_retried_says_one_try(mode: str) -> None:
    api = FakeAPI()
    api.script.append(reply(500, "boom"))
    client = make_client(mode, transport=api.transport)
    with pytest.raises(ServerError) as caught:
        client.issued_tickets.create(event_id="ev_1", ticket_type_id="tt_1", full_name="A B")
    assert (caught.value.attempts, caught.value.waited) == (1, 0.0)
