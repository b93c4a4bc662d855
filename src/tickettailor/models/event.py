"""Events, i.e. occurrences (``object: "event"``, ``ev_…``), reference section 4.3."""

from __future__ import annotations

from typing import Any, ClassVar

from tickettailor.models._base import (
    APIObject,
    DateValue,
    Flag,
    LowerStr,
    Number,
    Timestamp,
    WaitlistFlag,
)
from tickettailor.models.common import Images, PaymentMethod, Venue
from tickettailor.models.known import EventStatus, TaxTreatment
from tickettailor.models.ticket_type import TicketGroup, TicketType

__all__ = ["Event", "EventFields"]


class EventFields(APIObject):
    """The fields an event and its series share (a base class, never read on its own)."""

    name: str
    """The event's name."""
    status: EventStatus | str
    """``published``, ``draft``... (see ``known.EventStatus``)."""
    access_code: str | None = None
    """The code that unlocks a private event."""
    bundles: list[Any] | None = None
    """Ticket bundles, as sent."""
    call_to_action: str | None = None
    """The buy button's text."""
    created_at: Timestamp = None
    """When it was created."""
    currency: LowerStr | None = None
    """The lower-case currency code of its prices."""
    description: str | None = None
    """The description, HTML."""
    images: Images | None = None
    """Header and thumbnail images."""
    online_event: Flag = None
    """Whether it takes place online."""
    payment_methods: list[PaymentMethod] | None = None
    """The payment methods offered."""
    private: Flag = None
    """Whether it is hidden from the box office's listings."""
    revenue: Number = None
    """Takings in **major units** (``Decimal``), unlike every other amount."""
    sales_tax_label: str | None = None
    """The sales tax's name on receipts."""
    sales_tax_percentage: Number = None
    """The sales tax rate, in percent."""
    sales_tax_treatment: TaxTreatment | str | None = None
    """Whether the tax is on top of or included in the prices."""
    show_map: Flag = None
    """Whether the event page shows a map."""
    tickets_available_at: Timestamp = None
    """When sales open; None when open now."""
    tickets_available_at_message: str | None = None
    """The text shown before sales open (with a ``{countdown}`` placeholder)."""
    tickets_unavailable_at: Timestamp = None
    """When sales close; None when not set."""
    tickets_unavailable_at_message: str | None = None
    """The text shown after sales close."""
    timezone: str | None = None
    """The IANA time zone, e.g. ``Europe/London``."""
    total_issued_tickets: int | None = None
    """Tickets issued so far."""
    transaction_fee_fixed_amount: Number = None
    """The fixed transaction fee."""
    transaction_fee_percentage: Number = None
    """The transaction fee rate, in percent."""
    url: str | None = None
    """The public event page."""
    venue: Venue | None = None
    """Where it takes place."""
    voucher_ids: list[str] | None = None
    """Vouchers valid for it (``vo_…``)."""
    waitlist_active: WaitlistFlag = None
    """Whether a waitlist is open (or ``"no_tickets_available"``: only when sold out)."""
    waitlist_call_to_action: str | None = None
    """The waitlist button's text."""
    waitlist_confirmation_message: str | None = None
    """The text shown after joining the waitlist."""
    waitlist_event_page_text: str | None = None
    """The waitlist text on the event page."""


class Event(EventFields):
    """One occurrence of an event series.

    ``revenue`` is in **major units** (``Decimal``, e.g. ``Decimal("1522.5")``), unlike
    every other amount. ``start``/``end`` are date objects: ``event.start.datetime`` is
    the aware instant; ``timezone`` is the IANA zone name. Events have no ``updated_at``.
    """

    api_object: ClassVar[str | None] = "event"

    event_series_id: str
    """The series this occurrence belongs to (``es_…``)."""
    start: DateValue
    """When it starts."""
    end: DateValue
    """When it ends."""
    available_status: str | None = None
    """The sales state shown on the event page (newer payloads)."""
    checkout_url: str | None = None
    """The checkout link."""
    chk: str | None = None
    """A short hash, also used in ``checkout_url``."""
    hidden: Flag = None
    """Whether the occurrence is hidden."""
    max_tickets_sold_per_occurrence: int | None = None
    """The capacity of the occurrence across ticket types."""
    online_link: str | None = None
    """The link to an online event."""
    override_id: str | None = None
    """The override that set this occurrence's settings, if any."""
    ticket_groups: list[TicketGroup] | None = None
    """Groups of its ticket types."""
    ticket_types: list[TicketType] | None = None
    """Its ticket types, with prices and seats left."""
    tickets_available: Flag = None
    """Whether tickets can be bought now."""
    total_holds: int | None = None
    """Seats on hold."""
    total_orders: int | None = None
    """Orders placed."""
    unavailable: Flag = None
    """Whether sales are switched off."""
    unavailable_status: str | None = None
    """The text shown while sales are off."""
