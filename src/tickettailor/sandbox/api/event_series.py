"""Event series (reference §3.2): the list, one series, and its writes (create, update,
status, delete). An event is an occurrence of a series (events.py); a series' ticket
types, overrides, ticket groups and bundles have their own modules."""

# ruff: noqa: S608  (SQL text is built from internal table names only; values are bound parameters)
from __future__ import annotations

import json
from typing import Any

from tickettailor.sandbox.api import series_parts, ticket_types
from tickettailor.sandbox.api.events import STATUS, drop_event, find_series, has_sales
from tickettailor.sandbox.api.inventory import emit_series_events_updated
from tickettailor.sandbox.api.reading import Resource, View, get_one, marks
from tickettailor.sandbox.api.routes import Endpoint, record_routes, write
from tickettailor.sandbox.api.shapes import TEXTS, description, images, revenue
from tickettailor.sandbox.api.writing import (
    COMMON_READ_ONLY,
    Change,
    bad,
    conflict,
    deleted,
    set_given,
    take_id,
)
from tickettailor.sandbox.dates import date_object
from tickettailor.sandbox.forms import Form
from tickettailor.sandbox.params import enum_filter, like, text_filter
from tickettailor.sandbox.schema import SeriesRow, TicketTypeRow


# ---- rendering ----------------------------------------------------------------------
def render(
    view: View, row: SeriesRow, tts: list[TicketTypeRow], occurrences: list[tuple[int, int, int]]
) -> dict[str, Any]:
    """``occurrences`` = (start, total_issued, revenue_cents) per event of the series."""
    settings = view.settings
    vname, postal, country = json.loads(row.venue)
    upcoming = sorted(s for s, _i, _r in occurrences if s > settings.now)
    return {
        "object": "event_series",
        "id": f"es_{row.id}",
        "access_code": None,
        "bundles": [],
        "call_to_action": TEXTS["call_to_action"],
        "created_at": row.created_at,
        "currency": settings.currency,
        "default_max_tickets_sold_per_occurrence": None,
        "default_ticket_groups": [],
        "default_ticket_types": [ticket_types.render(tt, None) for tt in tts],
        "description": description(row),
        "images": images(),
        "name": row.name,
        "next_occurrence_date": dict(date_object(upcoming[0], settings.tz)) if upcoming else None,
        "online_event": "false",
        "payment_methods": [dict(pm) for pm in settings.box["payment_methods"]],
        "private": "false",
        "revenue": revenue(sum(r for _s, _i, r in occurrences)),
        "sales_tax_label": "VAT",
        "sales_tax_percentage": settings.box["tax_percentage"],
        "sales_tax_treatment": "exclusive",
        "show_map": "true",
        "status": row.status,
        "tickets_available_at": None,
        "tickets_available_at_message": TEXTS["tickets_available_at_message"],
        "tickets_unavailable_at": None,
        "tickets_unavailable_at_message": TEXTS["tickets_unavailable_at_message"],
        "timezone": settings.tz,
        "total_issued_tickets": sum(i for _s, i, _r in occurrences),
        "total_occurrences": len(occurrences),
        "transaction_fee_fixed_amount": None,
        "transaction_fee_percentage": None,
        "upcoming_occurrences": len(upcoming),
        "url": f"https://buytickets.at/{settings.slug}/{row.id}",
        "venue": {"country": country, "name": vname, "postal_code": postal},
        "voucher_ids": [],
        "waitlist_active": "false",
        "waitlist_call_to_action": TEXTS["waitlist_call_to_action"],
        "waitlist_confirmation_message": TEXTS["waitlist_confirmation_message"],
        "waitlist_event_page_text": TEXTS["waitlist_event_page_text"],
    }


def render_rows(view: View, rows: list[SeriesRow]) -> list[dict[str, Any]]:
    ids = [series.id for series in rows]
    tts = ticket_types.by_series(view, ids)
    occurrences: dict[int, list[tuple[int, int, int]]] = {i: [] for i in ids}
    if ids:
        for sid, start, issued, cents in view.query(
            "SELECT series_id, start_at, total_issued, revenue_cents FROM {p}events "
            f"WHERE series_id IN ({marks(ids)})",
            ids,
        ):
            occurrences[sid].append((start, issued, cents))
    out = [render(view, series, tts[series.id], occurrences[series.id]) for series in rows]
    series_parts.embed_groups(view, out, ids, "id", "default_ticket_groups")
    return out


