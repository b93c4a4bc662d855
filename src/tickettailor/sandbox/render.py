"""Rows -> API objects, field for field like the reference fixtures.

Every object is built with ``object`` and ``id`` first and the other keys in
alphabetical order (reference §1.9); tests check this recursively. Helper objects
(dates, currency, venue, buyer details) carry no ``object`` key.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from tickettailor.sandbox.dates import date_object, iso_utc
from tickettailor.sandbox.generate import barcode as derived_barcode

SBOOL = ("false", "true")


class BoxContext:
    """What rendering needs to know about one box office (loaded once per request)."""

    def __init__(self, box: dict[str, Any], now: int) -> None:
        self.box = box
        self.now = now
        self.tz: str = box["timezone"]
        self.currency: str = box["currency"]
        self.currency_obj = {"base_multiplier": 100, "code": self.currency}
        self.slug: str = box["slug"]


def expand(value: Any) -> Any:
    """Turn the stored markers ``{"$date": unix, "$tz": tz}`` / ``{"$iso": unix}`` into
    their API forms, recursively."""
    if isinstance(value, dict):
        if "$date" in value:
            return dict(date_object(value["$date"], value["$tz"]))
        if "$iso" in value:
            return iso_utc(value["$iso"])
        return {k: expand(v) for k, v in value.items()}
    if isinstance(value, list):
        return [expand(v) for v in value]
    return value


def canonical(obj: dict[str, Any]) -> dict[str, Any]:
    """``object`` and ``id`` first, then the rest alphabetically (not recursive)."""
    head: dict[str, Any] = {k: obj[k] for k in ("object", "id") if k in obj}
    head.update({k: obj[k] for k in sorted(obj) if k not in ("object", "id")})
    return head


def generic(kind: str, prefix: str, oid: int, body_json: str) -> dict[str, Any]:
    body = expand(json.loads(body_json))
    body["object"] = kind
    body["id"] = f"{prefix}_{oid}"
    return canonical(body)


def hold(
    oid: int, created_at: int, updated_at: int, event_id: int, body_json: str
) -> dict[str, Any]:
    body = json.loads(body_json)
    return {
        "object": "hold",
        "id": f"ho_{oid}",
        "created_at": created_at,
        "event_id": f"ev_{event_id}",
        "note": body["note"],
        "quantities": [canonical(q) for q in body["quantities"]],
        "total_on_hold": body["total_on_hold"],
        "updated_at": updated_at,
    }


def ticket_type(tt: tuple[Any, ...], inv: tuple[int, int, int, int] | None) -> dict[str, Any]:
    """``tt`` = (id, name, price, booking_fee, sort_order, max, min, type, status, capacity);
    ``inv`` = (total, issued, held, in_baskets) for one occurrence, or None for the
    series default (the template an occurrence starts from)."""
    tid, name, price, fee, sort_order, max_po, min_po, kind, status, capacity = tt
    total, issued, held, baskets = inv if inv is not None else (capacity, 0, 0, 0)
    return {
        "object": "ticket_type",
        "id": f"tt_{tid}",
        "access_code": None,
        "booking_fee": fee,
        "description": None,
        "discounts": [],
        "group_id": None,
        "has_overrides": "false",
        "hide_after": None,
        "hide_until": None,
        "hide_when_sold_out": "false",
        "max_per_order": max_po,
        "min_per_order": min_po,
        "name": name,
        "override_id": None,
        "price": price,
        "quantity": total - issued - baskets,
        "quantity_held": held,
        "quantity_in_baskets": baskets,
        "quantity_issued": issued,
        "quantity_total": total,
        "show_quantity_remaining": "false",
        "show_quantity_remaining_less_than": None,
        "sort_order": sort_order,
        "status": status,
        "type": kind,
    }


def revenue(cents: int) -> int | float:
    """Major units; an integer when whole, like PHP's output for the real API."""
    return cents // 100 if cents % 100 == 0 else cents / 100


def images() -> dict[str, str]:
    base = "https://uploads.tickettailorassets.com/c_fill,g_center,{}/v1/production/userfiles/global/abstract.jpg"
    return {
        "header": base.format("h_373,q_85,w_1172"),
        "thumbnail": base.format("h_250,q_85,w_250"),
    }


