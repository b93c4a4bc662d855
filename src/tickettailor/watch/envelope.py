"""The envelope every sink receives: one record, one event type, one stable key.

``id`` is the idempotency key. It is built from the event type and the record id (and,
for ``.updated`` envelopes, the hash of the record's content, ``tickettailor.watch.changes``,
or with ``updates=False`` an issued ticket's ``updated_at``, so a later change is a new key),
never from anything that changes between deliveries: a crash and a replay send the same
key, and a sink that honours it applies the record exactly once.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from typing import Any, NotRequired, TypedDict

__all__ = ["EVENT_TYPES", "Envelope", "envelope_key", "iso_utc", "make_envelope"]

EVENT_TYPES = (
    "order.created",
    "order.updated",
    "issued_ticket.created",
    "issued_ticket.updated",
    "check_in.created",
    "event.created",
    "event.updated",
)


class Envelope(TypedDict):
    """``{"id", "type", "timestamp", "data", "seq"}``; ``data`` is the record exactly as
    returned. ``seq`` (added when it is delivered) rises with every envelope a state
    stores, and a replay keeps it: it orders two changes of one record."""

    id: str
    type: str
    timestamp: str
    data: dict[str, Any]
    seq: NotRequired[int]


@functools.lru_cache(maxsize=4096)  # a page's records share their seconds; 6 us each
def iso_utc(unix_seconds: int) -> str:
    """ISO 8601 in UTC with a ``Z``, e.g. ``2026-11-29T21:39:35Z``."""
    return datetime.fromtimestamp(unix_seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def envelope_key(event_type: str, record_id: str, version: int | None = None) -> str:
    """``order.created:or_1``; with a version ``issued_ticket.updated:it_1:1764450000``
    (``--no-updates``: a void keyed by its ``updated_at``)."""
    key = f"{event_type}:{record_id}"
    return key if version is None else f"{key}:{version}"


def make_envelope(
    event_type: str, record: dict[str, Any], unix_seconds: int, *, version: int | None = None
) -> Envelope:
    """The envelope for ``record``; ``unix_seconds`` is when its event happened."""
    return Envelope(
        id=envelope_key(event_type, str(record["id"]), version),
        type=event_type,
        timestamp=iso_utc(unix_seconds),
        data=record,
    )
