"""Events (reference §3.1): occurrences of a series. The lists (all events, and a
series' events), one event, and the occurrence writes under
/v1/event_series/{id}/events."""

# ruff: noqa: S608  (SQL text is built from internal table names only; values are bound parameters)
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from tickettailor.sandbox.api import series_parts, ticket_types
from tickettailor.sandbox.api.reading import Resource, View, get_one, marks, require_parent
from tickettailor.sandbox.api.routes import Call, Endpoint, listing, nested_listing, single, write
from tickettailor.sandbox.api.shapes import SBOOL, TEXTS, description, images, revenue
from tickettailor.sandbox.api.writing import (
    COMMON_READ_ONLY,
    Change,
    api_bool,
    conflict,
    deleted,
    path_id,
    take_id,
)
from tickettailor.sandbox.dates import date_object, local_to_unix, zone
from tickettailor.sandbox.errors import not_found
from tickettailor.sandbox.forms import Form
from tickettailor.sandbox.params import (
    enum_filter,
    id_list_filter,
    like,
    parse_id,
    text_filter,
    time_filter,
)
from tickettailor.sandbox.schema import EventRow, Seats, SeriesRow, TicketTypeRow, columns

STATUS = {"draft": "draft", "published": "published", "sales_closed": "sales_closed",
          "close_sales": "sales_closed"}  # fmt: skip
_SERIES_COLUMNS = columns(SeriesRow)


# ---- the series of events ---------------------------------------------------------------
def series_by_id(view: View, ids: Sequence[int]) -> dict[int, SeriesRow]:
    if not ids:
        return {}
    sql = f"SELECT {_SERIES_COLUMNS} FROM {{p}}series WHERE id IN ({marks(ids)})"
    return {series.id: series for series in view.rows(SeriesRow, sql, list(ids))}


def series_of_events(view: View, event_ids: set[int]) -> dict[int, int]:
    """Each event's series id."""
    if not event_ids:
        return {}
    ids = sorted(event_ids)
    rows = view.query(f"SELECT id, series_id FROM {{p}}events WHERE id IN ({marks(ids)})", ids)
    return {int(eid): int(sid) for eid, sid in rows}


# The ``event_series_id`` filter of orders, tickets and check-ins: through the events
# table (event_id is indexed everywhere).
BY_SERIES = "event_id IN (SELECT id FROM {{p}}events WHERE series_id IN ({marks}))"


def find_series(view: View, raw: str) -> SeriesRow:
    """The series whose id is in the path, or the API's 404."""
    sql = f"SELECT {_SERIES_COLUMNS} FROM {{p}}series WHERE id = ?"
    found = view.row(SeriesRow, sql, (path_id(raw, "es"),))
    if found is None:
        raise not_found()
    return found


# ---- rendering ----------------------------------------------------------------------
def render(
    view: View,
    row: EventRow,
    series: SeriesRow,
    tts: list[TicketTypeRow],
    inventory: dict[int, Seats],
) -> dict[str, Any]:
    settings = view.settings
    vname, postal, _country = json.loads(series.venue)
    types = [ticket_types.render(tt, inventory.get(tt.id)) for tt in tts]
    start, status = row.start_at, row.status
    available = (
        status == "published" and start > settings.now and any(t["quantity"] > 0 for t in types)
    )
    eid, sid, chk = row.id, row.series_id, row.chk
    return {
        "object": "event",
        "id": f"ev_{eid}",
        "access_code": None,
        "bundles": [],
        "call_to_action": TEXTS["call_to_action"],
        "checkout_url": f"https://www.tickettailor.com/checkout/view-event/id/{eid}/chk/{chk}/",
        "chk": chk,
        "created_at": row.created_at,
        "currency": settings.currency,
        "description": description(series),
        "end": dict(date_object(row.end_at, settings.tz)),
        "event_series_id": f"es_{sid}",
        "hidden": row.hidden,
        "images": images(),
        "max_tickets_sold_per_occurrence": None,
        "name": series.name,
        "online_event": "false",
        "override_id": None if row.override_id is None else f"ov_{row.override_id}",
        "payment_methods": [dict(pm) for pm in settings.box["payment_methods"]],
        "private": "false",
        "revenue": revenue(row.revenue_cents),
        "start": dict(date_object(start, settings.tz)),
        "status": status,
        "ticket_groups": [],
        "ticket_types": types,
        "tickets_available": SBOOL[available],
        "tickets_available_at": None,
        "tickets_available_at_message": TEXTS["tickets_available_at_message"],
        "tickets_unavailable_at": None,
        "tickets_unavailable_at_message": TEXTS["tickets_unavailable_at_message"],
        "timezone": settings.tz,
        "total_holds": row.total_holds,
        "total_issued_tickets": row.total_issued,
        "total_orders": row.total_orders,
        "unavailable": "false",
        "unavailable_status": None,
        "url": f"https://www.tickettailor.com/events/{settings.slug}/{sid}?",
        "venue": {"name": vname, "postal_code": postal},
        "voucher_ids": [],
        "waitlist_active": "false",
        "waitlist_call_to_action": TEXTS["waitlist_call_to_action"],
        "waitlist_confirmation_message": TEXTS["waitlist_confirmation_message"],
        "waitlist_event_page_text": TEXTS["waitlist_event_page_text"],
    }


