"""The fleet's webhook inbox in PostgreSQL: stored by receivers, forwarded by workers.

Any number of ``webhooks serve --postgres`` replicas insert verified deliveries into
``webhook_inbox``, one row per box office and Ticket Tailor delivery id (the primary
key is the de-duplication, so a retry landing on another replica is a duplicate), and
``NOTIFY`` the worker holding the box office. That worker forwards the pending rows
into its watches' outboxes (``forward``) exactly as the single receiver's feeder does
(``tickettailor.webhooks.feeder``): the very envelope polling builds, with the same
idempotency key, so a change seen by webhook and by poll is delivered once. The
forward and the rows' marks share one transaction, fenced by the lease's token like
every state write: a worker that lost the box office forwards nothing.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from tickettailor.fleet.db import Db
from tickettailor.watch.state import Position, StoredRecord
from tickettailor.webhooks.events import BadDelivery, check_record, parse_delivery, to_record

__all__ = ["CHANNEL", "STREAM", "forward", "store"]

CHANNEL = "tickettailor_webhooks"  # NOTIFY payload: the box office's name
# The position row of what webhooks brought (polling never reads it): the name the
# single receiver gives it too (tickettailor.webhooks.feeder).
STREAM = "webhooks"
_BATCH = 500


def store(
    db: Db, box_office: str, delivery_id: str, event: str, resource: str | None, body: bytes
) -> bool:
    """Insert one verified delivery; True when new (False: a duplicate id)."""
    with db.tx() as conn:
        row = conn.execute(
            "INSERT INTO webhook_inbox (box_office, id, event, resource, state, body, "
            "received_at) VALUES (%s, %s, %s, %s, %s, %s, %s) "
            "ON CONFLICT DO NOTHING RETURNING seq",
            (
                box_office,
                delivery_id,
                event,
                resource,
                "pending" if resource else "kept",
                body,
                time.time(),
            ),
        ).fetchone()
        if row is not None and resource:
            conn.execute("SELECT pg_notify(%s, %s)", (CHANNEL, box_office))
    return row is not None


def forward(db: Db, box_office: str, watches: Mapping[str, Any]) -> int:
    """Move the box office's pending rows into the outboxes of ``watches`` (resource ->
    an open ``Watch`` on a ``PgStateStore`` using ``db``); returns the rows moved.

    A row whose resource this box office does not watch is ``kept``; one that cannot
    be read is ``dead`` with the reason.
    """
    moved = 0
    while True:
        with db.tx() as conn:  # the stores' writes nest in it: one commit for all
            rows = conn.execute(
                "SELECT seq, resource, body FROM webhook_inbox WHERE box_office = %s "
                "AND state = 'pending' ORDER BY seq LIMIT %s FOR UPDATE SKIP LOCKED",
                (box_office, _BATCH),
            ).fetchall()
            batches: dict[str, list[StoredRecord]] = {}
            for seq, resource, body in rows:
                state, error = _take(batches, watches, resource, bytes(body))
                conn.execute(
                    "UPDATE webhook_inbox SET state = %s, last_error = %s, done_at = %s "
                    "WHERE box_office = %s AND seq = %s",
                    (state, error, time.time(), box_office, seq),
                )
            for resource, records in batches.items():
                _store_page(watches[resource], records)
        moved += len(rows)
        if len(rows) < _BATCH:
            return moved


def _take(
    batches: dict[str, list[StoredRecord]], watches: Mapping[str, Any], resource: str, body: bytes
) -> tuple[str, str | None]:
    """Add the row's envelope to its watch's batch; (the row's new state, error)."""
    if resource not in watches:
        return "kept", None
    try:
        delivery = parse_delivery(body)
        check_record(delivery.event, delivery.payload)
    except BadDelivery as exc:
        return "dead", str(exc)[:500]
    record = to_record(delivery.event, delivery.payload)  # None: polling would not report it
    if record is not None:
        batches.setdefault(resource, []).append(record)
    return "forwarded", None


def _store_page(watch: Any, records: list[StoredRecord]) -> None:
    """The watch's own ``store_page`` (de-dup by key, its outbox rows), on a position
    row of its own so the polling streams' positions are untouched."""
    store = watch.store
    pos = store.positions().get(STREAM) or Position(STREAM)
    newest = max(r.ts for r in records)
    pos = replace(pos, watermark=max(pos.watermark or 0, newest))
    store.store_page(records, pos, [sink.name for sink in watch.sinks])
