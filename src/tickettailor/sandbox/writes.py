"""Every write endpoint of reference §3: form fields, validation (with the API's silent
traps) and the side effects, through the operations of actions.py.

A handler takes the request's :class:`WriteCtx`, its :class:`Form` and the path's id
groups, and returns the response body; ``WRITES`` lists them with their status codes.
"""

# ruff: noqa: S608  (SQL text is built from internal table names only; values are bound parameters)
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from tickettailor.sandbox import actions as a
from tickettailor.sandbox import render
from tickettailor.sandbox import resources as r
from tickettailor.sandbox.actions import WriteCtx, bad
from tickettailor.sandbox.dates import iso_utc, local_to_unix, zone
from tickettailor.sandbox.errors import ApiError, not_found
from tickettailor.sandbox.forms import Form
from tickettailor.sandbox.params import parse_id

WriteHandler = Callable[[WriteCtx, Form, tuple[str, ...]], Any]
COMMON_READ_ONLY = frozenset({"id", "object", "created_at", "updated_at"})
_SERIES_STATUS = {
    "draft": "draft",
    "published": "published",
    "sales_closed": "sales_closed",
    "close_sales": "sales_closed",
}
_TT_STATUS = {
    s: s for s in ("on_sale", "sold_out", "unavailable", "hidden", "admin_only", "locked")
}
_HOLD_SHAPE = (
    "Ticket type ID must be an array in the following format: ['ticket_type_id' => quantity]"
)
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_TIME = re.compile(r"([0-9]{2}):([0-9]{2})(?::([0-9]{2}))?")
_SIGNED = re.compile(r"[+-][0-9]{1,9}")


def conflict(message: str) -> ApiError:
    return ApiError(409, "CONFLICT", message)


def deleted(prefix: str, oid: int, kind: str) -> dict[str, str]:
    return {"id": f"{prefix}_{oid}", "object": kind, "deleted": "true"}


def voided(prefix: str, oid: int, kind: str) -> dict[str, str]:
    return {"id": f"{prefix}_{oid}", "object": kind, "voided": "true"}


def _id(raw: str, prefix: str) -> int:
    oid = parse_id(raw, prefix)
    if oid is None:
        raise not_found()
    return oid


def _get(ctx: WriteCtx, res: r.Resource, prefix: str, oid: int) -> dict[str, Any]:
    return r.get_one(ctx, res, f"{prefix}_{oid}")


def _date_marker(ctx: WriteCtx, unix: int | None) -> dict[str, Any] | None:
    return None if unix is None else {"$date": unix, "$tz": ctx.render.tz}


# ---- generic objects (discounts, vouchers, products, memberships, overrides, ...) ------
def _obj(ctx: WriteCtx, kind: str, oid: int) -> tuple[dict[str, Any], int | None]:
    row = ctx.one("SELECT body, parent_id FROM {p}objects WHERE kind = ? AND id = ?", (kind, oid))
    if row is None:
        raise not_found()
    return json.loads(row[0]), row[1]


def _insert_obj(
    ctx: WriteCtx,
    kind: str,
    oid: int,
    body: dict[str, Any],
    *,
    parent: int | None = None,
    event: int | None = None,
    code: str | None = None,
) -> None:
    ctx.x(
        "INSERT INTO {p}objects VALUES (?,?,?,?,?,?,?,?)",
        (kind, oid, ctx.now, ctx.now, parent, event, code, json.dumps(body)),
    )


def _save_obj(
    ctx: WriteCtx, kind: str, oid: int, body: dict[str, Any], code: str | None = None
) -> None:
    ctx.x(
        "UPDATE {p}objects SET body = ?, updated_at = ?, code = coalesce(?, code) "
        "WHERE kind = ? AND id = ?",
        (json.dumps(body), ctx.now, code, kind, oid),
    )


def _render_obj(ctx: WriteCtx, kind: str, prefix: str, oid: int) -> dict[str, Any]:
    body, _parent = _obj(ctx, kind, oid)
    return render.generic(kind, prefix, oid, json.dumps(body))


