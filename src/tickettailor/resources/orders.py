"""Orders: list, get, update the buyer's details, confirm an offline payment."""

from __future__ import annotations

from typing import TypedDict, Unpack

from tickettailor.models import ActionResult, Order
from tickettailor.resources._base import (
    AsyncResource,
    Call,
    Listing,
    ListSpec,
    Resource,
    SyncResource,
    build_form,
    build_list,
    endpoint,
    lister,
    seg,
)
from tickettailor.resources._types import CreatedFilters, IdList

__all__ = ["AsyncOrders", "OrderFilters", "OrderUpdate", "Orders"]


class OrderFilters(CreatedFilters, total=False):
    """Filters of ``orders.list()``; every one optional."""

    event_id: IdList
    """Only these events (one id or several)."""
    event_series_id: IdList
    """Only these event series (one id or several)."""
    status: str
    """Only orders with this status: completed, pending, cancelled (or canceled)."""
    email: str
    """Only orders by this buyer's email."""
    name: str
    """Only orders by this buyer's name."""
    txn_id: str
    """The payment transaction id."""
    barcode: str
    """Only the order holding the ticket with this barcode."""
    store_id: str
    """The box office (store) id."""
    referral_tag: str
    """The referral tag the order came with."""


class OrderUpdate(TypedDict, total=False):
    """The buyer's details ``orders.update()`` can change."""

    first_name: str
    """The buyer's first name."""
    last_name: str
    """The buyer's last name."""
    email: str
    """The buyer's email address."""
    phone: str
    """The buyer's phone number."""
    address_1: str
    """The first line of the address."""
    address_2: str
    """The second line of the address."""
    address_3: str
    """The third line of the address."""
    postal_code: str
    """The postal code."""


LIST = ListSpec(
    "/orders",
    filters=(
        "event_id",
        "event_series_id",
        "status",
        "email",
        "name",
        "txn_id",
        "barcode",
        "store_id",
        "referral_tag",
    ),
    time_filters=("created_at",),
    # The data says "cancelled", the API's filter enum "canceled": accept both, send
    # the enum's spelling.
    aliases={"status": {"cancelled": "canceled"}},
)


class _Orders(Resource):
    @lister
    def list(self, **filters: Unpack[OrderFilters]) -> Listing[Order]:
        """Orders across all pages (lazy): oldest first, as the API lists them, or
        newest first with ``newest_first=True`` (the newest few cost a request or two)."""
        return self._list(Order, build_list(LIST, filters, tz=self._tz))

    @endpoint
    def get(self, order_id: str) -> Call[Order]:
        """One order by id (``NotFoundError`` when there is none)."""
        return self._call("GET", f"/orders/{seg(order_id)}", Order)

    @endpoint
    def update(self, order_id: str, **fields: Unpack[OrderUpdate]) -> Call[Order]:
        """Update the buyer's contact and address details."""
        data = build_form(fields, tz=self._tz)
        return self._call("POST", f"/orders/{seg(order_id)}", Order, data=data)

    @endpoint
    def confirm_payment(
        self, order_id: str, *, transaction_id: str | None = None
    ) -> Call[ActionResult]:
        """Mark an offline-payment order as paid."""
        path = f"/orders/{seg(order_id)}/confirm-payment-received"
        data = build_form({"transaction_id": transaction_id}, tz=self._tz)
        return self._call("POST", path, ActionResult, data=data)


class Orders(_Orders, SyncResource):
    """Orders, blocking."""


class AsyncOrders(_Orders, AsyncResource):
    """Orders, for asyncio."""
