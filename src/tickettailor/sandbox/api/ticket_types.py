"""Ticket types: kept per series (the default every occurrence starts from), with the
seats of each occurrence in ``inventory``. Rendered inside events and series; written
under /v1/event_series/{id}/ticket_types (reference §3.3)."""

# ruff: noqa: S608  (SQL text is built from internal table names only; values are bound parameters)
from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from tickettailor.sandbox.api.inventory import emit_series_events_updated
from tickettailor.sandbox.api.reading import View, marks, require_parent
from tickettailor.sandbox.api.routes import Endpoint, write
from tickettailor.sandbox.api.writing import (
    COMMON_READ_ONLY,
    Change,
    conflict,
    deleted,
    path_id,
    take_id,
)
from tickettailor.sandbox.errors import not_found
from tickettailor.sandbox.forms import Form
from tickettailor.sandbox.schema import Seats, TicketTypeRow, columns

_COLUMNS = columns(TicketTypeRow)


# ---- rendering ----------------------------------------------------------------------
def render(tt: TicketTypeRow, seats: Seats | None) -> dict[str, Any]:
    """``seats`` for one occurrence, or None for the series default (the template an
    occurrence starts from)."""
    total, issued, held, baskets = seats if seats is not None else (tt.capacity, 0, 0, 0)
    return {
        "object": "ticket_type",
        "id": f"tt_{tt.id}",
        "access_code": None,
        "booking_fee": tt.booking_fee,
        "description": None,
        "discounts": [],
        "group_id": None,
        "has_overrides": "false",
        "hide_after": None,
        "hide_until": None,
        "hide_when_sold_out": "false",
        "max_per_order": tt.max_per_order,
        "min_per_order": tt.min_per_order,
        "name": tt.name,
        "override_id": None,
        "price": tt.price,
        "quantity": total - issued - baskets,
        "quantity_held": held,
        "quantity_in_baskets": baskets,
        "quantity_issued": issued,
        "quantity_total": total,
        "show_quantity_remaining": "false",
        "show_quantity_remaining_less_than": None,
        "sort_order": tt.sort_order,
        "status": tt.status,
        "type": tt.type,
    }


def by_series(view: View, series_ids: Sequence[int]) -> dict[int, list[TicketTypeRow]]:
    """Each series' ticket types in display order."""
    out: dict[int, list[TicketTypeRow]] = {s: [] for s in series_ids}
    if not series_ids:
        return out
    for tt in view.rows(
        TicketTypeRow,
        f"SELECT {_COLUMNS} FROM {{p}}ticket_types WHERE series_id IN ({marks(series_ids)}) "
        "ORDER BY sort_order, id",
        list(series_ids),
    ):
        out[tt.series_id].append(tt)
    return out


def names_and_prices(view: View, tt_ids: set[int]) -> dict[int, tuple[str, int]]:
    if not tt_ids:
        return {}
    ids = sorted(tt_ids)
    rows = view.query(
        f"SELECT id, name, price FROM {{p}}ticket_types WHERE id IN ({marks(ids)})", ids
    )
    return {tid: (name, price) for tid, name, price in rows}


# ---- writes -------------------------------------------------------------------------
_READ_ONLY = COMMON_READ_ONLY | {
    "quantity",
    "quantity_total",
    "quantity_issued",
    "quantity_held",
    "quantity_in_baskets",
    "has_overrides",
    "override_id",
    "sort_order",
}
_STATUS = {s: s for s in ("on_sale", "sold_out", "unavailable", "hidden", "admin_only", "locked")}
_SIGNED = re.compile(r"[+-][0-9]{1,9}")


def _fields(form: Form, *, create: bool) -> dict[str, Any]:
    form.read_only((_READ_ONLY - {"quantity"}) | {"status"} if create else _READ_ONLY)
    out = {
        "name": form.text("name", required=create, max_length=255),
        "price": form.integer("price", required=create, high=10**8),
        "booking_fee": form.integer("booking_fee", high=10**8),
        "max_per_order": form.integer("max_per_order", low=1, high=10_000),
        "min_per_order": form.integer("min_per_order", low=1, high=10_000),
    }
    form.text("description", max_length=5000)
    if create:
        out["quantity"] = form.integer("quantity", required=True, high=10**7)
        out["type"] = form.choice("type", {"ga": "GA", "seated": "Seated"})  # sandbox extension
    elif form.has("status"):
        raw = form.text("status") or ""
        if raw.lower() in _STATUS:
            out["status"] = raw.lower()
        elif raw:
            form.error(
                "status",
                f"{raw} is a read-only status; write one of: {', '.join(_STATUS)}.",
                raw,
            )
    return out


