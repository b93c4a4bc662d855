"""The fingerprint of an API key: a short one-way hash, safe to store and show.

The same key always gives the same fingerprint (watch states record it to notice a
change of key), and the key cannot be recovered from it.
"""

from __future__ import annotations

import hashlib

__all__ = ["key_fingerprint"]


def key_fingerprint(api_key: str) -> str:
    """16 hex digits of a salted SHA-256 of the key (surrounding spaces ignored)."""
    digest = hashlib.sha256(b"tickettailor-key\0" + api_key.strip().encode()).hexdigest()
    return digest[:16]
