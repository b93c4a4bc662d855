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

The names below are imported on first use: ``from tickettailor.models import Order``
builds the order models only (a command listing orders starts faster for it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tickettailor._core.lazy_names import lazy_names

if TYPE_CHECKING:
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
    from tickettailor.models.membership import (
        IssuedMembership,
        MembershipRedemption,
        MembershipType,
    )
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

_LAZY = {
    "APIObject": "tickettailor.models._base",
    "ActionResult": "tickettailor.models.results",
    "Address": "tickettailor.models.order",
    "BuyerDetails": "tickettailor.models.order",
    "CheckIn": "tickettailor.models.check_in",
    "Currency": "tickettailor.models.money",
    "CustomQuestion": "tickettailor.models.order",
    "DateValue": "tickettailor.models._base",
    "DeleteResult": "tickettailor.models.results",
    "Discount": "tickettailor.models.discount",
    "DiscountType": "tickettailor.models.known",
    "Event": "tickettailor.models.event",
    "EventFields": "tickettailor.models.event",
    "EventSeries": "tickettailor.models.event_series",
    "EventStatus": "tickettailor.models.known",
    "EventSummary": "tickettailor.models.order",
    "Hold": "tickettailor.models.hold",
    "HoldQuantity": "tickettailor.models.hold",
    "Images": "tickettailor.models.common",
    "IssuedMembership": "tickettailor.models.membership",
    "IssuedTicket": "tickettailor.models.issued_ticket",
    "IssuedTicketSource": "tickettailor.models.known",
    "IssuedTicketStatus": "tickettailor.models.known",
    "LineItem": "tickettailor.models.order",
    "LineItemType": "tickettailor.models.known",
    "MODELS_BY_OBJECT": "tickettailor.models.registry",
    "MembershipRedemption": "tickettailor.models.membership",
    "MembershipType": "tickettailor.models.membership",
    "Money": "tickettailor.models.money",
    "Order": "tickettailor.models.order",
    "OrderStatus": "tickettailor.models.known",
    "Overview": "tickettailor.models.overview",
    "PaymentMethod": "tickettailor.models.common",
    "PaymentMethodType": "tickettailor.models.known",
    "Product": "tickettailor.models.product",
    "RawArray": "tickettailor.models._raw",
    "RawObject": "tickettailor.models._raw",
    "TTModel": "tickettailor.models._base",
    "TaxTreatment": "tickettailor.models.known",
    "TicketGroup": "tickettailor.models.ticket_type",
    "TicketType": "tickettailor.models.ticket_type",
    "TicketTypeStatus": "tickettailor.models.known",
    "Venue": "tickettailor.models.common",
    "VoidResult": "tickettailor.models.results",
    "Voucher": "tickettailor.models.voucher",
    "VoucherCode": "tickettailor.models.voucher",
    "VoucherType": "tickettailor.models.known",
    "WaitlistSignup": "tickettailor.models.waitlist_signup",
    "WebhookEnvelope": "tickettailor.models.webhook",
    "model_for": "tickettailor.models.registry",
    "parse_object": "tickettailor.models.registry",
    "parse_record": "tickettailor.models.registry",
}


# The interpreter only: mypy reads the imports above (see ``_core.lazy_names``).
if not TYPE_CHECKING:
    __getattr__, __dir__ = lazy_names(__name__, _LAZY, globals())
