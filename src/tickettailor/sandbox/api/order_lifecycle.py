"""How an order changes: placed as the checkout does, paid, refunded, cancelled, and
deleted (a test control). Used by the order endpoints, the control API and the sales
simulator; every counter moves with the rows (inventory.py).

A cancelled order has every ticket voided and ``refund_amount = total_paid``; an
order's line items, tickets and totals agree.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from typing import NamedTuple

from tickettailor.sandbox import names
from tickettailor.sandbox.api.check_ins import SCAN_KEYS
from tickettailor.sandbox.api.inventory import available, counts, event_row, ticket_type_row
from tickettailor.sandbox.api.issued_tickets import void
from tickettailor.sandbox.api.reading import View
from tickettailor.sandbox.api.writing import Change, bad, keep_time_order, take_id
from tickettailor.sandbox.errors import not_found


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


class _Line(NamedTuple):
    tt_id: int
    quantity: int
    price: int
    fee: int


def _lines(change: Change, plan: OrderPlan, series_id: int) -> list[_Line]:
    if not plan.items:
        raise bad("ticket_types", "An order needs at least one ticket.")
    lines = []
    for tt_id, qty in plan.items:
        tt = ticket_type_row(change, tt_id)
        if tt is None or tt.series_id != series_id:
            raise bad("ticket_types", f"Ticket type tt_{tt_id} is not sold at ev_{plan.event_id}.")
        if qty < 1:
            raise bad("ticket_types", "Each quantity must be 1 or more.")
        if available(change, plan.event_id, tt_id) < qty:
            raise bad(
                "ticket_types",
                f"Only {max(0, available(change, plan.event_id, tt_id))} "
                f"of tt_{tt_id} are left at ev_{plan.event_id}.",
            )
        lines.append(_Line(tt_id, qty, int(tt.price), int(tt.booking_fee)))
    return lines


def create_order(change: Change, plan: OrderPlan) -> int:
    """An order as the checkout makes it: line items, one ticket per unit, totals, tax,
    counters. ``created_at`` may be in the past (a back-dated order keeps a rising id)."""
    series_id = event_row(change, plan.event_id).series_id
    lines = _lines(change, plan, series_id)
    face = sum(line.price * line.quantity for line in lines)
    subtotal = face + sum(line.fee * line.quantity for line in lines)
    tax = round(face * ((change.box.box["tax_percentage"] or 0) / 100))
    total = subtotal + tax
    if total == 0:
        pay, txn = -1, "--"
    elif plan.paypal:
        pay, txn = 1, f"{plan.txn_bits & (2**68 - 1):017X}"
    else:
        pay, txn = 0, f"pi_3{plan.txn_bits & (2**92 - 1):023x}"
    oid = take_id(change, "or")
    items = ";".join(f"{take_id(change, 'li')}:{t}:{q}:{p}:{f}" for t, q, p, f in lines)
    completed = plan.status == "completed"
    paid = total if completed else 0
    keep_time_order(change, "orders", plan.created_at)
    keep_time_order(change, "tickets", plan.created_at)
    buyer = plan.buyer
    change.execute(
        "INSERT INTO {p}orders VALUES (?,?,?,?,?,?,?,?,NULL,?,?,?,?,?,?,?,0,NULL,?)",
        (oid, plan.created_at, plan.event_id, series_id, plan.status, buyer.first_name,
         buyer.last_name, buyer.email, buyer.referral_tag, txn, pay, subtotal, tax, total,
         paid, items),
    )  # fmt: skip
    for line in lines:
        for _ in range(line.quantity):
            tid = take_id(change, "it")
            change.execute(
                "INSERT INTO {p}tickets(id, order_id, event_id, series_id, tt_id, created_at, "
                "updated_at, status, checked_in, source, price) "
                "VALUES (?,?,?,?,?,?,?,'valid',0,'checkout',?)",
                (tid, oid, plan.event_id, series_id, line.tt_id, plan.created_at,
                 plan.created_at, line.price),
            )  # fmt: skip
            plan.emitted.append(tid)
        counts(change, plan.event_id, line.tt_id, issued=line.quantity)
    counts(change, plan.event_id, orders=int(completed), revenue=paid)
    change.emit("ORDER.CREATED", "orders", oid)
    for tid in plan.emitted:
        change.emit("ISSUED_TICKET.CREATED", "issued_tickets", tid)
    return oid


class Money(NamedTuple):
    """What an order change needs to know: its event, status and money."""

    id: int
    event_id: int
    status: str
    paid: int  # total_paid, or the total for generated orders
    refunded: int
    total: int


def order_row(view: View, order_id: int) -> Money:
    """The order's money, or the API's 404."""
    found = view.row(
        Money,
        "SELECT id, event_id, status, coalesce(total_paid, total), refund_amount, total "
        "FROM {p}orders WHERE id = ?",
        (order_id,),
    )
    if found is None:
        raise not_found()
    return found


def status_message(reason: str | None, staff: str | None) -> str:
    return f"{reason or 'Cancelled by the organiser'} (by {staff or 'Sandbox'})"


def cancel_order(
    change: Change, order_id: int, *, refund: int | None = None, message: str | None = None
) -> None:
    """Cancel (and refund) as the dashboard does: status ``cancelled``, every ticket
    voided, ``refund_amount`` = what was paid unless told otherwise."""
    order = order_row(change, order_id)
    if order.status == "cancelled":
        raise bad("order_id", f"Order or_{order_id} is already cancelled.")
    new_refund = order.paid if refund is None else refund
    if not order.refunded <= new_refund <= order.paid:
        raise bad(
            "refund_amount",
            f"The refund must be between {order.refunded} (already refunded) and "
            f"{order.paid} (paid).",
        )
    change.execute(
        "UPDATE {p}orders SET status = 'cancelled', refund_amount = ?, status_message = ? "
        "WHERE id = ?",
        (new_refund, message or status_message(None, None), order_id),
    )
    change.emit("ORDER.UPDATED", "orders", order_id)  # then one ISSUED_TICKET.UPDATED per void
    for tid, tt_id in change.query(
        "SELECT id, tt_id FROM {p}tickets WHERE order_id = ? AND status = 'valid' ORDER BY id",
        (order_id,),
    ):
        void(change, tid, order.event_id, tt_id)
    completed = int(order.status == "completed")
    counts(change, order.event_id, orders=-completed, revenue=order.refunded - new_refund)


def refund_order(
    change: Change, order_id: int, amount: int | None, *, message: str | None = None
) -> None:
    """Refund part of an order (it stays completed, tickets valid); refunding the rest of
    it cancels it."""
    order = order_row(change, order_id)
    left = order.paid - order.refunded
    amount = left if amount is None else amount
    if order.status == "cancelled":
        raise bad("order_id", f"Order or_{order_id} is cancelled: nothing is left to refund.")
    if not 0 < amount <= left:
        raise bad("amount", f"The refund must be between 1 and {left} (cents left to refund).")
    if order.refunded + amount == order.paid:
        cancel_order(change, order_id, refund=order.paid, message=message)
        return
    change.execute(
        "UPDATE {p}orders SET refund_amount = ?, status_message = ? WHERE id = ?",
        (order.refunded + amount, message or "Partial refund (by Sandbox)", order_id),
    )
    counts(change, order.event_id, revenue=-amount)
    change.emit("ORDER.UPDATED", "orders", order_id)


def confirm_payment(change: Change, order_id: int, txn_id: str | None) -> None:
    order = order_row(change, order_id)
    if order.status != "pending":
        raise bad(
            "order_id",
            f"Order or_{order_id} is {order.status}: only pending orders await payment.",
        )
    change.execute(
        "UPDATE {p}orders SET status = 'completed', total_paid = ?, txn_id = "
        "coalesce(?, txn_id) WHERE id = ?",
        (order.total, txn_id, order_id),
    )
    counts(change, order.event_id, orders=1, revenue=order.total)
    change.emit("ORDER.UPDATED", "orders", order_id)


def delete_order(change: Change, order_id: int) -> None:
    """Remove an order, its tickets and their check-ins (a test control: the real API
    has no such thing), keeping every counter right."""
    order = order_row(change, order_id)
    for tid, tt_id, ticket_status in change.query(
        "SELECT id, tt_id, status FROM {p}tickets WHERE order_id = ?", (order_id,)
    ):
        if ticket_status == "valid":
            counts(change, order.event_id, tt_id, issued=-1)
        change.execute(SCAN_KEYS)  # a retried scan of a deleted check-in must not find it
        change.execute(
            "DELETE FROM {p}check_in_keys WHERE check_in_id IN "
            "(SELECT id FROM {p}check_ins WHERE ticket_id = ?)",
            (tid,),
        )
        change.execute("DELETE FROM {p}check_ins WHERE ticket_id = ?", (tid,))
    change.execute("DELETE FROM {p}tickets WHERE order_id = ?", (order_id,))
    change.execute("DELETE FROM {p}orders WHERE id = ?", (order_id,))
    completed = int(order.status == "completed")
    counts(change, order.event_id, orders=-completed, revenue=order.refunded - order.paid)
