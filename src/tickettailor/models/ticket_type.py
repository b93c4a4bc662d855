"""Ticket types (``object: "ticket_type"``, ``tt_…``), reference section 4.4.

Ticket types are embedded in events (``ticket_types``) and series
(``default_ticket_types``); there is no top-level ticket type endpoint.
"""

from __future__ import annotations

from typing import Any, ClassVar

from tickettailor.models._base import Flag, TTModel

__all__ = ["TicketGroup", "TicketType"]


class TicketType(TTModel):
    """Prices in minor units. ``quantity`` ignores holds and a sold-out type still says
    ``on_sale`` (trap T13): ``available`` is what can really be sold."""

    api_object: ClassVar[str | None] = "ticket_type"

    access_code: str | None = None
    booking_fee: int | None = None
    description: str | None = None
    discounts: list[Any] | None = None
    group_id: str | None = None
    has_overrides: Flag = None
    hide_after: Any = None
    hide_until: Any = None
    hide_when_sold_out: Flag = None
    max_per_order: int | None = None
    min_per_order: int | None = None
    name: str | None = None
    override_id: str | None = None
    price: int | None = None
    quantity: int | None = None
    quantity_held: int | None = None
    quantity_in_baskets: int | None = None
    quantity_issued: int | None = None
    quantity_total: int | None = None
    show_quantity_remaining: Flag = None
    show_quantity_remaining_less_than: Any = None
    sort_order: int | None = None
    status: str | None = None
    type: str | None = None

    @property
    def available(self) -> int | None:
        """Seats that can really be sold: ``quantity - quantity_held`` (may be negative)."""
        if self.quantity is None:
            return None
        return self.quantity - (self.quantity_held or 0)


class TicketGroup(TTModel):
    """A group of ticket types on an event or series (section 4.5)."""

    max_per_order: int | None = None
    name: str | None = None
    sort_order: int | None = None
    ticket_ids: list[str] | None = None
