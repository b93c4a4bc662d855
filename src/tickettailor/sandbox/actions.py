"""Box-office operations that change data, shared by the write endpoints (writes.py),
the control API (control.py) and the sales simulator (simulator.py).

Every operation runs inside :func:`transaction` on a :class:`WriteCtx` and keeps the
consistency rules of generate.py: inventory ``issued`` = valid tickets of that (event,
ticket type), ``held`` = held by holds; event ``total_issued`` / ``total_holds`` /
``total_orders`` (completed orders) / revenue (sum of ``total_paid - refund_amount``)
agree with the rows; an order's line items, tickets and totals agree; a cancelled order
has every ticket voided and ``refund_amount = total_paid``. The webhooks each change
causes are collected in ``ctx.emits`` and sent by the caller after the commit.
"""

# ruff: noqa: S608  (SQL text is built from internal table names only; values are bound parameters)
from __future__ import annotations

import json
import random
import sqlite3
import unicodedata
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from tickettailor.sandbox import names
from tickettailor.sandbox.errors import ApiError, not_found, validation
from tickettailor.sandbox.resources import Ctx
from tickettailor.sandbox.store import BoxOffice, Store

# Where each id sequence lives, for a first value when the generator left none.
_ID_TABLES = {
    "or": ("orders", None),
    "it": ("tickets", None),
    "ch": ("check_ins", None),
    "ev": ("events", None),
    "es": ("series", None),
    "tt": ("ticket_types", None),
    "ho": ("objects", "hold"),
    "discount": ("objects", "discount"),
    "voucher": ("objects", "voucher"),
    "voucher_code": ("objects", "voucher_code"),
    "product": ("objects", "product"),
    "membership_type": ("objects", "membership_type"),
    "issued_membership": ("objects", "issued_membership"),
    "override": ("objects", "override"),
    "waitlist_signup": ("objects", "waitlist_signup"),
    "ticket_group": ("objects", "ticket_group"),
    "bundle": ("objects", "bundle"),
    "li": (None, None),
    "redemption": (None, None),
}


@dataclass
class Emit:
    """One webhook to send after the commit: ``payload`` None means render the record."""

    event: str
    resource: str  # the path under /v1: orders, issued_tickets, events, issued_memberships
    oid: int
    payload: dict[str, Any] | None = None


class WriteCtx(Ctx):
    """A request's view of one box office, able to write and to queue webhooks."""

    def __init__(self, store: Store, box: BoxOffice, now: int) -> None:
        super().__init__(store, box, now)
        self.now = now
        self.emits: list[Emit] = []

    def x(self, sql: str, args: Sequence[Any] = ()) -> sqlite3.Cursor:
        with self.store.lock:
            return self.store.conn.execute(sql.replace("{p}", self.p), args)

    def emit(
        self, event: str, resource: str, oid: int, payload: dict[str, Any] | None = None
    ) -> None:
        self.emits.append(Emit(event, resource, oid, payload))


@contextmanager
def transaction(ctx: WriteCtx) -> Iterator[WriteCtx]:
    """All of one operation or none of it; other threads wait on the store's lock."""
    with ctx.store.lock:
        conn = ctx.store.conn
        nested = conn.in_transaction
        if not nested:
            conn.execute("BEGIN IMMEDIATE")
        try:
            yield ctx
        except BaseException:
            if not nested:
                conn.execute("ROLLBACK")
            ctx.emits.clear()
            raise
        if not nested:
            conn.execute("COMMIT")


def bad(field_name: str, message: str) -> ApiError:
    return validation([{"field": field_name, "messages": [message]}])


# ---- ids ---------------------------------------------------------------------------
def take_id(ctx: WriteCtx, key: str) -> int:
    """The next id of a sequence: above every id ever given (deleted ones included)."""
    box = ctx.box.box
    next_ids: dict[str, int] = box.setdefault("next_ids", {})
    checked: list[str] = box.setdefault("_checked_ids", [])
    current = next_ids.get(key)
    if current is None or key not in checked:
        table, kind = _ID_TABLES.get(key, (None, None))
        floor = 1000 + ctx.box.number * 40_000_000
        if table is not None:
            sql = f"SELECT max(id) FROM {{p}}{table}" + (" WHERE kind = ?" if kind else "")
            row = ctx.one(sql, (kind,) if kind else ())
            if row is not None and row[0] is not None:
                floor = max(floor, int(row[0]) + 1)
        current = max(current or 0, floor)
        checked.append(key)
    next_ids[key] = current + 1
    ctx.x("INSERT OR REPLACE INTO {p}box VALUES ('next_ids', ?)", (json.dumps(next_ids),))
    return current


