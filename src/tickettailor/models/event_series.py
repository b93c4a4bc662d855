"""Event series (``object: "event_series"``, ``es_…``), reference section 4.6."""

from __future__ import annotations

from typing import Any, ClassVar

from tickettailor.models._base import DateValue
from tickettailor.models.event import EventFields
from tickettailor.models.ticket_type import TicketGroup, TicketType

__all__ = ["EventSeries"]


class EventSeries(EventFields):
    """A series of occurrences with its default ticket types.

    ``revenue`` is taken to be major units like ``event.revenue`` (``Decimal``).
    Series have no ``updated_at``.
    """

    api_object: ClassVar[str | None] = "event_series"

    add_ons: list[Any] | None = None
    """Add-ons sold with the series, as sent."""
    default_max_tickets_sold_per_occurrence: int | None = None
    """The default capacity of each occurrence."""
    default_ticket_groups: list[TicketGroup] | None = None
    """The ticket groups new occurrences get."""
    default_ticket_types: list[TicketType] | None = None
    """The ticket types new occurrences get."""
    next_occurrence_date: DateValue | None = None
    """When the next occurrence starts."""
    total_occurrences: int | None = None
    """All occurrences."""
    upcoming_occurrences: int | None = None
    """Occurrences still to come."""
