"""From the inbox into the watches' outboxes, then out through the watches' relay.

The feeder runs in the thread that owns the watch state files. Each round it takes the
due pending inbox rows, turns each into the envelope polling would build (optionally
from a fresh GET of ``resource_url``), inserts the unseen ones with their outbox rows
(the watch's ``store_page``: the idempotency key is the de-dup, so an order already
found by polling is not queued again), marks the inbox rows forwarded, and relays.

A crash between storing and marking forwards the rows again next time: the keys make
that harmless.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from tickettailor._core.errors import APIError, APIStatusError, TicketTailorError
from tickettailor.watch.relay import Backoff, RelayReport, relay
from tickettailor.watch.sink import Sink
from tickettailor.watch.state import Position, StoredRecord
from tickettailor.watch.store import Store
from tickettailor.webhooks.events import (
    BadDelivery,
    Delivery,
    check_record,
    parse_delivery,
    to_record,
)
from tickettailor.webhooks.inbox import Inbox, InboxRow

__all__ = ["Feeder", "Target"]

log = logging.getLogger("tickettailor.webhooks")


@dataclass
class Target:
    """One watch fed by webhooks: its state (outbox) and its sinks."""

    store: Store
    sinks: Sequence[Sink]


PAGE = 500  # inbox rows per step of a round
STREAM = "webhooks"  # the position row of what webhooks brought (polling never reads it)


def _store(target: Target, records: list[StoredRecord]) -> int:
    """Insert the unseen records and their outbox rows in one transaction.

    This is the watch's own ``store_page``: the same de-dup by idempotency key and
    the same outbox rows. Its position row is a stream of its own, ``webhooks``
    (newest record time received), so the polling streams' positions are untouched
    and a watch started later still honours its ``--start``.
    """
    pos = target.store.positions().get(STREAM) or Position(STREAM)
    newest = max((r.ts for r in records), default=None)
    if newest is not None:
        pos = replace(pos, watermark=max(pos.watermark or 0, newest))
    return target.store.store_page(records, pos, [sink.name for sink in target.sinks])


def _note(store: Store, report: RelayReport) -> None:
    """What ``watch status`` shows as the last success or error, for what webhooks
    brought (a quiet round writes nothing)."""
    if report.errors:
        store.note(error="; ".join(f"sink {s}: {e}" for s, e in sorted(report.errors.items())))
    elif report.delivered:
        store.note()


class _Retry(Exception):
    """This row cannot be forwarded now; try again later."""


class _Dead(Exception):
    """This row can never be forwarded."""


class _SetAside(Exception):
    """The row was parked (retry later, or dead): skip it this round."""


@dataclass
class Feeder:
    """Moves inbox rows into the targets' outboxes and relays them."""

    inbox: Inbox
    targets: Mapping[str, Target]
    client: Any = None  # a tickettailor.Client when refetching resource_url
    clock: Callable[[], float] = time.time
    backoff: Backoff = field(default_factory=Backoff)
    lease_ttl: float = 60.0
    _renewed: float = field(default=0.0, init=False)

    def forward(self) -> int:
        """Forward the rows due when it starts (pages of ``PAGE``); returns how many
        envelopes were new.

        Rows committed meanwhile wait for the next round: going back for them at once
        would take them one or two at a time, in step with the receiver's commits, at
        a round's fixed cost each (the inbox query, a state transaction, the mark).
        """
        new = 0
        while self.targets:
            rows = self.inbox.pending(list(self.targets), limit=PAGE)
            batches: dict[str, tuple[list[StoredRecord], list[int]]] = {}
            for row in rows:
                try:
                    record = self._record(row)
                except _SetAside:
                    continue
                records, seqs = batches.setdefault(row.resource, ([], []))
                seqs.append(row.seq)
                if record is not None:
                    records.append(record)
            if not batches:  # nothing left, or only rows set aside for later
                break
            for resource, (records, seqs) in batches.items():
                new += _store(self.targets[resource], records)
                self.inbox.mark_forwarded(seqs)
            if len(rows) < PAGE:  # that was all that was due
                break
        return new

    def _record(self, row: InboxRow) -> StoredRecord | None:
        """The row's envelope, or None when polling would not report it (a ticket update
        that is not a void). Raises _SetAside after parking the row for later or for good.
        """
        try:
            memo = self.inbox.parsed.pop(row.id, None)  # the receiver's parse of these bytes
            same = memo is not None and memo[0] == row.body
            delivery: Delivery = memo[1] if same and memo else parse_delivery(row.body)
            record = self._refetch(delivery.resource_url) if self.client else delivery.payload
            check_record(delivery.event, record)
            return to_record(delivery.event, record)
        except _Retry as exc:
            delay = self.backoff.delay(row.attempts + 1)
            log.warning("webhook %s: %s; retrying in %.0f s", row.id, exc, delay)
            self.inbox.mark_retry(row.seq, str(exc), self.clock() + delay)
        except (_Dead, BadDelivery) as exc:
            log.error("webhook %s will not be delivered: %s", row.id, exc)
            self.inbox.mark_dead(row.seq, str(exc))
        raise _SetAside

    def _refetch(self, url: str) -> dict[str, Any]:
        """GET ``resource_url`` through the client (its host was checked on receipt)."""
        try:
            body = self.client.request("GET", url).body
        except APIStatusError as exc:
            if exc.status_code in (408, 429) or exc.status_code >= 500:
                raise _Retry(f"refetching {url} failed: {exc}") from None
            raise _Dead(f"refetching {url} failed: {exc}") from None
        except APIError as exc:
            raise _Retry(f"refetching {url} failed: {exc}") from None
        except TicketTailorError as exc:  # e.g. a host the client refuses to send the key to
            raise _Dead(f"cannot refetch {url}: {exc}") from None
        if not isinstance(body, dict):
            raise _Dead(f"refetching {url} gave no record: {str(body)[:120]!r}")
        return body

    def relay(self) -> RelayReport:
        """Deliver what is due from every target's outbox."""
        total = RelayReport()
        for target in self.targets.values():
            report = relay(
                target.store, target.sinks, limit=None, clock=self.clock, backoff=self.backoff
            )
            _note(target.store, report)
            total.delivered += report.delivered
            total.dead += report.dead
            total.errors.update(report.errors)
        return total

    def renew(self) -> None:
        """Keep the leases of the watch states (a third of their lifetime at most)."""
        now = time.monotonic()
        if now - self._renewed < self.lease_ttl / 3:
            return
        for target in self.targets.values():
            target.store.renew()
        self._renewed = now
