"""Every record the sandbox serves reads cleanly: the models and the sandbox were written
apart from the same reference, so agreement here checks both."""

from __future__ import annotations

import json
from typing import Any

import httpx2
import pytest

from tickettailor.models import Event, Order, Overview, Product, TTModel, parse_object
from tickettailor.sandbox import RunningSandbox

LISTS = [
    "orders",
    "events",
    "issued_tickets",
    "check_ins",
    "holds",
    "discounts",
    "vouchers",
    "products",
    "event_series",
    "membership_types",
    "issued_memberships",
]


@pytest.fixture(scope="module")
def http(sandbox: RunningSandbox) -> Any:
    with httpx2.Client(base_url=sandbox.base_url, auth=(sandbox.key, ""), timeout=30) as client:
        yield client


def unread_fields(model: TTModel) -> list[str]:
    """Typed fields that are None although the API sent a value: values not understood."""
    missing = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if model.raw.get(name) is not None and value is None:
            missing.append(name)
        for child in value if isinstance(value, list) else [value]:
            if isinstance(child, TTModel):
                missing += [f"{name}.{field}" for field in unread_fields(child)]
    return missing


@pytest.mark.parametrize("resource", LISTS)
def test_every_listed_record_parses_losslessly(http: Any, resource: str) -> None:
    response = http.get(f"/v1/{resource}", params={"limit": 100})
    assert response.status_code == 200, response.text
    records = response.json()["data"]
    assert records, f"the sandbox has no {resource}"
    for raw in records:
        model = parse_object(raw)
        assert model.api_object == raw["object"]
        assert json.dumps(model.raw) == json.dumps(raw)
        assert unread_fields(model) == [], f"{raw['id']}: fields not understood"
        assert not model.model_extra, f"{raw['id']}: fields the model does not know"


def test_sandbox_orders_have_money_and_aware_times(http: Any) -> None:
    orders = [Order.from_api(raw) for raw in http.get("/v1/orders").json()["data"]]
    for order in orders:
        assert order.created_at is not None
        assert order.created_at.tzinfo is not None
        assert order.currency is not None
        assert order.currency.code == (order.currency.code or "").lower()
        money = order.money(order.total)
        assert money is not None
        assert money.amount == order.total
        assert order.event_summary is not None
        assert order.event_summary.start_date is not None
        start = order.event_summary.start_date
        assert start.datetime is not None
        assert int(start.datetime.timestamp()) == start.unix
        for ticket in order.issued_tickets or []:
            assert isinstance(ticket.checked_in, bool)


def test_sandbox_events_products_and_overview(http: Any) -> None:
    for raw in http.get("/v1/events").json()["data"]:
        event = Event.from_api(raw)
        assert isinstance(event.hidden, bool)
        assert event.start is not None
        assert event.start.datetime is not None
        assert event.revenue is not None
    for raw in http.get("/v1/products").json()["data"]:
        product = Product.from_api(raw)
        assert product.currency == raw["currency"].lower()
    overview = Overview.from_api(http.get("/v1/overview").json())
    assert overview.box_office_name
    assert not overview.model_extra
