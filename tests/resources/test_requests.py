"""What each resource method sends: method, path, query and form body (PHP brackets)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import parse_qsl

import httpx2
import pytest

from tests.core.both import MODES, make_client
from tickettailor import DateParseError, UsageError

D = datetime(2026, 11, 1, 9, 30, tzinfo=UTC)
D_UNIX = 1793525400


class Recorder:
    def __init__(self) -> None:
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if request.method == "GET" and not re.fullmatch(
            r"[a-z]{2}_\d+", request.url.path.split("/")[-1]
        ):
            return httpx2.Response(
                200, json={"data": [], "links": {"next": None, "previous": None}}
            )
        return httpx2.Response(200, json={"object": "thing", "id": "x_1"})

    @property
    def last(self) -> httpx2.Request:
        return self.requests[-1]

    def form(self) -> list[tuple[str, str]]:
        return parse_qsl(self.last.content.decode(), keep_blank_values=True)


@pytest.fixture(params=MODES)
def tt(request: pytest.FixtureRequest) -> tuple[Any, Recorder]:
    rec = Recorder()
    return make_client(request.param, transport=httpx2.MockTransport(rec)), rec


WRITES = [
    (
        lambda c: c.orders.update("or_1", email="a@b.c"),
        "POST",
        "/v1/orders/or_1",
        [("email", "a@b.c")],
    ),
    (
        lambda c: c.orders.confirm_payment("or_1", transaction_id="T1"),
        "POST",
        "/v1/orders/or_1/confirm-payment-received",
        [("transaction_id", "T1")],
    ),
    (
        lambda c: c.issued_tickets.create(
            event_id="ev_1", ticket_type_id="tt_1", full_name="A B", send_email=False
        ),
        "POST",
        "/v1/issued_tickets",
        [
            ("event_id", "ev_1"),
            ("ticket_type_id", "tt_1"),
            ("full_name", "A B"),
            ("send_email", "false"),
        ],
    ),
    (
        lambda c: c.issued_tickets.void("it_1", void_to_hold=True),
        "POST",
        "/v1/issued_tickets/it_1/void",
        [("void_to_hold", "true")],
    ),
    (
        lambda c: c.check_ins.create("it_1", quantity=-1, check_in_at=D, local_unique_id="u1"),
        "POST",
        "/v1/check_ins",
        [
            ("issued_ticket_id", "it_1"),
            ("quantity", "-1"),
            ("check_in_at", str(D_UNIX)),
            ("local_unique_id", "u1"),
        ],
    ),
    (
        lambda c: c.holds.create("ev_1", note="VIP", ticket_type_id={"tt_1": 2, "tt_2": 1}),
        "POST",
        "/v1/holds",
        [
            ("event_id", "ev_1"),
            ("note", "VIP"),
            ("ticket_type_id[tt_1]", "2"),
            ("ticket_type_id[tt_2]", "1"),
        ],
    ),
    (
        lambda c: c.holds.update("ho_1", ticket_type_id={"tt_1": 0}),
        "POST",
        "/v1/holds/ho_1",
        [("ticket_type_id[tt_1]", "0")],
    ),
    (lambda c: c.holds.delete("ho_1"), "DELETE", "/v1/holds/ho_1", []),
    (
        lambda c: c.discounts.create(
            name="Ten",
            code="TEN",
            type="fixed_amount",
            price=1000,
            ticket_type_ids=["tt_1", "tt_2"],
            expires="2026-11-01T09:30:00Z",
        ),
        "POST",
        "/v1/discounts",
        [
            ("name", "Ten"),
            ("code", "TEN"),
            ("type", "fixed_amount"),
            ("price", "1000"),
            ("expires", str(D_UNIX)),
            ("ticket_type_id[tt_1]", "1"),
            ("ticket_type_id[tt_2]", "1"),
        ],
    ),
    (
        lambda c: c.discounts.update("di_1", ticket_types={"tt_1": 0}, products={"pr_1": 1}),
        "POST",
        "/v1/discounts/di_1",
        [("ticket_types[tt_1]", "0"), ("products[pr_1]", "1")],
    ),
    (lambda c: c.discounts.delete("di_1"), "DELETE", "/v1/discounts/di_1", []),
    (
        lambda c: c.vouchers.create(
            name="Promo",
            value=500,
            voucher_type="PROMO",
            codes=["A", "B"],
            expiry=D,
            partial_redemption=False,
        ),
        "POST",
        "/v1/vouchers",
        [
            ("name", "Promo"),
            ("value", "500"),
            ("voucher_type", "PROMO"),
            ("codes[]", "A"),
            ("codes[]", "B"),
            ("expiry", str(D_UNIX)),
            ("partial_redemption", "false"),
        ],
    ),
    (
        lambda c: c.vouchers.void_code("vo_1", "vc_2"),
        "POST",
        "/v1/vouchers/vo_1/codes/vc_2/void",
        [],
    ),
    (lambda c: c.vouchers.delete("vo_1"), "DELETE", "/v1/vouchers/vo_1", []),
    (
        lambda c: c.products.create(name="Mug", price=900),
        "POST",
        "/v1/products",
        [("name", "Mug"), ("price", "900")],
    ),
    (
        lambda c: c.products.update("pr_1", price=950),
        "POST",
        "/v1/products/pr_1",
        [("price", "950")],
    ),
    (lambda c: c.products.delete("pr_1"), "DELETE", "/v1/products/pr_1", []),
    (
        lambda c: c.waitlist_signups.delete("es_1", "ws_2"),
        "DELETE",
        "/v1/event_series/es_1/waitlist_signup/ws_2",
        [],
    ),
    (
        lambda c: c.event_series.create(
            name="Gig", currency="gbp", waitlist_active="no_tickets_available"
        ),
        "POST",
        "/v1/event_series",
        [("name", "Gig"), ("currency", "gbp"), ("waitlist_active", "no_tickets_available")],
    ),
    (
        lambda c: c.event_series.update("es_1", name="Gig 2"),
        "POST",
        "/v1/event_series/es_1",
        [("name", "Gig 2")],
    ),
    (lambda c: c.event_series.delete("es_1"), "DELETE", "/v1/event_series/es_1", []),
    (
        lambda c: c.event_series.set_status("es_1", "published"),
        "POST",
        "/v1/event_series/es_1/status",
        [("status", "published")],
    ),
    (
        lambda c: c.event_series.create_event(
            "es_1",
            start_date=date(2026, 12, 24),
            end_date=datetime(2026, 12, 25, 1, tzinfo=UTC),
            start_time=time(20, 0),
            end_time="23:30:00",
            hidden=False,
        ),
        "POST",
        "/v1/event_series/es_1/events",
        [
            ("start_date", "2026-12-24"),
            ("end_date", "2026-12-25"),
            ("start_time", "20:00:00"),
            ("end_time", "23:30:00"),
            ("hidden", "false"),
        ],
    ),
    (
        lambda c: c.event_series.update_event("es_1", "ev_2", online_link="https://x.test"),
        "POST",
        "/v1/event_series/es_1/events/ev_2",
        [("online_link", "https://x.test")],
    ),
    (
        lambda c: c.event_series.delete_event("es_1", "ev_2"),
        "DELETE",
        "/v1/event_series/es_1/events/ev_2",
        [],
    ),
    (
        lambda c: c.event_series.create_ticket_type(
            "es_1", name="GA", price=1450, quantity=100, discounts=["di_1"]
        ),
        "POST",
        "/v1/event_series/es_1/ticket_types",
        [("name", "GA"), ("price", "1450"), ("quantity", "100"), ("discounts[]", "di_1")],
    ),
    (
        lambda c: c.event_series.update_ticket_type("es_1", "tt_1", modify_quantity=10),
        "POST",
        "/v1/event_series/es_1/ticket_types/tt_1",
        [("modify_quantity", "+10")],
    ),
    (
        lambda c: c.event_series.update_ticket_type("es_1", "tt_1", modify_quantity=-5),
        "POST",
        "/v1/event_series/es_1/ticket_types/tt_1",
        [("modify_quantity", "-5")],
    ),
    (
        lambda c: c.event_series.delete_ticket_type("es_1", "tt_1"),
        "DELETE",
        "/v1/event_series/es_1/ticket_types/tt_1",
        [],
    ),
    (
        lambda c: c.event_series.create_ticket_group("es_1", name="Seats", ticket_ids=["tt_1"]),
        "POST",
        "/v1/event_series/es_1/ticket_groups",
        [("name", "Seats"), ("ticket_ids[]", "tt_1")],
    ),
    (
        lambda c: c.event_series.delete_ticket_group("es_1", "tg_1"),
        "DELETE",
        "/v1/event_series/es_1/ticket_groups/tg_1",
        [],
    ),
    (
        lambda c: c.event_series.create_bundle(
            "es_1", name="Pair", description="Two", ticket_type_ids={"tt_1": 2}
        ),
        "POST",
        "/v1/event_series/es_1/bundles",
        [("name", "Pair"), ("description", "Two"), ("ticket_type_ids[tt_1]", "2")],
    ),
    (
        lambda c: c.event_series.update_bundle("es_1", "bu_1", price=100),
        "POST",
        "/v1/event_series/es_1/bundles/bu_1",
        [("price", "100")],
    ),
    (
        lambda c: c.event_series.delete_bundle("es_1", "bu_1"),
        "DELETE",
        "/v1/event_series/es_1/bundles/bu_1",
        [],
    ),
    (
        lambda c: c.event_series.create_override("es_1", name="Late", max_sellable_tickets=10),
        "POST",
        "/v1/event_series/es_1/overrides",
        [("name", "Late"), ("max_sellable_tickets", "10")],
    ),
    (
        lambda c: c.event_series.update_override("es_1", "ov_1", name="Later"),
        "POST",
        "/v1/event_series/es_1/overrides/ov_1",
        [("name", "Later")],
    ),
    (
        lambda c: c.membership_types.create(
            name="Gold", valid_from_type="issue_date", valid_to_type="fixed"
        ),
        "POST",
        "/v1/membership_types",
        [("name", "Gold"), ("valid_from_type", "issue_date"), ("valid_to_type", "fixed")],
    ),
    (lambda c: c.membership_types.delete("mt_1"), "DELETE", "/v1/membership_types/mt_1", []),
    (
        lambda c: c.issued_memberships.create(
            membership_type_id="mt_1", first_name="A", last_name="B", email="a@b.c"
        ),
        "POST",
        "/v1/issued_memberships",
        [
            ("membership_type_id", "mt_1"),
            ("first_name", "A"),
            ("last_name", "B"),
            ("email", "a@b.c"),
        ],
    ),
    (lambda c: c.issued_memberships.void("im_1"), "POST", "/v1/issued_memberships/im_1/void", []),
    (
        lambda c: c.issued_memberships.redeem("im_1", event_id="ev_1"),
        "POST",
        "/v1/issued_membership_redemptions/ev_1",
        [("issued_membership_id", "im_1")],
    ),
]


@pytest.mark.parametrize(("call", "method", "path", "form"), WRITES)
def test_writes_send_php_bracket_forms(
    tt: tuple[Any, Recorder], call: Any, method: str, path: str, form: list[tuple[str, str]]
) -> None:
    client, rec = tt
    result = call(client)
    assert result.id == "x_1"
    assert rec.last.method == method
    assert rec.last.url.path == path
    assert rec.form() == form
    if form:
        assert rec.last.headers["content-type"] == "application/x-www-form-urlencoded"


READS = [
    (lambda c: c.orders.get("or_1"), "/v1/orders/or_1"),
    (lambda c: c.events.get("ev_1"), "/v1/events/ev_1"),
    (lambda c: c.event_series.get("es_1"), "/v1/event_series/es_1"),
    (lambda c: c.event_series.get_event("es_1", "ev_2"), "/v1/event_series/es_1/events/ev_2"),
    (lambda c: c.issued_tickets.get("it_1"), "/v1/issued_tickets/it_1"),
    (lambda c: c.holds.get("ho_1"), "/v1/holds/ho_1"),
    (lambda c: c.discounts.get("di_1"), "/v1/discounts/di_1"),
    (lambda c: c.vouchers.get("vo_1"), "/v1/vouchers/vo_1"),
    (lambda c: c.products.get("pr_1"), "/v1/products/pr_1"),
    (lambda c: c.membership_types.get("mt_1"), "/v1/membership_types/mt_1"),
    (lambda c: c.issued_memberships.get("im_1"), "/v1/issued_memberships/im_1"),
    (lambda c: c.vouchers.list_codes("vo_1"), "/v1/vouchers/vo_1/codes"),
    (lambda c: c.waitlist_signups.list("es_1"), "/v1/event_series/es_1/waitlist_signups"),
    (lambda c: c.event_series.list_overrides("es_1"), "/v1/event_series/es_1/overrides"),
    (
        lambda c: c.event_series.list_events("es_1", override_id="ov_1"),
        "/v1/event_series/es_1/events",
    ),
    (lambda c: c.membership_redemptions.list(), "/v1/membership_redemptions"),
]


@pytest.mark.parametrize(("call", "path"), READS)
def test_reads_use_the_reference_paths(tt: tuple[Any, Recorder], call: Any, path: str) -> None:
    client, rec = tt
    call(client)
    assert rec.last.method == "GET"
    assert rec.last.url.path == path


def query(rec: Recorder) -> list[tuple[str, str]]:
    return [(k, v) for k, v in rec.last.url.params.multi_items() if k != "limit"]


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        (
            {"created_at": "2026-11-01"},
            [("created_at.gte", "1793491200"), ("created_at.lt", "1793577600")],
        ),
        (
            {"created_at": date(2026, 11, 1)},
            [("created_at.gte", "1793491200"), ("created_at.lt", "1793577600")],
        ),
        ({"created_at": D}, [("created_at.gte", str(D_UNIX)), ("created_at.lt", str(D_UNIX + 1))]),
        ({"created_gt": D_UNIX}, [("created_at.gte", str(D_UNIX + 1))]),
        ({"created_gte": D_UNIX}, [("created_at.gte", str(D_UNIX))]),
        ({"created_lt": D_UNIX}, [("created_at.lt", str(D_UNIX))]),
        ({"created_lte": D_UNIX}, [("created_at.lt", str(D_UNIX + 1))]),
        ({"created_gte": 100, "created_gt": 200}, [("created_at.gte", "201")]),  # the tighter bound
        ({"status": "Cancelled"}, [("status", "canceled")]),
        ({"status": "canceled"}, [("status", "canceled")]),
        ({"event_id": ["ev_1", "ev_2"]}, [("event_id", "ev_1,ev_2")]),
        ({"email": "a@b.c", "created_gte": 5}, [("email", "a@b.c"), ("created_at.gte", "5")]),
    ],
)
def test_order_filters(
    tt: tuple[Any, Recorder], kwargs: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    client, rec = tt
    client.orders.list(**kwargs)
    assert query(rec) == expected


def test_a_date_is_a_day_in_the_client_time_zone() -> None:
    rec = Recorder()
    client = make_client("sync", transport=httpx2.MockTransport(rec), tz="America/New_York")
    client.orders.list(created_at="2026-11-01")  # the day DST ends there: 25 hours
    assert query(rec) == [("created_at.gte", "1793505600"), ("created_at.lt", "1793595600")]


def test_event_and_hold_time_filters(tt: tuple[Any, Recorder]) -> None:
    client, rec = tt
    client.events.list(start_at_gte=D, end_at_lt=D_UNIX + 10, status=["published", "draft"])
    assert query(rec) == [
        ("status", "published,draft"),
        ("start_at.gte", str(D_UNIX)),
        ("end_at.lt", str(D_UNIX + 10)),
    ]
    client.holds.list(updated_at_gt=D_UNIX)
    assert query(rec) == [("updated_at.gte", str(D_UNIX + 1))]


def test_bad_arguments_are_clear_errors_and_nothing_is_sent(tt: tuple[Any, Recorder]) -> None:
    client, rec = tt
    with pytest.raises(UsageError, match=r"no filter 'colour'.*created_gte"):
        client.orders.list(colour="red")
    with pytest.raises(DateParseError, match="next tuesday"):
        client.orders.list(created_gte="next tuesday")
    with pytest.raises(UsageError, match="id is empty"):
        client.orders.get("")
    with pytest.raises(UsageError, match="modify_quantity"):
        client.event_series.update_ticket_type("es_1", "tt_1", modify_quantity=1.5)
    with pytest.raises(UsageError, match="ticket_type_ids"):
        client.discounts.create(name="x", code="x", type="percentage", ticket_type_ids=5)
    assert rec.requests == []


def test_ids_are_escaped_into_one_path_segment(tt: tuple[Any, Recorder]) -> None:
    client, rec = tt
    client.orders.get("../events/ev_1")
    assert rec.last.url.raw_path == b"/v1/orders/..%2Fevents%2Fev_1"
