"""Issued tickets (``object: "issued_ticket"``, ``it_…``), reference section 4.2."""

from __future__ import annotations

from typing import Any, ClassVar

from tickettailor.models._base import APIObject, Flag, Instant, Timestamp
from tickettailor.models.known import IssuedTicketSource, IssuedTicketStatus
from tickettailor.models.money import Currency, Money

__all__ = ["IssuedTicket"]


class IssuedTicket(APIObject):
    """A ticket, from a checkout (``source: "checkout"``) or the API (``"api"``, with
    ``order_id`` None). Its ``updated_at`` moves on changes such as a void."""

    api_object: ClassVar[str | None] = "issued_ticket"

    barcode: str
    """The code printed on the ticket (5 to 7 letters and digits)."""
    created_at: Instant
    """When the ticket was issued."""
    event_id: str
    """The event occurrence (``ev_…``)."""
    source: IssuedTicketSource | str
    """``checkout`` or ``api`` (see ``known.IssuedTicketSource``)."""
    status: IssuedTicketStatus | str
    """``valid`` or ``voided`` (see ``known.IssuedTicketStatus``)."""
    ticket_type_id: str
    """The ticket type (``tt_…``)."""
    add_on_id: str | None = None
    """The add-on, for an add-on ticket."""
    barcode_url: str | None = None
    """An image of the barcode."""
    checked_in: Flag = None
    """Whether the ticket is checked in now."""
    custom_questions: list[Any] | None = None
    """The attendee's answers to checkout questions, as sent."""
    description: str | None = None
    """The ticket type's name as shown on the ticket."""
    email: str | None = None
    """The attendee's email address."""
    event_series_id: str | None = None
    """The event series (``es_…``); missing on older payloads."""
    first_name: str | None = None
    """The attendee's first name."""
    full_name: str | None = None
    """The attendee's full name."""
    group_ticket_barcode: str | None = None
    """The barcode of the group ticket this one belongs to."""
    last_name: str | None = None
    """The attendee's last name."""
    listed_currency: Currency | None = None
    """The currency of ``listed_price``."""
    listed_price: int | None = None
    """The ticket's listed price, minor units."""
    order_id: str | None = None
    """The order (``or_…``); None for a ticket issued through the API."""
    qr_code_url: str | None = None
    """An image of the QR code."""
    reference: str | None = None
    """A free reference given when the ticket was issued through the API."""
    reservation: str | None = None
    """The seat reservation, for seated events."""
    updated_at: Timestamp = None
    """When the ticket last changed (e.g. a void)."""
    voided_at: Timestamp = None
    """When the ticket was voided; None while valid."""

    @property
    def listed_price_money(self) -> Money | None:
        """``listed_price`` with ``listed_currency``, when both are present."""
        if self.listed_currency is None:
            return None
        return self.listed_currency.money(self.listed_price)
