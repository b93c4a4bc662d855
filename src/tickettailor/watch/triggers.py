"""What "new" means for each watchable resource.

Lists come back oldest first (ascending id) and ``created_at`` has one-second
resolution, so each stream asks for records at or after its watermark minus a lookback
window and the state store drops the ids it has already seen. Each scan also starts
after an anchor id, the newest record known to be older than the lookback window: that
bounds the walk where the API ignores the time filter (check-ins and events document
none).

Issued tickets have two streams: creations, and voids found through ``updated_at``
(the only resource with a dependable ``updated_at``). The API documents no
``updated_at`` filter on issued tickets, so the void stream also asks for
``status=voided`` and checks both on our side: a server that ignores the filter costs
more requests, never a lost or repeated void. Because such a scan re-reads every voided
ticket, it is periodic: it runs every ``Watch.void_every`` seconds (default 300), not
every cycle, so an idle cycle costs one request; a void waits for the next scan.
With ``Watch.updates`` (the default) both streams key changes by content
(``tickettailor.watch.changes``): a void is ``issued_ticket.updated:it_1:<hash>``, and
any other change of a ticket read again (the lookback, the re-check) is one too.

A record whose time lies further back than the lookback window when it first shows up
(a back-dated order: a delayed commit, an import, a payment confirmed later) is behind
every later scan. Streams marked ``recheck`` (orders and issued tickets, whose
``created_at`` filter the API documents) are therefore re-listed: the last hour every
``Watch.recheck_every`` seconds (default 300), the whole ``Watch.recheck_window``
(default one day) once an hour; what that finds is delivered as usual and counted as
back-dated. Check-ins
and events have no documented time filter, so a re-list would read everything: they
are not rechecked, and a record back-dated beyond the lookback is missed (the limit).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tickettailor._core.errors import UsageError

__all__ = ["TRIGGERS", "Stream", "Trigger", "get_trigger", "id_number"]

_ID = re.compile(r"^([a-z]+)_(\d+)$")


def id_number(record_id: str) -> int | None:
    """The rising integer in ``or_123`` (ids sort by it), or None for other shapes."""
    match = _ID.match(record_id)
    return int(match.group(2)) if match else None


@dataclass(frozen=True)
class Stream:
    """One list walked by a watch, and how its records become envelopes."""

    name: str
    event_type: str
    ts_field: str  # the record's own time of this event
    time_filter: str | None  # list filter on ts_field the API accepts, or None
    params: tuple[tuple[str, str], ...] = ()
    versioned: bool = False  # without updates, the key includes ts: a new version, a new event
    by_id: bool = True  # ts rises with id: anchor ids and start-by-id apply
    periodic: bool = False  # a full re-read: scanned every Watch.void_every s, not each cycle
    recheck: bool = False  # re-list a recent window now and then for back-dated records
    changes: bool = False  # Watch.updates: changes keyed by content (watch.changes)
    accept: Callable[[dict[str, Any]], bool] = field(default=lambda _record: True)


@dataclass(frozen=True)
class Trigger:
    """A watchable resource: its list path and its streams."""

    resource: str  # CLI name, e.g. "issued-tickets"
    path: str
    id_prefix: str
    streams: tuple[Stream, ...]


def _voided(record: dict[str, Any]) -> bool:
    return record.get("status") == "voided"


TRIGGERS: dict[str, Trigger] = {
    "orders": Trigger(
        "orders",
        "/v1/orders",
        "or_",
        (
            Stream(
                "created", "order.created", "created_at", "created_at", recheck=True, changes=True
            ),
        ),
    ),
    "issued-tickets": Trigger(
        "issued-tickets",
        "/v1/issued_tickets",
        "it_",
        (
            Stream(
                "created",
                "issued_ticket.created",
                "created_at",
                "created_at",
                recheck=True,
                changes=True,
            ),
            Stream(
                "voided",
                "issued_ticket.updated",
                "updated_at",
                "updated_at",
                params=(("status", "voided"),),
                versioned=True,  # with --no-updates only: else keyed by content
                by_id=False,
                periodic=True,
                changes=True,
                accept=_voided,
            ),
        ),
    ),
    # The API documents no created_at filter on these two lists. It is sent anyway (an
    # unknown parameter is ignored, reference s3): where it works, the first cycle of a
    # `--start now` costs one request instead of a walk; where not, the anchor id bounds
    # the walk and the floor is checked on our side. Correct either way.
    "check-ins": Trigger(
        "check-ins",
        "/v1/check_ins",
        "ch_",
        (Stream("created", "check_in.created", "created_at", "created_at"),),
    ),
    "events": Trigger(
        "events",
        "/v1/events",
        "ev_",
        (Stream("created", "event.created", "created_at", "created_at", changes=True),),
    ),
}


def get_trigger(resource: str) -> Trigger:
    """The trigger named ``resource`` (``orders``, ``issued-tickets``, ...)."""
    name = resource.replace("_", "-")
    if name not in TRIGGERS:
        raise UsageError(f"cannot watch {resource!r}: choose one of {', '.join(TRIGGERS)}")
    return TRIGGERS[name]
