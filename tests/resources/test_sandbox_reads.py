"""The client against the sandbox: over loopback (sync) and in-process (async)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import httpx2
import pytest

from tests.conftest import OTHER_KEY, SANDBOX_ORDERS
from tickettailor import (
    AsyncClient,
    Client,
    Event,
    ForbiddenError,
    NotFoundError,
    Order,
    Overview,
)


@pytest.fixture(scope="module")
def client(sandbox):
    with Client(sandbox.key, base_url=sandbox.base_url, test_mode=True) as c:
        yield c


@pytest.fixture(scope="module")
def all_orders(client: Client) -> list[Order]:
    return list(client.orders.list())


def test_lists_every_order_oldest_first(all_orders: list[Order]) -> None:
    assert len(all_orders) == SANDBOX_ORDERS
    assert all(isinstance(o, Order) for o in all_orders)
    created = [o.raw["created_at"] for o in all_orders]
    assert created == sorted(created)
    assert len({o.id for o in all_orders}) == SANDBOX_ORDERS


def test_limit_and_pages(client: Client, all_orders: list[Order]) -> None:
    assert [o.id for o in client.orders.list(limit=150)] == [o.id for o in all_orders[:150]]
    sizes = [len(p) for p in client.orders.list().pages()]
    assert sizes == [100] * (SANDBOX_ORDERS // 100) + (
        [SANDBOX_ORDERS % 100] if SANDBOX_ORDERS % 100 else []
    )


def test_created_at_date_means_that_whole_day(client: Client, all_orders: list[Order]) -> None:
    busiest = max(
        {datetime.fromtimestamp(o.raw["created_at"], UTC).date() for o in all_orders},
        key=lambda d: sum(
            datetime.fromtimestamp(o.raw["created_at"], UTC).date() == d for o in all_orders
        ),
    )
    expected = [
        o.id
        for o in all_orders
        if datetime.fromtimestamp(o.raw["created_at"], UTC).date() == busiest
    ]
    got = [o.id for o in client.orders.list(created_at=busiest.isoformat())]
    assert got == expected
    assert got  # the day has orders, so the test can fail


def test_created_bounds(client: Client, all_orders: list[Order]) -> None:
    mid = all_orders[len(all_orders) // 2].raw["created_at"]
    after = [o.id for o in all_orders if o.raw["created_at"] > mid]
    assert [o.id for o in client.orders.list(created_gt=mid)] == after
    upto = [o.id for o in all_orders if o.raw["created_at"] <= mid]
    assert [o.id for o in client.orders.list(created_lte=mid)] == upto
    when = datetime.fromtimestamp(mid, UTC)
    assert [o.id for o in client.orders.list(created_gte=when, created_lt=mid + 1)] == [
        o.id for o in all_orders if o.raw["created_at"] == mid
    ]


def test_status_filter_takes_both_spellings(client: Client, all_orders: list[Order]) -> None:
    cancelled = [o.id for o in all_orders if o.raw["status"] == "cancelled"]
    assert cancelled, "the sandbox data should hold cancelled orders"
    assert [o.id for o in client.orders.list(status="cancelled")] == cancelled
    assert [o.id for o in client.orders.list(status="canceled")] == cancelled


def test_get_order_and_not_found(client: Client, all_orders: list[Order]) -> None:
    one = client.orders.get(all_orders[3].id)
    assert one.raw == all_orders[3].raw
    with pytest.raises(NotFoundError):
        client.orders.get("or_999999999")


def test_events_list_get_and_filters(client: Client) -> None:
    events = list(client.events.list())
    assert events
    assert all(isinstance(e, Event) for e in events)
    first = client.events.get(events[0].id)
    assert first.raw == events[0].raw
    start = events[len(events) // 2].raw["start"]["unix"]
    later = [e.id for e in events if e.raw["start"]["unix"] >= start]
    assert [e.id for e in client.events.list(start_at_gte=start)] == later


def test_other_resources_list(client: Client) -> None:
    assert len(list(client.issued_tickets.list(limit=5))) == 5
    series = list(client.event_series.list())
    assert series
    assert list(client.event_series.list_events(series[0].id))
    for pager in (client.check_ins.list(), client.holds.list(), client.discounts.list(),
                  client.vouchers.list(), client.products.list(), client.membership_types.list(),
                  client.issued_memberships.list()):  # fmt: skip
        for record in pager:
            assert record.id
            assert record.raw["id"] == record.id


def test_overview_ping_and_a_rejected_key(client: Client, sandbox) -> None:
    assert isinstance(client.overview(), Overview)
    assert client.ping() == {"version": "1.0"}
    bad = "sk_9999_999999_" + "f" * 32
    with Client(bad, base_url=sandbox.base_url, test_mode=True) as wrong:
        assert wrong.ping() == {"version": "1.0"}  # ping does not check the key
        with pytest.raises(ForbiddenError) as caught:
            wrong.overview()
    assert caught.value.hint
    assert bad not in str(caught.value) + repr(caught.value)


def test_backfill_equals_the_sequential_walk(client: Client, all_orders: list[Order]) -> None:
    first, last = all_orders[0].raw["created_at"], all_orders[-1].raw["created_at"]
    got = list(client.orders.list(created_gte=first, created_lt=last + 1, concurrency=4))
    assert [o.id for o in got] == [o.id for o in all_orders]


def test_async_client_in_process(sandbox_app) -> None:
    key = sandbox_app.state.sandbox.store.boxes[0].spec.key

    async def main() -> None:
        transport = httpx2.ASGITransport(app=sandbox_app)
        async with AsyncClient(
            key, base_url="http://sandbox.test", transport=transport, test_mode=True
        ) as tt:
            orders = [o async for o in tt.orders.list()]
            assert len(orders) == SANDBOX_ORDERS
            page = await tt.orders.list(limit=10)
            assert [o.id for o in page] == [o.id for o in orders[:10]]
            windows = [o async for o in tt.orders.list(concurrency=3)]
            assert [o.id for o in windows] == [o.id for o in orders]
            assert (await tt.orders.get(orders[0].id)).raw == orders[0].raw
            events = [e async for e in tt.events.list(limit=3)]
            assert len(events) == 3
            assert (await tt.overview()).raw
            async with AsyncClient(
                OTHER_KEY, base_url="http://sandbox.test", transport=transport, test_mode=True
            ) as other:
                theirs = [o.id async for o in other.orders.list(limit=5)]
            assert theirs
            assert not set(theirs) & {o.id for o in orders}  # another box office's data

    asyncio.run(main())
