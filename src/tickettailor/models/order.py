"""Orders (``object: "order"``, ``or_…``), reference section 4.1."""

from __future__ import annotations

from typing import Any, ClassVar, overload

from tickettailor.models._base import APIObject, DateValue, Instant, TTModel
from tickettailor.models.common import PaymentMethod, Venue
from tickettailor.models.issued_ticket import IssuedTicket
from tickettailor.models.known import LineItemType, OrderStatus, TaxTreatment
from tickettailor.models.money import Currency, Money

__all__ = [
    "Address",
    "BuyerDetails",
    "CustomQuestion",
    "EventSummary",
    "LineItem",
    "Order",
    "PaymentMethod",
]


class Address(TTModel):
    """A postal address; every line is optional."""

    address_1: str | None = None
    """The first line."""
    address_2: str | None = None
    """The second line."""
    address_3: str | None = None
    """The third line (often the town)."""
    postal_code: str | None = None
    """The postal code."""


class CustomQuestion(TTModel):
    """A checkout question and the buyer's answer."""

    question: str | None = None
    """The question as the box office wrote it."""
    answer: Any = None
    """The answer, as the API sent it (usually a string)."""


class BuyerDetails(TTModel):
    """The buyer: name, contact and address. Personal data."""

    email: str
    """The buyer's email address."""
    address: Address | None = None
    """The buyer's postal address."""
    custom_questions: list[CustomQuestion] | None = None
    """The checkout questions the buyer answered."""
    first_name: str | None = None
    """The buyer's first name."""
    last_name: str | None = None
    """The buyer's last name."""
    name: str | None = None
    """The buyer's full name."""
    phone: str | None = None
    """The buyer's phone number."""


class EventSummary(TTModel):
    """The event an order is for. Use ``event_id``: ``id`` is deprecated by the API."""

    event_id: str
    """The event occurrence (``ev_…``)."""
    name: str
    """The event's name."""
    id: str | None = None
    """Deprecated by the API: the same as ``event_id``."""
    event_series_id: str | None = None
    """The event series (``es_…``)."""
    start_date: DateValue | None = None
    """When the event starts."""
    end_date: DateValue | None = None
    """When the event ends."""
    venue: Venue | None = None
    """Where the event takes place."""


class LineItem(APIObject):
    """One line of an order; amounts in minor units of the order's currency."""

    api_object: ClassVar[str | None] = "line_item"

    item_id: str
    """What was bought: a ticket type (``tt_…``) or a product (``pr_…``)."""
    quantity: int
    """How many."""
    total: int
    """``value`` times ``quantity``, minor units."""
    type: LineItemType | str
    """What kind of item (see ``known.LineItemType``)."""
    value: int
    """The unit price, minor units."""
    booking_fee: int | None = None
    """The booking fee, minor units."""
    description: str | None = None
    """The item's name as shown to the buyer."""


class Order(APIObject):
    """An order. Money fields are integer minor units of ``currency``: use ``money()``.

    Orders have no ``updated_at``: cancels and refunds arrive as ``ORDER.UPDATED``
    webhooks or show on a re-read. ``status_message`` is operator free text and may
    hold personal data.
    """

    api_object: ClassVar[str | None] = "order"

    buyer_details: BuyerDetails
    """Who bought: name, email, address."""
    created_at: Instant
    """When the order was placed."""
    currency: Currency
    """The currency of every amount on the order."""
    event_summary: EventSummary
    """The event the order is for."""
    issued_tickets: list[IssuedTicket]
    """The tickets the order issued."""
    line_items: list[LineItem]
    """What was bought, one line per ticket type or product."""
    refund_amount: int
    """The amount refunded so far, minor units."""
    status: OrderStatus | str
    """``completed``, ``cancelled``... (see ``known.OrderStatus``)."""
    subtotal: int
    """The amount before tax, minor units."""
    tax: int
    """The tax, minor units."""
    total: int
    """The amount charged, minor units."""
    credited_out_amount: int | None = None
    """The amount credited out to the buyer, minor units (newer payloads)."""
    marketing_opt_in: Any = None
    """Whether the buyer opted in to marketing (null in every sample)."""
    meta_data: Any = None
    """Integration metadata, as sent (``[]`` in every sample)."""
    notes: str | None = None
    """The box office's notes on the order."""
    payment_method: PaymentMethod | None = None
    """How the order was paid."""
    referral_tag: str | None = None
    """The referral tag of the sale, e.g. ``"website"``."""
    refunded_voucher_id: str | None = None
    """The voucher a refund was issued to, if any."""
    sold_products: Any = None
    """Products sold with the order, as sent."""
    status_message: str | None = None
    """The operator's note on a status change (may hold personal data)."""
    tax_treatment: TaxTreatment | str | None = None
    """Whether tax is on top of or included in the prices."""
    total_paid: int | None = None
    """The amount paid, minor units (newer payloads)."""
    txn_id: str | None = None
    """The payment processor's reference (``--`` for a zero-cost order)."""

    @overload
    def money(self, amount: int) -> Money: ...
    @overload
    def money(self, amount: None) -> None: ...
    def money(self, amount: int | None) -> Money | None:
        """``amount`` (e.g. ``order.total`` or a line item's ``total``) with the order's
        currency; None when ``amount`` is None."""
        return self.currency.money(amount)
