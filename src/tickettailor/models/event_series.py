"""Event series (``object: "event_series"``, ``es_…``), reference section 4.6."""

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

__all__ = ["EventSeries"]


class EventSeries(TTModel):
    """A series of occurrences with its default ticket types.

    ``revenue`` is taken to be major units like ``event.revenue`` (``Decimal``).
    Series have no ``updated_at``.
    """

    api_object: ClassVar[str | None] = "event_series"

    access_code: str | None = None
    add_ons: list[Any] | None = None
    bundles: list[Any] | None = None
    call_to_action: str | None = None
    created_at: Timestamp = None
    currency: LowerStr = None
    default_max_tickets_sold_per_occurrence: int | None = None
    default_ticket_groups: list[TicketGroup] | None = None
    default_ticket_types: list[TicketType] | None = None
    description: str | None = None
    images: Images | None = None
    name: str | None = None
    next_occurrence_date: DateValue | None = None
    online_event: Flag = None
    payment_methods: list[PaymentMethod] | None = None
    private: Flag = None
    revenue: Number = None
    sales_tax_label: str | None = None
    sales_tax_percentage: Number = None
    sales_tax_treatment: str | None = None
    show_map: Flag = None
    status: str | None = None
    tickets_available_at: Timestamp = None
    tickets_available_at_message: str | None = None
    tickets_unavailable_at: Timestamp = None
    tickets_unavailable_at_message: str | None = None
    timezone: str | None = None
    total_issued_tickets: int | None = None
    total_occurrences: int | None = None
    transaction_fee_fixed_amount: Number = None
    transaction_fee_percentage: Number = None
    upcoming_occurrences: int | None = None
    url: str | None = None
    venue: Venue | None = None
    voucher_ids: list[str] | None = None
    waitlist_active: WaitlistFlag = None
    waitlist_call_to_action: str | None = None
    waitlist_confirmation_message: str | None = None
    waitlist_event_page_text: str | None = None
