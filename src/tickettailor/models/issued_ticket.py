"""Issued tickets (``object: "issued_ticket"``, ``it_…``), reference section 4.2."""

from __future__ import annotations

from typing import Any, ClassVar

from tickettailor.models._base import Flag, Timestamp, TTModel
from tickettailor.models.money import Currency, Money

__all__ = ["IssuedTicket"]


class IssuedTicket(TTModel):
    """A ticket, from a checkout (``source: "checkout"``) or the API (``"api"``, with
    ``order_id`` None). Its ``updated_at`` moves on changes such as a void."""

    api_object: ClassVar[str | None] = "issued_ticket"

    add_on_id: str | None = None
    barcode: str | None = None
    barcode_url: str | None = None
    checked_in: Flag = None
    created_at: Timestamp = None
    custom_questions: list[Any] | None = None
    description: str | None = None
    email: str | None = None
    event_id: str | None = None
    event_series_id: str | None = None
    first_name: str | None = None
    full_name: str | None = None
    group_ticket_barcode: str | None = None
    last_name: str | None = None
    listed_currency: Currency | None = None
    listed_price: int | None = None
    order_id: str | None = None
    qr_code_url: str | None = None
    reference: str | None = None
    reservation: str | None = None
    source: str | None = None
    status: str | None = None
    ticket_type_id: str | None = None
    updated_at: Timestamp = None
    voided_at: Timestamp = None

    @property
    def listed_price_money(self) -> Money | None:
        """``listed_price`` with ``listed_currency``, when both are present."""
        if self.listed_currency is None:
            return None
        return self.listed_currency.money(self.listed_price)
