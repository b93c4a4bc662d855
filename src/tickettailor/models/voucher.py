"""Vouchers (``vo_…``) and their codes (``vc_…``), reference section 4.10."""

from __future__ import annotations

from typing import Any, ClassVar

from tickettailor.models._base import APIObject, DateValue, Flag, LowerStr
from tickettailor.models.known import VoucherType

__all__ = ["Voucher", "VoucherCode"]


class Voucher(APIObject):
    """A promo or gift-card voucher; ``value`` in minor units of ``currency``.

    Written as ``voucher_type``, read back as ``type`` (``PROMO`` / ``GIFT_CARD``).
    """

    api_object: ClassVar[str | None] = "voucher"

    name: str
    """The voucher's name."""
    type: VoucherType | str
    """``PROMO`` or ``GIFT_CARD`` (see ``known.VoucherType``)."""
    value: int
    """The value of each code, minor units."""
    available_codes: int | None = None
    """Codes not used up."""
    currency: LowerStr | None = None
    """The lower-case currency code."""
    event_series_ids: list[str] | None = None
    """The series its codes are valid for (``es_…``)."""
    expiry: DateValue | None = None
    """When its codes expire; None if never."""
    partial_redemption: Flag = None
    """Whether a code can be spent in parts."""
    total_codes: int | None = None
    """All its codes."""
    usable_on_any_event: Flag = None
    """Whether its codes work on every event."""


class VoucherCode(APIObject):
    """One code of a voucher."""

    api_object: ClassVar[str | None] = "voucher_code"

    code: str
    """The code buyers type."""
    voucher_id: str
    """Its voucher (``vo_…``)."""
    expiry: DateValue | None = None
    """When it expires; None if never."""
    used: Any = None
    """Whether (or how much of) it was used, as sent."""
    value: int | None = None
    """Its value, minor units."""
