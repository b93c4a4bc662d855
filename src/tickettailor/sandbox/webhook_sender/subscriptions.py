"""Webhook subscriptions (URL, optional event names, optional secret) and the
deliveries made to them; the CLI form of a subscription."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

# Reference §7.2: every wire name Ticket Tailor uses (upper case on the wire).
WIRE_EVENTS = frozenset(
    {
        "ORDER.CREATED",
        "ORDER.UPDATED",
        "ISSUED_TICKET.CREATED",
        "ISSUED_TICKET.UPDATED",
        "EVENT.CREATED",
        "EVENT.UPDATED",
        "EVENT.DELETED",
        "ISSUED_MEMBERSHIP.CREATED",
        "ISSUED_MEMBERSHIP.UPDATED",
        "WAITLIST_SIGNUP.CREATED",
        "BASKET.EXPIRED",
    }
)
MAX_ATTEMPTS = 22
# Ticket Tailor disables a webhook after 10 days of continuous failure (reference §7.5).
DISABLE_AFTER_SECONDS = 10 * 86400.0


class WebhookConfigError(ValueError):
    """A webhook subscription or control request that cannot be used as given."""


@dataclass
class Subscription:
    url: str
    events: frozenset[str] | None = None  # None: every event
    secret: str | None = field(default=None, repr=False)  # never shown anywhere
    enabled: bool = True
    failing_since: float | None = None  # clock time of the first failure since a success
    id: str = ""  # given by the sender when added: sub_<n>

    def wants(self, event: str) -> bool:
        return self.enabled and (self.events is None or event in self.events)

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "url": display_url(self.url),
            "events": sorted(self.events) if self.events is not None else None,
            "signed": self.secret is not None,
            "enabled": self.enabled,
        }


def display_url(url: str) -> str:
    """The URL without any password in it, for logs and the control API."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rpartition("@")[2]
    return parts._replace(netloc=f"{parts.username}:***@{host}").geturl()


def parse_events(names: Iterable[str]) -> frozenset[str] | None:
    wanted = {name.strip().upper() for name in names if name.strip()}
    unknown = sorted(wanted - WIRE_EVENTS)
    if unknown:
        raise WebhookConfigError(
            f"unknown webhook event {', '.join(unknown)}; "
            f"use any of {', '.join(sorted(WIRE_EVENTS))}"
        )
    return frozenset(wanted) or None


def check_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WebhookConfigError(
            f"webhook URL {display_url(url)!r} is not an absolute http(s) URL; "
            "write it like http://127.0.0.1:9000/hook or http://host/hook#ORDER.CREATED"
        )
    return url


def parse_subscription(spec: str, *, secret: str | None = None) -> Subscription:
    """Read the CLI form ``URL`` or ``URL#ORDER.CREATED,ISSUED_TICKET.UPDATED``."""
    url, _, events = spec.rpartition("#") if "#" in spec else (spec, "", "")
    return Subscription(
        url=check_url(url.strip()), events=parse_events(events.split(",")), secret=secret
    )


@dataclass
class Delivery:
    id: str
    event: str
    subscription: Subscription
    body: bytes  # encoded once: every retry sends these exact bytes
    created_at: str
    number: int  # the n of wh_<n>: log order
    state: str = "pending"  # pending | delivered | failed | abandoned
    attempts: int = 0  # scheduled attempts made (1..22)
    extra_sends: int = 0  # duplicate / stale sends requested through the test hooks
    first_attempt_at: float | None = None
    next_attempt_at: float | None = None
    last_status: int | str | None = None  # HTTP status, or the network error's name

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "event": self.event,
            "url": display_url(self.subscription.url),
            "subscription": self.subscription.id,
            "created_at": self.created_at,
            "state": self.state,
            "attempts": self.attempts,
            "extra_sends": self.extra_sends,
            "last_status": self.last_status,
            "next_attempt_at": self.next_attempt_at,
        }