_TEXTS = {
    "call_to_action": "Buy tickets",
    "tickets_available_at_message": "Tickets are available in {countdown}",
    "tickets_unavailable_at_message": "Tickets are no longer available",
    "waitlist_call_to_action": "Join waiting list",
    "waitlist_confirmation_message": "Done! You are on the waiting list.",
    "waitlist_event_page_text": (
        "Join our waiting list to be notified when tickets become available."
    ),
}


def series_description(name: str) -> str:
    return f"<p>{name}: an evening you won't forget. Doors open 30 minutes before the start.</p>"


def description(series: tuple[Any, ...]) -> str:
    """A series row's description: the one written through the API (kept in ``attrs``),
    else the generated one."""
    attrs = json.loads(series[5]) if len(series) > 5 and series[5] else {}
    return str(attrs.get("description") or series_description(series[3]))


def event(
    ctx: BoxContext,
    row: tuple[Any, ...],
    series: tuple[Any, ...],
    tts: list[tuple[Any, ...]],
    inventory: dict[int, tuple[int, int, int, int]],
) -> dict[str, Any]:
    """``row`` = events columns; ``series`` = (id, created_at, status, name, venue json)."""
    (eid, sid, created, start, end, status, hidden, override, t_orders, t_issued, t_holds,
     rev_cents, chk) = row  # fmt: skip
    name = series[3]
    vname, postal, _country = json.loads(series[4])
    types = [ticket_type(tt, inventory.get(tt[0])) for tt in tts]
    available = status == "published" and start > ctx.now and any(t["quantity"] > 0 for t in types)
    return {
        "object": "event",
        "id": f"ev_{eid}",
        "access_code": None,
        "bundles": [],
        "call_to_action": _TEXTS["call_to_action"],
        "checkout_url": (f"https://www.tickettailor.com/checkout/view-event/id/{eid}/chk/{chk}/"),
        "chk": chk,
        "created_at": created,
        "currency": ctx.currency,
        "description": description(series),
        "end": dict(date_object(end, ctx.tz)),
        "event_series_id": f"es_{sid}",
        "hidden": hidden,
        "images": images(),
        "max_tickets_sold_per_occurrence": None,
        "name": name,
        "online_event": "false",
        "override_id": None if override is None else f"ov_{override}",
        "payment_methods": [dict(pm) for pm in ctx.box["payment_methods"]],
        "private": "false",
        "revenue": revenue(rev_cents),
        "start": dict(date_object(start, ctx.tz)),
        "status": status,
        "ticket_groups": [],
        "ticket_types": types,
        "tickets_available": SBOOL[available],
        "tickets_available_at": None,
        "tickets_available_at_message": _TEXTS["tickets_available_at_message"],
        "tickets_unavailable_at": None,
        "tickets_unavailable_at_message": _TEXTS["tickets_unavailable_at_message"],
        "timezone": ctx.tz,
        "total_holds": t_holds,
        "total_issued_tickets": t_issued,
        "total_orders": t_orders,
        "unavailable": "false",
        "unavailable_status": None,
        "url": f"https://www.tickettailor.com/events/{ctx.slug}/{sid}?",
        "venue": {"name": vname, "postal_code": postal},
        "voucher_ids": [],
        "waitlist_active": "false",
        "waitlist_call_to_action": _TEXTS["waitlist_call_to_action"],
        "waitlist_confirmation_message": _TEXTS["waitlist_confirmation_message"],
        "waitlist_event_page_text": _TEXTS["waitlist_event_page_text"],
    }


