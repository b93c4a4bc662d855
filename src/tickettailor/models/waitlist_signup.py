"""Waitlist signups (``object: "waitlist_signup"``), reference section 4.11."""

from __future__ import annotations

from typing import Any, ClassVar

from tickettailor.models._base import APIObject, DateValue

__all__ = ["WaitlistSignup"]


class WaitlistSignup(APIObject):
    """Someone waiting for tickets; ``created_at`` is a date object here."""

    api_object: ClassVar[str | None] = "waitlist_signup"

    email: str
    """The email address to tell when tickets come free."""
    event_id: str
    """The event occurrence (``ev_…``)."""
    created_at: DateValue | None = None
    """When they signed up (a date object here)."""
    event_series_id: str | None = None
    """The event series (``es_…``)."""
    notified_date: Any = None
    """When they were told about free tickets, as sent."""
