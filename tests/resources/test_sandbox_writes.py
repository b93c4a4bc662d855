"""Writes against the sandbox over loopback: what a user sees after each call."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date, time

import pytest

from tickettailor import BadRequestError, Client, NotFoundError
from tickettailor.sandbox import SandboxConfig, serve_in_thread


@pytest.fixture(scope="module")
def tt(sandbox_config: SandboxConfig) -> Iterator[Client]:
    """A private sandbox for this module: its data is ours to change."""
    with (
        serve_in_thread(dataclasses.replace(sandbox_config)) as running,
        Client(running.key, base_url=running.base_url, test_mode=True) as client,
    ):
        yield client


def an_event_and_ticket_type(tt: Client) -> tuple[str, str]:
    for event in tt.events.list():
        for ticket_type in event.raw.get("ticket_types") or []:
            return event.id, ticket_type["id"]
    raise AssertionError("the sandbox has no event with ticket types")


def test_series_lifecycle(tt: Client) -> None:
    series = tt.event_series.create(name="Client test gig", venue="Hall")
    assert series.raw["name"] == "Client test gig"
    event = tt.event_series.create_event(
        series.id,
        start_date=date(2027, 3, 1),
        end_date=date(2027, 3, 1),
        start_time=time(19, 30),
        end_time="23:00:00",
    )
    assert event.raw["start"]["date"] == "2027-03-01"
    assert event.raw["start"]["time"] == "19:30"
    ticket_type = tt.event_series.create_ticket_type(series.id, name="GA", price=1500, quantity=50)
    assert ticket_type.raw["price"] == 1500
    more = tt.event_series.update_ticket_type(series.id, ticket_type.id, modify_quantity=10)
    assert more.raw["quantity"] == ticket_type.raw["quantity"] + 10
    fewer = tt.event_series.update_ticket_type(series.id, ticket_type.id, modify_quantity=-5)
    assert fewer.raw["quantity"] == more.raw["quantity"] - 5
    tt.event_series.set_status(series.id, "published")
    with pytest.raises(BadRequestError):  # already published
        tt.event_series.set_status(series.id, "published")
    assert [e.id for e in tt.event_series.list_events(series.id)] == [event.id]
    assert tt.event_series.delete(series.id).raw["deleted"] == "true"
    with pytest.raises(NotFoundError):
        tt.event_series.get(series.id)
    with pytest.raises(NotFoundError):
        tt.events.get(event.id)  # deleting a series deletes its occurrences


def test_discount_is_scoped_to_the_ticket_types_given(tt: Client) -> None:
    _, ticket_type = an_event_and_ticket_type(tt)
    discount = tt.discounts.create(
        name="Ten off",
        code="CLIENT10",
        type="fixed_amount",
        price=1000,
        ticket_type_ids=[ticket_type],
    )
    scoped = [t if isinstance(t, str) else t.get("id") for t in discount.raw["ticket_types"]]
    assert scoped == [ticket_type]
    assert tt.discounts.get(discount.id).raw["ticket_types"] == discount.raw["ticket_types"]
    assert [d.id for d in tt.discounts.list(code="CLIENT10")] == [discount.id]
    assert tt.discounts.delete(discount.id).raw["deleted"] == "true"


def test_hold_create_update_delete(tt: Client) -> None:
    event_id, ticket_type = an_event_and_ticket_type(tt)
    hold = tt.holds.create(event_id, note="Press", ticket_type_id={ticket_type: 2})
    assert tt.holds.get(hold.id).raw == hold.raw
    assert hold.id in {h.id for h in tt.holds.list(event_id=event_id)}
    tt.holds.update(hold.id, note="Press (changed)")
    assert tt.holds.get(hold.id).raw["note"] == "Press (changed)"
    assert tt.holds.delete(hold.id).raw["deleted"] == "true"
    with pytest.raises(NotFoundError):
        tt.holds.get(hold.id)


def test_issue_check_in_and_void_a_ticket(tt: Client) -> None:
    event_id, ticket_type = an_event_and_ticket_type(tt)
    ticket = tt.issued_tickets.create(
        event_id=event_id, ticket_type_id=ticket_type, full_name="Ada Lovelace", send_email=False
    )
    assert ticket.raw["source"] == "api"
    assert ticket.raw["order_id"] is None
    first = tt.check_ins.create(ticket.id, local_unique_id="door-1-42")
    again = tt.check_ins.create(ticket.id, local_unique_id="door-1-42")  # a retried call
    assert again.id == first.id
    assert [c.id for c in tt.check_ins.list(issued_ticket_id=ticket.id)] == [first.id]
    voided = tt.issued_tickets.void(ticket.id)
    assert voided.raw["voided"] == "true"
    assert tt.issued_tickets.get(ticket.id).raw["status"] == "voided"


def test_vouchers_and_codes(tt: Client) -> None:
    voucher = tt.vouchers.create(
        name="Promo", value=500, voucher_type="PROMO", codes=["CLIENTA", "CLIENTB"]
    )
    codes = list(tt.vouchers.list_codes(voucher.id))
    assert sorted(c.raw["code"] for c in codes) == ["CLIENTA", "CLIENTB"]
    assert tt.vouchers.void_code(voucher.id, codes[0].id).raw["voided"] == "true"
    assert tt.vouchers.delete(voucher.id).raw["deleted"] == "true"


def test_products_and_a_validation_error(tt: Client) -> None:
    product = tt.products.create(name="Mug", price=900)
    assert tt.products.update(product.id, price=950).raw["price"] == 950
    assert tt.products.delete(product.id).raw["deleted"] == "true"
    with pytest.raises(BadRequestError) as caught:
        tt.products.create(price=100)
    assert caught.value.error_code == "VALIDATION_ERROR"
    assert "name" in {e.get("field") for e in caught.value.errors} or "name" in caught.value.message


def test_order_update_and_payment(tt: Client) -> None:
    order = next(iter(tt.orders.list(limit=1)))
    updated = tt.orders.update(order.id, email="new.address@example.com")
    assert updated.raw["buyer_details"]["email"] == "new.address@example.com"
    with pytest.raises(BadRequestError, match="only pending orders await payment"):
        tt.orders.confirm_payment(order.id, transaction_id="BANK-1")  # it is completed


def test_memberships(tt: Client) -> None:
    kind = tt.membership_types.create(
        name="Gold",
        valid_from_type="relative",
        valid_to_type="relative",
        valid_to_relative_days=365,
    )
    member = tt.issued_memberships.create(
        membership_type_id=kind.id, first_name="Ada", last_name="L", email="ada@example.com"
    )
    assert tt.issued_memberships.get(member.id).raw == member.raw
    event_id, _ = an_event_and_ticket_type(tt)
    redemption = tt.issued_memberships.redeem(member.id, event_id=event_id)
    assert redemption.id
    assert tt.issued_memberships.void(member.id).raw["voided"] == "true"
