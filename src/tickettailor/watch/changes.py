"""Changes as content: a record's hash, the key of its ``.updated`` envelope.

The API has no ``updated_at`` on orders and events and no changed-since filter, so a
change is recognised by content: the hash of the record's canonical JSON (sorted keys,
compact separators, UTF-8) differs from every hash the state has seen for that record.
The key of the change is ``order.updated:or_123:<hash>``: the same change seen twice
(by a webhook and by a poll, or by two polls) has the same key and is stored once; two
different changes have two keys.

Left out of the hash (``VOLATILE``): on events, the counters every sale moves
(``total_issued_tickets``, ``total_orders``, ``revenue``, ``total_holds`` and, per
ticket type, ``quantity``, ``quantity_held``, ``quantity_in_baskets``,
``quantity_issued``), so a sale is not an event change while a sell-out (``status``,
``tickets_available``, ``unavailable_status``) is. Orders and issued tickets are hashed
whole (a ticket's ``updated_at`` included: it moves only when the ticket changes).
``data`` is always the whole record as the API returned it.

Issued tickets follow the same rule: ``issued_ticket.updated:it_123:<hash>``, whether
the change is a void found by the void scan (``status=voided``), another change seen
when the creation list is read again (its lookback, the re-check of the window), or an
``ISSUED_TICKET.UPDATED`` webhook. A ticket carries its own time of change, so its
``.updated`` envelope's ``timestamp`` is its ``updated_at``; orders and events carry
none, so theirs is when the change was seen.

A record that returns to a content it had before (exactly) is not delivered again: its
key is one the sinks already have.
"""

from __future__ import annotations

import hashlib
from typing import Any

from tickettailor.watch.envelope import Envelope, envelope_key, iso_utc
from tickettailor.watch.jsonfast import dumps
from tickettailor.watch.state import StoredRecord
from tickettailor.watch.triggers import id_number

__all__ = ["HASH_LENGTH", "VOLATILE", "canonical", "change_record", "content_hash", "update_type"]

HASH_LENGTH = 16  # hex digits of sha256 kept in the key: 64 bits, per record

# record "object" -> (top-level fields, fields of each ticket type) left out of the hash
VOLATILE: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "event": (
        frozenset({"total_issued_tickets", "total_orders", "revenue", "total_holds"}),
        frozenset({"quantity", "quantity_held", "quantity_in_baskets", "quantity_issued"}),
    ),
}


def canonical(record: dict[str, Any]) -> str:
    """The record's canonical JSON, without its volatile fields."""
    top, per_type = VOLATILE.get(str(record.get("object", "")), (frozenset(), frozenset()))
    if top or per_type:
        record = {k: v for k, v in record.items() if k not in top}
        types = record.get("ticket_types")
        if isinstance(types, list):
            record["ticket_types"] = [
                {k: v for k, v in t.items() if k not in per_type} if isinstance(t, dict) else t
                for t in types
            ]
    return dumps(record, sort_keys=True)  # json.dumps(sort_keys, compact, ensure_ascii=False)


def content_hash(record: dict[str, Any]) -> str:
    """The first HASH_LENGTH hex digits of sha256 over ``canonical(record)``."""
    return hashlib.sha256(canonical(record).encode()).hexdigest()[:HASH_LENGTH]


def update_type(created_type: str) -> str:
    """``order.created`` -> ``order.updated``."""
    return created_type.rsplit(".", 1)[0] + ".updated"


def change_record(created_type: str, record: dict[str, Any], ts: int, seen_at: int) -> StoredRecord:
    """A record as the state stores it when changes are watched: its ``.created``
    envelope (used when the record is new), its ``.updated`` envelope keyed by content
    (used when it is known and the content is new) and the hash deciding between them.

    ``ts`` is the record's creation time; the update's timestamp is the record's own
    ``updated_at`` when it has one (issued tickets), else ``seen_at`` (now): orders and
    events carry no time of change. A stream of changes only (``created_type`` is
    already ``x.updated``: the void scan) stores a record it never saw as its change.
    """
    digest = content_hash(record)
    kind = update_type(created_type)
    updated = record.get("updated_at")
    changed_at = updated if isinstance(updated, int) and not isinstance(updated, bool) else seen_at
    change = Envelope(
        id=envelope_key(kind, str(record["id"]), None) + f":{digest}",
        type=kind,
        timestamp=iso_utc(changed_at),
        data=record,
    )
    if kind == created_type:
        return StoredRecord(change, id_number(str(record["id"])), ts, change=change, digest=digest)
    created = Envelope(
        id=envelope_key(created_type, str(record["id"])),
        type=created_type,
        timestamp=iso_utc(ts),
        data=record,
    )
    return StoredRecord(created, id_number(str(record["id"])), ts, change=change, digest=digest)
