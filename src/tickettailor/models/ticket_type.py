"""Ticket types (``object: "ticket_type"``, ``tt_…``), reference section 4.4.

Ticket types are embedded in events (``ticket_types``) and series
(``default_ticket_types``); there is no top-level ticket type endpoint.
"""

from __future__ import annotations

from typing import Any, ClassVar

from tickettailor.models._base import APIObject, Flag, TTModel
from tickettailor.models.known import TicketTypeStatus

__all__ = ["TicketGroup", "TicketType"]


class TicketType(APIObject):
    """Prices in minor units. ``quantity`` ignores holds and a sold-out type still says
    ``on_sale`` (trap T13): ``available`` is what can really be sold."""

    api_object: ClassVar[str | None] = "ticket_type"

    name: str
    """The ticket type's name."""
    price: int
    """The face value, minor units."""
    status: TicketTypeStatus | str
    """``on_sale``, ``sold_out``... (see ``known.TicketTypeStatus``)."""
    access_code: str | None = None
    """The code that unlocks a hidden ticket type."""
    booking_fee: int | None = None
    """The booking fee per ticket, minor units."""
    description: str | None = None
    """The ticket type's description."""
    discounts: list[Any] | None = None
    """Discounts attached to the ticket type, as sent."""
    group_id: str | None = None
    """The ticket group it belongs to."""
    has_overrides: Flag = None
    """Whether an occurrence overrides the series' settings."""
    hide_after: Any = None
    """When to hide it from sale (null in samples)."""
    hide_until: Any = None
    """Until when to hide it from sale (null in samples)."""
    hide_when_sold_out: Flag = None
    """Whether it is hidden once sold out."""
    max_per_order: int | None = None
    """The most per order."""
    min_per_order: int | None = None
    """The fewest per order."""
    override_id: str | None = None
    """The override this type comes from, if any."""
    quantity: int | None = None
    """Seats left: total minus issued minus in baskets (holds not subtracted)."""
    quantity_held: int | None = None
    """Seats on hold."""
    quantity_in_baskets: int | None = None
    """Seats in buyers' baskets now."""
    quantity_issued: int | None = None
    """Tickets issued (lags about 10 minutes after voids)."""
    quantity_total: int | None = None
    """The capacity."""
    show_quantity_remaining: Flag = None
    """Whether the event page shows the seats left."""
    show_quantity_remaining_less_than: Any = None
    """Show seats left only under this number (null in samples)."""
    sort_order: int | None = None
    """Position on the event page."""
    type: str | None = None
    """``GA`` (general admission) or ``Seated``."""

    @property
    def available(self) -> int | None:
        """Seats that can really be sold: ``quantity - quantity_held`` (may be negative)."""
        if self.quantity is None:
            return None
        return self.quantity - (self.quantity_held or 0)


class TicketGroup(TTModel):
    """A group of ticket types on an event or series (section 4.5)."""

    id: str | None = None
    """The group's id."""
    max_per_order: int | None = None
    """The most tickets of the group per order."""
    name: str | None = None
    """The group's name."""
    sort_order: int | None = None
    """Position on the event page."""
    ticket_ids: list[str] | None = None
    """The ticket types in the group (``tt_…``)."""
