"""Check-ins (reference §3.7): the list, and recording a check-in or check-out (a
retried scan with the same ``local_unique_id`` gives back the first one)."""

from __future__ import annotations

from typing import Any

from tickettailor.sandbox.api.events import BY_SERIES, series_of_events
from tickettailor.sandbox.api.inventory import event_row
from tickettailor.sandbox.api.issued_tickets import ticket_row
from tickettailor.sandbox.api.reading import Resource, View, get_one
from tickettailor.sandbox.api.routes import Endpoint, listing, write
from tickettailor.sandbox.api.writing import COMMON_READ_ONLY, Change, bad, keep_time_order, take_id
from tickettailor.sandbox.errors import ApiError
from tickettailor.sandbox.forms import Form
from tickettailor.sandbox.params import id_list_filter, parse_id, time_filter
from tickettailor.sandbox.schema import CheckInRow


def render(row: CheckInRow, series_of: dict[int, int]) -> dict[str, Any]:
    sid = row.series_id if row.series_id is not None else series_of.get(row.event_id)
    return {
        "object": "check_in",
        "id": f"ch_{row.id}",
        "check_in_at": row.check_in_at,
        "created_at": row.created_at,
        "event_id": f"ev_{row.event_id}",
        "event_series_id": f"es_{sid}",
        "issued_ticket_id": f"it_{row.ticket_id}",
        "quantity": row.quantity,
    }


def render_rows(view: View, rows: list[CheckInRow]) -> list[dict[str, Any]]:
    series_of = series_of_events(view, {check.event_id for check in rows})
    return [render(check, series_of) for check in rows]


CHECK_INS = Resource(
    "check_ins", "ch", "check_ins", CheckInRow,
    (
        id_list_filter("event_id", "event_id", "ev"),
        id_list_filter("event_series_id", "series_id", "es", BY_SERIES),
        id_list_filter("issued_ticket_id", "ticket_id", "it"),
        time_filter("created_at", "created_at", id_range=True),
        time_filter("check_in_at", "check_in_at"),
    ),
    render_rows,
)  # fmt: skip

# Made on first use: the local_unique_id of each scan, to answer a retried scan.
SCAN_KEYS = "CREATE TABLE IF NOT EXISTS {p}check_in_keys(k TEXT PRIMARY KEY, check_in_id INT)"


def check_in(
    change: Change,
    ticket_id: int,
    quantity: int,
    *,
    at: int | None = None,
    local_unique_id: str | None = None,
) -> int:
    """Record a check-in (+1) or check-out (-1). The same ``local_unique_id`` gives back
    the check-in it first made, without a second row (a retried scan)."""
    if local_unique_id is not None:
        change.execute(SCAN_KEYS)
        found = change.one(
            "SELECT check_in_id FROM {p}check_in_keys WHERE k = ?", (local_unique_id,)
        )
        if found is not None:
            return int(found[0])
    ticket = ticket_row(change, ticket_id)
    if ticket.status != "valid":
        raise bad(
            "issued_ticket_id", f"Issued ticket it_{ticket_id} is voided: it cannot be checked in."
        )
    series = event_row(change, ticket.event_id).series_id
    cid = take_id(change, "ch")
    keep_time_order(change, "check_ins", change.now)
    change.execute(
        "INSERT INTO {p}check_ins VALUES (?,?,?,?,?,?,?)",
        (
            cid,
            change.now,
            change.now if at is None else at,
            ticket.event_id,
            series,
            ticket_id,
            quantity,
        ),
    )
    change.execute(
        "UPDATE {p}tickets SET checked_in = ?, updated_at = ? WHERE id = ?",
        (1 if quantity > 0 else 0, change.now, ticket_id),
    )
    if local_unique_id is not None:
        change.execute("INSERT INTO {p}check_in_keys VALUES (?, ?)", (local_unique_id, cid))
    return cid


def create(change: Change, form: Form, _ids: tuple[str, ...]) -> Any:
    form.read_only(COMMON_READ_ONLY)
    raw = form.text("issued_ticket_id", required=True)
    quantity = form.integer("quantity", required=True, low=-1, high=1)
    at = form.timestamp("check_in_at")
    unique = form.text("local_unique_id", max_length=255)
    tid = parse_id(raw, "it") if raw else None
    if raw and tid is None:
        form.error("issued_ticket_id", "Value must be an issued ticket id like it_123.", raw)
    if quantity == 0:
        form.error("quantity", "Value must be 1 (check in) or -1 (check out).", "0")
    form.check()
    assert tid is not None
    assert quantity is not None
    try:
        cid = check_in(change, tid, quantity, at=at, local_unique_id=unique)
    except ApiError as e:
        if e.status == 404:
            raise bad("issued_ticket_id", f"Issued ticket {raw} does not exist.") from None
        raise
    return get_one(change, CHECK_INS, f"ch_{cid}")


ROUTES: list[Endpoint] = [
    listing("check_ins", CHECK_INS),
    write("POST", "check_ins", "check_ins", create, 201),
]