def keep_time_order(ctx: WriteCtx, table: str, created_at: int) -> None:
    """Before inserting a row stamped ``created_at`` with a fresh (highest) id: if that
    time is before the newest row's, the table's time order no longer follows its ids,
    so time filters must stop using id ranges (store.py)."""
    if not ctx.store.time_ordered(ctx.box, table):
        return
    last = ctx.one(f"SELECT created_at FROM {{p}}{table} ORDER BY id DESC LIMIT 1")
    if last is not None and last[0] is not None and created_at < int(last[0]):
        ctx.store.mark_unordered(ctx.box, table)


# ---- lookups and counters ------------------------------------------------------------
def event_row(ctx: WriteCtx, event_id: int) -> tuple[Any, ...]:
    row = ctx.one(
        "SELECT id, series_id, status, start_at, end_at FROM {p}events WHERE id = ?", (event_id,)
    )
    if row is None:
        raise not_found()
    return row


def ticket_type_row(ctx: WriteCtx, tt_id: int) -> tuple[Any, ...] | None:
    return ctx.one(
        "SELECT id, series_id, name, price, booking_fee, type, status FROM {p}ticket_types "
        "WHERE id = ?",
        (tt_id,),
    )


def available(ctx: WriteCtx, event_id: int, tt_id: int) -> int:
    """Seats really free: ``quantity - quantity_held`` (reference §4.4)."""
    row = ctx.one(
        "SELECT total - issued - in_baskets - held FROM {p}inventory WHERE event_id = ? "
        "AND tt_id = ?",
        (event_id, tt_id),
    )
    return 0 if row is None else int(row[0])


