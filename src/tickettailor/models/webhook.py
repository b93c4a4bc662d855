"""Inbound webhook envelopes (reference section 7.3)."""

from __future__ import annotations

from typing import Any

from pydantic import field_validator

from tickettailor.models._base import Timestamp, TTModel
from tickettailor.models.registry import parse_object

__all__ = ["WebhookEnvelope"]


class WebhookEnvelope(TTModel):
    """One delivery: ``id`` (``wh_…``, the idempotency key), ``created_at`` (sent as
    ``YYYY-MM-DD HH:MM:SS`` UTC, read as an aware datetime), ``event`` (upper-cased
    here, e.g. ``ORDER.CREATED``), ``resource_url`` and ``payload``.

    ``payload`` is the resource as a plain dict (the same shape as a GET of
    ``resource_url``); ``resource()`` reads it as its typed model. Verify the signature
    over the raw bytes before building this (see ``tickettailor.webhooks``).
    """

    created_at: Timestamp = None
    event: str | None = None
    resource_url: str | None = None
    payload: dict[str, Any] | None = None

    @field_validator("event", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        # Real deliveries use upper case; some third-party material shows lower case.
        return value.upper() if isinstance(value, str) else value

    def resource(self) -> TTModel | None:
        """The payload as its model (``Order``, ``IssuedTicket``, ``Event``...) chosen by
        its ``object`` key; a plain ``TTModel`` for an object this client does not know.
        """
        # From .raw, so the resource's .raw is the very payload dict that arrived.
        payload = self.raw.get("payload")
        return parse_object(payload) if isinstance(payload, dict) else None
