"""Webhooks in: Ticket Tailor's deliveries verified, stored, and fed to the watches.

``serve_webhooks`` runs a receiver on its own; ``run_with_polling`` runs it beside
polling watches (webhooks for speed, polling to catch what they miss). Deliveries of
orders, issued tickets and events become the very envelopes polling builds, with the
same idempotency keys, in the same outbox: each is delivered once, however it came.
``verify`` checks a ``Tickettailor-Webhook-Signature`` on the raw body bytes. From
async code use ``serve_webhooks_async`` / ``run_with_polling_async`` (cancel to stop).
"""

from __future__ import annotations

from tickettailor.webhooks.events import (
    DELIVERED_EVENTS,
    WIRE_EVENTS,
    BadDelivery,
    Delivery,
    events_for,
    parse_delivery,
)
from tickettailor.webhooks.receiver import ReceiverSettings, create_app
from tickettailor.webhooks.runner import (
    RESOURCES,
    Listening,
    listening,
    run_with_polling,
    run_with_polling_async,
    serve_webhooks,
    serve_webhooks_async,
)
from tickettailor.webhooks.signature import SIGNATURE_HEADER, parse_signature, sign, verify

__all__ = [
    "DELIVERED_EVENTS",
    "RESOURCES",
    "SIGNATURE_HEADER",
    "WIRE_EVENTS",
    "BadDelivery",
    "Delivery",
    "Listening",
    "ReceiverSettings",
    "create_app",
    "events_for",
    "listening",
    "parse_delivery",
    "parse_signature",
    "run_with_polling",
    "run_with_polling_async",
    "serve_webhooks",
    "serve_webhooks_async",
    "sign",
    "verify",
]
