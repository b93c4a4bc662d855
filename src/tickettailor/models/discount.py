"""Discounts (``object: "discount"``, ``di_…``), reference section 4.9."""

from __future__ import annotations

from typing import ClassVar

from tickettailor.models._base import DateValue, Number, TTModel

__all__ = ["Discount"]


class Discount(TTModel):
    """A discount code. Read names differ from write names (trap T5): ``price`` is read
    back as ``face_value_amount``, ``booking_fee`` as ``booking_fee_amount``.

    ``ticket_types == []`` means valid on **every** ticket type; check it after
    creating a scoped discount. A fixed amount applies per ticket; ``max_redemptions``
    counts orders.
    """

    api_object: ClassVar[str | None] = "discount"

    booking_fee_amount: int | None = None
    booking_fee_percentage: Number = None
    code: str | None = None
    expires: DateValue | None = None
    face_value_amount: int | None = None
    face_value_percentage: Number = None
    max_redemptions: int | None = None
    name: str | None = None
    products: list[str] | None = None
    ticket_types: list[str] | None = None
    times_redeemed: int | None = None
    type: str | None = None
