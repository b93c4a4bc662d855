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
    event_id: IdList
    event_series_id: IdList
    order_id: IdList
    barcode: str
    name: str
    email: str
    reference: str
    status: str  # valid, voided


class IssuedTicketCreate(TypedDict, total=False):
    event_id: str  # with ticket_type_id; or give hold_id instead
    ticket_type_id: str
    hold_id: str
    full_name: str
    email: str
    phone: str
    send_email: bool
    barcode: str
    reference: str


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
        return self._list(IssuedTicket, build_list(LIST, filters, tz=self._tz))

    @endpoint
    def get(self, issued_ticket_id: str) -> Call[IssuedTicket]:
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
