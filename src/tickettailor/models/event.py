"""Events, i.e. occurrences (``object: "event"``, ``ev_…``), reference section 4.3."""

from __future__ import annotations

from typing import Any, ClassVar

from tickettailor.models._base import (
    DateValue,
    Flag,
    LowerStr,
    Number,
    Timestamp,
    TTModel,
    WaitlistFlag,
)
from tickettailor.models.common import Images, PaymentMethod, Venue
from tickettailor.models.ticket_type import TicketGroup, TicketType

__all__ = ["Event"]


class Event(TTModel):
    """One occurrence of an event series.

    ``revenue`` is in **major units** (``Decimal``, e.g. ``Decimal("1522.5")``), unlike
    every other amount. ``start``/``end`` are date objects: ``event.start.datetime`` is
    the aware instant; ``timezone`` is the IANA zone name. Events have no ``updated_at``.
    """

    api_object: ClassVar[str | None] = "event"

    access_code: str | None = None
    available_status: str | None = None
    bundles: list[Any] | None = None
    call_to_action: str | None = None
    checkout_url: str | None = None
    chk: str | None = None
    created_at: Timestamp = None
    currency: LowerStr = None
    description: str | None = None
    end: DateValue | None = None
    event_series_id: str | None = None
    hidden: Flag = None
    images: Images | None = None
    max_tickets_sold_per_occurrence: int | None = None
    name: str | None = None
    online_event: Flag = None
    online_link: str | None = None
    override_id: str | None = None
    payment_methods: list[PaymentMethod] | None = None
    private: Flag = None
    revenue: Number = None
    sales_tax_label: str | None = None
    sales_tax_percentage: Number = None
    sales_tax_treatment: str | None = None
    show_map: Flag = None
    start: DateValue | None = None
    status: str | None = None
    ticket_groups: list[TicketGroup] | None = None
    ticket_types: list[TicketType] | None = None
    tickets_available: Flag = None
    tickets_available_at: Timestamp = None
    tickets_available_at_message: str | None = None
    tickets_unavailable_at: Timestamp = None
    tickets_unavailable_at_message: str | None = None
    timezone: str | None = None
    total_holds: int | None = None
    total_issued_tickets: int | None = None
    total_orders: int | None = None
    transaction_fee_fixed_amount: Number = None
    transaction_fee_percentage: Number = None
    unavailable: Flag = None
    unavailable_status: str | None = None
    url: str | None = None
    venue: Venue | None = None
    voucher_ids: list[str] | None = None
    waitlist_active: WaitlistFlag = None
    waitlist_call_to_action: str | None = None
    waitlist_confirmation_message: str | None = None
    waitlist_event_page_text: str | None = None
