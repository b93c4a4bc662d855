"""Holds (reference §3.6): seats kept back from sale at one event, kept in ``objects``.
The list, one hold, create / update / delete, and the operations the other writes use
(a ticket issued from a hold, a ticket voided into a new hold)."""

from __future__ import annotations

import json
from typing import Any

from tickettailor.sandbox.api.inventory import available, counts, event_row, ticket_type_row
from tickettailor.sandbox.api.reading import Resource, View, get_one
from tickettailor.sandbox.api.routes import Endpoint, record_routes
from tickettailor.sandbox.api.shapes import canonical
from tickettailor.sandbox.api.writing import (
    COMMON_READ_ONLY,
    Change,
    bad,
    deleted,
    path_id,
    take_id,
)
from tickettailor.sandbox.errors import not_found
from tickettailor.sandbox.forms import Form
from tickettailor.sandbox.params import id_list_filter, parse_id, time_filter
from tickettailor.sandbox.schema import ObjectRow


# ---- rendering ----------------------------------------------------------------------
def render(row: ObjectRow) -> dict[str, Any]:
    body = json.loads(row.body)
    return {
        "object": "hold",
        "id": f"ho_{row.id}",
        "created_at": row.created_at,
        "event_id": f"ev_{row.event_id}",
        "note": body["note"],
        "quantities": [canonical(q) for q in body["quantities"]],
        "total_on_hold": body["total_on_hold"],
        "updated_at": row.updated_at,
    }


def render_rows(_view: View, rows: list[ObjectRow]) -> list[dict[str, Any]]:
    return [render(row) for row in rows]


HOLDS = Resource(
    "holds", "ho", "objects", ObjectRow,
    (
        id_list_filter("event_id", "event_id", "ev"),
        time_filter("created_at", "created_at"),
        time_filter("updated_at", "updated_at"),
    ),
    render_rows, kind="hold",
)  # fmt: skip


# ---- operations ---------------------------------------------------------------------
def hold_row(view: View, hold_id: int) -> tuple[int, dict[str, Any]]:
    """(event id, body) of a hold, or the API's 404."""
    found = view.one(
        "SELECT event_id, body FROM {p}objects WHERE kind = 'hold' AND id = ?", (hold_id,)
    )
    if found is None:
        raise not_found()
    return int(found[0]), json.loads(found[1])


def _body(note: str, quantities: dict[int, int]) -> str:
    items = [{"ticket_type_id": f"tt_{t}", "quantity": q} for t, q in quantities.items() if q]
    return json.dumps(
        {"note": note, "quantities": items, "total_on_hold": sum(quantities.values())}
    )


def _quantities(body: dict[str, Any]) -> dict[int, int]:
    return {int(q["ticket_type_id"][3:]): int(q["quantity"]) for q in body["quantities"]}


def _check_types(change: Change, event_id: int, wanted: dict[int, int]) -> None:
    series = event_row(change, event_id).series_id
    for tt_id, qty in wanted.items():
        tt = ticket_type_row(change, tt_id)
        if tt is None or tt.series_id != series:
            raise bad(
                f"ticket_type_id[tt_{tt_id}]",
                f"Ticket type tt_{tt_id} is not sold at event ev_{event_id}.",
            )
        if qty > 0 and available(change, event_id, tt_id) < qty:
            free = max(0, available(change, event_id, tt_id))
            raise bad(f"ticket_type_id[tt_{tt_id}]", f"Only {free} of tt_{tt_id} are free to hold.")


def create_hold(change: Change, event_id: int, note: str, quantities: dict[int, int]) -> int:
    wanted = {t: q for t, q in quantities.items() if q > 0}
    if not wanted:
        raise bad("ticket_type_id", "Hold at least one ticket: ticket_type_id[tt_ID]=quantity.")
    _check_types(change, event_id, wanted)
    hid = take_id(change, "ho")
    change.execute(
        "INSERT INTO {p}objects VALUES ('hold', ?, ?, ?, NULL, ?, NULL, ?)",
        (hid, change.now, change.now, event_id, _body(note, wanted)),
    )
    for tt_id, qty in wanted.items():
        counts(change, event_id, tt_id, held=qty)
    return hid


