"""Orders: list, get, update the buyer's details, confirm an offline payment."""

from __future__ import annotations

from typing import TypedDict, Unpack

from tickettailor._core.pagination import AsyncPager, Pager
from tickettailor.models import ActionResult, Order
from tickettailor.resources._base import (
    AsyncResource,
    ListSpec,
    SyncResource,
    build_form,
    build_list,
    seg,
)
from tickettailor.resources._types import CreatedFilters, IdList

__all__ = ["AsyncOrders", "OrderFilters", "OrderUpdate", "Orders"]


class OrderFilters(CreatedFilters, total=False):
    """Filters of ``orders.list()``; every one optional."""

    event_id: IdList
    event_series_id: IdList
    status: str  # completed, pending, cancelled (or canceled)
    email: str
    name: str
    txn_id: str
    barcode: str
    store_id: str
    referral_tag: str


class OrderUpdate(TypedDict, total=False):
    """The buyer's details ``orders.update()`` can change."""

    first_name: str
    last_name: str
    email: str
    phone: str
    address_1: str
    address_2: str
    address_3: str
    postal_code: str


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


class Orders(SyncResource):
    """``client.orders``: the order endpoints."""

    def list(self, **filters: Unpack[OrderFilters]) -> Pager[Order]:
        """Orders across all pages (lazy): oldest first, as the API lists them, or
        newest first with ``newest_first=True`` (the newest few cost a request or two)."""
        return self._list(Order, build_list(LIST, filters, tz=self._tz))

    def get(self, order_id: str) -> Order:
        """One order by id (``NotFoundError`` when there is none)."""
        return self._call("GET", f"/orders/{seg(order_id)}", Order)

    def update(self, order_id: str, **fields: Unpack[OrderUpdate]) -> Order:
        """Update the buyer's contact and address details."""
        data = build_form(fields, tz=self._tz)
        return self._call("POST", f"/orders/{seg(order_id)}", Order, data=data)

    def confirm_payment(self, order_id: str, *, transaction_id: str | None = None) -> ActionResult:
        """Mark an offline-payment order as paid."""
        path = f"/orders/{seg(order_id)}/confirm-payment-received"
        data = build_form({"transaction_id": transaction_id}, tz=self._tz)
        return self._call("POST", path, ActionResult, data=data)


class AsyncOrders(AsyncResource):
    """``AsyncClient.orders``: the calls of ``Orders``, awaited."""

    def list(self, **filters: Unpack[OrderFilters]) -> AsyncPager[Order]:
        """Orders across all pages (lazy): oldest first, as the API lists them, or
        newest first with ``newest_first=True`` (the newest few cost a request or two)."""
        return self._list(Order, build_list(LIST, filters, tz=self._tz))

    async def get(self, order_id: str) -> Order:
        """One order by id (``NotFoundError`` when there is none)."""
        return await self._call("GET", f"/orders/{seg(order_id)}", Order)

    async def update(self, order_id: str, **fields: Unpack[OrderUpdate]) -> Order:
        """Update the buyer's contact and address details."""
        data = build_form(fields, tz=self._tz)
        return await self._call("POST", f"/orders/{seg(order_id)}", Order, data=data)

    async def confirm_payment(
        self, order_id: str, *, transaction_id: str | None = None
    ) -> ActionResult:
        """Mark an offline-payment order as paid."""
        path = f"/orders/{seg(order_id)}/confirm-payment-received"
        data = build_form({"transaction_id": transaction_id}, tz=self._tz)
        return await self._call("POST", path, ActionResult, data=data)
