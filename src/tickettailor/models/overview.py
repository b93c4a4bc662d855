"""The box office overview (``GET /v1/overview``, no ``object`` key), section 4.14."""

from __future__ import annotations

from tickettailor.models._base import Number, TTModel
from tickettailor.models.money import Currency

__all__ = ["Overview"]


class Overview(TTModel):
    """Statistics for the reporting ``period``. The unit of ``revenue`` is not known
    (kept as the API's number, ``Decimal``); the counts are plain numbers."""

    box_office_name: str | None = None
    credits: Number = None
    currency: Currency | None = None
    event_occurrences_draft: Number = None
    event_occurrences_published: Number = None
    event_series_draft: Number = None
    event_series_published: Number = None
    orders_received: Number = None
    period: str | None = None
    revenue: Number = None
    total_issued_tickets: Number = None
