"""The box office overview (``GET /v1/overview``, no ``object`` key), section 4.14."""

from __future__ import annotations

from tickettailor.models._base import Number, TTModel
from tickettailor.models.money import Currency

__all__ = ["Overview"]


class Overview(TTModel):
    """Statistics for the reporting ``period``. The unit of ``revenue`` is not known
    (kept as the API's number, ``Decimal``); the counts are plain numbers."""

    box_office_name: str
    """The box office's name."""
    currency: Currency | None = None
    """The box office's currency (``code`` and ``symbol``)."""
    credits: Number = None
    """Prepaid credits left."""
    event_occurrences_draft: Number = None
    """Occurrences in draft."""
    event_occurrences_published: Number = None
    """Occurrences published."""
    event_series_draft: Number = None
    """Event series in draft."""
    event_series_published: Number = None
    """Event series published."""
    orders_received: Number = None
    """Orders received in the period."""
    period: str | None = None
    """The reporting period, e.g. ``"four weeks"``."""
    revenue: Number = None
    """Takings in the period (unit unknown)."""
    total_issued_tickets: Number = None
    """Tickets issued in the period."""