EVENT_SERIES = Resource(
    "event_series", "es", "series", SeriesRow,
    (
        enum_filter("status", "status", STATUS),
        text_filter("name", "name LIKE ? ESCAPE '\\'", like),
        text_filter("venue", "venue LIKE ? ESCAPE '\\'", like),
    ),
    render_rows,
)  # fmt: skip


# ---- writes -------------------------------------------------------------------------
_READ_ONLY = COMMON_READ_ONLY | {
    "status",
    "revenue",
    "total_issued_tickets",
    "total_occurrences",
    "upcoming_occurrences",
    "next_occurrence_date",
    "default_ticket_types",
    "url",
}


def _fields(change: Change, form: Form, *, create: bool) -> dict[str, Any]:
    form.read_only(_READ_ONLY)
    out = {
        "name": form.text("name", required=create, max_length=255),
        "venue": form.text("venue", max_length=255),
        "postal_code": form.text("postal_code", max_length=32),
        "country": form.text("country", max_length=2),
        "description": form.text("description", max_length=20_000),
        "currency": form.text("currency", max_length=3),
    }
    form.integer("max_tickets_sold_per_occurrence", low=1)
    form.choice("waitlist_active", {v: v for v in ("true", "false", "no_tickets_available")})
    currency = change.settings.currency
    if out["currency"] is not None and out["currency"].lower() != currency:
        form.error("currency", f"This box office sells in {currency}.", out["currency"])
    form.check()
    return out


def _answer(change: Change, sid: int) -> dict[str, Any]:
    return get_one(change, EVENT_SERIES, f"es_{sid}")


def create(change: Change, form: Form, _ids: tuple[str, ...]) -> Any:
    values = _fields(change, form, create=True)
    sid = take_id(change, "es")
    venue = [
        values["venue"] or "",
        values["postal_code"] or "",
        (values["country"] or "GB").upper(),
    ]
    attrs = {"description": values["description"]} if values["description"] else {}
    change.execute(
        "INSERT INTO {p}series VALUES (?,?,'draft',?,?,?)",
        (sid, change.now, values["name"], json.dumps(venue), json.dumps(attrs)),
    )
    return _answer(change, sid)


def update(change: Change, form: Form, ids: tuple[str, ...]) -> Any:
    series = find_series(change, ids[0])
    values = _fields(change, form, create=False)
    venue = json.loads(series.venue)
    for i, key in enumerate(("venue", "postal_code", "country")):
        if values[key] is not None:
            venue[i] = values[key].upper() if key == "country" else values[key]
    attrs = json.loads(series.attrs or "{}")
    set_given(attrs, "description", values["description"])
    change.execute(
        "UPDATE {p}series SET name = coalesce(?, name), venue = ?, attrs = ? WHERE id = ?",
        (values["name"], json.dumps(venue), json.dumps(attrs), series.id),
    )
    emit_series_events_updated(change, series.id)
    return _answer(change, series.id)


def set_status(change: Change, form: Form, ids: tuple[str, ...]) -> Any:
    series = find_series(change, ids[0])
    status = form.choice("status", STATUS, required=True)
    form.check()
    if status == series.status:
        raise bad("status", f"The event series is already {status}: the status is unchanged.")
    change.execute("UPDATE {p}series SET status = ? WHERE id = ?", (status, series.id))
    change.execute("UPDATE {p}events SET status = ? WHERE series_id = ?", (status, series.id))
    emit_series_events_updated(change, series.id)
    return _answer(change, series.id)


def delete(change: Change, _form: Form, ids: tuple[str, ...]) -> Any:
    """Deletes every occurrence too; 409 while any of them has orders or tickets."""
    sid = find_series(change, ids[0]).id
    if has_sales(change, "series_id", sid):
        raise conflict(
            "This event series has orders or issued tickets, so it cannot be "
            "deleted; set its status to draft or sales_closed instead."
        )
    for (eid,) in change.query("SELECT id FROM {p}events WHERE series_id = ? ORDER BY id", (sid,)):
        drop_event(change, eid)
    change.execute("DELETE FROM {p}ticket_types WHERE series_id = ?", (sid,))
    change.execute(
        "DELETE FROM {p}objects WHERE kind IN ('override', 'waitlist_signup', 'ticket_group', "
        "'bundle') AND parent_id = ?",
        (sid,),
    )
    change.execute("DELETE FROM {p}series WHERE id = ?", (sid,))
    return deleted("es", sid, "event_series")


ROUTES: list[Endpoint] = [
    *record_routes("event_series", EVENT_SERIES, create, update, delete),
    write("POST", "event_series/{id}/status", "event_series", set_status),
]