def _set(body: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        body[key] = value


def _sbool(value: bool | None) -> str | None:
    return None if value is None else ("true" if value else "false")


# ---- event series ------------------------------------------------------------------------
_SERIES_RO = COMMON_READ_ONLY | {
    "status",
    "revenue",
    "total_issued_tickets",
    "total_occurrences",
    "upcoming_occurrences",
    "next_occurrence_date",
    "default_ticket_types",
    "url",
}


def _series(ctx: WriteCtx, raw: str) -> tuple[Any, ...]:
    row = ctx.one("SELECT * FROM {p}series WHERE id = ?", (_id(raw, "es"),))
    if row is None:
        raise not_found()
    return row


def _series_fields(ctx: WriteCtx, f: Form, *, create: bool) -> dict[str, Any]:
    f.read_only(_SERIES_RO)
    out = {
        "name": f.text("name", required=create, max_length=255),
        "venue": f.text("venue", max_length=255),
        "postal_code": f.text("postal_code", max_length=32),
        "country": f.text("country", max_length=2),
        "description": f.text("description", max_length=20_000),
        "currency": f.text("currency", max_length=3),
    }
    f.integer("max_tickets_sold_per_occurrence", low=1)
    f.choice("waitlist_active", {v: v for v in ("true", "false", "no_tickets_available")})
    if out["currency"] is not None and out["currency"].lower() != ctx.render.currency:
        f.error("currency", f"This box office sells in {ctx.render.currency}.", out["currency"])
    f.check()
    return out


def create_series(ctx: WriteCtx, f: Form, _g: tuple[str, ...]) -> Any:
    v = _series_fields(ctx, f, create=True)
    sid = a.take_id(ctx, "es")
    venue = [v["venue"] or "", v["postal_code"] or "", (v["country"] or "GB").upper()]
    attrs = {"description": v["description"]} if v["description"] else {}
    ctx.x(
        "INSERT INTO {p}series VALUES (?,?,'draft',?,?,?)",
        (sid, ctx.now, v["name"], json.dumps(venue), json.dumps(attrs)),
    )
    return _get(ctx, r.EVENT_SERIES, "es", sid)


def update_series(ctx: WriteCtx, f: Form, g: tuple[str, ...]) -> Any:
    row = _series(ctx, g[0])
    v = _series_fields(ctx, f, create=False)
    venue = json.loads(row[4])
    for i, key in enumerate(("venue", "postal_code", "country")):
        if v[key] is not None:
            venue[i] = v[key].upper() if key == "country" else v[key]
    attrs = json.loads(row[5] or "{}")
    _set(attrs, "description", v["description"])
    ctx.x(
        "UPDATE {p}series SET name = coalesce(?, name), venue = ?, attrs = ? WHERE id = ?",
        (v["name"], json.dumps(venue), json.dumps(attrs), row[0]),
    )
    for (eid,) in ctx.q("SELECT id FROM {p}events WHERE series_id = ?", (row[0],)):
        ctx.emit("EVENT.UPDATED", "events", eid)
    return _get(ctx, r.EVENT_SERIES, "es", row[0])


def series_status(ctx: WriteCtx, f: Form, g: tuple[str, ...]) -> Any:
    row = _series(ctx, g[0])
    status = f.choice("status", _SERIES_STATUS, required=True)
    f.check()
    if status == row[2]:
        raise bad("status", f"The event series is already {status}: the status is unchanged.")
    ctx.x("UPDATE {p}series SET status = ? WHERE id = ?", (status, row[0]))
    ctx.x("UPDATE {p}events SET status = ? WHERE series_id = ?", (status, row[0]))
    for (eid,) in ctx.q("SELECT id FROM {p}events WHERE series_id = ? ORDER BY id", (row[0],)):
        ctx.emit("EVENT.UPDATED", "events", eid)
    return _get(ctx, r.EVENT_SERIES, "es", row[0])


def _has_sales(ctx: WriteCtx, column: str, value: int) -> bool:
    """Any order or issued ticket for the events where ``column`` = value."""
    events = f"SELECT id FROM {{p}}events WHERE {column} = ?"
    return bool(
        ctx.one(f"SELECT 1 FROM {{p}}tickets WHERE event_id IN ({events}) LIMIT 1", (value,))
        or ctx.one(f"SELECT 1 FROM {{p}}orders WHERE event_id IN ({events}) LIMIT 1", (value,))
    )


def _drop_event(ctx: WriteCtx, eid: int) -> None:
    payload = _get(ctx, r.EVENTS, "ev", eid)
    ctx.x("DELETE FROM {p}inventory WHERE event_id = ?", (eid,))
    ctx.x(
        "DELETE FROM {p}objects WHERE kind IN ('hold', 'waitlist_signup') AND event_id = ?", (eid,)
    )
    ctx.x("DELETE FROM {p}events WHERE id = ?", (eid,))
    ctx.emit("EVENT.DELETED", "events", eid, payload)


def delete_series(ctx: WriteCtx, _f: Form, g: tuple[str, ...]) -> Any:
    """Deletes every occurrence too; 409 while any of them has orders or tickets."""
    sid = _series(ctx, g[0])[0]
    if _has_sales(ctx, "series_id", sid):
        raise conflict(
            "This event series has orders or issued tickets, so it cannot be "
            "deleted; set its status to draft or sales_closed instead."
        )
    for (eid,) in ctx.q("SELECT id FROM {p}events WHERE series_id = ? ORDER BY id", (sid,)):
        _drop_event(ctx, eid)
    ctx.x("DELETE FROM {p}ticket_types WHERE series_id = ?", (sid,))
    ctx.x(
        "DELETE FROM {p}objects WHERE kind IN ('override', 'waitlist_signup', 'ticket_group', "
        "'bundle') AND parent_id = ?",
        (sid,),
    )
    ctx.x("DELETE FROM {p}series WHERE id = ?", (sid,))
    return deleted("es", sid, "event_series")


# ---- occurrences -----------------------------------------------------------------------------
_EVENT_RO = COMMON_READ_ONLY | {
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


def _local(ctx: WriteCtx, f: Form, day: str, clock: str, current: int | None) -> int | None:
    """A local date (``YYYY-MM-DD``) and time (``HH:mm:ss``) in the box office's zone;
    a missing part keeps ``current``'s."""
    day_text, time_text = f.text(day, max_length=10), f.text(clock, max_length=8)
    if day_text is None and time_text is None:
        return current
    local = datetime.fromtimestamp(current, zone(ctx.render.tz)) if current is not None else None
    d = _DATE.fullmatch(day_text) if day_text else None
    t = _TIME.fullmatch(time_text) if time_text else None
    if day_text and d is None:
        f.error(day, "Value must be a date like 2026-05-10 (YYYY-MM-DD).", day_text)
    if time_text and t is None:
        f.error(clock, "Value must be a time like 19:30:00 (HH:mm:ss).", time_text)
    if (day_text and d is None) or (time_text and t is None):
        return None
    if d is None and local is None:
        f.error(day, "Value is required and can't be empty")
        return None
    y, mo, dd = (int(x) for x in d.groups()) if d else (local.year, local.month, local.day)  # type: ignore[union-attr]  # local is set when d is None (checked above)
    h, mi = (
        (int(t.group(1)), int(t.group(2)))
        if t
        else ((local.hour, local.minute) if local is not None else (0, 0))
    )
    try:
        return local_to_unix(y, mo, dd, h, mi, ctx.render.tz)
    except ValueError:
        f.error(day, "Value is not a real date or time.", day_text)
        return None


def _occurrence_fields(
    ctx: WriteCtx, f: Form, sid: int, current: tuple[int, int] | None
) -> tuple[int | None, int | None, str | None, int | None]:
    f.read_only(_EVENT_RO)
    start = _local(ctx, f, "start_date", "start_time", current[0] if current else None)
    end = _local(ctx, f, "end_date", "end_time", current[1] if current else None)
    hidden = _sbool(f.flag("hidden"))
    f.flag("unavailable")
    override = None
    if f.has("override_id"):
        raw = f.text("override_id") or ""
        override = parse_id(raw, "ov")
        if (
            override is None
            or ctx.one(
                "SELECT 1 FROM {p}objects WHERE kind = 'override' AND id = ? AND parent_id = ?",
                (override, sid),
            )
            is None
        ):
            f.error("override_id", "No override with this id in this event series.", raw)
    if current is None and not f.errors:  # creating: both dates are required
        for name, value in (("start_date", start), ("end_date", end)):
            if value is None:
                f.error(name, "Value is required and can't be empty")
    if start is not None and end is not None and end < start:
        f.error("end_date", "The end must not be before the start.")
    f.check()
    return start, end, hidden, override


def create_event(ctx: WriteCtx, f: Form, g: tuple[str, ...]) -> Any:
    """The only way to create an event: an occurrence of a series."""
    series = _series(ctx, g[0])
    start, end, hidden, override = _occurrence_fields(ctx, f, series[0], None)
    assert start is not None
    assert end is not None
    eid = a.take_id(ctx, "ev")
    chk = hashlib.sha256(f"{ctx.p}{eid}".encode()).hexdigest()[:4]
    ctx.x(
        "INSERT INTO {p}events VALUES (?,?,?,?,?,?,?,?,0,0,0,0,?)",
        (eid, series[0], ctx.now, start, end, series[2], hidden or "false", override, chk),
    )
    ctx.x(
        "INSERT INTO {p}inventory SELECT ?, id, capacity, 0, 0, 0 FROM {p}ticket_types "
        "WHERE series_id = ?",
        (eid, series[0]),
    )
    ctx.emit("EVENT.CREATED", "events", eid)
    return _get(ctx, r.EVENTS, "ev", eid)


def _occurrence(ctx: WriteCtx, g: tuple[str, ...]) -> tuple[Any, ...]:
    sid = _series(ctx, g[0])[0]
    row = ctx.one(
        "SELECT id, start_at, end_at FROM {p}events WHERE id = ? AND series_id = ?",
        (_id(g[1], "ev"), sid),
    )
    if row is None:
        raise not_found()
    return (sid, *row)


def update_event(ctx: WriteCtx, f: Form, g: tuple[str, ...]) -> Any:
    sid, eid, start0, end0 = _occurrence(ctx, g)
    start, end, hidden, override = _occurrence_fields(ctx, f, sid, (start0, end0))
    ctx.x(
        "UPDATE {p}events SET start_at = ?, end_at = ?, hidden = coalesce(?, hidden), "
        "override_id = coalesce(?, override_id) WHERE id = ?",
        (start, end, hidden, override, eid),
    )
    ctx.emit("EVENT.UPDATED", "events", eid)
    return _get(ctx, r.EVENTS, "ev", eid)


def delete_event(ctx: WriteCtx, _f: Form, g: tuple[str, ...]) -> Any:
    _sid, eid, _s, _e = _occurrence(ctx, g)
    if _has_sales(ctx, "id", eid):
        raise conflict("This event has orders or issued tickets, so it cannot be deleted.")
    _drop_event(ctx, eid)
    return deleted("ev", eid, "event")


# ---- ticket types --------------------------------------------------------------------------
_TT_RO = COMMON_READ_ONLY | {
    "quantity",
    "quantity_total",
    "quantity_issued",
    "quantity_held",
    "quantity_in_baskets",
    "has_overrides",
    "override_id",
    "sort_order",
}
_TT_COLUMNS = (
    "id, name, price, booking_fee, sort_order, max_per_order, min_per_order, type, status, capacity"
)


def _tt_fields(f: Form, *, create: bool) -> dict[str, Any]:
    f.read_only((_TT_RO - {"quantity"}) | {"status"} if create else _TT_RO)
    out = {
        "name": f.text("name", required=create, max_length=255),
        "price": f.integer("price", required=create, high=10**8),
        "booking_fee": f.integer("booking_fee", high=10**8),
        "max_per_order": f.integer("max_per_order", low=1, high=10_000),
        "min_per_order": f.integer("min_per_order", low=1, high=10_000),
    }
    f.text("description", max_length=5000)
    if create:
        out["quantity"] = f.integer("quantity", required=True, high=10**7)
        out["type"] = f.choice("type", {"ga": "GA", "seated": "Seated"})  # sandbox extension
    elif f.has("status"):
        raw = f.text("status") or ""
        if raw.lower() in _TT_STATUS:
            out["status"] = raw.lower()
        elif raw:
            f.error(
                "status",
                f"{raw} is a read-only status; write one of: {', '.join(_TT_STATUS)}.",
                raw,
            )
    return out


def _tt_result(ctx: WriteCtx, tt_id: int) -> dict[str, Any]:
    row = ctx.one(f"SELECT {_TT_COLUMNS} FROM {{p}}ticket_types WHERE id = ?", (tt_id,))
    assert row is not None  # just written
    return render.ticket_type(row, None)


def create_ticket_type(ctx: WriteCtx, f: Form, g: tuple[str, ...]) -> Any:
    sid = _series(ctx, g[0])[0]
    v = _tt_fields(f, create=True)
    f.check()
    tid = a.take_id(ctx, "tt")
    (last,) = ctx.one(
        "SELECT max(sort_order) FROM {p}ticket_types WHERE series_id = ?", (sid,)
    ) or (None,)
    ctx.x(
        "INSERT INTO {p}ticket_types VALUES (?,?,?,?,?,?,?,?,?,'on_sale',?)",
        (
            tid,
            sid,
            v["name"],
            v["price"],
            v["booking_fee"] or 0,
            (last or 9999) + 1,
            v["max_per_order"] or 20,
            v["min_per_order"] or 1,
            v["type"] or "GA",
            v["quantity"],
        ),
    )
    ctx.x(
        "INSERT INTO {p}inventory SELECT id, ?, ?, 0, 0, 0 FROM {p}events WHERE series_id = ?",
        (tid, v["quantity"], sid),
    )
    for (eid,) in ctx.q("SELECT id FROM {p}events WHERE series_id = ? ORDER BY id", (sid,)):
        ctx.emit("EVENT.UPDATED", "events", eid)
    return _tt_result(ctx, tid)


def _tt(ctx: WriteCtx, g: tuple[str, ...]) -> tuple[int, int]:
    sid = _series(ctx, g[0])[0]
    tid = _id(g[1], "tt")
    if ctx.one("SELECT 1 FROM {p}ticket_types WHERE id = ? AND series_id = ?", (tid, sid)) is None:
        raise not_found()
    return sid, tid


def update_ticket_type(ctx: WriteCtx, f: Form, g: tuple[str, ...]) -> Any:
    sid, tid = _tt(ctx, g)
    v = _tt_fields(f, create=False)
    change = 0
    if f.has("modify_quantity"):
        raw = f.text("modify_quantity") or ""
        if _SIGNED.fullmatch(raw) is None:
            f.error("modify_quantity", "Value must be a signed change like +10 or -5.", raw)
        else:
            change = int(raw)
    f.check()
    for column in ("name", "price", "booking_fee", "max_per_order", "min_per_order", "status"):
        if v.get(column) is not None:
            ctx.x(f"UPDATE {{p}}ticket_types SET {column} = ? WHERE id = ?", (v[column], tid))
    if change:
        # a signed change, never an absolute count: remaining may go negative (§4.4)
        ctx.x(
            "UPDATE {p}ticket_types SET capacity = max(0, capacity + ?) WHERE id = ?", (change, tid)
        )
        ctx.x("UPDATE {p}inventory SET total = max(0, total + ?) WHERE tt_id = ?", (change, tid))
    for (eid,) in ctx.q("SELECT id FROM {p}events WHERE series_id = ? ORDER BY id", (sid,)):
        ctx.emit("EVENT.UPDATED", "events", eid)
    return _tt_result(ctx, tid)


def delete_ticket_type(ctx: WriteCtx, _f: Form, g: tuple[str, ...]) -> Any:
    _sid, tid = _tt(ctx, g)
    used = ctx.one("SELECT 1 FROM {p}tickets WHERE tt_id = ? LIMIT 1", (tid,)) or ctx.one(
        "SELECT 1 FROM {p}inventory WHERE tt_id = ? AND held > 0 LIMIT 1", (tid,)
    )
    if used:
        raise conflict("This ticket type has issued tickets or holds, so it cannot be deleted.")
    ctx.x("DELETE FROM {p}inventory WHERE tt_id = ?", (tid,))
    ctx.x("DELETE FROM {p}ticket_types WHERE id = ?", (tid,))
    return deleted("tt", tid, "ticket_type")


# ---- series sub-objects: overrides, ticket groups, bundles, waitlist signups ---------------
def _sub(
    kind: str, prefix: str, fields: Callable[[Form, bool], dict[str, Any]]
) -> tuple[WriteHandler, WriteHandler, WriteHandler]:
    """Create, update and delete handlers for a simple object kept under a series."""

    def create(ctx: WriteCtx, f: Form, g: tuple[str, ...]) -> Any:
        sid = _series(ctx, g[0])[0]
        f.read_only(COMMON_READ_ONLY)
        body = fields(f, True)
        f.check()
        oid = a.take_id(ctx, kind)
        if kind == "override":
            body["created_at"] = ctx.now
        _insert_obj(ctx, kind, oid, body, parent=sid)
        return _render_obj(ctx, kind, prefix, oid)

    def update(ctx: WriteCtx, f: Form, g: tuple[str, ...]) -> Any:
        sid = _series(ctx, g[0])[0]
        oid = _id(g[1], prefix)
        body, parent = _obj(ctx, kind, oid)
        if parent != sid:
            raise not_found()
        f.read_only(COMMON_READ_ONLY)
        body.update({k: v for k, v in fields(f, False).items() if v is not None})
        f.check()
        _save_obj(ctx, kind, oid, body)
        return _render_obj(ctx, kind, prefix, oid)

    def delete(ctx: WriteCtx, _f: Form, g: tuple[str, ...]) -> Any:
        sid = _series(ctx, g[0])[0]
        oid = _id(g[1], prefix)
        if _obj(ctx, kind, oid)[1] != sid:
            raise not_found()
        ctx.x("DELETE FROM {p}objects WHERE kind = ? AND id = ?", (kind, oid))
        return deleted(prefix, oid, kind)

    return create, update, delete


def _override_fields(f: Form, create: bool) -> dict[str, Any]:
    return {
        "name": f.text("name", required=create, max_length=255),
        "max_sellable_tickets": f.integer("max_sellable_tickets", high=10**7),
    }


def _group_fields(f: Form, create: bool) -> dict[str, Any]:
    return {
        "name": f.text("name", required=create, max_length=255),
        "max_per_order": f.integer("max_per_order", low=1, high=10_000),
        "sort_order": f.integer("sort_order", high=10**6)
        if f.has("sort_order")
        else (0 if create else None),
        "ticket_ids": [f"tt_{t}" for t in f.id_list("ticket_ids", "tt") or []]
        if create or f.has("ticket_ids")
        else None,
    }


def _bundle_fields(f: Form, create: bool) -> dict[str, Any]:
    quantities = f.id_map("ticket_type_ids", "tt", low=1)
    if create and quantities is None:
        f.error("ticket_type_ids", "Value is required and can't be empty")
    return {
        "name": f.text("name", required=create, max_length=255),
        "description": f.text("description", required=create, max_length=5000),
        "price": f.integer("price", required=create, high=10**8),
        "ticket_types": None
        if quantities is None
        else [{"ticket_type_id": f"tt_{t}", "quantity": q} for t, q in quantities.items()],
    }


OVERRIDE = _sub("override", "ov", _override_fields)
TICKET_GROUP = _sub("ticket_group", "tg", _group_fields)
BUNDLE = _sub("bundle", "bu", _bundle_fields)


def delete_waitlist_signup(ctx: WriteCtx, _f: Form, g: tuple[str, ...]) -> Any:
    sid = _series(ctx, g[0])[0]
    oid = _id(g[1], "ws")
    if _obj(ctx, "waitlist_signup", oid)[1] != sid:
        raise not_found()
    ctx.x("DELETE FROM {p}objects WHERE kind = 'waitlist_signup' AND id = ?", (oid,))
    return deleted("ws", oid, "waitlist_signup")


# ---- orders ------------------------------------------------------------------------------------
_ORDER_RO = COMMON_READ_ONLY | {
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


def update_order(ctx: WriteCtx, f: Form, g: tuple[str, ...]) -> Any:
    oid = a.order_row(ctx, _id(g[0], "or"))[0]
    f.read_only(_ORDER_RO)
    values = {c: f.text(c, max_length=255) for c in ("first_name", "last_name", "email", "phone")}
    email = values["email"]
    if email is not None and "@" not in email:
        f.error("email", "Value must be an email address.", email)
    f.check()
    for column, value in values.items():
        if value is not None:
            ctx.x(f"UPDATE {{p}}orders SET {column} = ? WHERE id = ?", (value, oid))
    ctx.emit("ORDER.UPDATED", "orders", oid)
    return _get(ctx, r.ORDERS, "or", oid)


def confirm_payment(ctx: WriteCtx, f: Form, g: tuple[str, ...]) -> Any:
    oid = _id(g[0], "or")
    txn = f.text("transaction_id", max_length=255)
    f.check()
    a.confirm_payment(ctx, oid, txn)
    return {"id": f"or_{oid}", "object": "order", "payment_received": "true"}


# ---- issued tickets and check-ins ----------------------------------------------------------
_TICKET_RO = COMMON_READ_ONLY | {
    "status",
    "source",
    "order_id",
    "checked_in",
    "voided_at",
    "barcode_url",
    "qr_code_url",
    "event_series_id",
    "listed_price",
    "listed_currency",
}


def create_issued_ticket(ctx: WriteCtx, f: Form, _g: tuple[str, ...]) -> Any:
    """Either ``event_id`` + ``ticket_type_id`` or ``hold_id`` (reference §3.5)."""
    f.read_only(_TICKET_RO)
    event_raw, tt_raw, hold_raw = (f.text(n) for n in ("event_id", "ticket_type_id", "hold_id"))
    full_name = f.text("full_name", required=True, max_length=255)
    email = f.text("email", max_length=255)
    barcode = f.text("barcode", max_length=32)
    reference = f.text("reference", max_length=255)
    f.flag("send_email")
    if barcode is not None and not barcode.isalnum():
        f.error("barcode", "A barcode is letters and digits only.", barcode)
    hold_id = parse_id(hold_raw, "ho") if hold_raw else None
    tt_id = parse_id(tt_raw, "tt") if tt_raw else None
    event_id = parse_id(event_raw, "ev") if event_raw else None
    if hold_raw and hold_id is None:
        f.error("hold_id", "Value must be a hold id like ho_123.", hold_raw)
    if hold_raw is None and (event_raw is None or tt_raw is None):
        f.error("event_id", "Send event_id and ticket_type_id, or hold_id.")
    if event_raw and event_id is None:
        f.error("event_id", "Value must be an event id like ev_123.", event_raw)
    if tt_raw and tt_id is None:
        f.error("ticket_type_id", "Value must be a ticket type id like tt_123.", tt_raw)
    f.check()
    if hold_id is not None:
        try:
            hold_event = a.hold_row(ctx, hold_id)[0]
        except ApiError:
            raise bad("hold_id", f"Hold {hold_raw} does not exist.") from None
        if event_id is not None and event_id != hold_event:
            raise bad("hold_id", f"Hold {hold_raw} is for another event.")
        event_id = hold_event
    assert event_id is not None  # checked above
    _require_event(ctx, event_id)
    tid = a.issue_ticket(
        ctx,
        event_id,
        tt_id,
        a.Holder.from_full_name(full_name, email),
        barcode=barcode,
        reference=reference,
        hold_id=hold_id,
    )
    return _get(ctx, r.ISSUED_TICKETS, "it", tid)


def _require_event(ctx: WriteCtx, event_id: int, name: str = "event_id") -> None:
    if ctx.one("SELECT 1 FROM {p}events WHERE id = ?", (event_id,)) is None:
        raise bad(name, f"Event ev_{event_id} does not exist.")


def void_issued_ticket(ctx: WriteCtx, f: Form, g: tuple[str, ...]) -> Any:
    tid = _id(g[0], "it")
    to_hold = f.flag("void_to_hold")
    f.check()
    hold_id = a.void_ticket(ctx, tid, to_hold=bool(to_hold))
    out: dict[str, Any] = voided("it", tid, "issued_ticket")
    if hold_id is not None:
        out["hold_id"] = f"ho_{hold_id}"
    return out


def create_check_in(ctx: WriteCtx, f: Form, _g: tuple[str, ...]) -> Any:
    f.read_only(COMMON_READ_ONLY)
    raw = f.text("issued_ticket_id", required=True)
    quantity = f.integer("quantity", required=True, low=-1, high=1)
    at = f.timestamp("check_in_at")
    unique = f.text("local_unique_id", max_length=255)
    tid = parse_id(raw, "it") if raw else None
    if raw and tid is None:
        f.error("issued_ticket_id", "Value must be an issued ticket id like it_123.", raw)
    if quantity == 0:
        f.error("quantity", "Value must be 1 (check in) or -1 (check out).", "0")
    f.check()
    assert tid is not None
    assert quantity is not None
    try:
        cid = a.check_in(ctx, tid, quantity, at=at, local_unique_id=unique)
    except ApiError as e:
        if e.status == 404:
            raise bad("issued_ticket_id", f"Issued ticket {raw} does not exist.") from None
        raise
    return _get(ctx, r.CHECK_INS, "ch", cid)


# ---- holds -----------------------------------------------------------------------------------
_HOLD_RO = COMMON_READ_ONLY | {"quantities", "total_on_hold"}


def create_hold(ctx: WriteCtx, f: Form, _g: tuple[str, ...]) -> Any:
    f.read_only(_HOLD_RO)
    raw = f.text("event_id", required=True)
    note = f.text("note", required=True, max_length=1000)
    if not f.has("ticket_type_id"):
        f.error("ticket_type_id", _HOLD_SHAPE)
    quantities = f.id_map("ticket_type_id", "tt", message=_HOLD_SHAPE)
    event_id = parse_id(raw, "ev") if raw else None
    if raw and event_id is None:
        f.error("event_id", "Value must be an event id like ev_123.", raw)
    f.check()
    assert event_id is not None
    assert note is not None
    assert quantities is not None
    _require_event(ctx, event_id)
    hid = a.create_hold(ctx, event_id, note, quantities)
    return _get(ctx, r.HOLDS, "ho", hid)


def update_hold(ctx: WriteCtx, f: Form, g: tuple[str, ...]) -> Any:
    hid = _id(g[0], "ho")
    a.hold_row(ctx, hid)
    f.read_only(_HOLD_RO | {"event_id"})
    note = f.text("note", max_length=1000)
    quantities = f.id_map("ticket_type_id", "tt", message=_HOLD_SHAPE)
    f.check()
    a.update_hold(ctx, hid, note, quantities)
    return _get(ctx, r.HOLDS, "ho", hid)


def delete_hold(ctx: WriteCtx, _f: Form, g: tuple[str, ...]) -> Any:
    hid = _id(g[0], "ho")
    a.delete_hold(ctx, hid)
    return deleted("ho", hid, "hold")


# ---- discounts ---------------------------------------------------------------------------------
_DISCOUNT_TYPES = {"fixed_amount": "fixed_amount", "percentage": "percentage"}


def _check_tts(ctx: WriteCtx, f: Form, name: str, ids: dict[int, int] | None) -> None:
    for tt_id in ids or {}:
        if a.ticket_type_row(ctx, tt_id) is None:
            f.error(f"{name}[tt_{tt_id}]", f"Ticket type tt_{tt_id} does not exist.")


def _discount_values(ctx: WriteCtx, f: Form, create: bool) -> dict[str, Any]:
    f.read_only(COMMON_READ_ONLY | {"times_redeemed"})
    v = {
        "name": f.text("name", required=create, max_length=255),
        "code": f.text("code", required=create, max_length=100),
        "type": f.choice("type", _DISCOUNT_TYPES, required=create),
        "price": f.integer("price", high=10**8),
        "price_percent": f.number("price_percent"),
        "booking_fee": f.integer("booking_fee", high=10**8),
        "booking_fee_percent": f.number("booking_fee_percent"),
        "max_redemptions": f.integer("max_redemptions", low=1),
        "expires": f.timestamp("expires"),
    }
    code = v["code"]
    if code is not None and ctx.one(
        "SELECT 1 FROM {p}objects WHERE kind = 'discount' AND code = ?", (code,)
    ):
        f.error("code", "A discount with this code already exists.", code)
    return v


def create_discount(ctx: WriteCtx, f: Form, _g: tuple[str, ...]) -> Any:
    """Scope comes ONLY from ``ticket_type_id[tt_x]=1``: ``ticket_types[]``, comma lists
    and ``ticket_type_ids`` are silently ignored (a discount valid on everything),
    exactly the trap seen live (reference §3.8)."""
    v = _discount_values(ctx, f, True)
    scope = f.id_map("ticket_type_id", "tt")
    _check_tts(ctx, f, "ticket_type_id", scope)
    products = f.id_map("products", "pr")
    fixed = v["type"] == "fixed_amount"
    if fixed and v["price"] is None:
        f.error("price", "Value is required and can't be empty")
    if v["type"] == "percentage" and v["price_percent"] is None:
        f.error("price_percent", "Value is required and can't be empty")
    f.check()
    body = {
        "booking_fee_amount": v["booking_fee"]
        if v["booking_fee"] is not None
        else (0 if fixed else None),
        "booking_fee_percentage": v["booking_fee_percent"],
        "code": v["code"],
        "expires": _date_marker(ctx, v["expires"]),
        "face_value_amount": v["price"] if fixed else None,
        "face_value_percentage": None if fixed else v["price_percent"],
        "max_redemptions": v["max_redemptions"],
        "name": v["name"],
        "products": [f"pr_{p}" for p, on in sorted((products or {}).items()) if on],
        "ticket_types": [f"tt_{t}" for t, on in sorted((scope or {}).items()) if on],
        "times_redeemed": 0,
        "type": v["type"],
    }
    did = a.take_id(ctx, "discount")
    _insert_obj(ctx, "discount", did, body, code=v["code"])
    return _render_obj(ctx, "discount", "di", did)


def _links(body: dict[str, Any], key: str, prefix: str, changes: dict[int, int] | None) -> None:
    """Association map on update: ``[id]=1`` links, ``[id]=0`` unlinks, others stay."""
    if changes is None:
        return
    linked = {int(x.split("_")[1]) for x in body.get(key) or []}
    for oid, on in changes.items():
        (linked.add if on else linked.discard)(oid)
    body[key] = [f"{prefix}_{x}" for x in sorted(linked)]


def update_discount(ctx: WriteCtx, f: Form, g: tuple[str, ...]) -> Any:
    did = _id(g[0], "di")
    body, _parent = _obj(ctx, "discount", did)
    v = _discount_values(ctx, f, False)
    scope = f.id_map("ticket_types", "tt") or {}
    scope.update(f.id_map("ticket_type_id", "tt") or {})
    _check_tts(ctx, f, "ticket_types", scope)
    products = f.id_map("products", "pr")
    f.check()
    kind = v["type"] or body["type"]
    for key, field_name in (
        ("name", "name"),
        ("code", "code"),
        ("max_redemptions", "max_redemptions"),
        ("type", "type"),
    ):
        _set(body, key, v[field_name])
    if v["expires"] is not None:
        body["expires"] = _date_marker(ctx, v["expires"])
    if v["price"] is not None and kind == "fixed_amount":
        body["face_value_amount"], body["face_value_percentage"] = v["price"], None
    if v["price_percent"] is not None and kind == "percentage":
        body["face_value_percentage"], body["face_value_amount"] = v["price_percent"], None
    _set(body, "booking_fee_amount", v["booking_fee"])
    _set(body, "booking_fee_percentage", v["booking_fee_percent"])
    _links(body, "ticket_types", "tt", scope or None)
    _links(body, "products", "pr", products)
    _save_obj(ctx, "discount", did, body, code=v["code"])
    return _render_obj(ctx, "discount", "di", did)


def _delete_obj(kind: str, prefix: str) -> WriteHandler:
    def handler(ctx: WriteCtx, _f: Form, g: tuple[str, ...]) -> Any:
        oid = _id(g[0], prefix)
        _obj(ctx, kind, oid)
        if kind == "membership_type" and ctx.one(
            "SELECT 1 FROM {p}objects WHERE kind = 'issued_membership' AND parent_id = ?", (oid,)
        ):
            raise conflict("This membership type has issued memberships, so it cannot be deleted.")
        ctx.x("DELETE FROM {p}objects WHERE kind = ? AND id = ?", (kind, oid))
        if kind == "voucher":  # its unredeemed codes go with it
            ctx.x("DELETE FROM {p}objects WHERE kind = 'voucher_code' AND parent_id = ?", (oid,))
        return deleted(prefix, oid, kind)

    return handler


# ---- vouchers --------------------------------------------------------------------------------
_VOUCHER_TYPES = {"promo": "PROMO", "gift_card": "GIFT_CARD"}
_CODE = re.compile(r"[A-Za-z0-9_-]{3,40}")


def create_voucher(ctx: WriteCtx, f: Form, _g: tuple[str, ...]) -> Any:
    f.read_only(COMMON_READ_ONLY | {"available_codes", "total_codes", "currency"})
    name = f.text("name", required=True, max_length=255)
    value = f.integer("value", required=True, high=10**8)
    kind = f.choice("voucher_type", _VOUCHER_TYPES) or "PROMO"
    codes = f.text_list("codes") or []
    series = f.id_list("event_series_ids", "es") or []
    expiry = f.timestamp("expiry")
    f.choice("interval", {"30": "30", "90": "90", "365": "365"})
    partial, any_event = f.flag("partial_redemption"), f.flag("usable_on_any_event")
    for code in codes:
        if not _CODE.fullmatch(code):
            f.error("codes", "A code is 3 to 40 letters, digits, - or _.", code)
    if len(set(codes)) != len(codes):
        f.error("codes", "Each code must be different.")
    f.check()
    vid = a.take_id(ctx, "voucher")
    body = {
        "available_codes": len(codes),
        "currency": ctx.render.currency,
        "event_series_ids": [f"es_{s}" for s in series],
        "expiry": _date_marker(ctx, expiry),
        "name": name,
        "partial_redemption": _sbool(partial) or "false",
        "total_codes": len(codes),
        "type": kind,
        "usable_on_any_event": _sbool(any_event) or ("false" if series else "true"),
        "value": value,
    }
    _insert_obj(ctx, "voucher", vid, body)
    for code in codes:
        cid = a.take_id(ctx, "voucher_code")
        _insert_obj(
            ctx,
            "voucher_code",
            cid,
            {"code": code, "expiry": body["expiry"], "value": value, "voucher_id": f"vo_{vid}"},
            parent=vid,
        )
    return _render_obj(ctx, "voucher", "vo", vid)


def update_voucher(ctx: WriteCtx, f: Form, g: tuple[str, ...]) -> Any:
    vid = _id(g[0], "vo")
    body, _parent = _obj(ctx, "voucher", vid)
    f.read_only(COMMON_READ_ONLY | {"available_codes", "total_codes", "currency", "type"})
    _set(body, "name", f.text("name", max_length=255))
    _set(body, "value", f.integer("value", high=10**8))
    expiry = f.timestamp("expiry")
    _set(body, "partial_redemption", _sbool(f.flag("partial_redemption")))
    _set(body, "usable_on_any_event", _sbool(f.flag("usable_on_any_event")))
    series = f.id_map("event_series_ids", "es")
    f.check()
    if expiry is not None:
        body["expiry"] = _date_marker(ctx, expiry)
    _links(body, "event_series_ids", "es", series)
    _save_obj(ctx, "voucher", vid, body)
    return _render_obj(ctx, "voucher", "vo", vid)


def void_voucher_code(ctx: WriteCtx, _f: Form, g: tuple[str, ...]) -> Any:
    vid, cid = _id(g[0], "vo"), _id(g[1], "vc")
    body, _parent = _obj(ctx, "voucher", vid)
    if _obj(ctx, "voucher_code", cid)[1] != vid:
        raise not_found()
    ctx.x("DELETE FROM {p}objects WHERE kind = 'voucher_code' AND id = ?", (cid,))
    body["available_codes"] = max(0, int(body["available_codes"]) - 1)
    _save_obj(ctx, "voucher", vid, body)
    return voided("vc", cid, "voucher_code")


# ---- products ------------------------------------------------------------------------------
def _product_fields(f: Form, create: bool) -> dict[str, Any]:
    f.read_only(COMMON_READ_ONLY | {"issued_count", "currency"})
    return {
        "name": f.text("name", required=create, max_length=255),
        "price": f.integer("price", required=create, high=10**8),
        "description": f.text("description", max_length=5000),
        "booking_fee": f.integer("booking_fee", high=10**8),
        "quantity": f.integer("quantity", high=10**7),
        "sell_in_store": _sbool(f.flag("sell_in_store")),
        "instructions": f.text("instructions", max_length=5000),
    }


def create_product(ctx: WriteCtx, f: Form, _g: tuple[str, ...]) -> Any:
    v = _product_fields(f, True)
    f.check()
    pid = a.take_id(ctx, "product")
    stamp = _date_marker(ctx, ctx.now)
    body = {
        "booking_fee": v["booking_fee"] or 0,
        "created_at": stamp,
        "currency": ctx.render.currency.upper(),
        "description": v["description"] or v["name"],
        "event_series_ids": None,
        "fulfilment_reference_id": None,
        "fulfilment_type": "NONE",
        "image": None,
        "instructions": v["instructions"],
        "issued_count": 0,
        "linked_to_all_event_series": "true",
        "name": v["name"],
        "price": v["price"],
        "quantity": 100 if v["quantity"] is None else v["quantity"],
        "quantity_per_event_occurrence": None,
        "sell_in_store": v["sell_in_store"] or "false",
        "status": "ON_SALE",
        "updated_at": stamp,
        "variant": None,
    }
    _insert_obj(ctx, "product", pid, body)
    return _render_obj(ctx, "product", "pr", pid)


def update_product(ctx: WriteCtx, f: Form, g: tuple[str, ...]) -> Any:
    pid = _id(g[0], "pr")
    body, _parent = _obj(ctx, "product", pid)
    v = _product_fields(f, False)
    f.check()
    for key, value in v.items():
        _set(body, key, value)
    body["updated_at"] = _date_marker(ctx, ctx.now)
    _save_obj(ctx, "product", pid, body)
    return _render_obj(ctx, "product", "pr", pid)


# ---- memberships -----------------------------------------------------------------------------
_VALIDITY = {"relative": "relative", "fixed": "fixed"}


def _membership_type_fields(ctx: WriteCtx, f: Form, create: bool) -> dict[str, Any]:
    f.read_only(COMMON_READ_ONLY)
    v = {
        "name": f.text("name", required=create, max_length=255),
        "valid_from_type": f.choice("valid_from_type", _VALIDITY, required=create),
        "valid_to_type": f.choice("valid_to_type", _VALIDITY, required=create),
        "valid_from_date": _date_marker(ctx, f.timestamp("valid_from_date")),
        "valid_to_date": _date_marker(ctx, f.timestamp("valid_to_date")),
        "valid_to_relative_days": f.integer("valid_to_relative_days", low=1, high=36_500),
        "max_redemptions": f.integer("max_redemptions", low=1),
        "photo_required": _sbool(f.flag("photo_required")),
    }
    if create and v["valid_to_type"] == "fixed" and v["valid_to_date"] is None:
        f.error("valid_to_date", "Value is required when valid_to_type is fixed.")
    if create and v["valid_to_type"] == "relative" and v["valid_to_relative_days"] is None:
        f.error("valid_to_relative_days", "Value is required when valid_to_type is relative.")
    return v


def create_membership_type(ctx: WriteCtx, f: Form, _g: tuple[str, ...]) -> Any:
    v = _membership_type_fields(ctx, f, True)
    f.check()
    mid = a.take_id(ctx, "membership_type")
    body = {"conditions_and_benefits": [], **v, "photo_required": v["photo_required"] or "false"}
    _insert_obj(ctx, "membership_type", mid, dict(sorted(body.items())))
    return _render_obj(ctx, "membership_type", "mt", mid)


def update_membership_type(ctx: WriteCtx, f: Form, g: tuple[str, ...]) -> Any:
    mid = _id(g[0], "mt")
    body, _parent = _obj(ctx, "membership_type", mid)
    v = _membership_type_fields(ctx, f, False)
    f.check()
    for key, value in v.items():
        _set(body, key, value)
    _save_obj(ctx, "membership_type", mid, body)
    return _render_obj(ctx, "membership_type", "mt", mid)


def _valid_until(ctx: WriteCtx, mtype: dict[str, Any]) -> int:
    if mtype.get("valid_to_type") == "fixed" and mtype.get("valid_to_date"):
        return int(mtype["valid_to_date"]["$date"])
    return ctx.now + int(mtype.get("valid_to_relative_days") or 365) * 86400


def create_issued_membership(ctx: WriteCtx, f: Form, _g: tuple[str, ...]) -> Any:
    f.read_only(COMMON_READ_ONLY | {"code", "is_valid", "redemptions", "voided_at"})
    raw = f.text("membership_type_id", required=True)
    first = f.text("first_name", required=True, max_length=255)
    last = f.text("last_name", required=True, max_length=255)
    email = f.text("email", required=True, max_length=255)
    mid = parse_id(raw, "mt") if raw else None
    if raw and mid is None:
        f.error("membership_type_id", "Value must be a membership type id like mt_123.", raw)
    f.check()
    assert mid is not None  # required (checked above)
    try:
        mtype, _parent = _obj(ctx, "membership_type", mid)
    except ApiError:
        raise bad("membership_type_id", f"Membership type {raw} does not exist.") from None
    iid = a.take_id(ctx, "issued_membership")
    until = _valid_until(ctx, mtype)
    code = "MM" + hashlib.sha256(f"{ctx.p}im{iid}".encode()).hexdigest()[:7].upper()
    body = {
        "benefits": [],
        "code": code,
        "email": email,
        "first_name": first,
        "full_name": f"{first} {last}",
        "is_valid": "true" if until > ctx.now else "false",
        "issue_date": _date_marker(ctx, ctx.now),
        "last_name": last,
        "max_redemptions": mtype.get("max_redemptions"),
        "membership_type_id": f"mt_{mid}",
        "membership_type_name": mtype["name"],
        "redemption_collection": [],
        "redemptions": 0,
        "valid_from": _date_marker(ctx, ctx.now),
        "valid_to": _date_marker(ctx, until),
        "voided_at": None,
    }
    _insert_obj(ctx, "issued_membership", iid, body, parent=mid)
    ctx.emit("ISSUED_MEMBERSHIP.CREATED", "issued_memberships", iid)
    return _render_obj(ctx, "issued_membership", "im", iid)


def update_issued_membership(ctx: WriteCtx, f: Form, g: tuple[str, ...]) -> Any:
    iid = _id(g[0], "im")
    body, _parent = _obj(ctx, "issued_membership", iid)
    f.read_only(
        COMMON_READ_ONLY | {"code", "is_valid", "redemptions", "voided_at", "membership_type_id"}
    )
    for key in ("first_name", "last_name", "email"):
        _set(body, key, f.text(key, max_length=255))
    valid_to = f.timestamp("valid_to")
    f.check()
    body["full_name"] = f"{body['first_name']} {body['last_name']}"
    if valid_to is not None:
        body["valid_to"] = _date_marker(ctx, valid_to)
        body["is_valid"] = "true" if valid_to > ctx.now and body["voided_at"] is None else "false"
    _save_obj(ctx, "issued_membership", iid, body)
    ctx.emit("ISSUED_MEMBERSHIP.UPDATED", "issued_memberships", iid)
    return _render_obj(ctx, "issued_membership", "im", iid)


def void_issued_membership(ctx: WriteCtx, _f: Form, g: tuple[str, ...]) -> Any:
    iid = _id(g[0], "im")
    body, _parent = _obj(ctx, "issued_membership", iid)
    if body.get("voided_at") is not None:
        raise bad("issued_membership_id", f"Issued membership im_{iid} is already voided.")
    body["voided_at"], body["is_valid"] = ctx.now, "false"
    _save_obj(ctx, "issued_membership", iid, body)
    ctx.emit("ISSUED_MEMBERSHIP.UPDATED", "issued_memberships", iid)
    return voided("im", iid, "issued_membership")


def redeem_membership(ctx: WriteCtx, f: Form, g: tuple[str, ...]) -> Any:
    event_id = _id(g[0], "ev")
    if ctx.one("SELECT 1 FROM {p}events WHERE id = ?", (event_id,)) is None:
        raise not_found()
    raw = f.text("issued_membership_id", required=True)
    description = f.text("description", max_length=1000) or ""
    iid = parse_id(raw, "im") if raw else None
    if raw and iid is None:
        f.error("issued_membership_id", "Value must be an issued membership id like im_123.", raw)
    f.check()
    assert iid is not None  # required (checked above)
    try:
        body, _parent = _obj(ctx, "issued_membership", iid)
    except ApiError:
        raise bad("issued_membership_id", f"Issued membership {raw} does not exist.") from None
    if body["is_valid"] != "true":
        raise bad("issued_membership_id", f"Issued membership {raw} is not valid.")
    limit = body.get("max_redemptions")
    if limit is not None and body["redemptions"] >= limit:
        raise bad("issued_membership_id", f"Issued membership {raw} has no redemptions left.")
    redemption = {
        "object": "issued_membership_redemption",
        "id": f"ir_{a.take_id(ctx, 'redemption')}",
        "created_at": iso_utc(ctx.now),
        "description": description,
        "issued_membership_id": f"im_{iid}",
        "linked_event_id": f"ev_{event_id}",
        "linked_order_id": None,
    }
    body["redemption_collection"].append(redemption)
    body["redemptions"] += 1
    _save_obj(ctx, "issued_membership", iid, body)
    ctx.emit("ISSUED_MEMBERSHIP.UPDATED", "issued_memberships", iid)
    return redemption


# ---- the table --------------------------------------------------------------------------------
_ID = r"([a-z]{2}_[^/]+)"

WRITES: list[tuple[str, str, str, WriteHandler, int]] = [
    ("POST", "event_series", "event_series", create_series, 201),
    ("POST", f"event_series/{_ID}", "event_series", update_series, 200),
    ("DELETE", f"event_series/{_ID}", "event_series", delete_series, 200),
    ("POST", f"event_series/{_ID}/status", "event_series", series_status, 200),
    ("POST", f"event_series/{_ID}/events", "events", create_event, 201),
    ("POST", f"event_series/{_ID}/events/{_ID}", "events", update_event, 200),
    ("DELETE", f"event_series/{_ID}/events/{_ID}", "events", delete_event, 200),
    ("POST", f"event_series/{_ID}/ticket_types", "event_series", create_ticket_type, 201),
    ("POST", f"event_series/{_ID}/ticket_types/{_ID}", "event_series", update_ticket_type, 200),
    ("DELETE", f"event_series/{_ID}/ticket_types/{_ID}", "event_series", delete_ticket_type, 200),
    ("POST", f"event_series/{_ID}/overrides", "event_series", OVERRIDE[0], 201),
    ("POST", f"event_series/{_ID}/overrides/{_ID}", "event_series", OVERRIDE[1], 200),
    ("POST", f"event_series/{_ID}/ticket_groups", "event_series", TICKET_GROUP[0], 201),
    ("POST", f"event_series/{_ID}/ticket_groups/{_ID}", "event_series", TICKET_GROUP[1], 200),
    ("DELETE", f"event_series/{_ID}/ticket_groups/{_ID}", "event_series", TICKET_GROUP[2], 200),
    ("POST", f"event_series/{_ID}/bundles", "event_series", BUNDLE[0], 201),
    ("POST", f"event_series/{_ID}/bundles/{_ID}", "event_series", BUNDLE[1], 200),
    ("DELETE", f"event_series/{_ID}/bundles/{_ID}", "event_series", BUNDLE[2], 200),
    (
        "DELETE",
        f"event_series/{_ID}/waitlist_signup/{_ID}",
        "waitlist_signups",
        delete_waitlist_signup,
        200,
    ),
    ("POST", f"orders/{_ID}", "orders", update_order, 200),
    ("POST", f"orders/{_ID}/confirm-payment-received", "orders", confirm_payment, 200),
    ("POST", "issued_tickets", "issued_tickets", create_issued_ticket, 201),
    ("POST", f"issued_tickets/{_ID}/void", "issued_tickets", void_issued_ticket, 200),
    ("POST", "check_ins", "check_ins", create_check_in, 201),
    ("POST", "holds", "holds", create_hold, 201),
    ("POST", f"holds/{_ID}", "holds", update_hold, 200),
    ("DELETE", f"holds/{_ID}", "holds", delete_hold, 200),
    ("POST", "discounts", "discounts", create_discount, 201),
    ("POST", f"discounts/{_ID}", "discounts", update_discount, 200),
    ("DELETE", f"discounts/{_ID}", "discounts", _delete_obj("discount", "di"), 200),
    ("POST", "vouchers", "vouchers", create_voucher, 201),
    ("POST", f"vouchers/{_ID}", "vouchers", update_voucher, 200),
    ("DELETE", f"vouchers/{_ID}", "vouchers", _delete_obj("voucher", "vo"), 200),
    ("POST", f"vouchers/{_ID}/codes/{_ID}/void", "vouchers", void_voucher_code, 200),
    ("POST", "products", "products", create_product, 201),
    ("POST", f"products/{_ID}", "products", update_product, 200),
    ("DELETE", f"products/{_ID}", "products", _delete_obj("product", "pr"), 200),
    ("POST", "membership_types", "memberships", create_membership_type, 201),
    ("POST", f"membership_types/{_ID}", "memberships", update_membership_type, 200),
    ("DELETE", f"membership_types/{_ID}", "memberships", _delete_obj("membership_type", "mt"), 200),
    ("POST", "issued_memberships", "memberships", create_issued_membership, 201),
    ("POST", f"issued_memberships/{_ID}", "memberships", update_issued_membership, 200),
    ("POST", f"issued_memberships/{_ID}/void", "memberships", void_issued_membership, 200),
    ("POST", f"issued_membership_redemptions/{_ID}", "memberships", redeem_membership, 201),
]
