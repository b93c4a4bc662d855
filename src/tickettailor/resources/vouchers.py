"""Vouchers and their codes: list, get, create, update, delete; list and void codes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypedDict, Unpack

from tickettailor.models import DeleteResult, VoidResult, Voucher, VoucherCode
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

__all__ = ["AsyncVouchers", "VoucherFields", "Vouchers"]


class VoucherFields(TypedDict, total=False):
    """The fields of a voucher (``voucher_type`` is read back as ``type``)."""

    name: str
    """The voucher's name."""
    value: int
    """The value, in cents."""
    voucher_type: str
    """The kind of voucher: PROMO or GIFT_CARD; read back as ``type``."""
    codes: Sequence[str]
    """The codes of a PROMO voucher."""
    event_series_ids: Sequence[str]
    """The event series it can be used on."""
    expiry: DateInput
    """When the vouchers expire."""
    interval: int
    """Validity in days: 30, 90 or 365 (GIFT_CARD)."""
    partial_redemption: bool
    """Whether it can be redeemed in part."""
    usable_on_any_event: bool
    """Whether it can be used on any event."""
    event_series: Mapping[str, int]
    """On update, the event series it can be used on: {es_id: 1 link, 0 unlink}."""


LIST = ListSpec("/vouchers")
TIME_FIELDS = ("expiry",)


class _Vouchers(Resource):
    @lister
    def list(self, **filters: Unpack[Paging]) -> Listing[Voucher]:
        """Vouchers across all pages (lazy, oldest first); filters as keywords."""
        return self._list(Voucher, build_list(LIST, filters, tz=self._tz))

    @endpoint
    def get(self, voucher_id: str) -> Call[Voucher]:
        """One voucher by id (``NotFoundError`` when there is none)."""
        return self._call("GET", f"/vouchers/{seg(voucher_id)}", Voucher)

    @endpoint
    def create(self, **fields: Unpack[VoucherFields]) -> Call[Voucher]:
        """Create a voucher from the fields given."""
        data = build_form(fields, time_fields=TIME_FIELDS, tz=self._tz)
        return self._call("POST", "/vouchers", Voucher, data=data)

    @endpoint
    def update(self, voucher_id: str, **fields: Unpack[VoucherFields]) -> Call[Voucher]:
        """Change a voucher: only the fields given are sent."""
        data = build_form(fields, time_fields=TIME_FIELDS, tz=self._tz)
        return self._call("POST", f"/vouchers/{seg(voucher_id)}", Voucher, data=data)

    @endpoint
    def delete(self, voucher_id: str) -> Call[DeleteResult]:
        """Delete the voucher and its unredeemed codes."""
        return self._call("DELETE", f"/vouchers/{seg(voucher_id)}", DeleteResult)

    @lister
    def list_codes(self, voucher_id: str, **filters: Unpack[Paging]) -> Listing[VoucherCode]:
        """The codes of a voucher, across all pages (lazy)."""
        path = f"/vouchers/{seg(voucher_id)}/codes"
        return self._list(VoucherCode, build_list(LIST, filters, tz=self._tz, path=path))

    @endpoint
    def void_code(self, voucher_id: str, voucher_code_id: str) -> Call[VoidResult]:
        """Void one code of a voucher."""
        path = f"/vouchers/{seg(voucher_id)}/codes/{seg(voucher_code_id)}/void"
        return self._call("POST", path, VoidResult)


class Vouchers(_Vouchers, SyncResource):
    """Vouchers, blocking."""


class AsyncVouchers(_Vouchers, AsyncResource):
    """Vouchers, for asyncio."""
