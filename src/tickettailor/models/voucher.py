"""Vouchers (``vo_…``) and their codes (``vc_…``), reference section 4.10."""

from __future__ import annotations

from typing import Any, ClassVar

from tickettailor.models._base import DateValue, Flag, LowerStr, TTModel

__all__ = ["Voucher", "VoucherCode"]


class Voucher(TTModel):
    """A promo or gift-card voucher; ``value`` in minor units of ``currency``.

    Written as ``voucher_type``, read back as ``type`` (``PROMO`` / ``GIFT_CARD``).
    """

    api_object: ClassVar[str | None] = "voucher"

    available_codes: int | None = None
    currency: LowerStr = None
    event_series_ids: list[str] | None = None
    expiry: DateValue | None = None
    name: str | None = None
    partial_redemption: Flag = None
    total_codes: int | None = None
    type: str | None = None
    usable_on_any_event: Flag = None
    value: int | None = None


class VoucherCode(TTModel):
    """One code of a voucher."""

    api_object: ClassVar[str | None] = "voucher_code"

    code: str | None = None
    expiry: DateValue | None = None
    used: Any = None
    value: int | None = None
    voucher_id: str | None = None
