"""Typed models of the Ticket Tailor API, one module per resource.

Every model keeps the JSON object it was read from as ``.raw`` (the same dict,
unchanged: ``json.dumps(model.raw)`` is the API's JSON), has ``.id`` and ``.object``,
and gives typed, normalised fields: string booleans as ``bool``, times as aware
``datetime``, date objects as ``DateValue``, money as integer minor units with
``Money``/``Currency``, lower-case currency codes. Unknown fields are kept; missing
ones are None. Build one with ``Model.from_api(raw)`` or ``parse_object(raw)``.
"""

from __future__ import annotations

from tickettailor.models._base import DateValue, TTModel
from tickettailor.models.check_in import CheckIn
from tickettailor.models.common import Images, PaymentMethod, Venue
from tickettailor.models.discount import Discount
from tickettailor.models.event import Event
from tickettailor.models.event_series import EventSeries
from tickettailor.models.hold import Hold, HoldQuantity
from tickettailor.models.issued_ticket import IssuedTicket
from tickettailor.models.membership import IssuedMembership, MembershipRedemption, MembershipType
from tickettailor.models.money import Currency, Money
from tickettailor.models.order import (
    Address,
    BuyerDetails,
    CustomQuestion,
    EventSummary,
    LineItem,
    Order,
)
from tickettailor.models.overview import Overview
from tickettailor.models.product import Product
from tickettailor.models.registry import MODELS_BY_OBJECT, model_for, parse_object
from tickettailor.models.results import ActionResult, DeleteResult, VoidResult
from tickettailor.models.ticket_type import TicketGroup, TicketType
from tickettailor.models.voucher import Voucher, VoucherCode
from tickettailor.models.waitlist_signup import WaitlistSignup
from tickettailor.models.webhook import WebhookEnvelope

__all__ = [
    "MODELS_BY_OBJECT",
    "ActionResult",
    "Address",
    "BuyerDetails",
    "CheckIn",
    "Currency",
    "CustomQuestion",
    "DateValue",
    "DeleteResult",
    "Discount",
    "Event",
    "EventSeries",
    "EventSummary",
    "Hold",
    "HoldQuantity",
    "Images",
    "IssuedMembership",
    "IssuedTicket",
    "LineItem",
    "MembershipRedemption",
    "MembershipType",
    "Money",
    "Order",
    "Overview",
    "PaymentMethod",
    "Product",
    "TTModel",
    "TicketGroup",
    "TicketType",
    "Venue",
    "VoidResult",
    "Voucher",
    "VoucherCode",
    "WaitlistSignup",
    "WebhookEnvelope",
    "model_for",
    "parse_object",
]
