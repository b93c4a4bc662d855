"""The current-state table (``mode=current``) cases, run against SQLite and PostgreSQL:
each case sends envelopes through a real sink and reads the table back."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tickettailor.watch.envelope import Envelope, make_envelope

T0 = 1_764_450_000
ORDER = {
    "object": "order",
    "id": "or_501",
    "created_at": T0,
    "status": "completed",
    "total_paid": 2500,
    "refund_amount": 0,
    "buyer_details": {"name": "Zoë Smith", "email": "zoe@example.com"},
}
TICKET = {
    "object": "issued_ticket",
    "id": "it_901",
    "created_at": T0,
    "updated_at": T0,
    "voided_at": None,
    "status": "valid",
}

Send = Callable[[Envelope], None]
Read = Callable[[], dict[str, dict[str, Any]]]  # record id -> the row's record
Case = Callable[[Send, Read], None]


def order(event_type: str, at: int, **changed: Any) -> Envelope:
    return make_envelope(event_type, {**ORDER, **changed}, at)


def created_then_updated(send: Send, read: Read) -> None:
    send(order("order.created", T0))
    assert read()["or_501"]["status"] == "completed"
    send(order("order.updated", T0 + 60, status="cancelled", refund_amount=2500))
    assert read()["or_501"] == {**ORDER, "status": "cancelled", "refund_amount": 2500}


def replay_of_older_changes_nothing(send: Send, read: Read) -> None:
    first = order("order.created", T0)
    partial = order("order.updated", T0 + 60, refund_amount=500)
    cancelled = order("order.updated", T0 + 120, status="cancelled", refund_amount=2500)
    for envelope in (first, partial, cancelled):
        send(envelope)
    for envelope in (first, partial, cancelled, first):  # a restarted watch re-sends all
        send(envelope)
    assert read()["or_501"]["status"] == "cancelled"
    assert read()["or_501"]["refund_amount"] == 2500


def newest_wins_out_of_order(send: Send, read: Read) -> None:
    send(order("order.updated", T0 + 120, status="cancelled", refund_amount=2500))
    send(order("order.updated", T0 + 60, refund_amount=500))  # late
    send(order("order.created", T0))  # later still
    assert read()["or_501"]["refund_amount"] == 2500


def a_record_updated_at_beats_the_envelope_time(send: Send, read: Read) -> None:
    # The void is seen first by a poll stamped late, then its creation by a webhook
    # stamped early: the ticket's own updated_at decides, not the envelope's time.
    voided = {**TICKET, "status": "voided", "voided_at": T0 + 300, "updated_at": T0 + 300}
    send(make_envelope("issued_ticket.updated", voided, T0 + 300))
    send(make_envelope("issued_ticket.created", TICKET, T0 + 900))
    assert read()["it_901"]["status"] == "voided"


def seq_orders_changes_of_one_second(send: Send, read: Read) -> None:
    second = order("order.updated", T0 + 60, status="cancelled", refund_amount=2500)
    first = order("order.updated", T0 + 60, refund_amount=500)
    send({**second, "seq": 8})  # type: ignore[typeddict-unknown-key]  # seq: an optional key
    send({**first, "seq": 7})  # type: ignore[typeddict-unknown-key]  # seq: an optional key; it arrives late
    assert read()["or_501"]["status"] == "cancelled"


def one_row_per_record(send: Send, read: Read) -> None:
    send(order("order.created", T0))
    send(make_envelope("issued_ticket.created", TICKET, T0))
    send(order("order.updated", T0 + 5, status="cancelled"))
    assert sorted(read()) == ["it_901", "or_501"]


CASES = [
    created_then_updated,
    replay_of_older_changes_nothing,
    newest_wins_out_of_order,
    a_record_updated_at_beats_the_envelope_time,
    seq_orders_changes_of_one_second,
    one_row_per_record,
]
