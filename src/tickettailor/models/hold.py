"""Holds (``object: "hold"``, ``ho_…``), reference section 4.8."""

from __future__ import annotations

from typing import ClassVar

from tickettailor.models._base import Timestamp, TTModel

__all__ = ["Hold", "HoldQuantity"]


class HoldQuantity(TTModel):
    ticket_type_id: str | None = None
    quantity: int | None = None


class Hold(TTModel):
    """Seats held back from sale. A hold raises ``quantity_held``, not ``quantity``."""

    api_object: ClassVar[str | None] = "hold"

    created_at: Timestamp = None
    updated_at: Timestamp = None
    event_id: str | None = None
    note: str | None = None
    quantities: list[HoldQuantity] | None = None
    total_on_hold: int | None = None
