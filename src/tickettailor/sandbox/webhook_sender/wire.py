"""JSON exactly as Ticket Tailor writes webhook bodies, and their signature.

The body is compact JSON with ``/`` escaped as ``\\/``, ``&`` literal and non-ASCII as
lowercase ``\\uXXXX`` (PHP ``json_encode`` defaults); the escaping is done inside string
values while serialising, because the signature covers the exact bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from collections.abc import Callable
from typing import Any

SIGNATURE_HEADER = "Tickettailor-Webhook-Signature"

_SPECIAL = {
    '"': '\\"',
    "\\": "\\\\",
    "/": "\\/",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
}
_NEEDS_ESCAPE = re.compile(r'["\\/\x00-\x1f]|[^\x00-\x7f]')


def _escape_char(match: re.Match[str]) -> str:
    char = match.group()
    special = _SPECIAL.get(char)
    if special is not None:
        return special
    code = ord(char)
    if code > 0xFFFF:  # outside the BMP: a UTF-16 surrogate pair, as PHP writes it
        code -= 0x10000
        return f"\\u{0xD800 | (code >> 10):04x}\\u{0xDC00 | (code & 0x3FF):04x}"
    return f"\\u{code:04x}"


def _float(number: float) -> str:
    if not math.isfinite(number):
        raise ValueError(f"cannot encode {number!r} in a webhook body: JSON has no NaN/Infinity")
    text = repr(number)
    if "e" not in text:
        return text
    # PHP writes 1.0e+20 and 1.0e-7 where Python writes 1e+20 and 1e-07.
    mantissa, exponent = text.split("e")
    if "." not in mantissa:
        mantissa += ".0"
    return f"{mantissa}e{int(exponent):+d}"


def _encode(value: Any, out: Callable[[str], None]) -> None:
    if isinstance(value, str):
        out('"' + _NEEDS_ESCAPE.sub(_escape_char, value) + '"')
    elif value is None:
        out("null")
    elif value is True:
        out("true")
    elif value is False:
        out("false")
    elif isinstance(value, int):
        out(str(value))
    elif isinstance(value, float):
        out(_float(value))
    elif isinstance(value, dict):
        out("{")
        for index, (key, item) in enumerate(value.items()):
            if not isinstance(key, str):
                raise TypeError(f"webhook payload keys must be strings, got {key!r}")
            out(',"' if index else '"')
            out(_NEEDS_ESCAPE.sub(_escape_char, key) + '":')
            _encode(item, out)
        out("}")
    elif isinstance(value, list | tuple):
        out("[")
        for index, item in enumerate(value):
            if index:
                out(",")
            _encode(item, out)
        out("]")
    else:
        raise TypeError(f"cannot encode {type(value).__name__} in a webhook body")


def encode_json(value: Any) -> str:
    """Compact JSON, ``/`` as ``\\/``, non-ASCII as ``\\uXXXX``, dict order kept."""
    parts: list[str] = []
    _encode(value, parts.append)
    return "".join(parts)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header value: ``t`` first, HMAC-SHA256 over str(t) + raw body."""
    digest = hmac.new(secret.encode(), str(timestamp).encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"