def event_series(
    ctx: BoxContext,
    row: tuple[Any, ...],
    tts: list[tuple[Any, ...]],
    occurrences: list[tuple[int, int, int]],
) -> dict[str, Any]:
    """``row`` = (id, created_at, status, name, venue json); ``occurrences`` =
    (start, total_issued, revenue_cents) per event of the series."""
    sid, created, status, name, venue_json = row[:5]
    vname, postal, country = json.loads(venue_json)
    upcoming = sorted(s for s, _i, _r in occurrences if s > ctx.now)
    return {
        "object": "event_series",
        "id": f"es_{sid}",
        "access_code": None,
        "bundles": [],
        "call_to_action": _TEXTS["call_to_action"],
        "created_at": created,
        "currency": ctx.currency,
        "default_max_tickets_sold_per_occurrence": None,
        "default_ticket_groups": [],
        "default_ticket_types": [ticket_type(tt, None) for tt in tts],
        "description": description(row),
        "images": images(),
        "name": name,
        "next_occurrence_date": dict(date_object(upcoming[0], ctx.tz)) if upcoming else None,
        "online_event": "false",
        "payment_methods": [dict(pm) for pm in ctx.box["payment_methods"]],
        "private": "false",
        "revenue": revenue(sum(r for _s, _i, r in occurrences)),
        "sales_tax_label": "VAT",
        "sales_tax_percentage": ctx.box["tax_percentage"],
        "sales_tax_treatment": "exclusive",
        "show_map": "true",
        "status": status,
        "tickets_available_at": None,
        "tickets_available_at_message": _TEXTS["tickets_available_at_message"],
        "tickets_unavailable_at": None,
        "tickets_unavailable_at_message": _TEXTS["tickets_unavailable_at_message"],
        "timezone": ctx.tz,
        "total_issued_tickets": sum(i for _s, i, _r in occurrences),
        "total_occurrences": len(occurrences),
        "transaction_fee_fixed_amount": None,
        "transaction_fee_percentage": None,
        "upcoming_occurrences": len(upcoming),
        "url": f"https://buytickets.at/{ctx.slug}/{sid}",
        "venue": {"country": country, "name": vname, "postal_code": postal},
        "voucher_ids": [],
        "waitlist_active": "false",
        "waitlist_call_to_action": _TEXTS["waitlist_call_to_action"],
        "waitlist_confirmation_message": _TEXTS["waitlist_confirmation_message"],
        "waitlist_event_page_text": _TEXTS["waitlist_event_page_text"],
    }


TICKET_COLUMNS = (
    "id, order_id, event_id, series_id, tt_id, created_at, updated_at, voided_at, status, "
    "checked_in, first_name, last_name, email, reference, barcode, source, price"
)


Holder = tuple[str | None, str | None, str | None]  # first name, last name, email


@dataclass
class Lookups:
    """Related rows a page needs: ticket types (name, price), each event's series, and
    each order's buyer. Generated rows leave such derivable columns NULL."""

    ticket_types: dict[int, tuple[str, int]] = field(default_factory=dict)
    series_of: dict[int, int] = field(default_factory=dict)
    holders: dict[int, Holder] = field(default_factory=dict)


def issued_ticket(ctx: BoxContext, row: tuple[Any, ...], look: Lookups) -> dict[str, Any]:
    (tid, order_id, eid, sid, tt, created, updated, voided_at, status, checked, first,
     last, email, reference, code, source, price) = row  # fmt: skip
    if first is None and last is None and email is None and order_id in look.holders:
        first, last, email = look.holders[order_id]  # generated: the buyer holds it
    full = f"{first} {last}" if first is not None and last is not None else first or last
    barcode = code if code is not None else derived_barcode(tid, ctx.box["salt"])
    tt_name, tt_price = look.ticket_types.get(tt, ("", 0))
    sid = sid if sid is not None else look.series_of.get(eid)
    price = price if price is not None else tt_price
    url_key = f"{tid}/{barcode.lower()}{tid % 9973:04x}"
    return {
        "object": "issued_ticket",
        "id": f"it_{tid}",
        "add_on_id": None,
        "barcode": barcode,
        "barcode_url": f"https://www.tickettailor.com/userfiles/cache/barcode/qr/attendee/{url_key}",
        "checked_in": SBOOL[checked],
        "created_at": created,
        "custom_questions": [],
        "description": tt_name,
        "email": email,
        "event_id": f"ev_{eid}",
        "event_series_id": f"es_{sid}",
        "first_name": first,
        "full_name": full,
        "group_ticket_barcode": None,
        "last_name": last,
        "listed_currency": dict(ctx.currency_obj),
        "listed_price": price,
        "order_id": None if order_id is None else f"or_{order_id}",
        "qr_code_url": f"https://www.tickettailor.com/userfiles/cache/barcode/st/attendee/{url_key}",
        "reference": reference,
        "reservation": None,
        "source": source,
        "status": status,
        "ticket_type_id": f"tt_{tt}",
        "updated_at": updated,
        "voided_at": voided_at,
    }