def render_rows(view: View, rows: list[EventRow]) -> list[dict[str, Any]]:
    series_ids = sorted({event.series_id for event in rows})
    series = series_by_id(view, series_ids)
    tts = ticket_types.by_series(view, series_ids)
    event_ids = [event.id for event in rows]
    inventory: dict[int, dict[int, Seats]] = {eid: {} for eid in event_ids}
    if event_ids:
        new = tuple.__new__  # as View.rows builds rows
        for eid, tt_id, *seats in view.query(
            f"SELECT * FROM {{p}}inventory WHERE event_id IN ({marks(event_ids)})", event_ids
        ):
            inventory[eid][tt_id] = new(Seats, seats)
    out = [
        render(view, event, series[event.series_id], tts[event.series_id], inventory[event.id])
        for event in rows
    ]
    series_parts.embed_groups(view, out, series_ids, "event_series_id", "ticket_groups")
    return out


def _series_by(column: str) -> str:
    return f"series_id IN (SELECT id FROM {{p}}series WHERE {column} LIKE ? ESCAPE '\\')"


EVENTS = Resource(
    "events", "ev", "events", EventRow,
    (
        time_filter("start_at", "start_at"),
        time_filter("end_at", "end_at"),
        enum_filter("status", "status", STATUS),
        text_filter("name", _series_by("name"), like),
        text_filter("venue", _series_by("venue"), like),
        id_list_filter("event_series_id", "series_id", "es"),
    ),
    render_rows,
)  # fmt: skip
SERIES_EVENTS = Resource(
    "events", "ev", "events", EventRow,
    (id_list_filter("override_id", "override_id", "ov"),),
    render_rows, parent_column="series_id",
)  # fmt: skip


def _series_event(call: Call) -> Any:
    parent = require_parent(call.view, "series", "es", call.ids[0])
    return get_one(call.view, SERIES_EVENTS, call.ids[1], parent)


# ---- writes: occurrences ------------------------------------------------------------
_READ_ONLY = COMMON_READ_ONLY | {
    "status",
    "revenue",
    "total_holds",
    "total_issued_tickets",
    "total_orders",
    "ticket_types",
    "event_series_id",
    "checkout_url",
    "url",
    "chk",
}
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_TIME = re.compile(r"([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?")


def _local(change: Change, form: Form, day: str, clock: str, current: int | None) -> int | None:
    """A local date (``YYYY-MM-DD``) and time (``HH:mm:ss``) in the box office's zone;
    a missing part keeps ``current``'s."""
    day_text, time_text = form.text(day, max_length=10), form.text(clock, max_length=8)
    if day_text is None and time_text is None:
        return current
    tz = change.settings.tz
    local = datetime.fromtimestamp(current, zone(tz)) if current is not None else None
    date_match = _DATE.fullmatch(day_text) if day_text else None
    time_match = _TIME.fullmatch(time_text) if time_text else None
    if day_text and date_match is None:
        form.error(day, "Value must be a date like 2026-05-10 (YYYY-MM-DD).", day_text)
    if time_text and time_match is None:
        form.error(clock, "Value must be a time like 19:30:00 (HH:mm:ss).", time_text)
    if (day_text and date_match is None) or (time_text and time_match is None):
        return None
    if date_match is not None:
        year, month, mday = (int(x) for x in date_match.groups())
    elif local is not None:
        year, month, mday = local.year, local.month, local.day
    else:
        form.error(day, "Value is required and can't be empty")
        return None
    if time_match is not None:
        hour, minute = int(time_match.group(1)), int(time_match.group(2))
    else:
        hour, minute = (local.hour, local.minute) if local is not None else (0, 0)
    try:
        return local_to_unix(year, month, mday, hour, minute, tz)
    except ValueError:
        form.error(day, "Value is not a real date or time.", day_text)
        return None


