"""Products (``object: "product"``, ``pr_…``), reference section 4.12."""

from __future__ import annotations

from typing import Any, ClassVar

from tickettailor.models._base import APIObject, DateValue, Flag, LowerStr

__all__ = ["Product"]


class Product(APIObject):
    """An add-on product. Unlike most resources, ``created_at``/``updated_at`` are date
    objects; the API sends ``currency`` in upper case (lower-cased here) and ``status``
    in upper case (kept)."""

    api_object: ClassVar[str | None] = "product"

    name: str
    """The product's name."""
    price: int
    """The price, minor units."""
    status: str
    """Upper case, e.g. ``ON_SALE``."""
    booking_fee: int | None = None
    """The booking fee, minor units."""
    created_at: DateValue | None = None
    """When it was created (a date object here)."""
    currency: LowerStr | None = None
    """The lower-case currency code."""
    description: str | None = None
    """The product's description."""
    event_series_ids: list[str] | None = None
    """The series it is sold with (``es_…``)."""
    fulfilment_reference_id: int | None = None
    """What fulfils it, e.g. a membership type's number."""
    fulfilment_type: str | None = None
    """How it is fulfilled, e.g. ``ISSUED_MEMBERSHIP`` or ``NONE``."""
    image: Any = None
    """The product's image, as sent."""
    instructions: Any = None
    """Instructions for the buyer, as sent."""
    issued_count: int | None = None
    """How many were sold."""
    linked_to_all_event_series: Flag = None
    """Whether it is sold with every series."""
    quantity: int | None = None
    """How many are left."""
    quantity_per_event_occurrence: Any = None
    """The limit per occurrence, as sent."""
    sell_in_store: Flag = None
    """Whether it is sold on its own in the store."""
    updated_at: DateValue | None = None
    """When it last changed (a date object here)."""
    variant: Any = None
    """The product variant, as sent."""
