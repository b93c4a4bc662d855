"""Ticket Tailor's webhook deliveries (reference §7.2-7.3) and what the watch makes of them.

A delivery is ``{"id", "created_at", "event", "resource_url", "payload"}``. Four event
types are the same events a polling watch emits, and become the very envelope polling
builds (same type, same idempotency key), through the watch's own trigger streams:

=========================  ==================  ======================================
wire event                 watch (resource)    envelope
=========================  ==================  ======================================
``ORDER.CREATED``          orders              ``order.created:<or_id>``
``ORDER.UPDATED``          orders              ``order.updated:<or_id>:<content hash>``
``ISSUED_TICKET.CREATED``  issued-tickets      ``issued_ticket.created:<it_id>``
``ISSUED_TICKET.UPDATED``  issued-tickets      ``issued_ticket.updated:<it_id>:<content hash>``
                                               (a void as the void scan keys it; any other
                                               change as the ticket list's re-reads do)
``EVENT.CREATED``          events              ``event.created:<ev_id>``
``EVENT.UPDATED``          events              ``event.updated:<ev_id>:<content hash>``
=========================  ==================  ======================================

Orders and events are stored as polling with updates stores them
(``tickettailor.watch.changes``): a record not seen before is its ``.created``, a new
content of a known one its ``.updated``, keyed by the content's hash, so the same change
by webhook and by poll is one envelope.

Every other known event (event deletions, memberships,
waitlist signups, expired baskets) is verified, kept in the
receiver's inbox and acknowledged, but not delivered: polling cannot see those events,
so delivering them would make webhook and polling output differ.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import orjson

from tickettailor.watch.changes import change_record
from tickettailor.watch.envelope import make_envelope
from tickettailor.watch.jsonfast import loads
from tickettailor.watch.state import StoredRecord
from tickettailor.watch.triggers import Stream, get_trigger, id_number

__all__ = [
    "DELIVERED_EVENTS",
    "WIRE_EVENTS",
    "BadDelivery",
    "Delivery",
    "check_delivery",
    "check_record",
    "events_for",
    "parse_delivery",
    "route",
    "to_record",
]

WIRE_EVENTS = frozenset(
    {
        "ORDER.CREATED",
        "ORDER.UPDATED",
        "ISSUED_TICKET.CREATED",
        "ISSUED_TICKET.UPDATED",
        "EVENT.CREATED",
        "EVENT.UPDATED",
        "EVENT.DELETED",
        "ISSUED_MEMBERSHIP.CREATED",
        "ISSUED_MEMBERSHIP.UPDATED",
        "WAITLIST_SIGNUP.CREATED",
        "BASKET.EXPIRED",
    }
)

# wire event -> (watch resource, stream name of that watch's trigger)
DELIVERED_EVENTS: dict[str, tuple[str, str]] = {
    "ORDER.CREATED": ("orders", "created"),
    "ISSUED_TICKET.CREATED": ("issued-tickets", "created"),
    "ISSUED_TICKET.UPDATED": ("issued-tickets", "voided"),
    "EVENT.CREATED": ("events", "created"),
    "ORDER.UPDATED": ("orders", "created"),  # a change: tickettailor.watch.changes
    "EVENT.UPDATED": ("events", "created"),
}

_MAX_ID = 200


class BadDelivery(ValueError):
    """A request body that is not a usable Ticket Tailor delivery (answered 400)."""


@dataclass(frozen=True)
class Delivery:
    """One webhook delivery as Ticket Tailor sent it (``event`` upper-cased)."""

    id: str
    created_at: str
    event: str
    resource_url: str
    payload: dict[str, Any]


def parse_delivery(body: bytes) -> Delivery:
    """Parse and check a delivery body; BadDelivery names what is wrong."""
    try:
        data = loads(body)  # json.loads; a float-free payload is marked (jsonfast)
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadDelivery(f"the body is not JSON ({exc})") from None
    return _checked(data)


def check_delivery(body: bytes) -> Delivery:
    """``parse_delivery``'s verdict at a third of its cost, for the receiver, which
    stores the raw bytes and needs only the delivery's id, event and resource_url.

    orjson parses first. Where it refuses (NaN, lone surrogates, UTF-16, deep
    nesting...) or the delivery fails a check (an int beyond 64 bits reads as a
    float there), ``parse_delivery`` decides and names the fault. What orjson accepts
    and passes the checks, json.loads also parses with the same strings and ints
    (the checked fields), so the verdict is the same. The payload is for checking
    only: the feeder parses the stored bytes again (``parse_delivery``).
    """
    if body.count(b"[") + body.count(b"{") >= _SHALLOW:
        return parse_delivery(body)  # maybe nested past json's recursion limit
    try:
        return _checked(orjson.loads(body))
    except (orjson.JSONDecodeError, BadDelivery):
        return parse_delivery(body)


_SHALLOW = 200  # brackets: fewer cannot nest deep enough to fail either parser


def _checked(data: Any) -> Delivery:
    """The delivery in a parsed body, checked."""
    if not isinstance(data, dict):
        raise BadDelivery("the body is not a JSON object (expected a Ticket Tailor delivery)")
    fields = ("id", "created_at", "event", "resource_url")
    missing = [f for f in (*fields, "payload") if f not in data]
    if missing:
        raise BadDelivery(
            f"the delivery lacks {', '.join(missing)}; a Ticket Tailor delivery has "
            "id, created_at, event, resource_url and payload"
        )
    wrong = [f for f in fields if not isinstance(data[f], str) or not data[f].strip()]
    if wrong:
        raise BadDelivery(f"the delivery's {', '.join(wrong)} must be non-empty strings")
    if len(data["id"]) > _MAX_ID:
        raise BadDelivery(f"the delivery id is longer than {_MAX_ID} characters")
    if not isinstance(data["payload"], dict):
        raise BadDelivery("the delivery's payload is not a JSON object")
    event = data["event"].strip().upper()  # some material writes them in lower case
    if event not in WIRE_EVENTS:
        raise BadDelivery(
            f"unknown event {data['event'][:60]!r}; Ticket Tailor sends "
            f"{', '.join(sorted(WIRE_EVENTS))}"
        )
    delivery = Delivery(
        data["id"], data["created_at"], event, data["resource_url"], data["payload"]
    )
    if event in DELIVERED_EVENTS:
        check_record(event, delivery.payload)
    return delivery


def _stream(event: str) -> Stream:
    resource, stream_name = DELIVERED_EVENTS[event]
    return next(s for s in get_trigger(resource).streams if s.name == stream_name)


def check_record(event: str, record: dict[str, Any]) -> None:
    """A record we will deliver has what its envelope needs: an id and its time."""
    stream = _stream(event)
    if not isinstance(record.get("id"), str) or not record["id"]:
        raise BadDelivery(f"the {event} record has no string id")
    ts = record.get(stream.ts_field)
    if not isinstance(ts, int) or isinstance(ts, bool):
        raise BadDelivery(f"the {event} record's {stream.ts_field} is not a unix time in seconds")


def route(event: str) -> str | None:
    """The watch (resource) an event feeds, or None when it is only kept."""
    found = DELIVERED_EVENTS.get(event.upper())
    return found[0] if found else None


def events_for(resources: list[str]) -> list[str]:
    """The wire events to tick in Ticket Tailor for these watches."""
    return [event for event, (res, _) in DELIVERED_EVENTS.items() if res in resources]


def to_record(event: str, record: dict[str, Any]) -> StoredRecord | None:
    """The envelope polling would have built for ``record``, or None if polling would
    not report it."""
    event = event.upper()
    stream = _stream(event)
    if not stream.accept(record):
        if event != "ISSUED_TICKET.UPDATED":
            return None
        # A ticket change that is not a void: keyed by content as the ticket list's
        # lookback and re-check key it (``issued_ticket.updated:<id>:<hash>``), or the
        # ticket's ``.created`` when the watch never saw it.
        check_record("ISSUED_TICKET.CREATED", record)
        stream = _stream("ISSUED_TICKET.CREATED")
    ts = int(record[stream.ts_field])
    if stream.changes:
        return change_record(stream.event_type, record, ts, int(time.time()))
    version = ts if stream.versioned else None
    envelope = make_envelope(stream.event_type, record, ts, version=version)
    return StoredRecord(envelope, id_number(str(record["id"])), ts)