def _fields(
    change: Change, form: Form, sid: int, current: tuple[int, int] | None
) -> tuple[int | None, int | None, str | None, int | None]:
    form.read_only(_READ_ONLY)
    start = _local(change, form, "start_date", "start_time", current[0] if current else None)
    end = _local(change, form, "end_date", "end_time", current[1] if current else None)
    hidden = api_bool(form.flag("hidden"))
    form.flag("unavailable")
    override = None
    if form.has("override_id"):
        raw = form.text("override_id") or ""
        override = parse_id(raw, "ov")
        if (
            override is None
            or change.one(
                "SELECT 1 FROM {p}objects WHERE kind = 'override' AND id = ? AND parent_id = ?",
                (override, sid),
            )
            is None
        ):
            form.error("override_id", "No override with this id in this event series.", raw)
    if current is None and not form.errors:  # creating: both dates are required
        for name, value in (("start_date", start), ("end_date", end)):
            if value is None:
                form.error(name, "Value is required and can't be empty")
    if start is not None and end is not None and end < start:
        form.error("end_date", "The end must not be before the start.")
    form.check()
    return start, end, hidden, override


def _answer(change: Change, eid: int) -> dict[str, Any]:
    return get_one(change, EVENTS, f"ev_{eid}")


def create(change: Change, form: Form, ids: tuple[str, ...]) -> Any:
    """The only way to create an event: an occurrence of a series."""
    series = find_series(change, ids[0])
    start, end, hidden, override = _fields(change, form, series.id, None)
    assert start is not None
    assert end is not None
    eid = take_id(change, "ev")
    chk = hashlib.sha256(f"{change.prefix}{eid}".encode()).hexdigest()[:4]
    change.execute(
        "INSERT INTO {p}events VALUES (?,?,?,?,?,?,?,?,0,0,0,0,?)",
        (eid, series.id, change.now, start, end, series.status, hidden or "false", override, chk),
    )
    change.execute(
        "INSERT INTO {p}inventory SELECT ?, id, capacity, 0, 0, 0 FROM {p}ticket_types "
        "WHERE series_id = ?",
        (eid, series.id),
    )
    change.emit("EVENT.CREATED", "events", eid)
    return _answer(change, eid)


def _occurrence(change: Change, ids: tuple[str, ...]) -> tuple[int, int, int, int]:
    """(series id, event id, start, end) of the occurrence in the path, or the 404."""
    sid = find_series(change, ids[0]).id
    found = change.one(
        "SELECT id, start_at, end_at FROM {p}events WHERE id = ? AND series_id = ?",
        (path_id(ids[1], "ev"), sid),
    )
    if found is None:
        raise not_found()
    return sid, found[0], found[1], found[2]


def update(change: Change, form: Form, ids: tuple[str, ...]) -> Any:
    sid, eid, start0, end0 = _occurrence(change, ids)
    start, end, hidden, override = _fields(change, form, sid, (start0, end0))
    change.execute(
        "UPDATE {p}events SET start_at = ?, end_at = ?, hidden = coalesce(?, hidden), "
        "override_id = coalesce(?, override_id) WHERE id = ?",
        (start, end, hidden, override, eid),
    )
    change.emit("EVENT.UPDATED", "events", eid)
    return _answer(change, eid)


def has_sales(change: Change, column: str, value: int) -> bool:
    """Any order or issued ticket for the events where ``column`` = value."""
    events = f"SELECT id FROM {{p}}events WHERE {column} = ?"
    return bool(
        change.one(f"SELECT 1 FROM {{p}}tickets WHERE event_id IN ({events}) LIMIT 1", (value,))
        or change.one(f"SELECT 1 FROM {{p}}orders WHERE event_id IN ({events}) LIMIT 1", (value,))
    )


def drop_event(change: Change, eid: int) -> None:
    """Delete an occurrence with its seats, holds and waitlist (EVENT.DELETED)."""
    payload = _answer(change, eid)
    change.execute("DELETE FROM {p}inventory WHERE event_id = ?", (eid,))
    change.execute(
        "DELETE FROM {p}objects WHERE kind IN ('hold', 'waitlist_signup') AND event_id = ?", (eid,)
    )
    change.execute("DELETE FROM {p}events WHERE id = ?", (eid,))
    change.emit("EVENT.DELETED", "events", eid, payload)


def delete(change: Change, _form: Form, ids: tuple[str, ...]) -> Any:
    _sid, eid, _start, _end = _occurrence(change, ids)
    if has_sales(change, "id", eid):
        raise conflict("This event has orders or issued tickets, so it cannot be deleted.")
    drop_event(change, eid)
    return deleted("ev", eid, "event")


_OCCURRENCES = "event_series/{id}/events"
ROUTES: list[Endpoint] = [
    listing("events", EVENTS),
    single("events/{id}", EVENTS),
    nested_listing(_OCCURRENCES, SERIES_EVENTS, "series", "es"),
    Endpoint("GET", _OCCURRENCES + "/{id}", "events", read=_series_event),
    write("POST", _OCCURRENCES, "events", create, 201),
    write("POST", _OCCURRENCES + "/{id}", "events", update),
    write("DELETE", _OCCURRENCES + "/{id}", "events", delete),
]
