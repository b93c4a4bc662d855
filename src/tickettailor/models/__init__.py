"""Typed models of the Ticket Tailor API, one module per resource.

Every model keeps the JSON object it was read from as ``.raw`` (read-only, exactly as
sent: ``json.dumps(model.raw)`` is the API's JSON); every resource (``APIObject``) has
``.id`` and ``.object``. Typed, normalised fields: string booleans as ``bool``, times as
aware ``datetime``, date objects as ``DateValue``, money as integer minor units with
``Money``/``Currency``, lower-case currency codes, enumerations as ``Literal[...] | str``
(``known``). What the API always sends is required; other fields are None when missing;
unknown fields are kept. Build one with ``Model.from_api(raw)`` or ``parse_object(raw)``.

List calls return lazy records (``Model.from_api_lazy(raw)``, ``parse_record``): real
instances of the model whose typed fields are validated on first use, so a walk that
reads only ``.id`` and ``.raw`` pays for no validation (see ``_lazy``).
"""

from __future__ import annotations

from tickettailor.models._base import APIObject, DateValue, TTModel
from tickettailor.models._raw import RawArray, RawObject
from tickettailor.models.check_in import CheckIn
from tickettailor.models.common import Images, PaymentMethod, Venue
from tickettailor.models.discount import Discount
from tickettailor.models.event import Event, EventFields
from tickettailor.models.event_series import EventSeries
from tickettailor.models.hold import Hold, HoldQuantity
from tickettailor.models.issued_ticket import IssuedTicket
from tickettailor.models.known import (
    DiscountType,
    EventStatus,
    IssuedTicketSource,
    IssuedTicketStatus,
    LineItemType,
    OrderStatus,
    PaymentMethodType,
    TaxTreatment,
    TicketTypeStatus,
    VoucherType,
)
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
from tickettailor.models.registry import MODELS_BY_OBJECT, model_for, parse_object, parse_record
from tickettailor.models.results import ActionResult, DeleteResult, VoidResult
from tickettailor.models.ticket_type import TicketGroup, TicketType
from tickettailor.models.voucher import Voucher, VoucherCode
from tickettailor.models.waitlist_signup import WaitlistSignup
from tickettailor.models.webhook import WebhookEnvelope

__all__ = [
    "MODELS_BY_OBJECT",
    "APIObject",
    "ActionResult",
    "Address",
    "BuyerDetails",
    "CheckIn",
    "Currency",
    "CustomQuestion",
    "DateValue",
    "DeleteResult",
    "Discount",
    "DiscountType",
    "Event",
    "EventFields",
    "EventSeries",
    "EventStatus",
    "EventSummary",
    "Hold",
    "HoldQuantity",
    "Images",
    "IssuedMembership",
    "IssuedTicket",
    "IssuedTicketSource",
    "IssuedTicketStatus",
    "LineItem",
    "LineItemType",
    "MembershipRedemption",
    "MembershipType",
    "Money",
    "Order",
    "OrderStatus",
    "Overview",
    "PaymentMethod",
    "PaymentMethodType",
    "Product",
    "RawArray",
    "RawObject",
    "TTModel",
    "TaxTreatment",
    "TicketGroup",
    "TicketType",
    "TicketTypeStatus",
    "Venue",
    "VoidResult",
    "Voucher",
    "VoucherCode",
    "VoucherType",
    "WaitlistSignup",
    "WebhookEnvelope",
    "model_for",
    "parse_object",
    "parse_record",
]
