"""Discounts: list, get, create (scoped the one way the API honours), update, delete."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TypedDict, Unpack

from tickettailor._core.errors import UsageError
from tickettailor.models import DeleteResult, Discount
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
from tickettailor.resources._types import DateInput, Paging

__all__ = ["AsyncDiscounts", "DiscountCreate", "DiscountFilters", "DiscountUpdate", "Discounts"]


class DiscountFilters(Paging, total=False):
    """Filters of ``discounts.list()``; every one optional."""

    code: str
    """Only the discount with this code."""


class _DiscountFields(TypedDict, total=False):
    name: str
    """The discount's name."""
    code: str
    """The code buyers enter."""
    price: int
    """Cents off per ticket (fixed_amount); read back as face_value_amount."""
    price_percent: float
    """Percent off, 0-100 (percentage); read back as face_value_percentage."""
    booking_fee: int
    """Booking fee off per ticket, in cents (fixed_amount)."""
    booking_fee_percent: float
    """Booking fee off, 0-100 (percentage)."""
    max_redemptions: int
    """The most redemptions allowed; counts orders, not tickets."""
    expires: DateInput
    """When it expires."""


class DiscountCreate(_DiscountFields, total=False):
    """The fields of ``discounts.create()`` (``price`` reads back as ``face_value_amount``)."""

    type: str
    """The kind of discount: fixed_amount or percentage."""
    # The ticket types it applies to (all when omitted). Sent as ticket_type_id[tt]=1,
    # the only form the API honours on create: other spellings silently scope nothing.
    ticket_type_ids: Iterable[str]
    """The ticket types it applies to (all when omitted)."""
    products: Mapping[str, int]
    """The ids of the products it applies to."""


class DiscountUpdate(_DiscountFields, total=False):
    """The fields of ``discounts.update()``; only those given are sent."""

    ticket_types: Mapping[str, int]
    """The ticket types it applies to: {tt_id: 1 to link, 0 to unlink}."""
    products: Mapping[str, int]
    """The products it applies to: {pr_id: 1 to link, 0 to unlink}."""


LIST = ListSpec("/discounts", filters=("code",))


def _create_form(fields: Mapping[str, object], tz: str | None) -> dict[str, object]:
    data = dict(fields)
    scope = data.pop("ticket_type_ids", None)
    if scope is not None:
        if isinstance(scope, str):
            scope = [scope]
        if not isinstance(scope, Iterable):
            raise UsageError("ticket_type_ids must be a list of ticket type ids, e.g. ['tt_1'].")
        data["ticket_type_id"] = {seg(str(tt), "ticket type id"): 1 for tt in scope}
    return build_form(data, time_fields=("expires",), tz=tz)


class _Discounts(Resource):
    @lister
    def list(self, **filters: Unpack[DiscountFilters]) -> Listing[Discount]:
        """Discounts across all pages (lazy, oldest first); filters as keywords."""
        return self._list(Discount, build_list(LIST, filters, tz=self._tz))

    @endpoint
    def get(self, discount_id: str) -> Call[Discount]:
        """One discount by id (``NotFoundError`` when there is none)."""
        return self._call("GET", f"/discounts/{seg(discount_id)}", Discount)

    @endpoint
    def create(self, **fields: Unpack[DiscountCreate]) -> Call[Discount]:
        """Create a discount; ``ticket_type_ids=[...]`` limits it to those ticket types."""
        return self._call("POST", "/discounts", Discount, data=_create_form(fields, self._tz))

    @endpoint
    def update(self, discount_id: str, **fields: Unpack[DiscountUpdate]) -> Call[Discount]:
        """Change a discount: only the fields given are sent."""
        data = build_form(fields, time_fields=("expires",), tz=self._tz)
        return self._call("POST", f"/discounts/{seg(discount_id)}", Discount, data=data)

    @endpoint
    def delete(self, discount_id: str) -> Call[DeleteResult]:
        """Delete a discount (``DeleteResult``)."""
        return self._call("DELETE", f"/discounts/{seg(discount_id)}", DeleteResult)


class Discounts(_Discounts, SyncResource):
    """Discounts, blocking."""


class AsyncDiscounts(_Discounts, AsyncResource):
    """Discounts, for asyncio."""
