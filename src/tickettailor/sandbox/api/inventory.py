"""Seats: what is free at an event, and the counters that move together when tickets
are issued, held or voided and orders are placed or refunded.

The rules (as the generator builds them): inventory ``issued`` = valid tickets of that
(event, ticket type), ``held`` = held by holds; event ``total_issued`` /
``total_holds`` / ``total_orders`` (completed orders) / revenue (sum of ``total_paid -
refund_amount``) agree with the rows.
"""

# ruff: noqa: S608  (SQL text is built from internal table names only; values are bound parameters)
from __future__ import annotations

from tickettailor.sandbox.api.reading import View
from tickettailor.sandbox.api.writing import Change
from tickettailor.sandbox.errors import not_found
from tickettailor.sandbox.schema import EventRow, TicketTypeRow, columns

_EVENT = f"SELECT {columns(EventRow)} FROM {{p}}events WHERE id = ?"
_TICKET_TYPE = f"SELECT {columns(TicketTypeRow)} FROM {{p}}ticket_types WHERE id = ?"


def event_row(view: View, event_id: int) -> EventRow:
    """The event, or the API's 404."""
    found = view.row(EventRow, _EVENT, (event_id,))
    if found is None:
        raise not_found()
    return found


def ticket_type_row(view: View, tt_id: int) -> TicketTypeRow | None:
    return view.row(TicketTypeRow, _TICKET_TYPE, (tt_id,))


def available(view: View, event_id: int, tt_id: int) -> int:
    """Seats really free: ``quantity - quantity_held`` (reference §4.4)."""
    found = view.one(
        "SELECT total - issued - in_baskets - held FROM {p}inventory WHERE event_id = ? "
        "AND tt_id = ?",
        (event_id, tt_id),
    )
    return 0 if found is None else int(found[0])


def counts(
    change: Change,
    event_id: int,
    tt_id: int | None = None,
    *,
    issued: int = 0,
    held: int = 0,
    orders: int = 0,
    revenue: int = 0,
) -> None:
    """Move the inventory of (event, ticket type) and the event's totals together."""
    if tt_id is not None and (issued or held):
        change.execute(
            "UPDATE {p}inventory SET issued = issued + ?, held = held + ? "
            "WHERE event_id = ? AND tt_id = ?",
            (issued, held, event_id, tt_id),
        )
    change.execute(
        "UPDATE {p}events SET total_issued = total_issued + ?, total_holds = total_holds + ?, "
        "total_orders = total_orders + ?, revenue_cents = revenue_cents + ? WHERE id = ?",
        (issued, held, orders, revenue, event_id),
    )


def emit_series_events_updated(change: Change, series_id: int) -> None:
    """EVENT.UPDATED for every occurrence of a series (its ticket types or details changed)."""
    for (eid,) in change.query(
        "SELECT id FROM {p}events WHERE series_id = ? ORDER BY id", (series_id,)
    ):
        change.emit("EVENT.UPDATED", "events", eid)
