"""Issued tickets: list, get, issue one outside any order, void."""

from __future__ import annotations

from typing import TypedDict, Unpack

from tickettailor.models import IssuedTicket, VoidResult
from tickettailor.resources._base import (
    AsyncResource,
    Call,
    Listing,
    ListSpec,
    Resource,
    SyncResource,
    build_form,
    build_list,
    endpoint,
    lister,
    seg,
)
from tickettailor.resources._types import CreatedFilters, IdList

__all__ = ["AsyncIssuedTickets", "IssuedTicketCreate", "IssuedTicketFilters", "IssuedTickets"]


class IssuedTicketFilters(CreatedFilters, total=False):
    """Filters of ``issued_tickets.list()``; every one optional."""

    event_id: IdList
    """Only these events (one id or several)."""
    event_series_id: IdList
    """Only these event series (one id or several)."""
    order_id: IdList
    """Only these orders (one id or several)."""
    barcode: str
    """Only the ticket with this barcode."""
    name: str
    """Only tickets held by this name."""
    email: str
    """Only tickets held by this email."""
    reference: str
    """Only tickets with this reference."""
    status: str
    """Only tickets with this status: valid or voided."""


class IssuedTicketCreate(TypedDict, total=False):
    """The fields of ``issued_tickets.create()`` (a ticket issued outside a checkout)."""

    event_id: str
    """The event to issue for, with ticket_type_id (or give hold_id instead)."""
    ticket_type_id: str
    """The ticket type to issue (with event_id)."""
    hold_id: str
    """Issue from this hold (instead of event_id and ticket_type_id)."""
    full_name: str
    """The ticket holder's full name."""
    email: str
    """The ticket holder's email address."""
    phone: str
    """The ticket holder's phone number."""
    send_email: bool
    """Email the ticket to the holder."""
    barcode: str
    """The barcode to use (one is generated when omitted)."""
    reference: str
    """A reference of your own, kept on the ticket."""


LIST = ListSpec(
    "/issued_tickets",
    filters=(
        "event_id",
        "event_series_id",
        "order_id",
        "barcode",
        "name",
        "email",
        "reference",
        "status",
    ),
    time_filters=("created_at",),
)


class _IssuedTickets(Resource):
    @lister
    def list(self, **filters: Unpack[IssuedTicketFilters]) -> Listing[IssuedTicket]:
        """Issued tickets across all pages (lazy, oldest first); filters as keywords."""
        return self._list(IssuedTicket, build_list(LIST, filters, tz=self._tz))

    @endpoint
    def get(self, issued_ticket_id: str) -> Call[IssuedTicket]:
        """One issued ticket by id (``NotFoundError`` when there is none)."""
        return self._call("GET", f"/issued_tickets/{seg(issued_ticket_id)}", IssuedTicket)

    @endpoint
    def create(self, **fields: Unpack[IssuedTicketCreate]) -> Call[IssuedTicket]:
        """Issue a ticket from an event's inventory (uses one credit, even when free)."""
        data = build_form(fields, tz=self._tz)
        return self._call("POST", "/issued_tickets", IssuedTicket, data=data)

    @endpoint
    def void(self, issued_ticket_id: str, *, void_to_hold: bool | None = None) -> Call[VoidResult]:
        """Void a ticket (cannot be undone; refunds nothing)."""
        path = f"/issued_tickets/{seg(issued_ticket_id)}/void"
        data = build_form({"void_to_hold": void_to_hold}, tz=self._tz)
        return self._call("POST", path, VoidResult, data=data)


class IssuedTickets(_IssuedTickets, SyncResource):
    """IssuedTickets, blocking."""


class AsyncIssuedTickets(_IssuedTickets, AsyncResource):
    """IssuedTickets, for asyncio."""
