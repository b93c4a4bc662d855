"""Small results of writes: delete, void and action (section 4.15)."""

from __future__ import annotations

from tickettailor.models._base import APIObject, Flag

__all__ = ["ActionResult", "DeleteResult", "VoidResult"]


class DeleteResult(APIObject):
    """``{"id", "object", "deleted": "true"}`` from every DELETE (status 200)."""

    deleted: Flag = None
    """Whether the object was deleted."""


class VoidResult(APIObject):
    """``{"id", "object", "voided": "true"}``; an issued-ticket void to hold adds
    ``hold_id``."""

    voided: Flag = None
    """Whether the object was voided."""
    hold_id: str | None = None
    """The hold the voided seats went to, if any."""


class ActionResult(APIObject):
    """The result of an action such as ``confirm-payment-received``
    (``{"id", "object", "payment_received": "true"}``). Other flags stay on ``.raw``."""

    payment_received: Flag = None
    """Whether the payment is now marked as received."""
