"""The values the API is known to send for its enumerations.

Each field that holds one of these is typed ``Known | str``: the listed values show in
your editor's completion and in the documentation, and a value the API adds later
still parses (it is kept as sent) instead of failing the whole record. So compare with
the listed values, and keep a fallback branch for the others::

    if order.status == "cancelled":
        ...
    elif order.status not in get_args(OrderStatus):
        log.warning("new order status %s", order.status)
"""

from __future__ import annotations

from typing import Literal

__all__ = [
    "DiscountType",
    "EventStatus",
    "IssuedTicketSource",
    "IssuedTicketStatus",
    "LineItemType",
    "OrderStatus",
    "PaymentMethodType",
    "TaxTreatment",
    "TicketTypeStatus",
    "VoucherType",
]

OrderStatus = Literal["completed", "pending", "cancelled"]
"""An order's ``status``: ``completed`` and ``cancelled`` are seen; ``pending`` is in
the vendor's spec."""

PaymentMethodType = Literal["stripe", "paypal", "no_cost"]
"""A payment method's ``type``; ``no_cost`` is a zero-cost order."""

LineItemType = Literal["ticket", "product"]
"""A line item's ``type``: a ticket type (``item_id`` ``tt_…``) or a product (``pr_…``)."""

IssuedTicketStatus = Literal["valid", "voided"]
"""An issued ticket's ``status``."""

IssuedTicketSource = Literal["checkout", "api"]
"""Where an issued ticket came from: a checkout, or ``POST /v1/issued_tickets``."""

EventStatus = Literal["draft", "published", "sales_closed"]
"""An event's or event series' ``status``."""

TicketTypeStatus = Literal[
    "on_sale", "sold_out", "unavailable", "hidden", "admin_only", "locked", "members_only"
]
"""A ticket type's ``status``. ``on_sale`` says nothing about seats left (trap T13)."""

TaxTreatment = Literal["exclusive", "inclusive"]
"""How tax relates to the prices: added on top (``exclusive``) or included."""

DiscountType = Literal["fixed_amount", "percentage"]
"""A discount's ``type``."""

VoucherType = Literal["PROMO", "GIFT_CARD"]
"""A voucher's ``type`` (written as ``voucher_type``)."""
