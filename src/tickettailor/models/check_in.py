"""Check-ins (``object: "check_in"``), reference section 4.7."""

from __future__ import annotations

from typing import ClassVar

from tickettailor.models._base import Timestamp, TTModel

__all__ = ["CheckIn"]


class CheckIn(TTModel):
    """A check-in (``quantity`` 1) or check-out (``quantity`` -1) of an issued ticket."""

    api_object: ClassVar[str | None] = "check_in"

    check_in_at: Timestamp = None
    created_at: Timestamp = None
    event_id: str | None = None
    event_series_id: str | None = None
    issued_ticket_id: str | None = None
    quantity: int | None = None

    @property
    def checked_out(self) -> bool:
        """True for a check-out (negative quantity)."""
        return (self.quantity or 0) < 0
