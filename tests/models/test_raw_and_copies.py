"""``.raw`` is read-only, holds what the API sent, and never disagrees with the fields."""

from __future__ import annotations

import copy
import datetime as dt
import json
import pickle
from collections.abc import Callable
from typing import Any

import pytest

from tickettailor.models import Event, IssuedTicket, Order, RawArray, RawObject

from .conftest import load

MUTATIONS: list[tuple[str, Callable[[Order], Any]]] = [
    ("set a key", lambda o: o.raw.__setitem__("total", 1)),
    ("delete a key", lambda o: o.raw.__delitem__("total")),
    ("update", lambda o: o.raw.update(total=1)),
    ("pop", lambda o: o.raw.pop("total")),
    ("setdefault", lambda o: o.raw.setdefault("new", 1)),
    ("clear", lambda o: o.raw.clear()),
    ("|=", lambda o: o.raw.__ior__({"total": 1})),
    ("a nested object", lambda o: o.raw["buyer_details"].__setitem__("email", "x@y")),
    ("a nested .get", lambda o: o.raw.get("buyer_details").update(email="x@y")),
    ("an object in an array", lambda o: o.raw["line_items"][0].__setitem__("total", 1)),
    ("an array", lambda o: o.raw["line_items"].append({})),
    ("an array item", lambda o: o.raw["line_items"].__setitem__(0, {})),
    ("an array slice", lambda o: o.raw["line_items"][:1].append({})),
    ("iterating an array", lambda o: next(iter(o.raw["line_items"])).clear()),
    ("a nested model's raw", lambda o: o.buyer_details.raw.__setitem__("email", "x@y")),
]


@pytest.mark.parametrize(("what", "change"), MUTATIONS, ids=[m[0] for m in MUTATIONS])
def test_raw_cannot_be_changed(what: str, change: Callable[[Order], Any]) -> None:
    for order in (Order.from_api(load("order.json")), Order.from_api_lazy(load("order.json"))):
        with pytest.raises(TypeError, match=r"read-only.*copy"):
            change(order)
        assert json.dumps(order.raw) == json.dumps(load("order.json")), what


def test_raw_is_the_api_json_and_a_dict() -> None:
    sent = load("order.json")
    order = Order.from_api(sent)
    assert isinstance(order.raw, dict)
    assert isinstance(order.raw, RawObject)
    assert isinstance(order.raw["line_items"], list)
    assert isinstance(order.raw["line_items"], RawArray)
    assert order.raw == sent
    assert json.dumps(order.raw) == json.dumps(sent)
    assert list(order.raw) == list(sent)  # key order kept
    assert order.raw["issued_tickets"][0]["checked_in"] == "false"  # never normalised


def test_copies_of_raw_are_plain_and_mutable() -> None:
    order = Order.from_api(load("order.json"))
    for mine in (copy.deepcopy(order.raw), order.raw.copy(), copy.copy(order.raw)):
        assert type(mine) is dict
        assert type(mine["buyer_details"]) is dict
        mine["buyer_details"]["email"] = "changed@example.com"
    assert order.raw["buyer_details"]["email"] == "john@example.com"
    assert order.buyer_details.email == "john@example.com"
    assert pickle.loads(pickle.dumps(order.raw)) == order.raw  # noqa: S301  # our own bytes


def test_model_copy_with_update_keeps_raw_in_step() -> None:
    order = Order.from_api(load("order.json"))
    cancelled = order.model_copy(update={"status": "cancelled", "refund_amount": 500})
    assert cancelled.status == cancelled.raw["status"] == "cancelled"
    assert cancelled.raw["refund_amount"] == 500
    assert order.raw["status"] == "completed"  # the original is untouched
    # Fields not updated keep the API's own spelling.
    assert cancelled.raw["created_at"] == 1587042691
    assert cancelled.raw["issued_tickets"][0]["checked_in"] == "false"
    json.dumps(cancelled.raw)
    moved = order.model_copy(update={"created_at": dt.datetime(2026, 1, 2, tzinfo=dt.UTC)})
    assert moved.raw["created_at"] == "2026-01-02T00:00:00Z"  # JSON form of the new value
    assert json.loads(json.dumps(moved.raw))["created_at"] == "2026-01-02T00:00:00Z"
    assert order.model_copy().raw == order.raw


def test_a_model_from_python_data_has_raw_rebuilt_from_its_fields() -> None:
    order = Order.from_api(load("order.json"))
    rebuilt = Order.model_validate(order.model_dump())
    assert rebuilt.model_dump() == order.model_dump()
    text = json.dumps(rebuilt.raw)  # datetimes and Decimals are JSON here
    assert json.loads(text)["status"] == "completed"
    assert rebuilt.raw["created_at"] == "2020-04-16T13:11:31Z"
    assert rebuilt.raw["issued_tickets"][0]["checked_in"] is False  # the typed value
    with pytest.raises(TypeError, match="read-only"):
        rebuilt.raw["total"] = 1
    event = Event.model_validate(Event.from_api(load("event.json")).model_dump())
    assert json.loads(json.dumps(event.raw))["start"]["unix"] == 1746903600


def test_a_model_built_in_python_has_raw_from_its_fields() -> None:
    ticket = IssuedTicket.from_api(load("issued_ticket.json"))
    mine = IssuedTicket(**{**ticket.model_dump(), "status": "voided"})
    assert mine.raw["status"] == "voided"
    assert json.loads(json.dumps(mine.raw))["id"] == "it_50198"


def test_unknown_enumeration_values_parse_and_are_kept() -> None:
    order = Order.from_api({**load("order.json"), "status": "on_hold"})
    assert order.status == "on_hold"
    ticket = IssuedTicket.from_api({**load("issued_ticket.json"), "source": "box_office"})
    assert ticket.source == "box_office"
