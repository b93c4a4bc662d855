"""Newest first: the newest few records in a request or two, however long the history."""

from __future__ import annotations

import time

import pytest

from tests.core.both import MODES, make_client
from tests.core.fakeapi import FakeAPI
from tickettailor import UsageError


def history(count: int, *, step: int, end_ago: int = 0) -> FakeAPI:
    """``count`` orders ``step`` seconds apart, the newest ``end_ago`` seconds ago."""
    now = int(time.time())
    return FakeAPI(count, start=now - end_ago - count * step, step=step)


def ids(records: list[object]) -> list[str]:
    return [getattr(record, "id") for record in records]  # noqa: B009  (models and dicts alike)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("step", "requests"), [(1200, 1), (600, 2)])
def test_the_newest_five_of_a_long_history_cost_a_request_or_two(
    mode: str, step: int, requests: int
) -> None:
    api = history(5000, step=step)  # weeks of an order every 20 (10) minutes
    client = make_client(mode, transport=api.transport)
    got = client.orders.list(limit=5, newest_first=True)
    assert ids(got) == [f"or_{n}" for n in range(5000, 4995, -1)]
    assert len(api.requests) == requests


@pytest.mark.parametrize("mode", MODES)
def test_a_last_sale_days_ago_costs_two_requests(mode: str) -> None:
    api = history(500, step=3 * 3600, end_ago=86_400 * 2)  # a sale every 3 h until 2 days ago
    client = make_client(mode, transport=api.transport)
    assert ids(client.orders.list(limit=5, newest_first=True))[0] == "or_500"
    assert len(api.requests) == 2


@pytest.mark.parametrize("mode", MODES)
def test_a_busy_last_day_is_narrowed_not_walked(mode: str) -> None:
    api = history(20_000, step=10)  # 2.3 days, an order every ten seconds
    client = make_client(mode, transport=api.transport)
    got = client.orders.list(limit=5, newest_first=True)
    assert ids(got) == [f"or_{n}" for n in range(20_000, 19_995, -1)]
    assert len(api.requests) <= 3


@pytest.mark.parametrize("mode", MODES)
def test_a_quiet_shop_and_the_whole_history_newest_first(mode: str) -> None:
    api = history(30, step=86_400 * 7, end_ago=86_400 * 40)  # weekly, last one 40 days ago
    client = make_client(mode, transport=api.transport)
    assert ids(client.orders.list(limit=3, newest_first=True)) == ["or_30", "or_29", "or_28"]
    assert len(api.requests) <= 4
    api.requests.clear()
    everything = ids(client.orders.list(newest_first=True))
    assert everything == [f"or_{n}" for n in range(30, 0, -1)]
    assert len(api.requests) <= 12


@pytest.mark.parametrize("mode", MODES)
def test_bounds_and_filters_are_kept(mode: str) -> None:
    api = history(100, step=60)
    first = api.orders[0]["created_at"]
    client = make_client(mode, transport=api.transport)
    got = client.orders.list(
        newest_first=True, created_gte=first + 60 * 10, created_lt=first + 60 * 20
    )
    assert ids(got) == [f"or_{n}" for n in range(20, 10, -1)]
    sent = api.requests[0].url.params
    assert int(sent["created_at.gte"]) >= first + 600
    assert int(sent["created_at.lt"]) <= first + 1200


@pytest.mark.parametrize("mode", MODES)
def test_no_records_at_all(mode: str) -> None:
    api = FakeAPI(0)
    client = make_client(mode, transport=api.transport)
    assert client.orders.list(limit=5, newest_first=True) == []
    # Two empty windows, then the oldest record: there is none.
    assert len(api.requests) == 3


def test_newest_first_needs_created_at_and_no_cursor() -> None:
    client = make_client("sync", transport=FakeAPI(1).transport)
    with pytest.raises(UsageError, match="cannot be listed newest first"):
        client.events.list(newest_first=True)
    with pytest.raises(UsageError, match="cannot be combined"):
        client.orders.list(newest_first=True, starting_after="or_1")
