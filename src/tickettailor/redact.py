"""Keeping API keys and other secrets out of every text: errors, logs, output.

Public API. Every client registers its key when it is built (``register_secret``
does the same for another secret, a webhook's say); ``redact(text)`` then replaces
each registered secret, in the forms a server may echo it (as is, base64, percent-
encoded), with ``MASK``; ``redact_value`` does it inside JSON-like values;
``RedactingFilter`` does it to every record of a ``logging`` handler it is added to.
"""

from __future__ import annotations

from tickettailor._core.redact import (
    MASK,
    RedactingFilter,
    excerpt,
    redact,
    redact_value,
    register_secret,
)

__all__ = ["MASK", "RedactingFilter", "excerpt", "redact", "redact_value", "register_secret"]
