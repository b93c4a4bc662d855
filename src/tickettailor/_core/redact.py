"""One redaction for every text that leaves the package: errors, logs, state columns.

A server can echo the API key back (a proxy's error page, a wrong ``--base-url``, a
hint that quotes the request). Every client registers its key here when it is built,
and every error redacts its fields with ``redact`` when it is constructed, so the text
is clean wherever it goes next (stderr, a log line, the watch state's ``last_error``).

Redacted: the key itself, the base64 of ``key:`` (the Basic auth header's token, with
and without padding), the base64 of the key alone, and the key percent-encoded.
"""

from __future__ import annotations

import base64
import logging
import threading
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

__all__ = [
    "MASK",
    "RedactingFilter",
    "excerpt",
    "forms_of",
    "redact",
    "redact_value",
    "register_secret",
]

MASK = "[redacted]"
# Shorter texts would garble ordinary words if they were ever registered by mistake.
_MIN_LENGTH = 6

_secrets: set[str] = set()
_ordered: tuple[str, ...] = ()  # longest first, so a secret holding another goes whole
_lock = threading.Lock()


def forms_of(secret: str) -> set[str]:
    """The ways ``secret`` can show up in text a server sends back."""
    basic = base64.b64encode(f"{secret}:".encode()).decode()
    alone = base64.b64encode(secret.encode()).decode()
    forms = {secret, basic, basic.rstrip("="), alone, alone.rstrip("="), quote(secret, safe="")}
    return {form for form in forms if len(form) >= _MIN_LENGTH}


def register_secret(secret: str | None) -> None:
    """Redact ``secret`` (in all its forms) from every text from now on, process-wide."""
    if not secret or len(secret.strip()) < _MIN_LENGTH:
        return
    global _ordered
    with _lock:
        _secrets.update(forms_of(secret.strip()))
        _ordered = tuple(sorted(_secrets, key=len, reverse=True))


def redact(text: str) -> str:
    """``text`` with every registered secret replaced by ``[redacted]``."""
    if not text:
        return text
    for secret in _ordered:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


def excerpt(value: object, limit: int = 120) -> str:
    """The start of ``value``'s text for a message: redacted first, then shortened (a
    key cut in half by the shortening would no longer be found)."""
    text = redact(value if isinstance(value, str) else str(value))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def redact_value(value: Any) -> Any:
    """A copy of a JSON-like value (dicts, lists, strings) with its text redacted."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, Mapping):
        return {redact_value(k): redact_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact_value(item) for item in value]
    return value


class RedactingFilter(logging.Filter):
    """A handler filter: the formatted message of each record, redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        if record.exc_info and not record.exc_text:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True