ORDER_COLUMNS = (
    "id, created_at, event_id, series_id, status, first_name, last_name, email, phone, "
    "referral_tag, txn_id, pay, subtotal, tax, total, total_paid, refund_amount, "
    "status_message, items"
)


def event_summary(ctx: BoxContext, ev: tuple[Any, ...], series: tuple[Any, ...]) -> dict[str, Any]:
    """``ev`` = (id, series_id, start, end)."""
    eid, sid, start, end = ev
    vname, postal, country = json.loads(series[4])
    return {
        "id": f"ev_{eid}",
        "end_date": dict(date_object(end, ctx.tz)),
        "event_id": f"ev_{eid}",
        "event_series_id": f"es_{sid}",
        "name": series[3],
        "start_date": dict(date_object(start, ctx.tz)),
        "venue": {"country": country, "name": vname, "postal_code": postal},
    }


_NO_COST = {"id": None, "external_id": None, "instructions": None, "name": None, "type": "no_cost"}


def order(
    ctx: BoxContext,
    row: tuple[Any, ...],
    summary: dict[str, Any],
    tickets: list[dict[str, Any]],
    look: Lookups,
) -> dict[str, Any]:
    (oid, created, _eid, _sid, status, first, last, email, phone, referral, txn, pay,
     subtotal, tax, total, total_paid, refund, message, items) = row  # fmt: skip
    line_items = []
    face = fees = 0
    for item in items.split(";") if items else ():
        li, tt, qty, value, fee = (int(x) for x in item.split(":"))
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
    # Generated orders store only the total: subtotal and tax follow from the items.
    if subtotal is None:
        subtotal = face + fees
    if tax is None:
        tax = round(face * ((ctx.box["tax_percentage"] or 0) / 100))  # as the generator does
    if total_paid is None:
        total_paid = total
    if pay < 0:
        method = dict(_NO_COST)
    else:
        pm = ctx.box["payment_methods"][pay]
        method = {"id": pm["id"], "external_id": pm["external_id"], "instructions": None,
                  "name": None, "type": pm["type"]}  # fmt: skip
    street = ("High Street", "Station Road", "Church Lane", "Mill Road")[oid % 4]
    return {
        "object": "order",
        "id": f"or_{oid}",
        "buyer_details": {
            "address": {
                "address_1": f"{oid % 97 + 1} {street}",
                "address_2": ("Riverside", "Old Town", "Northside", "The Docks")[oid % 3],
                "address_3": ctx.box["town"],
                "postal_code": ctx.box["postal_code"],
            },
            "custom_questions": [],
            "email": email,
            "first_name": first,
            "last_name": last,
            "name": f"{first} {last}",
            "phone": phone
            if phone is not None
            else f"07{oid * 2_654_435_761 % 900_000_000 + 100_000_000}",
        },
        "created_at": created,
        "credited_out_amount": 0,
        "currency": dict(ctx.currency_obj),
        "event_summary": summary,
        "issued_tickets": tickets,
        "line_items": line_items,
        "marketing_opt_in": None,
        "meta_data": [],
        "notes": None,
        "payment_method": method,
        "referral_tag": referral,
        "refund_amount": refund,
        "refunded_voucher_id": None,
        "sold_products": None,
        "status": status,
        "status_message": message,
        "subtotal": subtotal,
        "tax": tax,
        "tax_treatment": "exclusive",
        "total": total,
        "total_paid": total_paid,
        "txn_id": txn,
    }


def check_in(row: tuple[Any, ...], look: Lookups) -> dict[str, Any]:
    cid, created, at, eid, sid, tid, qty = row
    sid = sid if sid is not None else look.series_of.get(eid)
    return {
        "object": "check_in",
        "id": f"ch_{cid}",
        "check_in_at": at,
        "created_at": created,
        "event_id": f"ev_{eid}",
        "event_series_id": f"es_{sid}",
        "issued_ticket_id": f"it_{tid}",
        "quantity": qty,
    }
