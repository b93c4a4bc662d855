"""Waitlist signups (``object: "waitlist_signup"``), reference section 4.11."""

from __future__ import annotations

from typing import Any, ClassVar

from tickettailor.models._base import DateValue, TTModel

__all__ = ["WaitlistSignup"]


class WaitlistSignup(TTModel):
    """Someone waiting for tickets; ``created_at`` is a date object here."""

    api_object: ClassVar[str | None] = "waitlist_signup"

    created_at: DateValue | None = None
    email: str | None = None
    event_id: str | None = None
    event_series_id: str | None = None
    notified_date: Any = None
