"""Ticket Tailor's webhook signature (reference §7.4), checked on the raw body bytes.

The header is ``Tickettailor-Webhook-Signature: t=<unix>,v1=<hex>``; the signed message
is the decimal ``t`` immediately followed by the body exactly as received (no
separator, ``\\/`` escapes intact), HMAC-SHA256 with the shared secret, in hex. Parsing
is by key (unknown keys ignored), comparison is constant time, and ``t`` must be at most
5 minutes old and not further in the future than a small clock skew.

Errors say what is wrong and never contain the secret.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from tickettailor._core.errors import WebhookSignatureError

__all__ = [
    "MAX_AGE",
    "MAX_SKEW",
    "SIGNATURE_HEADER",
    "Signature",
    "parse_signature",
    "sign",
    "verify",
]

SIGNATURE_HEADER = "Tickettailor-Webhook-Signature"
MAX_AGE = 300.0  # the docs' advice: refuse deliveries signed more than 5 minutes ago
MAX_SKEW = 30.0  # how far ahead of our clock a sender's clock may run

_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class Signature:
    """A parsed header: the signing time and every ``v1`` value offered."""

    timestamp: int
    v1: tuple[str, ...]


def parse_signature(header: str | None) -> Signature:
    """Read ``t=...,v1=...`` by key; unknown keys are ignored, ``t`` and ``v1`` required."""
    if header is None or not header.strip():
        raise WebhookSignatureError(
            f"the request has no {SIGNATURE_HEADER} header: it is unsigned "
            "(start the receiver with --allow-unsigned only for webhooks created without "
            "a secret)"
        )
    stamp: str | None = None
    v1: list[str] = []
    for part in header.split(","):
        key, eq, value = part.strip().partition("=")
        if not eq:
            continue
        if key.strip() == "t":
            stamp = value.strip()
        elif key.strip() == "v1":
            v1.append(value.strip().lower())
    if stamp is None or not v1:
        missing = "t" if stamp is None else "v1"
        raise WebhookSignatureError(
            f"the {SIGNATURE_HEADER} header has no {missing}= part; "
            "expected t=<unix seconds>,v1=<hex HMAC-SHA256>"
        )
    if not stamp.isascii() or not stamp.isdigit() or len(stamp) > 12:
        raise WebhookSignatureError(
            f"the {SIGNATURE_HEADER} header's t= is not a unix time in seconds"
        )
    return Signature(int(stamp), tuple(v1))


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The header value Ticket Tailor would send for ``body`` at ``timestamp``."""
    return f"t={timestamp},v1={_digest(secret, timestamp, body)}"


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    return hmac.new(secret.encode(), str(timestamp).encode() + body, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    header: str | None,
    body: bytes,
    *,
    now: float | None = None,
    max_age: float = MAX_AGE,
    max_skew: float = MAX_SKEW,
) -> Signature:
    """Check ``header`` against the raw ``body``; raise WebhookSignatureError if wrong.

    The age is checked before the HMAC (cheap first) but both must pass. Returns the
    parsed signature.
    """
    sig = parse_signature(header)
    current = time.time() if now is None else now
    age = current - sig.timestamp
    if age > max_age:
        raise WebhookSignatureError(
            f"the signature is {age:.0f} s old (limit {max_age:.0f} s): a replay, or this "
            "computer's clock is wrong"
        )
    if -age > max_skew:
        raise WebhookSignatureError(
            f"the signature is dated {-age:.0f} s in the future (limit {max_skew:.0f} s): "
            "check this computer's clock"
        )
    expected = _digest(secret, sig.timestamp, body)
    # Every offered v1 is compared (constant time each); any match is enough.
    matched = False
    for candidate in sig.v1:
        well_formed = len(candidate) == 64 and set(candidate) <= _HEX
        matched |= hmac.compare_digest(expected, candidate if well_formed else "")
    if not matched:
        raise WebhookSignatureError(
            "the signature does not match the body: wrong secret, or the body was "
            "changed on the way (the secret shown when the webhook was created must be "
            "given as --secret)"
        )
    return sig
