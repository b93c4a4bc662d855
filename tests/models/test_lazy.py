"""Lazy records: ``.raw`` and ``.id`` cost nothing, the model is built once on first use,
and a lazy record behaves exactly like one built at once."""

from __future__ import annotations

import asyncio
import copy
import json
import pickle
from collections.abc import Callable
from typing import Any

import pytest
from pydantic import TypeAdapter

from tickettailor import AsyncClient, Client
from tickettailor._core.errors import MalformedResponseError
from tickettailor.models import Currency, Order, parse_record
from tickettailor.models._lazy import is_lazy
from tickettailor.sandbox import RunningSandbox

from .conftest import load


def lazy_order(**changes: Any) -> Order:
    return Order.from_api_lazy({**load("order.json"), **changes})


def eager_order() -> Order:
    return Order.from_api({**load("order.json"), "loyalty_points": 3})


def test_raw_id_and_object_do_not_build_the_model() -> None:
    order = lazy_order()
    assert isinstance(order, Order)
    assert (order.id, order.object) == ("or_737352", "order")
    assert json.dumps(order.raw) == json.dumps(load("order.json"))
    assert order.raw["buyer_details"]["email"] == "john@example.com"
    assert is_lazy(order)
    assert vars(order) == {"object": "order", "id": "or_737352"}  # set from .raw, nothing else


def test_the_first_typed_field_builds_it_once() -> None:
    order = lazy_order()
    email = order.buyer_details.email
    assert not is_lazy(order)
    assert email == "john@example.com"
    assert order.buyer_details is order.buyer_details  # built once, then plain attributes
    assert order.created_at == Order.from_api(load("order.json")).created_at


READS: list[tuple[str, Callable[[Order], Any]]] = [
    ("==", lambda o: o == eager_order()),
    ("== reversed", lambda o: eager_order() == o),
    ("repr", repr),
    ("str", str),
    ("model_dump", lambda o: o.model_dump()),
    ("model_dump_json", lambda o: o.model_dump_json()),
    ("model_fields_set", lambda o: o.model_fields_set),
    ("model_extra", lambda o: o.model_extra),
    ("iteration", lambda o: dict(o)),
    ("copy", lambda o: copy.copy(o).model_dump()),
    ("deepcopy", lambda o: copy.deepcopy(o).model_dump()),
    ("model_copy", lambda o: o.model_copy(update={"status": "cancelled"}).model_dump()),
    ("pickle", lambda o: pickle.loads(pickle.dumps(o)).model_dump()),  # noqa: S301  # our own bytes
    ("a TypeAdapter", lambda o: TypeAdapter(list[Order]).dump_python([o])[0]),
    ("an unknown field", lambda o: o.loyalty_points),
]


@pytest.mark.parametrize(("what", "read"), READS, ids=[r[0] for r in READS])
def test_a_lazy_record_reads_like_an_eager_one(what: str, read: Callable[[Order], Any]) -> None:
    eager = eager_order()
    lazy = lazy_order(loyalty_points=3)
    if what == "model_copy":
        assert read(lazy)["status"] == "cancelled"
    assert read(lazy) == read(eager), what
    assert not is_lazy(lazy)


def test_small_models_hash_by_value_lazy_or_not() -> None:
    sent = load("order.json")["currency"]
    eager, lazy = Currency.from_api(sent), Currency.from_api_lazy(dict(sent))
    assert hash(eager) == hash(lazy)
    assert {eager, lazy} == {eager}


def test_private_and_missing_names_do_not_build_or_invent() -> None:
    order = lazy_order()
    with pytest.raises(AttributeError):
        order._not_there  # noqa: B018  # the lookup is the test
    assert is_lazy(order)
    assert not hasattr(order, "not_a_field")


def test_a_malformed_record_fails_on_first_typed_use_every_time() -> None:
    order = lazy_order(total="a lot")
    assert order.id == "or_737352"  # the walk itself goes on
    for _ in range(2):
        with pytest.raises(MalformedResponseError, match=r"Order.*total"):
            _ = order.total
    assert repr(order).startswith("Order(object='order', id='or_737352', unreadable=")
    without_id = Order.from_api_lazy({"object": "order"})
    with pytest.raises(MalformedResponseError, match="id"):
        _ = without_id.id


def test_not_an_object_fails_at_once() -> None:
    with pytest.raises(MalformedResponseError, match="Expected a JSON object for Order"):
        parse_record(Order, [])  # type: ignore[arg-type]  # what a broken API might send


def test_the_client_lists_lazy_records(sandbox: RunningSandbox) -> None:
    with Client(sandbox.key, base_url=sandbox.base_url) as tt:
        orders = list(tt.orders.list(limit=150))
        assert len({order.id for order in orders}) == 150
        assert all(is_lazy(order) for order in orders)
        assert orders[0].buyer_details.email == orders[0].raw["buyer_details"]["email"]
        assert orders[0].total == orders[0].raw["total"]
        again = tt.orders.get(orders[0].id)
        assert again == orders[0]
        page = next(iter(tt.orders.list(limit=3).pages()))
        assert [order.id for order in page.data] == [order.id for order in orders[:3]]


def test_the_async_client_lists_lazy_records(sandbox: RunningSandbox) -> None:
    async def walk() -> list[bool]:
        async with AsyncClient(sandbox.key, base_url=sandbox.base_url) as tt:
            orders = [order async for order in tt.orders.list(limit=5)]
            lazy = [is_lazy(order) for order in orders]
            assert [o.currency.code for o in orders] == [o.raw["currency"]["code"] for o in orders]
            return lazy

    assert asyncio.run(walk()) == [True] * 5
