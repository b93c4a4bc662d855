"""Typed, normalised fields: what a user reads off a model."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tickettailor._core.errors import MalformedResponseError
from tickettailor.models import (
    ActionResult,
    APIObject,
    CheckIn,
    Currency,
    DateValue,
    DeleteResult,
    Discount,
    Event,
    EventSeries,
    Hold,
    IssuedMembership,
    IssuedTicket,
    MembershipRedemption,
    MembershipType,
    Money,
    Order,
    Overview,
    Product,
    TicketType,
    TTModel,
    VoidResult,
    Voucher,
    VoucherCode,
    WaitlistSignup,
    WebhookEnvelope,
)

from .conftest import load

UTC = dt.UTC


def at(
    year: int,
    month: int,
    day: int,
    hour: int = 0,
    minute: int = 0,
    second: int = 0,
    *,
    offset_hours: int = 0,
) -> dt.datetime:
    zone = dt.timezone(dt.timedelta(hours=offset_hours))
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=zone)


def test_order() -> None:
    order = Order.from_api(load("order.json"))
    assert order.object == "order"
    assert order.id == "or_737352"
    assert order.created_at == dt.datetime.fromtimestamp(1587042691, UTC)
    assert order.created_at is not None
    assert order.created_at.tzinfo is not None
    assert order.currency is not None
    assert (order.currency.code, order.currency.base_multiplier) == ("gbp", 100)
    assert order.money(order.total) == Money(0, "gbp", 100)
    assert order.money(1450) == Money(1450, "gbp")
    assert order.buyer_details is not None
    assert order.buyer_details.address is not None
    assert order.buyer_details.address.postal_code == "SE1 7PB"
    assert order.event_summary is not None
    assert order.event_summary.start_date is not None
    assert order.event_summary.event_id == "ev_40980"
    assert order.event_summary.start_date.datetime == at(2020, 5, 1, 18, offset_hours=1)
    assert order.line_items is not None
    assert order.line_items[0].quantity == 2
    assert order.issued_tickets is not None
    assert order.issued_tickets[0].checked_in is False
    assert order.payment_method is not None
    assert order.payment_method.type == "paypal"
    assert order.payment_method.id == "pm_6691"
    # 2020-era docs example: these newer fields are simply absent.
    assert order.total_paid is None
    assert order.credited_out_amount is None
    assert order.notes is None


def test_money_views() -> None:
    assert Money(1450, "gbp").major == Decimal("14.50")
    assert str(Money(1450, "gbp")) == "14.50 GBP"
    assert str(Money(-5, "eur")) == "-0.05 EUR"
    assert Money(1450, "jpy", base_multiplier=1).major == Decimal(1450)
    assert Money(1450, "xts", base_multiplier=1000).major == Decimal("1.450")
    currency = Currency.from_api({"base_multiplier": 100, "code": "GBP"})
    assert currency.code == "gbp"
    assert currency.money(None) is None


def test_issued_ticket_with_2026_listed_price() -> None:
    raw = load("issued_ticket.json")
    raw["listed_price"] = 1450
    raw["listed_currency"] = {"base_multiplier": 100, "code": "EUR"}
    raw["checked_in"] = "true"
    raw["voided_at"] = 1744276266
    ticket = IssuedTicket.from_api(raw)
    assert ticket.checked_in is True
    assert ticket.listed_price_money == Money(1450, "eur")
    assert ticket.voided_at == dt.datetime.fromtimestamp(1744276266, UTC)
    assert ticket.updated_at == dt.datetime.fromtimestamp(1587042697, UTC)
    assert IssuedTicket.from_api(load("issued_ticket.json")).listed_price_money is None


def test_event() -> None:
    event = Event.from_api(load("event.json"))
    assert (event.hidden, event.private, event.online_event) == (True, False, False)
    assert (event.tickets_available, event.unavailable, event.waitlist_active) == (
        True,
        False,
        False,
    )
    assert event.revenue == 464
    assert event.currency == "eur"
    assert event.start is not None
    assert event.end is not None
    assert event.start.datetime == at(2025, 5, 10, 20, offset_hours=1)
    assert event.start.datetime is not None
    assert event.start.datetime.utcoffset() == dt.timedelta(hours=1)
    assert event.end.unix == 1746914400
    assert event.end.formatted == "Sat 10 May 2025 23:00"
    assert event.start.local_date == dt.date(2025, 5, 10)
    assert event.created_at == dt.datetime.fromtimestamp(1743692936, UTC)
    assert event.timezone == "Europe/Lisbon"
    assert event.venue is not None
    assert event.venue.name == "Doca da Marinha"
    assert event.images is not None
    assert event.images.header is not None
    assert event.ticket_types is not None
    assert event.ticket_types[0].price == 1450


def test_event_revenue_in_major_units_keeps_its_fraction() -> None:
    raw = load("event.json")
    raw["revenue"] = 1522.5
    raw["currency"] = "EUR"
    raw["waitlist_active"] = "no_tickets_available"
    event = Event.from_api(raw)
    assert event.revenue == Decimal("1522.5")
    assert isinstance(event.revenue, Decimal)
    assert event.currency == "eur"
    assert event.raw["currency"] == "EUR"  # raw is never normalised
    assert event.waitlist_active == "no_tickets_available"


def test_ticket_type_availability_counts_holds() -> None:
    raw = load("ticket_type.json")
    raw["quantity_held"] = 5
    ticket_type = TicketType.from_api(raw)
    assert ticket_type.available == 127  # 132 on sale by the API's count, 5 of them held
    assert ticket_type.has_overrides is False
    assert ticket_type.hide_when_sold_out is False


def test_event_series() -> None:
    series = EventSeries.from_api(load("synth_event_series.json"))
    assert series.show_map is True
    assert series.private is False
    assert series.next_occurrence_date is not None
    assert series.next_occurrence_date.datetime == at(2026, 8, 27, 20, offset_hours=-3)
    assert series.default_ticket_types is not None
    assert series.default_ticket_types[0].id == "tt_5014067"
    assert series.venue is not None
    assert series.venue.country == "PR"
    assert series.revenue == 0
    assert series.currency == "usd"


def test_small_resources() -> None:
    check_in = CheckIn.from_api(load("synth_check_in.json"))
    assert check_in.check_in_at == dt.datetime.fromtimestamp(1746904200, UTC)
    assert check_in.checked_out is False
    assert CheckIn.from_api({**load("synth_check_in.json"), "quantity": -1}).checked_out is True

    hold = Hold.from_api(load("synth_hold.json"))
    assert hold.quantities is not None
    assert hold.quantities[0].ticket_type_id == "tt_6684722"
    assert hold.updated_at == dt.datetime.fromtimestamp(1786642181, UTC)

    discount = Discount.from_api(load("synth_discount.json"))
    assert discount.face_value_amount == 2400
    assert discount.expires is None
    assert discount.ticket_types == ["tt_6684722"]
    assert discount.face_value_percentage is None

    voucher = Voucher.from_api(load("synth_voucher.json"))
    assert voucher.partial_redemption is True
    assert voucher.usable_on_any_event is True
    assert voucher.expiry is not None
    assert voucher.expiry.datetime == at(2026, 12, 31, 23, 59)
    code = VoucherCode.from_api(load("synth_voucher_code.json"))
    assert code.voucher_id == "vo_123"
    assert code.value == 2500

    signup = WaitlistSignup.from_api(load("synth_waitlist_signup.json"))
    assert signup.created_at is not None
    assert signup.created_at.datetime == at(2025, 4, 10, 10, offset_hours=1)


def test_product_normalises_currency_but_keeps_raw() -> None:
    product = Product.from_api(load("synth_product.json"))
    assert product.currency == "usd"
    assert product.raw["currency"] == "USD"
    assert product.status == "ON_SALE"
    assert product.sell_in_store is True
    assert product.linked_to_all_event_series is False
    assert product.created_at is not None
    assert product.created_at.datetime == at(2026, 9, 10, 21, 33, 15, offset_hours=-4)
    assert product.price == 25600
    assert product.event_series_ids is None


def test_memberships() -> None:
    membership = IssuedMembership.from_api(load("synth_issued_membership.json"))
    assert membership.is_valid is True
    assert membership.valid_to is not None
    assert membership.valid_to.datetime == at(2026, 11, 4, offset_hours=-5)
    membership_type = MembershipType.from_api(load("synth_membership_type.json"))
    assert membership_type.photo_required is False
    assert membership_type.valid_from_date is None
    redemption = MembershipRedemption.from_api(load("synth_membership_redemption.json"))
    assert redemption.created_at == at(2026, 9, 10, 23, 37, 4)  # ISO text with offset


def test_overview_and_results() -> None:
    overview = Overview.from_api(load("synth_overview.json"))
    assert "id" not in Overview.model_fields  # the overview is not a resource
    assert overview.box_office_name == "My Box Office"
    assert overview.currency is not None
    assert overview.currency.symbol == "£"
    assert overview.orders_received == 0
    deleted = DeleteResult.from_api(load("synth_delete_result.json"))
    assert (deleted.id, deleted.object, deleted.deleted) == ("ho_100649", "hold", True)
    void = VoidResult.from_api(
        {"id": "it_1", "object": "issued_ticket", "voided": "true", "hold_id": "ho_9"}
    )
    assert void.voided is True
    assert void.hold_id == "ho_9"
    paid = ActionResult.from_api({"id": "or_1", "object": "order", "payment_received": "true"})
    assert paid.payment_received is True


def test_webhook_envelope() -> None:
    envelope = WebhookEnvelope.from_api(load("synth_webhook_event_created_envelope.json"))
    assert envelope.id == "wh_6725410"
    assert envelope.created_at == at(2026, 8, 13, 18, 10, 32)  # "YYYY-MM-DD HH:MM:SS" is UTC
    resource = envelope.resource()
    assert isinstance(resource, Event)
    assert resource.id == "ev_5943073"
    assert resource.raw == envelope.raw["payload"]
    sent = {"id": "wh_1", "created_at": "2026-08-13 18:10:32", "event": "order.created"}
    lower = WebhookEnvelope.from_api({**sent, "payload": None})
    assert lower.event == "ORDER.CREATED"
    assert lower.resource() is None
    unknown = WebhookEnvelope.from_api({**sent, "payload": {"object": "basket", "id": "b_1"}})
    resource = unknown.resource()
    assert type(resource) is APIObject
    assert resource.id == "b_1"


def test_unknown_fields_are_attributes_and_missing_fields_are_none() -> None:
    raw = {**load("order.json"), "loyalty_points": 12}
    del raw["referral_tag"], raw["payment_method"]
    order = Order.from_api(raw)
    assert order.loyalty_points == 12  # type: ignore[attr-defined]  # an unknown, kept field
    assert order.referral_tag is None
    assert order.payment_method is None
    assert order.total_paid is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("true", True),
        ("false", False),
        ("TRUE", True),
        (True, True),
        (False, False),
        ("1", True),
        ("0", False),
        (None, None),
        ("maybe", None),  # unreadable: None on the typed view, kept on .raw
        ([], None),
    ],
)
def test_string_booleans(value: Any, expected: bool | None) -> None:
    ticket = IssuedTicket.from_api({**load("issued_ticket.json"), "checked_in": value})
    assert ticket.checked_in is expected
    assert ticket.raw["checked_in"] == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (1744276266, dt.datetime.fromtimestamp(1744276266, UTC)),
        ("1744276266", dt.datetime.fromtimestamp(1744276266, UTC)),
        ("2024-08-20 13:20:26", at(2024, 8, 20, 13, 20, 26)),
        ("2026-09-10T23:37:04+00:00", at(2026, 9, 10, 23, 37, 4)),
        ("2026-09-10T20:37:04-03:00", at(2026, 9, 10, 23, 37, 4)),
        ({"unix": 1744276266, "timezone": "+01:00"}, dt.datetime.fromtimestamp(1744276266, UTC)),
        (None, None),
        ("", None),
        ("0000-00-00 00:00:00", None),
        ("soon", None),
    ],
)
def test_timestamps_in_every_format(value: Any, expected: dt.datetime | None) -> None:
    check_in = CheckIn.from_api({**load("synth_check_in.json"), "check_in_at": value})
    assert check_in.check_in_at == expected
    if expected is not None:
        assert check_in.check_in_at is not None
        assert check_in.check_in_at.tzinfo is not None
        required = CheckIn.from_api({**load("synth_check_in.json"), "created_at": value})
        assert required.created_at == expected


def test_date_objects_from_other_shapes() -> None:
    # expiry/expires are date objects only by inference: accept unix seconds and ISO too.
    voucher = Voucher.from_api({**load("synth_voucher.json"), "expiry": 1798761540})
    assert voucher.expiry is not None
    assert voucher.expiry.datetime == at(2026, 12, 31, 23, 59)
    assert voucher.raw["expiry"] == 1798761540
    discount = Discount.from_api(
        {**load("synth_discount.json"), "expires": "2026-12-31T23:59:00+01:00"}
    )
    assert discount.expires is not None
    assert discount.expires.timezone == "+01:00"
    assert discount.expires.datetime == at(2026, 12, 31, 23, 59, offset_hours=1)
    odd = DateValue.from_api({"date": "2026-12-31", "formatted": "whenever"})
    assert odd.datetime is None
    assert odd.local_date == dt.date(2026, 12, 31)


@pytest.mark.parametrize(
    ("model", "raw", "field"),
    [
        (Order, {"total": "a lot"}, "total"),
        (Order, {"line_items": {"not": "a list"}}, "line_items"),
        (Event, {"id": ["ev_1"]}, "id"),
        (Order, {"buyer_details": "John"}, "buyer_details"),
        (Order, {"total": None}, "total"),
        (CheckIn, {"created_at": "soon"}, "created_at"),  # a required time must be readable
    ],
)
def test_wrong_shapes_are_malformed_responses(
    model: type[TTModel], raw: dict[str, Any], field: str
) -> None:
    sent = {**load(FIXTURE_OF[model]), **raw}
    with pytest.raises(MalformedResponseError, match=rf"{model.__name__}.*{field}"):
        model.from_api(sent)


FIXTURE_OF: dict[type[TTModel], str] = {
    Order: "order.json",
    Event: "event.json",
    CheckIn: "synth_check_in.json",
}


def test_not_an_object_is_a_malformed_response() -> None:
    with pytest.raises(MalformedResponseError, match="Expected a JSON object for Order, got list"):
        Order.from_api([])  # type: ignore[arg-type]  # what a broken API might send


def test_models_are_read_only() -> None:
    order = Order.from_api(load("order.json"))
    with pytest.raises(ValueError, match="frozen"):
        order.total = 5  # type: ignore[misc]  # the point of the test


OFFSETS = st.integers(min_value=-12 * 60, max_value=14 * 60).map(lambda m: m - m % 15)


@given(st.integers(min_value=0, max_value=4_102_444_800), OFFSETS)
def test_date_object_datetime_is_unix_in_its_offset(unix: int, minutes: int) -> None:
    zone = dt.timezone(dt.timedelta(minutes=minutes))
    local = dt.datetime.fromtimestamp(unix, zone)
    text = local.strftime("%z")
    raw = {
        "date": local.date().isoformat(),
        "formatted": "any layout",
        "iso": local.isoformat(),
        "time": local.strftime("%H:%M"),
        "timezone": f"{text[:3]}:{text[3:]}",
        "unix": unix,
    }
    value = DateValue.from_api(raw)
    assert value.datetime is not None
    assert int(value.datetime.timestamp()) == unix
    assert value.datetime.utcoffset() == dt.timedelta(minutes=minutes)
    assert value.datetime.isoformat() == raw["iso"]
    assert list(value.raw) == ["date", "formatted", "iso", "time", "timezone", "unix"]
