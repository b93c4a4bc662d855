"""A user's code: the library used the way README.md shows it.

``make types`` checks this file with ``mypy --strict`` twice: with the project's config
and as a user would, with no config and no pydantic plugin. It must pass with no
``# type: ignore``: a regression in the public types (a field that turns Optional, a
method that loses its signature) fails there. ``test_users_code.py`` runs it against the
sandbox, so it also has to work.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import get_args

from tickettailor import AsyncClient, Client, Event, NotFoundError, Order, Watch
from tickettailor.models import IssuedTicket, LineItem, Money, OrderStatus
from tickettailor.sinks import CallableSink, JsonlSink
from tickettailor.watch.envelope import Envelope


def first_orders(tt: Client, count: int) -> list[Order]:
    """The README's loop: list, typed fields, money, ``.raw``."""
    orders: list[Order] = []
    for order in tt.orders.list(created_gte="2020-01-01", limit=count):
        email: str = order.buyer_details.email
        total_plus_one: int = order.total + 1
        money: Money = order.money(order.total)
        major: Decimal = money.major
        when: dt.datetime = order.created_at
        assert email
        assert total_plus_one == order.total + 1
        assert when.tzinfo is not None
        assert major == Decimal(order.total) / (order.currency.base_multiplier or 100)
        print(order.id, email, money)
        orders.append(order)
    return orders


def same_order_again(tt: Client, order: Order) -> Order:
    """Get by the id a list gave: ``id`` is a ``str``, never None."""
    again = tt.orders.get(order.id)
    assert again.id == order.id
    return again


def describe(order: Order) -> str:
    """Enumerations: known values compare as strings, new ones still parse."""
    status: str = order.status
    known = status in get_args(OrderStatus)
    lines: list[LineItem] = order.line_items
    tickets: list[IssuedTicket] = order.issued_tickets
    seats = sum(line.quantity for line in lines)
    voided = [ticket.id for ticket in tickets if ticket.status == "voided"]
    event_name: str = order.event_summary.name
    return f"{order.id} {status} known={known} seats={seats} voided={voided} {event_name}"


def raw_json(order: Order) -> str:
    """``.raw`` is what the API sent: JSON as is, read-only."""
    text = json.dumps(order.raw)
    assert json.loads(text)["id"] == order.id
    assert order.raw["total"] == order.total
    try:
        order.raw["total"] = 0
    except TypeError:
        pass
    else:
        raise AssertionError(".raw must be read-only")
    cancelled = order.model_copy(update={"status": "cancelled"})
    assert cancelled.raw["status"] == cancelled.status == "cancelled"
    return text


def events(tt: Client) -> list[Event]:
    """Events, one of them again by id, and a missing one."""
    found = list(tt.events.list(limit=3))
    for event in found:
        start: dt.datetime | None = event.start.datetime
        print(event.id, event.name, start, event.revenue)
    if found:
        assert tt.events.get(found[0].id).name == found[0].name
    try:
        tt.events.get("ev_does_not_exist")
    except NotFoundError as exc:
        print("not found:", exc.status_code)
    return found


def watch_once(tt: Client, folder: Path) -> list[Envelope]:
    """A watch with a file sink and a function sink, one cycle."""
    seen: list[Envelope] = []
    watch = Watch(
        "orders",
        client=tt,
        sinks=[JsonlSink(folder / "orders.jsonl"), CallableSink(seen.append)],
        state=folder / "orders.state",
        start="2020-01-01",
        limit=5,
    )
    watch.run(cycles=1, every=0)
    for envelope in seen:
        assert envelope["data"]["id"].startswith("or_")
    return seen


async def async_totals(base_url: str, api_key: str) -> int:
    """``AsyncClient`` is the same with ``await`` and ``async for``."""
    async with AsyncClient(api_key, base_url=base_url) as tt:
        total = 0
        async for order in tt.orders.list(limit=5):
            total += order.total
        return total


def main(base_url: str, api_key: str, folder: Path) -> None:
    """Everything above, in the order a user would try it."""
    with Client(api_key, base_url=base_url) as tt:
        orders = first_orders(tt, 5)
        assert len(orders) == 5
        print(describe(same_order_again(tt, orders[0])))
        raw_json(orders[0])
        events(tt)
        assert len(watch_once(tt, folder)) == 5
    print("async total:", asyncio.run(async_totals(base_url, api_key)))
