"""JSON text exactly as the real API writes it.

Ticket Tailor serialises with PHP's ``json_encode`` and the flags HEX_TAG, HEX_AMP,
HEX_APOS, HEX_QUOT and UNESCAPED_SLASHES (reference §1.9): compact, ``/`` left alone,
``< > & ' "`` inside strings as ``\\u003C \\u003E \\u0026 \\u0027 \\u0022``, every
non-ASCII character as a lowercase ``\\uXXXX``. The escaping happens per string while
serialising (never by rewriting the finished text, which would corrupt ``\\\\"``).
Key order is the caller's: the renderer decides it, error bodies keep their own.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

_encode_ascii: Callable[[str], str] = json.encoder.encode_basestring_ascii
_HEX = {'"': "\\u0022", "'": "\\u0027", "<": "\\u003C", ">": "\\u003E", "&": "\\u0026"}
_SPECIAL = re.compile(r"""["'<>&]""")


def php_string(text: str) -> str:
    """One JSON string literal, escaped like PHP with the HEX_* flags."""
    if _SPECIAL.search(text) is None:
        return _encode_ascii(text)
    parts = _SPECIAL.split(text)
    specials = _SPECIAL.findall(text)
    out = [_encode_ascii(parts[0])[1:-1]]
    for char, part in zip(specials, parts[1:], strict=True):
        out.append(_HEX[char])
        out.append(_encode_ascii(part)[1:-1])
    return '"' + "".join(out) + '"'


def _make_encoder(string_encoder: Callable[[str], str]) -> Callable[[Any], str]:
    c_make = getattr(json.encoder, "c_make_encoder", None)
    if c_make is not None:
        # The C encoder calls our string function for every string it meets, keys included.
        encoder = c_make(None, None, string_encoder, None, ":", ",", False, False, False)

        def encode(value: Any) -> str:
            return "".join(encoder(value, 0))

        return encode
    make = json.encoder._make_iterencode  # type: ignore[attr-defined]  # pure-Python fallback of the same encoder

    def encode_py(value: Any) -> str:
        iterencode = make(
            None, None, string_encoder, None, float.__repr__, ":", ",", False, False, True
        )
        return "".join(iterencode(value, 0))

    return encode_py


dumps_api_reference: Callable[[Any], str] = _make_encoder(php_string)
"""Serialise a response body the way the API does, one string at a time (the slow,
obviously right version; ``dumps_api`` must equal it, which a property test checks)."""

_STDLIB = json.JSONEncoder(ensure_ascii=True, separators=(",", ":"), allow_nan=False).encode
_ESCAPED_PAIR = re.compile(r'\\(["\\])')
_PHP_HEX = (("<", "\\u003C"), (">", "\\u003E"), ("&", "\\u0026"), ("'", "\\u0027"))


def _quote_pair(match: re.Match[str]) -> str:
    return "\\u0022" if match.group(1) == '"' else "\\\\"


def dumps_api(value: Any) -> str:
    """Serialise a response body the way the API does (compact, PHP HEX flags).

    Fast path over the stdlib's C encoder (ASCII-only output). Outside string literals
    JSON text has no ``< > & '`` and no backslash, so escaping those four everywhere is
    escaping them inside strings; and an escaped quote is a ``\\"`` pair found by pairing
    backslashes left to right (so ``\\\\"`` stays an escaped backslash and a real quote).
    """
    text = _STDLIB(value)
    if '\\"' in text:
        text = _ESCAPED_PAIR.sub(_quote_pair, text)
    for raw, escaped in _PHP_HEX:
        if raw in text:
            text = text.replace(raw, escaped)
    return text


# Webhook bodies (``/`` as ``\\/``) are encoded by webhook_sender.encode_json.
