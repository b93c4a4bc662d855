"""Small results of writes: delete, void and action (section 4.15)."""

from __future__ import annotations

from tickettailor.models._base import Flag, TTModel

__all__ = ["ActionResult", "DeleteResult", "VoidResult"]


class DeleteResult(TTModel):
    """``{"id", "object", "deleted": "true"}`` from every DELETE (status 200)."""

    deleted: Flag = None


class VoidResult(TTModel):
    """``{"id", "object", "voided": "true"}``; an issued-ticket void to hold adds
    ``hold_id``."""

    voided: Flag = None
    hold_id: str | None = None


class ActionResult(TTModel):
    """The result of an action such as ``confirm-payment-received``
    (``{"id", "object", "payment_received": "true"}``). Other flags stay on ``.raw``."""

    payment_received: Flag = None
