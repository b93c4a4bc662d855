"""How an event changes after it was published, as the organiser does it in the
dashboard: moved to another time, its sales closed or reopened, sold out. Used by the
control API (control/events.py) and the sales simulator; each sends ``EVENT.UPDATED``
(reference §7.2), as the real API does for an occurrence that changes.

Orders and tickets are not touched: an order's ``event_summary`` shows the event's
dates as they are now, so a moved event changes it too, with no ``ORDER.UPDATED``.
"""

from __future__ import annotations

from collections.abc import Callable

from tickettailor.sandbox.api.writing import Change, bad
from tickettailor.sandbox.errors import not_found

Operation = Callable[[Change], None]
STATUSES = ("draft", "published", "sales_closed")
_FREE = "total - issued - in_baskets - held"


def _event(change: Change, event_id: int) -> tuple[int, int, str]:
    """(start, end, status) of the event, or the API's 404."""
    found = change.one("SELECT start_at, end_at, status FROM {p}events WHERE id = ?", (event_id,))
    if found is None:
        raise not_found()
    return int(found[0]), int(found[1]), str(found[2])


def move_event(change: Change, event_id: int, start_at: int) -> None:
    """Start at ``start_at`` (unix), keeping the event's length."""
    start, end, _status = _event(change, event_id)
    if start_at == start:
        raise bad("start_at", f"Event ev_{event_id} already starts at {start}.")
    change.execute(
        "UPDATE {p}events SET start_at = ?, end_at = ? WHERE id = ?",
        (start_at, start_at + (end - start), event_id),
    )
    change.emit("EVENT.UPDATED", "events", event_id)


def move_event_by(change: Change, event_id: int, seconds: int) -> None:
    """Postpone (``seconds`` > 0) or bring forward the event, keeping its length."""
    move_event(change, event_id, _event(change, event_id)[0] + seconds)


def set_event_status(change: Change, event_id: int, status: str) -> None:
    """``draft``, ``published`` or ``sales_closed`` (this occurrence only)."""
    if status not in STATUSES:
        raise bad("status", f"The status is one of {', '.join(STATUSES)}, got {status!r}.")
    if _event(change, event_id)[2] == status:
        raise bad("status", f"Event ev_{event_id} is already {status}: the status is unchanged.")
    change.execute("UPDATE {p}events SET status = ? WHERE id = ?", (status, event_id))
    change.emit("EVENT.UPDATED", "events", event_id)


def sell_out(change: Change, event_id: int) -> None:
    """Sold out: each ticket type's capacity cut to what is issued, held or in baskets,
    as when the last seats go. Ticket types keep ``status: "on_sale"`` (reference §4.4)."""
    _event(change, event_id)
    if (
        change.one(
            f"SELECT 1 FROM {{p}}inventory WHERE event_id = ? AND {_FREE} > 0",  # noqa: S608 - the SQL is a constant
            (event_id,),
        )
        is None
    ):
        raise bad("event_id", f"Event ev_{event_id} is already sold out.")
    change.execute(
        "UPDATE {p}inventory SET total = issued + in_baskets + held WHERE event_id = ?",
        (event_id,),
    )
    change.emit("EVENT.UPDATED", "events", event_id)
