"""Vouchers and their codes: list, get, create, update, delete; list and void codes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypedDict, Unpack

from tickettailor._core.pagination import AsyncPager, Pager
from tickettailor.models import DeleteResult, VoidResult, Voucher, VoucherCode
from tickettailor.resources._base import (
    AsyncResource,
    ListSpec,
    SyncResource,
    build_form,
    build_list,
    seg,
)
from tickettailor.resources._types import DateInput, Paging

__all__ = ["AsyncVouchers", "VoucherFields", "Vouchers"]


class VoucherFields(TypedDict, total=False):
    """The fields of a voucher (``voucher_type`` is read back as ``type``)."""

    name: str
    value: int  # cents
    voucher_type: str  # PROMO or GIFT_CARD; read back as `type`
    codes: Sequence[str]  # PROMO codes
    event_series_ids: Sequence[str]
    expiry: DateInput
    interval: int  # 30, 90 or 365 (GIFT_CARD)
    partial_redemption: bool
    usable_on_any_event: bool
    event_series: Mapping[str, int]  # on update: {es_id: 1 link, 0 unlink}


LIST = ListSpec("/vouchers")
TIME_FIELDS = ("expiry",)


class Vouchers(SyncResource):
    """``client.vouchers``: the voucher endpoints."""

    def list(self, **filters: Unpack[Paging]) -> Pager[Voucher]:
        """Vouchers across all pages (lazy, oldest first); filters as keywords."""
        return self._list(Voucher, build_list(LIST, filters, tz=self._tz))

    def get(self, voucher_id: str) -> Voucher:
        """One voucher by id (``NotFoundError`` when there is none)."""
        return self._call("GET", f"/vouchers/{seg(voucher_id)}", Voucher)

    def create(self, **fields: Unpack[VoucherFields]) -> Voucher:
        """Create a voucher from the fields given."""
        data = build_form(fields, time_fields=TIME_FIELDS, tz=self._tz)
        return self._call("POST", "/vouchers", Voucher, data=data)

    def update(self, voucher_id: str, **fields: Unpack[VoucherFields]) -> Voucher:
        """Change a voucher: only the fields given are sent."""
        data = build_form(fields, time_fields=TIME_FIELDS, tz=self._tz)
        return self._call("POST", f"/vouchers/{seg(voucher_id)}", Voucher, data=data)

    def delete(self, voucher_id: str) -> DeleteResult:
        """Delete the voucher and its unredeemed codes."""
        return self._call("DELETE", f"/vouchers/{seg(voucher_id)}", DeleteResult)

    def list_codes(self, voucher_id: str, **filters: Unpack[Paging]) -> Pager[VoucherCode]:
        """The codes of a voucher, across all pages (lazy)."""
        path = f"/vouchers/{seg(voucher_id)}/codes"
        return self._list(VoucherCode, build_list(LIST, filters, tz=self._tz, path=path))

    def void_code(self, voucher_id: str, voucher_code_id: str) -> VoidResult:
        """Void one code of a voucher."""
        path = f"/vouchers/{seg(voucher_id)}/codes/{seg(voucher_code_id)}/void"
        return self._call("POST", path, VoidResult)


class AsyncVouchers(AsyncResource):
    """``AsyncClient.vouchers``: the calls of ``Vouchers``, awaited."""

    def list(self, **filters: Unpack[Paging]) -> AsyncPager[Voucher]:
        """Vouchers across all pages (lazy, oldest first); filters as keywords."""
        return self._list(Voucher, build_list(LIST, filters, tz=self._tz))

    async def get(self, voucher_id: str) -> Voucher:
        """One voucher by id (``NotFoundError`` when there is none)."""
        return await self._call("GET", f"/vouchers/{seg(voucher_id)}", Voucher)

    async def create(self, **fields: Unpack[VoucherFields]) -> Voucher:
        """Create a voucher from the fields given."""
        data = build_form(fields, time_fields=TIME_FIELDS, tz=self._tz)
        return await self._call("POST", "/vouchers", Voucher, data=data)

    async def update(self, voucher_id: str, **fields: Unpack[VoucherFields]) -> Voucher:
        """Change a voucher: only the fields given are sent."""
        data = build_form(fields, time_fields=TIME_FIELDS, tz=self._tz)
        return await self._call("POST", f"/vouchers/{seg(voucher_id)}", Voucher, data=data)

    async def delete(self, voucher_id: str) -> DeleteResult:
        """Delete the voucher and its unredeemed codes."""
        return await self._call("DELETE", f"/vouchers/{seg(voucher_id)}", DeleteResult)

    def list_codes(self, voucher_id: str, **filters: Unpack[Paging]) -> AsyncPager[VoucherCode]:
        """The codes of a voucher, across all pages (lazy)."""
        path = f"/vouchers/{seg(voucher_id)}/codes"
        return self._list(VoucherCode, build_list(LIST, filters, tz=self._tz, path=path))

    async def void_code(self, voucher_id: str, voucher_code_id: str) -> VoidResult:
        """Void one code of a voucher."""
        path = f"/vouchers/{seg(voucher_id)}/codes/{seg(voucher_code_id)}/void"
        return await self._call("POST", path, VoidResult)
