"""Products (``object: "product"``, ``pr_…``), reference section 4.12."""

from __future__ import annotations

from typing import Any, ClassVar

from tickettailor.models._base import DateValue, Flag, LowerStr, TTModel

__all__ = ["Product"]


class Product(TTModel):
    """An add-on product. Unlike most resources, ``created_at``/``updated_at`` are date
    objects; the API sends ``currency`` in upper case (lower-cased here) and ``status``
    in upper case (kept)."""

    api_object: ClassVar[str | None] = "product"

    booking_fee: int | None = None
    created_at: DateValue | None = None
    currency: LowerStr = None
    description: str | None = None
    event_series_ids: list[str] | None = None
    fulfilment_reference_id: int | None = None
    fulfilment_type: str | None = None
    image: Any = None
    instructions: Any = None
    issued_count: int | None = None
    linked_to_all_event_series: Flag = None
    name: str | None = None
    price: int | None = None
    quantity: int | None = None
    quantity_per_event_occurrence: Any = None
    sell_in_store: Flag = None
    status: str | None = None
    updated_at: DateValue | None = None
    variant: Any = None
