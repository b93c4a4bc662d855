"""Orders (``object: "order"``, ``or_…``), reference section 4.1."""

from __future__ import annotations

from typing import Any, ClassVar

from tickettailor.models._base import DateValue, Timestamp, TTModel
from tickettailor.models.common import PaymentMethod, Venue
from tickettailor.models.issued_ticket import IssuedTicket
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
    address_1: str | None = None
    address_2: str | None = None
    address_3: str | None = None
    postal_code: str | None = None


class CustomQuestion(TTModel):
    question: str | None = None
    answer: Any = None


class BuyerDetails(TTModel):
    """The buyer: name, contact and address. Personal data."""

    address: Address | None = None
    custom_questions: list[CustomQuestion] | None = None
    email: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    name: str | None = None
    phone: str | None = None


class EventSummary(TTModel):
    """The event an order is for. Use ``event_id``: ``id`` is deprecated by the API."""

    event_id: str | None = None
    event_series_id: str | None = None
    name: str | None = None
    start_date: DateValue | None = None
    end_date: DateValue | None = None
    venue: Venue | None = None


class LineItem(TTModel):
    """One line of an order; amounts in minor units of the order's currency."""

    api_object: ClassVar[str | None] = "line_item"

    booking_fee: int | None = None
    description: str | None = None
    item_id: str | None = None
    quantity: int | None = None
    total: int | None = None
    type: str | None = None
    value: int | None = None


class Order(TTModel):
    """An order. Money fields are integer minor units of ``currency``: use ``money()``.

    Orders have no ``updated_at``: cancels and refunds arrive as ``ORDER.UPDATED``
    webhooks or show on a re-read. ``status_message`` is operator free text and may
    hold personal data.
    """

    api_object: ClassVar[str | None] = "order"

    buyer_details: BuyerDetails | None = None
    created_at: Timestamp = None
    credited_out_amount: int | None = None
    currency: Currency | None = None
    event_summary: EventSummary | None = None
    issued_tickets: list[IssuedTicket] | None = None
    line_items: list[LineItem] | None = None
    marketing_opt_in: Any = None
    meta_data: Any = None
    notes: str | None = None
    payment_method: PaymentMethod | None = None
    referral_tag: str | None = None
    refund_amount: int | None = None
    refunded_voucher_id: str | None = None
    sold_products: Any = None
    status: str | None = None
    status_message: str | None = None
    subtotal: int | None = None
    tax: int | None = None
    tax_treatment: str | None = None
    total: int | None = None
    total_paid: int | None = None
    txn_id: str | None = None

    def money(self, amount: int | None) -> Money | None:
        """``amount`` (e.g. ``order.total`` or a line item's ``total``) with the order's
        currency; None when either is missing."""
        if self.currency is None:
            return None
        return self.currency.money(amount)