def _answer(change: Change, tt_id: int) -> dict[str, Any]:
    tt = change.row(
        TicketTypeRow, f"SELECT {_COLUMNS} FROM {{p}}ticket_types WHERE id = ?", (tt_id,)
    )
    assert tt is not None  # just written
    return render(tt, None)


def create(change: Change, form: Form, ids: tuple[str, ...]) -> Any:
    sid = require_parent(change, "series", "es", ids[0])
    values = _fields(form, create=True)
    form.check()
    tid = take_id(change, "tt")
    (last,) = change.one(
        "SELECT max(sort_order) FROM {p}ticket_types WHERE series_id = ?", (sid,)
    ) or (None,)
    change.execute(
        "INSERT INTO {p}ticket_types VALUES (?,?,?,?,?,?,?,?,?,'on_sale',?)",
        (
            tid,
            sid,
            values["name"],
            values["price"],
            values["booking_fee"] or 0,
            (last or 9999) + 1,
            values["max_per_order"] or 20,
            values["min_per_order"] or 1,
            values["type"] or "GA",
            values["quantity"],
        ),
    )
    change.execute(
        "INSERT INTO {p}inventory SELECT id, ?, ?, 0, 0, 0 FROM {p}events WHERE series_id = ?",
        (tid, values["quantity"], sid),
    )
    emit_series_events_updated(change, sid)
    return _answer(change, tid)


def _ticket_type(change: Change, ids: tuple[str, ...]) -> tuple[int, int]:
    sid = require_parent(change, "series", "es", ids[0])
    tid = path_id(ids[1], "tt")
    found = change.one("SELECT 1 FROM {p}ticket_types WHERE id = ? AND series_id = ?", (tid, sid))
    if found is None:
        raise not_found()
    return sid, tid


def update(change: Change, form: Form, ids: tuple[str, ...]) -> Any:
    sid, tid = _ticket_type(change, ids)
    values = _fields(form, create=False)
    step = 0
    if form.has("modify_quantity"):
        raw = form.text("modify_quantity") or ""
        if _SIGNED.fullmatch(raw) is None:
            form.error("modify_quantity", "Value must be a signed change like +10 or -5.", raw)
        else:
            step = int(raw)
    form.check()
    for column in ("name", "price", "booking_fee", "max_per_order", "min_per_order", "status"):
        if values.get(column) is not None:
            change.execute(
                f"UPDATE {{p}}ticket_types SET {column} = ? WHERE id = ?", (values[column], tid)
            )
    if step:
        # a signed change, never an absolute count: remaining may go negative (§4.4)
        change.execute(
            "UPDATE {p}ticket_types SET capacity = max(0, capacity + ?) WHERE id = ?", (step, tid)
        )
        change.execute(
            "UPDATE {p}inventory SET total = max(0, total + ?) WHERE tt_id = ?", (step, tid)
        )
    emit_series_events_updated(change, sid)
    return _answer(change, tid)


def delete(change: Change, _form: Form, ids: tuple[str, ...]) -> Any:
    _sid, tid = _ticket_type(change, ids)
    used = change.one("SELECT 1 FROM {p}tickets WHERE tt_id = ? LIMIT 1", (tid,)) or change.one(
        "SELECT 1 FROM {p}inventory WHERE tt_id = ? AND held > 0 LIMIT 1", (tid,)
    )
    if used:
        raise conflict("This ticket type has issued tickets or holds, so it cannot be deleted.")
    change.execute("DELETE FROM {p}inventory WHERE tt_id = ?", (tid,))
    change.execute("DELETE FROM {p}ticket_types WHERE id = ?", (tid,))
    return deleted("tt", tid, "ticket_type")


_PATH = "event_series/{id}/ticket_types"
ROUTES: list[Endpoint] = [
    write("POST", _PATH, "event_series", create, 201),
    write("POST", _PATH + "/{id}", "event_series", update),
    write("DELETE", _PATH + "/{id}", "event_series", delete),
]
