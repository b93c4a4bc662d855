"""Helper objects shared by several resources (no ``object`` key of their own)."""

from __future__ import annotations

from tickettailor.models._base import TTModel
from tickettailor.models.known import PaymentMethodType

__all__ = ["Images", "PaymentMethod", "Venue"]


class Venue(TTModel):
    """Where an event takes place."""

    name: str | None = None
    """The venue's name."""
    postal_code: str | None = None
    """The venue's postal code."""
    country: str | None = None
    """The venue's country (newer payloads only)."""


class Images(TTModel):
    """An event's or series' images, as URLs."""

    header: str | None = None
    """The header image's URL."""
    thumbnail: str | None = None
    """The thumbnail's URL."""


class PaymentMethod(TTModel):
    """A payment method (``pm_…``): ``type`` is ``stripe``, ``paypal``, ``no_cost``...

    A ``no_cost`` order has every other field None.
    """

    id: str | None = None
    """The payment method's id (``pm_…``); None on a zero-cost order."""
    external_id: str | None = None
    """The processor's account reference (e.g. the PayPal address)."""
    instructions: str | None = None
    """Payment instructions shown to the buyer (offline methods)."""
    name: str | None = None
    """The method's display name."""
    type: PaymentMethodType | str | None = None
    """How the order was paid (see ``known.PaymentMethodType``)."""
