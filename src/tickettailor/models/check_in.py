"""Check-ins (``object: "check_in"``), reference section 4.7."""

from __future__ import annotations

from typing import ClassVar

from tickettailor.models._base import APIObject, Instant, Timestamp

__all__ = ["CheckIn"]


class CheckIn(APIObject):
    """A check-in (``quantity`` 1) or check-out (``quantity`` -1) of an issued ticket."""

    api_object: ClassVar[str | None] = "check_in"

    created_at: Instant
    """When the check-in was recorded."""
    issued_ticket_id: str
    """The ticket checked in (``it_…``)."""
    quantity: int
    """1 for a check-in, -1 for a check-out."""
    check_in_at: Timestamp = None
    """When the attendee was checked in (may differ from ``created_at``)."""
    event_id: str | None = None
    """The event occurrence (``ev_…``)."""
    event_series_id: str | None = None
    """The event series (``es_…``)."""

    @property
    def checked_out(self) -> bool:
        """True for a check-out (negative quantity)."""
        return self.quantity < 0
