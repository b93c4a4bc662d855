"""Discounts (reference §3.8): the list, one discount, create / update / delete.
Records are kept as JSON in ``objects``."""

from __future__ import annotations

from typing import Any

from tickettailor.sandbox.api.inventory import ticket_type_row
from tickettailor.sandbox.api.reading import Resource, render_objects
from tickettailor.sandbox.api.routes import Endpoint, record_routes
from tickettailor.sandbox.api.writing import (
    COMMON_READ_ONLY,
    Change,
    date_marker,
    delete_object,
    insert_object,
    link_ids,
    path_id,
    read_object,
    render_object,
    save_object,
    set_given,
    take_id,
)
from tickettailor.sandbox.forms import Form
from tickettailor.sandbox.params import text_filter
from tickettailor.sandbox.schema import ObjectRow

DISCOUNTS = Resource(
    "discounts", "di", "objects", ObjectRow, (text_filter("code", "code = ?"),),
    render_objects("discount", "di"), kind="discount",
)  # fmt: skip
_TYPES = {"fixed_amount": "fixed_amount", "percentage": "percentage"}


def _check_ticket_types(change: Change, form: Form, name: str, ids: dict[int, int] | None) -> None:
    for tt_id in ids or {}:
        if ticket_type_row(change, tt_id) is None:
            form.error(f"{name}[tt_{tt_id}]", f"Ticket type tt_{tt_id} does not exist.")


def _values(change: Change, form: Form, create: bool) -> dict[str, Any]:
    form.read_only(COMMON_READ_ONLY | {"times_redeemed"})
    values = {
        "name": form.text("name", required=create, max_length=255),
        "code": form.text("code", required=create, max_length=100),
        "type": form.choice("type", _TYPES, required=create),
        "price": form.integer("price", high=10**8),
        "price_percent": form.number("price_percent"),
        "booking_fee": form.integer("booking_fee", high=10**8),
        "booking_fee_percent": form.number("booking_fee_percent"),
        "max_redemptions": form.integer("max_redemptions", low=1),
        "expires": form.timestamp("expires"),
    }
    code = values["code"]
    if code is not None and change.one(
        "SELECT 1 FROM {p}objects WHERE kind = 'discount' AND code = ?", (code,)
    ):
        form.error("code", "A discount with this code already exists.", code)
    return values


def create(change: Change, form: Form, _ids: tuple[str, ...]) -> Any:
    """Scope comes ONLY from ``ticket_type_id[tt_x]=1``: ``ticket_types[]``, comma lists
    and ``ticket_type_ids`` are silently ignored (a discount valid on everything),
    exactly the trap seen live (reference §3.8)."""
    values = _values(change, form, True)
    scope = form.id_map("ticket_type_id", "tt")
    _check_ticket_types(change, form, "ticket_type_id", scope)
    products = form.id_map("products", "pr")
    fixed = values["type"] == "fixed_amount"
    if fixed and values["price"] is None:
        form.error("price", "Value is required and can't be empty")
    if values["type"] == "percentage" and values["price_percent"] is None:
        form.error("price_percent", "Value is required and can't be empty")
    form.check()
    fee = values["booking_fee"]
    body = {
        "booking_fee_amount": fee if fee is not None else (0 if fixed else None),
        "booking_fee_percentage": values["booking_fee_percent"],
        "code": values["code"],
        "expires": date_marker(change, values["expires"]),
        "face_value_amount": values["price"] if fixed else None,
        "face_value_percentage": None if fixed else values["price_percent"],
        "max_redemptions": values["max_redemptions"],
        "name": values["name"],
        "products": [f"pr_{p}" for p, on in sorted((products or {}).items()) if on],
        "ticket_types": [f"tt_{t}" for t, on in sorted((scope or {}).items()) if on],
        "times_redeemed": 0,
        "type": values["type"],
    }
    did = take_id(change, "discount")
    insert_object(change, "discount", did, body, code=values["code"])
    return render_object(change, "discount", "di", did)


def update(change: Change, form: Form, ids: tuple[str, ...]) -> Any:
    did = path_id(ids[0], "di")
    body, _parent = read_object(change, "discount", did)
    values = _values(change, form, False)
    scope = form.id_map("ticket_types", "tt") or {}
    scope.update(form.id_map("ticket_type_id", "tt") or {})
    _check_ticket_types(change, form, "ticket_types", scope)
    products = form.id_map("products", "pr")
    form.check()
    kind = values["type"] or body["type"]
    for key in ("name", "code", "max_redemptions", "type"):
        set_given(body, key, values[key])
    if values["expires"] is not None:
        body["expires"] = date_marker(change, values["expires"])
    if values["price"] is not None and kind == "fixed_amount":
        body["face_value_amount"], body["face_value_percentage"] = values["price"], None
    if values["price_percent"] is not None and kind == "percentage":
        body["face_value_percentage"], body["face_value_amount"] = values["price_percent"], None
    set_given(body, "booking_fee_amount", values["booking_fee"])
    set_given(body, "booking_fee_percentage", values["booking_fee_percent"])
    link_ids(body, "ticket_types", "tt", scope or None)
    link_ids(body, "products", "pr", products)
    save_object(change, "discount", did, body, code=values["code"])
    return render_object(change, "discount", "di", did)


ROUTES: list[Endpoint] = record_routes(
    "discounts", DISCOUNTS, create, update, delete_object("discount", "di")
)
