"""The writes people do by hand, checked on the wire: what each command sends.

The sandbox serves reads only so far, so these run against a loopback server that
echoes each request back; the result is what the API would receive.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, parse_qsl

from tests.cli.conftest import Run, sent


def form(seen: dict[str, Any]) -> dict[str, str]:
    assert seen["headers"]["content-type"] == "application/x-www-form-urlencoded"
    return dict(parse_qsl(seen["body"]))


def test_issue_a_ticket(wire: Run) -> None:
    seen = sent(
        wire(
            "issued-tickets", "issue", "--event", "ev_1", "--ticket-type", "tt_2",
            "--name", "Ada Lovelace", "--email", "ada@example.com", "--send-email",
            "--format", "json",
        )
    )  # fmt: skip
    assert (seen["method"], seen["path"]) == ("POST", "/v1/issued_tickets")
    assert form(seen) == {
        "event_id": "ev_1",
        "ticket_type_id": "tt_2",
        "full_name": "Ada Lovelace",
        "email": "ada@example.com",
        "send_email": "true",
    }


def test_issue_from_a_hold(wire: Run) -> None:
    seen = sent(
        wire("issued-tickets", "issue", "--hold", "ho_3", "--name", "G", "--format", "json")
    )
    assert form(seen) == {"hold_id": "ho_3", "full_name": "G"}


def test_void_to_hold(wire: Run) -> None:
    seen = sent(wire("issued-tickets", "void", "it_9", "--to-hold", "--format", "json"))
    assert (seen["method"], seen["path"]) == ("POST", "/v1/issued_tickets/it_9/void")
    assert form(seen) == {"void_to_hold": "true"}


def test_check_in_and_out_by_id(wire: Run) -> None:
    seen = sent(wire("check-ins", "add", "it_7", "--format", "json"))
    assert (seen["method"], seen["path"]) == ("POST", "/v1/check_ins")
    sent_in = form(seen)
    assert sent_in["issued_ticket_id"] == "it_7"
    assert sent_in["quantity"] == "1"
    assert len(sent_in["local_unique_id"]) == 32  # lets a retry be recorded once
    out = form(sent(wire("check-ins", "add", "it_7", "--out", "--at", "1795741936",
                         "--format", "json")))  # fmt: skip
    assert out["quantity"] == "-1"
    assert out["check_in_at"] == "1795741936"
    assert out["local_unique_id"] != sent_in["local_unique_id"]


def test_percentage_discount(wire: Run) -> None:
    seen = sent(
        wire("discounts", "create", "--name", "Summer", "--code", "SUMMER10", "--percent", "10",
             "--format", "json")
    )  # fmt: skip
    assert (seen["method"], seen["path"]) == ("POST", "/v1/discounts")
    assert form(seen) == {
        "name": "Summer",
        "code": "SUMMER10",
        "type": "percentage",
        "price_percent": "10",
    }


def test_fixed_discount_scoped_to_ticket_types_with_expiry(wire: Run) -> None:
    seen = sent(
        wire("--tz", "UTC", "discounts", "create", "--name", "Friends", "--code", "FRIEND",
             "--amount", "2.50", "--ticket-type", "tt_1", "--ticket-type", "tt_2",
             "--max-redemptions", "20", "--expires", "2026-12-31", "--format", "json")
    )  # fmt: skip
    fields = parse_qs(seen["body"])
    assert fields["type"] == ["fixed_amount"]
    assert fields["price"] == ["250"]  # cents: the API's unit
    # The only scoping form the API honours on create (reference trap T3).
    assert fields["ticket_type_id[tt_1]"] == ["1"]
    assert fields["ticket_type_id[tt_2]"] == ["1"]
    assert fields["max_redemptions"] == ["20"]
    assert fields["expires"] == ["1798675200"]  # 2026-12-31T00:00Z


def test_voucher_with_codes(wire: Run) -> None:
    seen = sent(
        wire("vouchers", "create", "--name", "Launch", "--value", "10", "--code", "A1",
             "--code", "B2", "--series", "es_5", "--format", "json")
    )  # fmt: skip
    assert (seen["method"], seen["path"]) == ("POST", "/v1/vouchers")
    assert parse_qsl(seen["body"]) == [
        ("name", "Launch"),
        ("value", "1000"),
        ("voucher_type", "PROMO"),
        ("codes[]", "A1"),
        ("codes[]", "B2"),
        ("event_series_ids[]", "es_5"),
    ]
    gift = sent(wire("vouchers", "create", "--name", "Gift", "--value", "25", "--type",
                     "gift-card", "--format", "json"))  # fmt: skip
    assert dict(parse_qsl(gift["body"]))["voucher_type"] == "GIFT_CARD"
