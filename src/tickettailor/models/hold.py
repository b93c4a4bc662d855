"""Holds (``object: "hold"``, ``ho_…``), reference section 4.8."""

from __future__ import annotations

from typing import ClassVar

from tickettailor.models._base import APIObject, Instant, Timestamp, TTModel

__all__ = ["Hold", "HoldQuantity"]


class HoldQuantity(TTModel):
    """Seats of one ticket type in a hold."""

    ticket_type_id: str
    """The ticket type (``tt_…``)."""
    quantity: int
    """How many seats are held."""


class Hold(APIObject):
    """Seats held back from sale. A hold raises ``quantity_held``, not ``quantity``."""

    api_object: ClassVar[str | None] = "hold"

    created_at: Instant
    """When the hold was made."""
    event_id: str
    """The event occurrence (``ev_…``)."""
    quantities: list[HoldQuantity]
    """The seats held, per ticket type."""
    note: str | None = None
    """The box office's note on the hold."""
    total_on_hold: int | None = None
    """All seats held, summed over ticket types."""
    updated_at: Timestamp = None
    """When the hold last changed."""
