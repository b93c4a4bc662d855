"""From an API ``object`` value to its model."""

from __future__ import annotations

from typing import Any, TypeVar

from tickettailor.models._base import APIObject, TTModel
from tickettailor.models.check_in import CheckIn
from tickettailor.models.discount import Discount
from tickettailor.models.event import Event
from tickettailor.models.event_series import EventSeries
from tickettailor.models.hold import Hold
from tickettailor.models.issued_ticket import IssuedTicket
from tickettailor.models.membership import IssuedMembership, MembershipRedemption, MembershipType
from tickettailor.models.order import LineItem, Order
from tickettailor.models.product import Product
from tickettailor.models.ticket_type import TicketType
from tickettailor.models.voucher import Voucher, VoucherCode
from tickettailor.models.waitlist_signup import WaitlistSignup

__all__ = ["MODELS_BY_OBJECT", "model_for", "parse_object", "parse_record"]

M = TypeVar("M", bound=TTModel)

MODELS_BY_OBJECT: dict[str, type[APIObject]] = {
    model.api_object: model
    for model in (
        CheckIn,
        Discount,
        Event,
        EventSeries,
        Hold,
        IssuedMembership,
        IssuedTicket,
        LineItem,
        MembershipRedemption,
        MembershipType,
        Order,
        Product,
        TicketType,
        Voucher,
        VoucherCode,
        WaitlistSignup,
    )
    if model.api_object
}


def model_for(object_name: str | None) -> type[APIObject]:
    """The model for an ``object`` value; ``APIObject`` itself for an unknown one."""
    return MODELS_BY_OBJECT.get((object_name or "").lower(), APIObject)


def parse_object(raw: dict[str, Any]) -> APIObject:
    """``raw`` read as the model its ``object`` key names (``.raw`` kept as is)."""
    name = raw.get("object") if isinstance(raw, dict) else None
    return model_for(name if isinstance(name, str) else None).from_api(raw)


def parse_record(model: type[M], raw: dict[str, Any]) -> M:
    """One record of a list page as ``model``, lazily: ``.raw``, ``.id`` and ``.object``
    are free, the typed fields are validated once on first use (see ``_lazy``)."""
    return model.from_api_lazy(raw)
