"""Outbound webhooks, sent the way Ticket Tailor sends them (reference §7).

One ``WebhookSender`` holds the subscriptions (URL, optional event names, optional
secret) and a background worker. ``emit()`` only encodes the envelope and queues it, so
request handling never waits on a receiver. The worker POSTs each delivery and retries
failures on the real schedule: attempt n (2..22) goes out n**4 seconds after the first
attempt, with the same envelope (same ``id`` and ``created_at``) and a fresh signature
timestamp. Every duration is multiplied by ``time_scale`` so tests can run the schedule
in milliseconds, and the clock is injectable.

wire.py writes the bodies exactly as Ticket Tailor does and signs them;
subscriptions.py holds subscriptions and deliveries; sender.py the queue and worker.
The control routes are in sandbox/control/webhooks.py.
"""

from __future__ import annotations

from tickettailor.sandbox.webhook_sender.sender import WebhookSender
from tickettailor.sandbox.webhook_sender.subscriptions import (
    DISABLE_AFTER_SECONDS,
    MAX_ATTEMPTS,
    WIRE_EVENTS,
    Delivery,
    Subscription,
    WebhookConfigError,
    parse_subscription,
)
from tickettailor.sandbox.webhook_sender.wire import SIGNATURE_HEADER, encode_json, sign

__all__ = [
    "DISABLE_AFTER_SECONDS",
    "MAX_ATTEMPTS",
    "SIGNATURE_HEADER",
    "WIRE_EVENTS",
    "Delivery",
    "Subscription",
    "WebhookConfigError",
    "WebhookSender",
    "encode_json",
    "parse_subscription",
    "sign",
]