def counts(
    ctx: WriteCtx,
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
        ctx.x(
            "UPDATE {p}inventory SET issued = issued + ?, held = held + ? "
            "WHERE event_id = ? AND tt_id = ?",
            (issued, held, event_id, tt_id),
        )
    ctx.x(
        "UPDATE {p}events SET total_issued = total_issued + ?, total_holds = total_holds + ?, "
        "total_orders = total_orders + ?, revenue_cents = revenue_cents + ? WHERE id = ?",
        (issued, held, orders, revenue, event_id),
    )


# ---- issued tickets ------------------------------------------------------------------
@dataclass
class Holder:
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None

    @classmethod
    def from_full_name(cls, full_name: str | None, email: str | None) -> Holder:
        if not full_name:
            return cls(None, None, email)
        first, _, last = full_name.strip().partition(" ")
        return cls(first, last.strip() or None, email)


def issue_ticket(
    ctx: WriteCtx,
    event_id: int,
    tt_id: int | None,
    holder: Holder,
    *,
    barcode: str | None = None,
    reference: str | None = None,
    hold_id: int | None = None,
) -> int:
    """A ticket straight from the event's inventory (or from a hold): no order,
    ``source: "api"``. Fails for seated types and when nothing is left."""
    ev = event_row(ctx, event_id)
    if hold_id is not None:
        tt_id = _take_from_hold(ctx, hold_id, tt_id)
    assert tt_id is not None  # writes.py requires one of them
    tt = ticket_type_row(ctx, tt_id)
    if tt is None or tt[1] != ev[1]:
        raise bad("ticket_type_id", f"Ticket type tt_{tt_id} is not sold at event ev_{event_id}.")
    if tt[5] == "Seated":
        raise bad("ticket_type_id", "Tickets of a seated ticket type cannot be issued via the API.")
    if hold_id is None and available(ctx, event_id, tt_id) < 1:
        raise bad("ticket_type_id", f"There are no tickets left of tt_{tt_id} for ev_{event_id}.")
    if barcode is not None and ctx.one("SELECT 1 FROM {p}tickets WHERE barcode = ?", (barcode,)):
        raise bad("barcode", "This barcode is already in use by another issued ticket.")
    tid = take_id(ctx, "it")
    keep_time_order(ctx, "tickets", ctx.now)
    ctx.x(
        "INSERT INTO {p}tickets(id, order_id, event_id, series_id, tt_id, created_at, "
        "updated_at, voided_at, status, checked_in, first_name, last_name, email, reference, "
        "barcode, source, price) VALUES (?,NULL,?,?,?,?,?,NULL,'valid',0,?,?,?,?,?,'api',?)",
        (
            tid,
            event_id,
            ev[1],
            tt_id,
            ctx.now,
            ctx.now,
            holder.first_name,
            holder.last_name,
            holder.email,
            reference,
            barcode,
            tt[3],
        ),
    )
    counts(ctx, event_id, tt_id, issued=1)
    ctx.emit("ISSUED_TICKET.CREATED", "issued_tickets", tid)
    return tid


def ticket_row(ctx: WriteCtx, ticket_id: int) -> tuple[Any, ...]:
    row = ctx.one(
        "SELECT id, order_id, event_id, tt_id, status, checked_in FROM {p}tickets WHERE id = ?",
        (ticket_id,),
    )
    if row is None:
        raise not_found()
    return row


def void_ticket(ctx: WriteCtx, ticket_id: int, *, to_hold: bool = False) -> int | None:
    """Void one ticket (no refund, the order stays); returns the new hold's id."""
    _tid, _order, event_id, tt_id, status, _checked = ticket_row(ctx, ticket_id)
    if status == "voided":
        raise bad("issued_ticket_id", f"Issued ticket it_{ticket_id} is already voided.")
    _void(ctx, ticket_id, event_id, tt_id)
    hold_id = None
    if to_hold:
        hold_id = create_hold(ctx, event_id, f"Voided ticket it_{ticket_id}", {tt_id: 1})
    return hold_id


def _void(ctx: WriteCtx, ticket_id: int, event_id: int, tt_id: int) -> None:
    ctx.x(
        "UPDATE {p}tickets SET status = 'voided', voided_at = ?, updated_at = ? WHERE id = ?",
        (ctx.now, ctx.now, ticket_id),
    )
    counts(ctx, event_id, tt_id, issued=-1)
    ctx.emit("ISSUED_TICKET.UPDATED", "issued_tickets", ticket_id)


_CHECK_IN_KEYS = "CREATE TABLE IF NOT EXISTS {p}check_in_keys(k TEXT PRIMARY KEY, check_in_id INT)"


def check_in(
    ctx: WriteCtx,
    ticket_id: int,
    quantity: int,
    *,
    at: int | None = None,
    local_unique_id: str | None = None,
) -> int:
    """Record a check-in (+1) or check-out (-1). The same ``local_unique_id`` gives back
    the check-in it first made, without a second row (a retried scan)."""
    if local_unique_id is not None:
        ctx.x(_CHECK_IN_KEYS)
        found = ctx.one("SELECT check_in_id FROM {p}check_in_keys WHERE k = ?", (local_unique_id,))
        if found is not None:
            return int(found[0])
    _tid, _order, event_id, _tt, status, _checked = ticket_row(ctx, ticket_id)
    if status != "valid":
        raise bad(
            "issued_ticket_id", f"Issued ticket it_{ticket_id} is voided: it cannot be checked in."
        )
    series = event_row(ctx, event_id)[1]
    cid = take_id(ctx, "ch")
    keep_time_order(ctx, "check_ins", ctx.now)
    ctx.x(
        "INSERT INTO {p}check_ins VALUES (?,?,?,?,?,?,?)",
        (cid, ctx.now, ctx.now if at is None else at, event_id, series, ticket_id, quantity),
    )
    ctx.x(
        "UPDATE {p}tickets SET checked_in = ?, updated_at = ? WHERE id = ?",
        (1 if quantity > 0 else 0, ctx.now, ticket_id),
    )
    if local_unique_id is not None:
        ctx.x("INSERT INTO {p}check_in_keys VALUES (?, ?)", (local_unique_id, cid))
    return cid


# ---- holds ---------------------------------------------------------------------------
def hold_row(ctx: WriteCtx, hold_id: int) -> tuple[int, dict[str, Any]]:
    row = ctx.one(
        "SELECT event_id, body FROM {p}objects WHERE kind = 'hold' AND id = ?", (hold_id,)
    )
    if row is None:
        raise not_found()
    return int(row[0]), json.loads(row[1])


def _hold_body(note: str, quantities: dict[int, int]) -> str:
    items = [{"ticket_type_id": f"tt_{t}", "quantity": q} for t, q in quantities.items() if q]
    return json.dumps(
        {"note": note, "quantities": items, "total_on_hold": sum(quantities.values())}
    )


def _quantities(body: dict[str, Any]) -> dict[int, int]:
    return {int(q["ticket_type_id"][3:]): int(q["quantity"]) for q in body["quantities"]}


def _check_hold_types(ctx: WriteCtx, event_id: int, wanted: dict[int, int]) -> None:
    series = event_row(ctx, event_id)[1]
    for tt_id, qty in wanted.items():
        tt = ticket_type_row(ctx, tt_id)
        if tt is None or tt[1] != series:
            raise bad(
                f"ticket_type_id[tt_{tt_id}]",
                f"Ticket type tt_{tt_id} is not sold at event ev_{event_id}.",
            )
        if qty > 0 and available(ctx, event_id, tt_id) < qty:
            raise bad(
                f"ticket_type_id[tt_{tt_id}]",
                f"Only {max(0, available(ctx, event_id, tt_id))} of tt_{tt_id} are free to hold.",
            )


def create_hold(ctx: WriteCtx, event_id: int, note: str, quantities: dict[int, int]) -> int:
    wanted = {t: q for t, q in quantities.items() if q > 0}
    if not wanted:
        raise bad("ticket_type_id", "Hold at least one ticket: ticket_type_id[tt_ID]=quantity.")
    _check_hold_types(ctx, event_id, wanted)
    hid = take_id(ctx, "ho")
    ctx.x(
        "INSERT INTO {p}objects VALUES ('hold', ?, ?, ?, NULL, ?, NULL, ?)",
        (hid, ctx.now, ctx.now, event_id, _hold_body(note, wanted)),
    )
    for tt_id, qty in wanted.items():
        counts(ctx, event_id, tt_id, held=qty)
    return hid


def update_hold(
    ctx: WriteCtx, hold_id: int, note: str | None, quantities: dict[int, int] | None
) -> None:
    event_id, body = hold_row(ctx, hold_id)
    current = _quantities(body)
    if quantities is not None:
        more = {t: q - current.get(t, 0) for t, q in quantities.items() if q > current.get(t, 0)}
        _check_hold_types(ctx, event_id, {**dict.fromkeys(quantities, 0), **more})
        for tt_id, qty in quantities.items():
            delta = qty - current.get(tt_id, 0)
            if delta:
                counts(ctx, event_id, tt_id, held=delta)
            current[tt_id] = qty
    ctx.x(
        "UPDATE {p}objects SET body = ?, updated_at = ? WHERE kind = 'hold' AND id = ?",
        (_hold_body(body["note"] if note is None else note, current), ctx.now, hold_id),
    )


def delete_hold(ctx: WriteCtx, hold_id: int) -> None:
    """Release the held seats."""
    event_id, body = hold_row(ctx, hold_id)
    for tt_id, qty in _quantities(body).items():
        counts(ctx, event_id, tt_id, held=-qty)
    ctx.x("DELETE FROM {p}objects WHERE kind = 'hold' AND id = ?", (hold_id,))


def _take_from_hold(ctx: WriteCtx, hold_id: int, tt_id: int | None) -> int:
    """Move one seat out of a hold (to be issued); returns its ticket type."""
    event_id, body = hold_row(ctx, hold_id)
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
    counts(ctx, event_id, chosen, held=-1)
    ctx.x(
        "UPDATE {p}objects SET body = ?, updated_at = ? WHERE kind = 'hold' AND id = ?",
        (_hold_body(body["note"], held), ctx.now, hold_id),
    )
    return chosen


# ---- orders --------------------------------------------------------------------------
@dataclass
class Buyer:
    first_name: str
    last_name: str
    email: str
    referral_tag: str | None = None


def _ascii(name: str) -> str:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "".join(c for c in plain.lower() if c.isalnum())


def random_buyer(rng: random.Random) -> Buyer:
    first = rng.choice(names.FIRST_NAMES)
    last = rng.choice(names.LAST_NAMES)
    email = (
        f"{_ascii(first)}.{_ascii(last)}{rng.randrange(10_000)}@{rng.choice(names.EMAIL_DOMAINS)}"
    )
    return Buyer(first, last, email, rng.choice(names.REFERRALS))


@dataclass
class OrderPlan:
    event_id: int
    items: list[tuple[int, int]]  # (ticket type id, quantity)
    buyer: Buyer
    created_at: int
    status: str = "completed"  # or "pending" (offline payment not yet received)
    paypal: bool = False
    txn_bits: int = 0  # randomness for the payment reference
    emitted: list[int] = field(default_factory=list)


def create_order(ctx: WriteCtx, plan: OrderPlan) -> int:
    """An order as the checkout makes it: line items, one ticket per unit, totals, tax,
    counters. ``created_at`` may be in the past (a back-dated order keeps a rising id)."""
    ev = event_row(ctx, plan.event_id)
    if not plan.items:
        raise bad("ticket_types", "An order needs at least one ticket.")
    lines = []
    for tt_id, qty in plan.items:
        tt = ticket_type_row(ctx, tt_id)
        if tt is None or tt[1] != ev[1]:
            raise bad("ticket_types", f"Ticket type tt_{tt_id} is not sold at ev_{plan.event_id}.")
        if qty < 1:
            raise bad("ticket_types", "Each quantity must be 1 or more.")
        if available(ctx, plan.event_id, tt_id) < qty:
            raise bad(
                "ticket_types",
                f"Only {max(0, available(ctx, plan.event_id, tt_id))} "
                f"of tt_{tt_id} are left at ev_{plan.event_id}.",
            )
        lines.append((tt_id, qty, int(tt[3]), int(tt[4])))
    face = sum(price * qty for _t, qty, price, _f in lines)
    subtotal = face + sum(fee * qty for _t, qty, _p, fee in lines)
    tax = round(face * ((ctx.box.box["tax_percentage"] or 0) / 100))
    total = subtotal + tax
    if total == 0:
        pay, txn = -1, "--"
    elif plan.paypal:
        pay, txn = 1, f"{plan.txn_bits & (2**68 - 1):017X}"
    else:
        pay, txn = 0, f"pi_3{plan.txn_bits & (2**92 - 1):023x}"
    oid = take_id(ctx, "or")
    items = ";".join(f"{take_id(ctx, 'li')}:{t}:{q}:{p}:{f}" for t, q, p, f in lines)
    completed = plan.status == "completed"
    paid = total if completed else 0
    keep_time_order(ctx, "orders", plan.created_at)
    keep_time_order(ctx, "tickets", plan.created_at)
    b = plan.buyer
    ctx.x(
        "INSERT INTO {p}orders VALUES (?,?,?,?,?,?,?,?,NULL,?,?,?,?,?,?,?,0,NULL,?)",
        (
            oid,
            plan.created_at,
            plan.event_id,
            ev[1],
            plan.status,
            b.first_name,
            b.last_name,
            b.email,
            b.referral_tag,
            txn,
            pay,
            subtotal,
            tax,
            total,
            paid,
            items,
        ),
    )
    for tt_id, qty, price, _fee in lines:
        for _ in range(qty):
            tid = take_id(ctx, "it")
            ctx.x(
                "INSERT INTO {p}tickets(id, order_id, event_id, series_id, tt_id, created_at, "
                "updated_at, status, checked_in, source, price) "
                "VALUES (?,?,?,?,?,?,?,'valid',0,'checkout',?)",
                (tid, oid, plan.event_id, ev[1], tt_id, plan.created_at, plan.created_at, price),
            )
            plan.emitted.append(tid)
        counts(ctx, plan.event_id, tt_id, issued=qty)
    counts(ctx, plan.event_id, orders=int(completed), revenue=paid)
    ctx.emit("ORDER.CREATED", "orders", oid)
    for tid in plan.emitted:
        ctx.emit("ISSUED_TICKET.CREATED", "issued_tickets", tid)
    return oid


def order_row(ctx: WriteCtx, order_id: int) -> tuple[Any, ...]:
    row = ctx.one(
        "SELECT id, event_id, status, coalesce(total_paid, total), refund_amount, total "
        "FROM {p}orders WHERE id = ?",
        (order_id,),
    )
    if row is None:
        raise not_found()
    return row


def status_message(reason: str | None, staff: str | None) -> str:
    return f"{reason or 'Cancelled by the organiser'} (by {staff or 'Sandbox'})"


def cancel_order(
    ctx: WriteCtx, order_id: int, *, refund: int | None = None, message: str | None = None
) -> None:
    """Cancel (and refund) as the dashboard does: status ``cancelled``, every ticket
    voided, ``refund_amount`` = what was paid unless told otherwise."""
    _oid, event_id, status, paid, refunded, _total = order_row(ctx, order_id)
    if status == "cancelled":
        raise bad("order_id", f"Order or_{order_id} is already cancelled.")
    new_refund = paid if refund is None else refund
    if not refunded <= new_refund <= paid:
        raise bad(
            "refund_amount",
            f"The refund must be between {refunded} (already refunded) and {paid} (paid).",
        )
    ctx.x(
        "UPDATE {p}orders SET status = 'cancelled', refund_amount = ?, status_message = ? "
        "WHERE id = ?",
        (new_refund, message or status_message(None, None), order_id),
    )
    ctx.emit("ORDER.UPDATED", "orders", order_id)  # then one ISSUED_TICKET.UPDATED per void
    for tid, tt_id in ctx.q(
        "SELECT id, tt_id FROM {p}tickets WHERE order_id = ? AND status = 'valid' ORDER BY id",
        (order_id,),
    ):
        _void(ctx, tid, event_id, tt_id)
    counts(ctx, event_id, orders=-int(status == "completed"), revenue=refunded - new_refund)


def refund_order(
    ctx: WriteCtx, order_id: int, amount: int | None, *, message: str | None = None
) -> None:
    """Refund part of an order (it stays completed, tickets valid); refunding the rest of
    it cancels it."""
    _oid, event_id, status, paid, refunded, _total = order_row(ctx, order_id)
    amount = paid - refunded if amount is None else amount
    if status == "cancelled":
        raise bad("order_id", f"Order or_{order_id} is cancelled: nothing is left to refund.")
    if not 0 < amount <= paid - refunded:
        raise bad(
            "amount", f"The refund must be between 1 and {paid - refunded} (cents left to refund)."
        )
    if refunded + amount == paid:
        cancel_order(ctx, order_id, refund=paid, message=message)
        return
    ctx.x(
        "UPDATE {p}orders SET refund_amount = ?, status_message = ? WHERE id = ?",
        (refunded + amount, message or "Partial refund (by Sandbox)", order_id),
    )
    counts(ctx, event_id, revenue=-amount)
    ctx.emit("ORDER.UPDATED", "orders", order_id)


def confirm_payment(ctx: WriteCtx, order_id: int, txn_id: str | None) -> None:
    _oid, event_id, status, _paid, _refunded, total = order_row(ctx, order_id)
    if status != "pending":
        raise bad(
            "order_id", f"Order or_{order_id} is {status}: only pending orders await payment."
        )
    ctx.x(
        "UPDATE {p}orders SET status = 'completed', total_paid = ?, txn_id = "
        "coalesce(?, txn_id) WHERE id = ?",
        (total, txn_id, order_id),
    )
    counts(ctx, event_id, orders=1, revenue=total)
    ctx.emit("ORDER.UPDATED", "orders", order_id)


def delete_order(ctx: WriteCtx, order_id: int) -> None:
    """Remove an order, its tickets and their check-ins (a test control: the real API
    has no such thing), keeping every counter right."""
    _oid, event_id, status, paid, refunded, _total = order_row(ctx, order_id)
    for tid, tt_id, tstatus in ctx.q(
        "SELECT id, tt_id, status FROM {p}tickets WHERE order_id = ?", (order_id,)
    ):
        if tstatus == "valid":
            counts(ctx, event_id, tt_id, issued=-1)
        ctx.x(_CHECK_IN_KEYS)  # a retried scan of a deleted check-in must not find it
        ctx.x(
            "DELETE FROM {p}check_in_keys WHERE check_in_id IN "
            "(SELECT id FROM {p}check_ins WHERE ticket_id = ?)",
            (tid,),
        )
        ctx.x("DELETE FROM {p}check_ins WHERE ticket_id = ?", (tid,))
    ctx.x("DELETE FROM {p}tickets WHERE order_id = ?", (order_id,))
    ctx.x("DELETE FROM {p}orders WHERE id = ?", (order_id,))
    counts(ctx, event_id, orders=-int(status == "completed"), revenue=refunded - paid)
