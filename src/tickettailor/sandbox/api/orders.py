"""Orders (reference §3.4): the list and its filters, one order (with its tickets and
event summary), and the two order writes. How orders are placed, cancelled, refunded,
paid and deleted (by the control API and the simulator) is in order_lifecycle.py."""

# ruff: noqa: S608  (SQL text is built from internal table names only; values are bound parameters)
from __future__ import annotations

import json
from typing import Any

from tickettailor.sandbox.api import issued_tickets
from tickettailor.sandbox.api.events import BY_SERIES, series_by_id
from tickettailor.sandbox.api.issued_tickets import BARCODE, Lookups, barcode_filter
from tickettailor.sandbox.api.order_lifecycle import confirm_payment, order_row
from tickettailor.sandbox.api.reading import Resource, View, get_one, marks
from tickettailor.sandbox.api.routes import Endpoint, listing, single, write
from tickettailor.sandbox.api.shapes import BoxSettings
from tickettailor.sandbox.api.ticket_types import names_and_prices
from tickettailor.sandbox.api.writing import COMMON_READ_ONLY, Change, path_id
from tickettailor.sandbox.dates import date_object
from tickettailor.sandbox.forms import Form
from tickettailor.sandbox.params import (
    Filter,
    Where,
    enum_filter,
    id_list_filter,
    like,
    text_filter,
    time_filter,
)
from tickettailor.sandbox.schema import OrderRow, SeriesRow, TicketRow

_NO_COST = {"id": None, "external_id": None, "instructions": None, "name": None, "type": "no_cost"}


# ---- rendering ----------------------------------------------------------------------
def event_summary(
    settings: BoxSettings, event: tuple[int, int, int, int], series: SeriesRow
) -> dict[str, Any]:
    """``event`` = (id, series_id, start, end)."""
    eid, sid, start, end = event
    vname, postal, country = json.loads(series.venue)
    return {
        "id": f"ev_{eid}",
        "end_date": dict(date_object(end, settings.tz)),
        "event_id": f"ev_{eid}",
        "event_series_id": f"es_{sid}",
        "name": series.name,
        "start_date": dict(date_object(start, settings.tz)),
        "venue": {"country": country, "name": vname, "postal_code": postal},
    }


def _line_items(row: OrderRow, look: Lookups) -> tuple[list[dict[str, Any]], int, int]:
    """The order's line items, its face value and its fees."""
    line_items = []
    face = fees = 0
    for item in row.items.split(";") if row.items else ():
        li, tt, qty, value, fee = map(int, item.split(":"))
        face += value * qty
        fees += fee * qty
        line_items.append({
            "object": "line_item",
            "id": f"li_{li}",
            "booking_fee": fee * qty,
            "description": look.ticket_types.get(tt, ("", 0))[0],
            "item_id": f"tt_{tt}",
            "quantity": qty,
            "total": value * qty,
            "type": "ticket",
            "value": value,
        })  # fmt: skip
    return line_items, face, fees


def render(
    settings: BoxSettings,
    row: OrderRow,
    summary: dict[str, Any],
    tickets: list[dict[str, Any]],
    look: Lookups,
) -> dict[str, Any]:
    oid, first, last = row.id, row.first_name, row.last_name
    line_items, face, fees = _line_items(row, look)
    # Generated orders store only the total: subtotal and tax follow from the items.
    subtotal = face + fees if row.subtotal is None else row.subtotal
    tax = row.tax
    if tax is None:
        tax = round(face * ((settings.box["tax_percentage"] or 0) / 100))  # as the generator does
    total_paid = row.total if row.total_paid is None else row.total_paid
    if row.pay < 0:
        method = dict(_NO_COST)
    else:
        pm = settings.box["payment_methods"][row.pay]
        method = {"id": pm["id"], "external_id": pm["external_id"], "instructions": None,
                  "name": None, "type": pm["type"]}  # fmt: skip
    street = ("High Street", "Station Road", "Church Lane", "Mill Road")[oid % 4]
    phone = (
        row.phone
        if row.phone is not None
        else f"07{oid * 2_654_435_761 % 900_000_000 + 100_000_000}"
    )
    return {
        "object": "order",
        "id": f"or_{oid}",
        "buyer_details": {
            "address": {
                "address_1": f"{oid % 97 + 1} {street}",
                "address_2": ("Riverside", "Old Town", "Northside", "The Docks")[oid % 3],
                "address_3": settings.box["town"],
                "postal_code": settings.box["postal_code"],
            },
            "custom_questions": [],
            "email": row.email,
            "first_name": first,
            "last_name": last,
            "name": f"{first} {last}",
            "phone": phone,
        },
        "created_at": row.created_at,
        "credited_out_amount": 0,
        "currency": dict(settings.currency_obj),
        "event_summary": summary,
        "issued_tickets": tickets,
        "line_items": line_items,
        "marketing_opt_in": None,
        "meta_data": [],
        "notes": None,
        "payment_method": method,
        "referral_tag": row.referral_tag,
        "refund_amount": row.refund_amount,
        "refunded_voucher_id": None,
        "sold_products": None,
        "status": row.status,
        "status_message": row.status_message,
        "subtotal": subtotal,
        "tax": tax,
        "tax_treatment": "exclusive",
        "total": row.total,
        "total_paid": total_paid,
        "txn_id": row.txn_id,
    }


