"""Inbound webhook envelopes (reference section 7.3)."""

from __future__ import annotations

from typing import Any

from pydantic import field_validator

from tickettailor.models._base import APIObject, Instant, TTModel
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

    id: str
    """The delivery's id (``wh_…``): the same on every retry of one delivery."""
    created_at: Instant
    """When the delivery was first made."""
    event: str
    """What happened, upper-cased, e.g. ``ORDER.CREATED`` (the names the receiver knows:
    ``tickettailor.webhooks.events.WIRE_EVENTS``)."""
    resource_url: str | None = None
    """The API URL of the resource the payload is a copy of."""
    payload: dict[str, Any] | None = None
    """The resource as a plain dict; ``resource()`` gives its typed model."""

    @field_validator("event", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        # Real deliveries use upper case; some third-party material shows lower case.
        return value.upper() if isinstance(value, str) else value

    def resource(self) -> APIObject | None:
        """The payload as its model (``Order``, ``IssuedTicket``, ``Event``...) chosen by
        its ``object`` key; a plain ``APIObject`` for an object this client does not know.
        """
        # From .raw, so the resource's .raw is the very payload that arrived.
        payload = self.raw.get("payload")
        return parse_object(payload) if isinstance(payload, dict) else None
