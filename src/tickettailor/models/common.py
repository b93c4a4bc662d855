"""Helper objects shared by several resources (no ``object`` key of their own)."""

from __future__ import annotations

from tickettailor.models._base import TTModel

__all__ = ["Images", "PaymentMethod", "Venue"]


class Venue(TTModel):
    name: str | None = None
    postal_code: str | None = None
    country: str | None = None


class Images(TTModel):
    header: str | None = None
    thumbnail: str | None = None


class PaymentMethod(TTModel):
    """A payment method (``pm_…``): ``type`` is ``stripe``, ``paypal``, ``no_cost``...

    A ``no_cost`` order has every other field None.
    """

    external_id: str | None = None
    instructions: str | None = None
    name: str | None = None
    type: str | None = None