def render_rows(view: View, rows: list[OrderRow]) -> list[dict[str, Any]]:
    if not rows:
        return []
    order_ids = [order.id for order in rows]
    tickets: dict[int | None, list[TicketRow]] = {oid: [] for oid in order_ids}
    for ticket in view.rows(
        TicketRow,
        f"SELECT {issued_tickets.COLUMNS} FROM {{p}}tickets "
        f"WHERE order_id IN ({marks(order_ids)}) ORDER BY id",
        order_ids,
    ):
        tickets[ticket.order_id].append(ticket)
    tt_ids = {ticket.tt_id for group in tickets.values() for ticket in group}
    for order in rows:
        for item in order.items.split(";") if order.items else ():
            tt_ids.add(int(item.split(":")[1]))
    event_ids = sorted({order.event_id for order in rows})
    events: dict[int, tuple[int, int, int, int]] = {
        event[0]: (event[0], event[1], event[2], event[3])
        for event in view.query(
            "SELECT id, series_id, start_at, end_at FROM {p}events "
            f"WHERE id IN ({marks(event_ids)})",
            event_ids,
        )
    }
    look = Lookups(
        ticket_types=names_and_prices(view, tt_ids),
        series_of={eid: int(event[1]) for eid, event in events.items()},
        buyers={order.id: (order.first_name, order.last_name, order.email) for order in rows},
    )
    series = series_by_id(view, sorted(set(look.series_of.values())))
    settings = view.settings
    summaries = {
        eid: event_summary(settings, event, series[event[1]]) for eid, event in events.items()
    }
    out = []
    for order in rows:
        embedded = [issued_tickets.render(view, ticket, look) for ticket in tickets[order.id]]
        out.append(render(settings, order, dict(summaries[order.event_id]), embedded, look))
    return out


# ---- the list -----------------------------------------------------------------------
def _store_filter() -> Filter:
    # Every generated order comes from the box office's one store.
    def apply(where: Where, _name: str, value: str) -> None:
        where.store_id = value

    return Filter(("store_id",), apply)


_STATUS = {"completed": "completed", "pending": "pending", "cancelled": "cancelled",
           "canceled": "cancelled"}  # fmt: skip
ORDERS = Resource(
    "orders", "or", "orders", OrderRow,
    (
        time_filter("created_at", "created_at", id_range=True),
        id_list_filter("event_id", "event_id", "ev"),
        id_list_filter("event_series_id", "series_id", "es", BY_SERIES),
        enum_filter("status", "status", _STATUS),
        text_filter("email", "email = ? COLLATE NOCASE"),
        text_filter("name", "(first_name || ' ' || last_name) LIKE ? ESCAPE '\\'", like),
        text_filter("txn_id", "txn_id = ?"),
        barcode_filter(f"id IN (SELECT order_id FROM {{p}}tickets WHERE {BARCODE})"),
        text_filter("referral_tag", "referral_tag = ?"),
        _store_filter(),
    ),
    render_rows,
)  # fmt: skip


# ---- write endpoints ----------------------------------------------------------------
_READ_ONLY = COMMON_READ_ONLY | {
    "status",
    "subtotal",
    "tax",
    "total",
    "total_paid",
    "refund_amount",
    "line_items",
    "issued_tickets",
    "txn_id",
    "currency",
    "event_summary",
    "payment_method",
    "credited_out_amount",
}


def update(change: Change, form: Form, ids: tuple[str, ...]) -> Any:
    oid = order_row(change, path_id(ids[0], "or")).id
    form.read_only(_READ_ONLY)
    values = {
        c: form.text(c, max_length=255) for c in ("first_name", "last_name", "email", "phone")
    }
    email = values["email"]
    if email is not None and "@" not in email:
        form.error("email", "Value must be an email address.", email)
    form.check()
    for column, value in values.items():
        if value is not None:
            change.execute(f"UPDATE {{p}}orders SET {column} = ? WHERE id = ?", (value, oid))
    change.emit("ORDER.UPDATED", "orders", oid)
    return get_one(change, ORDERS, f"or_{oid}")


def confirm_payment_endpoint(change: Change, form: Form, ids: tuple[str, ...]) -> Any:
    oid = path_id(ids[0], "or")
    txn = form.text("transaction_id", max_length=255)
    form.check()
    confirm_payment(change, oid, txn)
    return {"id": f"or_{oid}", "object": "order", "payment_received": "true"}


ROUTES: list[Endpoint] = [
    listing("orders", ORDERS),
    single("orders/{id}", ORDERS),
    write("POST", "orders/{id}", "orders", update),
    write("POST", "orders/{id}/confirm-payment-received", "orders", confirm_payment_endpoint),
]
