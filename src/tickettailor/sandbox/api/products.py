"""Products (reference §3.10): the list, one product, create / update / delete.
Records are kept as JSON in ``objects``."""

from __future__ import annotations

from typing import Any

from tickettailor.sandbox.api.reading import Resource, render_objects
from tickettailor.sandbox.api.routes import Endpoint, record_routes
from tickettailor.sandbox.api.writing import (
    COMMON_READ_ONLY,
    Change,
    api_bool,
    date_marker,
    delete_object,
    insert_object,
    path_id,
    read_object,
    render_object,
    save_object,
    set_given,
    take_id,
)
from tickettailor.sandbox.forms import Form
from tickettailor.sandbox.schema import ObjectRow

PRODUCTS = Resource("products", "pr", "objects", ObjectRow, (), render_objects("product", "pr"),
                    kind="product")  # fmt: skip


def _fields(form: Form, create: bool) -> dict[str, Any]:
    form.read_only(COMMON_READ_ONLY | {"issued_count", "currency"})
    return {
        "name": form.text("name", required=create, max_length=255),
        "price": form.integer("price", required=create, high=10**8),
        "description": form.text("description", max_length=5000),
        "booking_fee": form.integer("booking_fee", high=10**8),
        "quantity": form.integer("quantity", high=10**7),
        "sell_in_store": api_bool(form.flag("sell_in_store")),
        "instructions": form.text("instructions", max_length=5000),
    }


def create(change: Change, form: Form, _ids: tuple[str, ...]) -> Any:
    values = _fields(form, True)
    form.check()
    pid = take_id(change, "product")
    stamp = date_marker(change, change.now)
    body = {
        "booking_fee": values["booking_fee"] or 0,
        "created_at": stamp,
        "currency": change.settings.currency.upper(),
        "description": values["description"] or values["name"],
        "event_series_ids": None,
        "fulfilment_reference_id": None,
        "fulfilment_type": "NONE",
        "image": None,
        "instructions": values["instructions"],
        "issued_count": 0,
        "linked_to_all_event_series": "true",
        "name": values["name"],
        "price": values["price"],
        "quantity": 100 if values["quantity"] is None else values["quantity"],
        "quantity_per_event_occurrence": None,
        "sell_in_store": values["sell_in_store"] or "false",
        "status": "ON_SALE",
        "updated_at": stamp,
        "variant": None,
    }
    insert_object(change, "product", pid, body)
    return render_object(change, "product", "pr", pid)


def update(change: Change, form: Form, ids: tuple[str, ...]) -> Any:
    pid = path_id(ids[0], "pr")
    body, _parent = read_object(change, "product", pid)
    values = _fields(form, False)
    form.check()
    for key, value in values.items():
        set_given(body, key, value)
    body["updated_at"] = date_marker(change, change.now)
    save_object(change, "product", pid, body)
    return render_object(change, "product", "pr", pid)


ROUTES: list[Endpoint] = record_routes(
    "products", PRODUCTS, create, update, delete_object("product", "pr")
)
