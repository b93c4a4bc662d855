"""Discounts (``object: "discount"``, ``di_…``), reference section 4.9."""

from __future__ import annotations

from typing import ClassVar

from tickettailor.models._base import APIObject, DateValue, Number
from tickettailor.models.known import DiscountType

__all__ = ["Discount"]


class Discount(APIObject):
    """A discount code. Read names differ from write names (trap T5): ``price`` is read
    back as ``face_value_amount``, ``booking_fee`` as ``booking_fee_amount``.

    ``ticket_types == []`` means valid on **every** ticket type; check it after
    creating a scoped discount. A fixed amount applies per ticket; ``max_redemptions``
    counts orders.
    """

    api_object: ClassVar[str | None] = "discount"

    code: str
    """The code buyers type."""
    name: str
    """The discount's name."""
    type: DiscountType | str
    """``fixed_amount`` or ``percentage`` (see ``known.DiscountType``)."""
    booking_fee_amount: int | None = None
    """The booking fee taken off, minor units (written as ``booking_fee``)."""
    booking_fee_percentage: Number = None
    """The booking fee percentage taken off."""
    expires: DateValue | None = None
    """When the code stops working; None if never."""
    face_value_amount: int | None = None
    """The amount taken off per ticket, minor units (written as ``price``)."""
    face_value_percentage: Number = None
    """The percentage taken off (written as ``price_percent``)."""
    max_redemptions: int | None = None
    """How many orders may use the code; None for no limit."""
    products: list[str] | None = None
    """The products it applies to (``pr_…``)."""
    ticket_types: list[str] | None = None
    """The ticket types it applies to (``tt_…``); empty means every one."""
    times_redeemed: int | None = None
    """How many orders used it so far."""