def update_hold(
    change: Change, hold_id: int, note: str | None, quantities: dict[int, int] | None
) -> None:
    event_id, body = hold_row(change, hold_id)
    current = _quantities(body)
    if quantities is not None:
        more = {t: q - current.get(t, 0) for t, q in quantities.items() if q > current.get(t, 0)}
        _check_types(change, event_id, {**dict.fromkeys(quantities, 0), **more})
        for tt_id, qty in quantities.items():
            delta = qty - current.get(tt_id, 0)
            if delta:
                counts(change, event_id, tt_id, held=delta)
            current[tt_id] = qty
    change.execute(
        "UPDATE {p}objects SET body = ?, updated_at = ? WHERE kind = 'hold' AND id = ?",
        (_body(body["note"] if note is None else note, current), change.now, hold_id),
    )


def delete_hold(change: Change, hold_id: int) -> None:
    """Release the held seats."""
    event_id, body = hold_row(change, hold_id)
    for tt_id, qty in _quantities(body).items():
        counts(change, event_id, tt_id, held=-qty)
    change.execute("DELETE FROM {p}objects WHERE kind = 'hold' AND id = ?", (hold_id,))


def take_from_hold(change: Change, hold_id: int, tt_id: int | None) -> int:
    """Move one seat out of a hold (to be issued); returns its ticket type."""
    event_id, body = hold_row(change, hold_id)
    held = _quantities(body)
    choices = [t for t, q in held.items() if q > 0 and (tt_id is None or t == tt_id)]
    if not choices:
        raise bad(
            "hold_id",
            f"Hold ho_{hold_id} has no tickets left"
            + (f" of tt_{tt_id}." if tt_id is not None else "."),
        )
    chosen = choices[0]
    held[chosen] -= 1
    counts(change, event_id, chosen, held=-1)
    change.execute(
        "UPDATE {p}objects SET body = ?, updated_at = ? WHERE kind = 'hold' AND id = ?",
        (_body(body["note"], held), change.now, hold_id),
    )
    return chosen


def require_event(view: View, event_id: int, name: str = "event_id") -> None:
    """A 400 naming the field when the event in a form does not exist."""
    if view.one("SELECT 1 FROM {p}events WHERE id = ?", (event_id,)) is None:
        raise bad(name, f"Event ev_{event_id} does not exist.")


# ---- write endpoints ----------------------------------------------------------------
_READ_ONLY = COMMON_READ_ONLY | {"quantities", "total_on_hold"}
_SHAPE = "Ticket type ID must be an array in the following format: ['ticket_type_id' => quantity]"


def create(change: Change, form: Form, _ids: tuple[str, ...]) -> Any:
    form.read_only(_READ_ONLY)
    raw = form.text("event_id", required=True)
    note = form.text("note", required=True, max_length=1000)
    if not form.has("ticket_type_id"):
        form.error("ticket_type_id", _SHAPE)
    quantities = form.id_map("ticket_type_id", "tt", message=_SHAPE)
    event_id = parse_id(raw, "ev") if raw else None
    if raw and event_id is None:
        form.error("event_id", "Value must be an event id like ev_123.", raw)
    form.check()
    assert event_id is not None
    assert note is not None
    assert quantities is not None
    require_event(change, event_id)
    hid = create_hold(change, event_id, note, quantities)
    return get_one(change, HOLDS, f"ho_{hid}")


def update(change: Change, form: Form, ids: tuple[str, ...]) -> Any:
    hid = path_id(ids[0], "ho")
    hold_row(change, hid)
    form.read_only(_READ_ONLY | {"event_id"})
    note = form.text("note", max_length=1000)
    quantities = form.id_map("ticket_type_id", "tt", message=_SHAPE)
    form.check()
    update_hold(change, hid, note, quantities)
    return get_one(change, HOLDS, f"ho_{hid}")


def delete(change: Change, _form: Form, ids: tuple[str, ...]) -> Any:
    hid = path_id(ids[0], "ho")
    delete_hold(change, hid)
    return deleted("ho", hid, "hold")


ROUTES: list[Endpoint] = [
    *record_routes("holds", HOLDS, create, update, delete),
]
