"""Every write endpoint, read back through the list and get endpoints as a client would.

Each test gets a fresh in-process sandbox (tiny data, fixed clock) and speaks HTTP to it
through httpx2's ASGI transport: form bodies with PHP brackets, as the real API takes.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from tests.conftest import OTHER_KEY, TEST_KEY
from tests.sandbox._util import SyncASGI, basic, walk
from tickettailor.sandbox import KeySpec, SandboxConfig, create_app

NOW = 1_790_000_000  # 2026-09-21
ANCHOR = NOW - 7200


class Api:
    """Requests as ``TEST_KEY``; ``form`` bodies are sent form-encoded."""

    def __init__(self, asgi: SyncASGI, key: str = TEST_KEY) -> None:
        self.asgi = asgi
        self.key = key

    def __call__(
        self, method: str, path: str, form: dict[str, str] | None = None, **kwargs: Any
    ) -> httpx2.Response:
        headers = {**basic(self.key + ":"), **kwargs.pop("headers", {})}
        return self.asgi.request(method, path, data=form, headers=headers, **kwargs)

    def get(self, path: str) -> Any:
        response = self("GET", path)
        assert response.status_code == 200, response.text
        return response.json()

    def post(self, path: str, form: dict[str, str] | None = None, status: int = 200) -> Any:
        response = self("POST", path, form)
        assert response.status_code == status, response.text
        return response.json()

    def every(self, path: str) -> list[dict[str, Any]]:
        return list(walk(self.asgi, path, self.key))


@pytest.fixture
def api() -> Iterator[Api]:
    config = SandboxConfig(
        keys=(TEST_KEY, KeySpec(OTHER_KEY, frozenset({"orders"}))),
        seed=11,
        orders=150,
        events=9,
        rate_limit=None,
        anchor=ANCHOR,
        clock=lambda: NOW,
    )
    app = create_app(config)
    asgi = SyncASGI(app)
    yield Api(asgi)
    asgi.close()
    app.state.sandbox.close()


def upcoming(api: Api) -> dict[str, Any]:
    """A published future event with seats on its first ticket type."""
    for event in api.get("/v1/events?status=published&start_at.gt=" + str(NOW))["data"]:
        tt = event["ticket_types"][0]
        if tt["quantity"] - tt["quantity_held"] >= 3:
            return event
    raise AssertionError("the generated data has no upcoming event with seats")


def ticket_type(api: Api, event_id: str, tt_id: str) -> dict[str, Any]:
    event = api.get(f"/v1/events/{event_id}")
    return next(t for t in event["ticket_types"] if t["id"] == tt_id)


def error_fields(response: httpx2.Response) -> dict[str, list[str]]:
    body = response.json()
    assert response.status_code == 400, body
    assert body["error_code"] == "VALIDATION_ERROR"
    return {e["field"]: e["messages"] for e in body["errors"]}


# ---- issued tickets ----
def test_issuing_a_ticket_moves_the_counters_and_reads_back(api: Api) -> None:
    event = upcoming(api)
    tt = event["ticket_types"][0]
    created = api.post(
        "/v1/issued_tickets",
        {
            "event_id": event["id"],
            "ticket_type_id": tt["id"],
            "full_name": "Ada Lovelace",
            "email": "ada@example.com",
            "reference": "REF-1",
            "send_email": "false",
            "unknown_field": "ignored",
        },
        status=201,
    )
    assert created["source"] == "api"
    assert created["order_id"] is None
    assert (created["first_name"], created["last_name"], created["full_name"]) == (
        "Ada",
        "Lovelace",
        "Ada Lovelace",
    )
    assert created["status"] == "valid"
    assert created["created_at"] == created["updated_at"] == NOW
    assert api.get(f"/v1/issued_tickets/{created['id']}") == created
    listed = api.get(f"/v1/issued_tickets?reference=REF-1&event_id={event['id']}")["data"]
    assert listed == [created]
    assert api.get(f"/v1/issued_tickets?barcode={created['barcode']}")["data"] == [created]
    after = ticket_type(api, event["id"], tt["id"])
    assert after["quantity_issued"] == tt["quantity_issued"] + 1
    assert after["quantity"] == tt["quantity"] - 1
    assert after["quantity_held"] == tt["quantity_held"]
    again = api.get(f"/v1/events/{event['id']}")
    assert again["total_issued_tickets"] == event["total_issued_tickets"] + 1
    assert again["total_orders"] == event["total_orders"]  # no order was made


def test_issuing_fails_when_sold_out_and_for_seated_types(api: Api) -> None:
    series = api.post("/v1/event_series", {"name": "Tiny room", "venue": "Attic"}, 201)
    seated = api.post(
        f"/v1/event_series/{series['id']}/ticket_types",
        {"name": "Seat", "price": "500", "quantity": "5", "type": "Seated"},
        201,
    )
    ga = api.post(
        f"/v1/event_series/{series['id']}/ticket_types",
        {"name": "Standing", "price": "0", "quantity": "1"},
        201,
    )
    event = api.post(
        f"/v1/event_series/{series['id']}/events",
        {"start_date": "2026-12-01", "end_date": "2026-12-01"},
        201,
    )
    base = {"event_id": event["id"], "full_name": "Bo"}
    seat = api("POST", "/v1/issued_tickets", {**base, "ticket_type_id": seated["id"]})
    assert "seated" in error_fields(seat)["ticket_type_id"][0]
    api.post("/v1/issued_tickets", {**base, "ticket_type_id": ga["id"]}, 201)
    sold_out = api("POST", "/v1/issued_tickets", {**base, "ticket_type_id": ga["id"]})
    assert "no tickets left" in error_fields(sold_out)["ticket_type_id"][0]
    left = ticket_type(api, event["id"], ga["id"])
    assert (left["quantity"], left["quantity_issued"], left["status"]) == (0, 1, "on_sale")
    missing = api("POST", "/v1/issued_tickets", {"event_id": event["id"]})
    assert set(error_fields(missing)) == {"full_name", "event_id"}


def test_void_sets_status_and_void_to_hold_creates_a_hold(api: Api) -> None:
    event = upcoming(api)
    tt = event["ticket_types"][0]
    ticket = api.post(
        "/v1/issued_tickets",
        {"event_id": event["id"], "ticket_type_id": tt["id"], "full_name": "Cy Twombly"},
        201,
    )
    result = api.post(f"/v1/issued_tickets/{ticket['id']}/void", {"void_to_hold": "true"})
    assert list(result) == ["id", "object", "voided", "hold_id"]
    assert result["voided"] == "true"
    voided = api.get(f"/v1/issued_tickets/{ticket['id']}")
    assert (voided["status"], voided["voided_at"], voided["updated_at"]) == ("voided", NOW, NOW)
    hold = api.get(f"/v1/holds/{result['hold_id']}")
    assert hold["quantities"] == [{"quantity": 1, "ticket_type_id": tt["id"]}]
    after = ticket_type(api, event["id"], tt["id"])
    assert after["quantity_issued"] == tt["quantity_issued"]  # issued, then voided
    assert after["quantity_held"] == tt["quantity_held"] + 1
    again = api("POST", f"/v1/issued_tickets/{ticket['id']}/void")
    assert "already voided" in error_fields(again)["issued_ticket_id"][0]
    assert api("POST", "/v1/issued_tickets/it_1/void").status_code == 404


def test_issuing_from_a_hold_takes_the_held_seat(api: Api) -> None:
    event = upcoming(api)
    tt = event["ticket_types"][0]
    hold = api.post(
        "/v1/holds",
        {"event_id": event["id"], "note": "Press", f"ticket_type_id[{tt['id']}]": "2"},
        201,
    )
    ticket = api.post("/v1/issued_tickets", {"hold_id": hold["id"], "full_name": "Di"}, 201)
    assert ticket["ticket_type_id"] == tt["id"]
    assert api.get(f"/v1/holds/{hold['id']}")["total_on_hold"] == 1
    after = ticket_type(api, event["id"], tt["id"])
    assert after["quantity_held"] == tt["quantity_held"] + 1
    assert after["quantity_issued"] == tt["quantity_issued"] + 1


# ---- check-ins ---------------------------------------------------------------------------------
def test_check_in_and_out_with_local_unique_id_idempotency(api: Api) -> None:
    event = upcoming(api)
    ticket = api.post(
        "/v1/issued_tickets",
        {
            "event_id": event["id"],
            "ticket_type_id": event["ticket_types"][0]["id"],
            "full_name": "Ed",
        },
        201,
    )
    scan = {
        "issued_ticket_id": ticket["id"],
        "quantity": "1",
        "local_unique_id": "scan-1",
        "check_in_at": str(NOW - 5),
    }
    first = api.post("/v1/check_ins", scan, 201)
    assert first["check_in_at"] == NOW - 5
    assert first["quantity"] == 1
    assert api.post("/v1/check_ins", scan, 201) == first  # a retried scan: same check-in
    rows = api.get(f"/v1/check_ins?issued_ticket_id={ticket['id']}")["data"]
    assert rows == [first]
    assert api.get(f"/v1/issued_tickets/{ticket['id']}")["checked_in"] == "true"
    out = api.post("/v1/check_ins", {"issued_ticket_id": ticket["id"], "quantity": "-1"}, 201)
    assert out["quantity"] == -1
    assert out["check_in_at"] == NOW
    assert [c["id"] for c in api.get(f"/v1/check_ins?issued_ticket_id={ticket['id']}")["data"]] == [
        first["id"],
        out["id"],
    ]
    assert api.get(f"/v1/issued_tickets/{ticket['id']}")["checked_in"] == "false"
    bad = api(
        "POST",
        "/v1/check_ins",
        {"issued_ticket_id": ticket["id"], "quantity": "2", "check_in_at": ""},
    )
    errors = error_fields(bad)
    assert errors["check_in_at"] == ["Value must be a UNIX timestamp in seconds."]
    assert "quantity" in errors


# ---- holds ----
def test_holds_raise_quantity_held_not_quantity_and_delete_releases(api: Api) -> None:
    event = upcoming(api)
    tt = event["ticket_types"][0]
    hold = api.post(
        "/v1/holds",
        {"event_id": event["id"], "note": "Band guests", f"ticket_type_id[{tt['id']}]": "2"},
        201,
    )
    assert (hold["total_on_hold"], hold["note"], hold["created_at"]) == (2, "Band guests", NOW)
    assert hold in api.every(f"/v1/holds?event_id={event['id']}")
    held = ticket_type(api, event["id"], tt["id"])
    assert held["quantity_held"] == tt["quantity_held"] + 2
    assert held["quantity"] == tt["quantity"]  # holds are not subtracted (§4.4)
    assert api.get(f"/v1/events/{event['id']}")["total_holds"] == event["total_holds"] + 2
    changed = api.post(
        f"/v1/holds/{hold['id']}", {f"ticket_type_id[{tt['id']}]": "1", "note": "Fewer"}
    )
    assert (changed["total_on_hold"], changed["note"]) == (1, "Fewer")
    gone = api("DELETE", f"/v1/holds/{hold['id']}")
    assert gone.status_code == 200
    assert gone.json() == {"id": hold["id"], "object": "hold", "deleted": "true"}
    assert api("GET", f"/v1/holds/{hold['id']}").status_code == 404
    assert ticket_type(api, event["id"], tt["id"])["quantity_held"] == tt["quantity_held"]
    assert api.get(f"/v1/events/{event['id']}")["total_holds"] == event["total_holds"]


def test_hold_needs_the_ticket_type_map(api: Api) -> None:
    event = upcoming(api)
    tt = event["ticket_types"][0]["id"]
    for form in ({"ticket_type_id[]": "2"}, {"ticket_type_id": tt}, {}):
        response = api("POST", "/v1/holds", {"event_id": event["id"], "note": "x", **form})
        assert error_fields(response)["ticket_type_id"] == [
            "Ticket type ID must be an array in the following format: "
            "['ticket_type_id' => quantity]"
        ]
    too_many = api(
        "POST",
        "/v1/holds",
        {"event_id": event["id"], "note": "x", f"ticket_type_id[{tt}]": "100000"},
    )
    assert f"ticket_type_id[{tt}]" in error_fields(too_many)


# ---- discounts ----
def test_discount_scope_only_from_ticket_type_id_map(api: Api) -> None:
    tt = upcoming(api)["ticket_types"][0]["id"]
    base = {"name": "Friends", "type": "fixed_amount", "price": "250"}
    traps = [
        {"ticket_types[]": tt},
        {"ticket_types": f"{tt},{tt}"},
        {"ticket_type_ids[]": tt},
        {"ticket_type_ids": tt},
    ]
    for n, trap in enumerate(traps):
        made = api.post("/v1/discounts", {**base, "code": f"TRAP{n}", **trap}, 201)
        assert made["ticket_types"] == []  # silently valid on every ticket type
    scoped = api.post(
        "/v1/discounts",
        {
            **base,
            "code": "SCOPED",
            f"ticket_type_id[{tt}]": "1",
            "booking_fee": "50",
            "max_redemptions": "3",
            "expires": str(NOW + 86400),
        },
        201,
    )
    assert scoped["ticket_types"] == [tt]
    assert (scoped["face_value_amount"], scoped["face_value_percentage"]) == (250, None)
    assert (scoped["booking_fee_amount"], scoped["max_redemptions"]) == (50, 3)
    assert scoped["expires"]["unix"] == NOW + 86400
    assert scoped["times_redeemed"] == 0
    assert api.get("/v1/discounts?code=SCOPED")["data"] == [scoped]
    pct = api.post(
        "/v1/discounts",
        {"name": "Tenth", "code": "PCT", "type": "percentage", "price_percent": "10"},
        201,
    )
    assert (pct["face_value_percentage"], pct["face_value_amount"]) == (10, None)
    unlinked = api.post(f"/v1/discounts/{scoped['id']}", {f"ticket_types[{tt}]": "0"})
    assert unlinked["ticket_types"] == []
    relinked = api.post(
        f"/v1/discounts/{scoped['id']}", {f"ticket_types[{tt}]": "1", "name": "Renamed"}
    )
    assert (relinked["ticket_types"], relinked["name"]) == ([tt], "Renamed")
    assert api.get(f"/v1/discounts/{scoped['id']}") == relinked
    deleted = api("DELETE", f"/v1/discounts/{scoped['id']}")
    assert deleted.json() == {"id": scoped["id"], "object": "discount", "deleted": "true"}
    assert api("GET", f"/v1/discounts/{scoped['id']}").status_code == 404


def test_discount_validation_traps(api: Api) -> None:
    empty_time = api(
        "POST",
        "/v1/discounts",
        {"name": "A", "code": "A1", "type": "percentage", "price_percent": "5", "expires": ""},
    )
    assert error_fields(empty_time) == {"expires": ["Value must be a UNIX timestamp in seconds."]}
    read_only = api(
        "POST",
        "/v1/discounts",
        {
            "name": "A",
            "code": "A2",
            "type": "percentage",
            "price_percent": "5",
            "times_redeemed": "3",
        },
    )
    assert "times_redeemed" in error_fields(read_only)
    missing = api("POST", "/v1/discounts", {"code": "A3"})
    assert set(error_fields(missing)) == {"name", "type"}
    as_json = api("POST", "/v1/discounts", json={"name": "A", "code": "A4", "type": "percentage"})
    assert set(error_fields(as_json)) == {"name", "code", "type"}  # JSON is an empty form


# ---- event series, occurrences, ticket types ----
def test_series_lifecycle(api: Api) -> None:
    series = api.post(
        "/v1/event_series",
        {"name": "Late Jazz", "venue": "The Vault", "postal_code": "E8 1DY"},
        201,
    )
    assert (series["status"], series["name"], series["venue"]["name"]) == (
        "draft",
        "Late Jazz",
        "The Vault",
    )
    tt = api.post(
        f"/v1/event_series/{series['id']}/ticket_types",
        {"name": "Entry", "price": "1200", "booking_fee": "100", "quantity": "40"},
        201,
    )
    assert (tt["quantity"], tt["quantity_total"], tt["price"]) == (40, 40, 1200)
    event = api.post(
        f"/v1/event_series/{series['id']}/events",
        {
            "start_date": "2026-10-02",
            "start_time": "20:00:00",
            "end_date": "2026-10-02",
            "end_time": "23:30:00",
        },
        201,
    )
    assert event["start"]["date"] == "2026-10-02"
    assert event["start"]["time"] == "20:00"
    assert event["end"]["time"] == "23:30"
    assert (event["status"], event["event_series_id"]) == ("draft", series["id"])
    assert [t["quantity"] for t in event["ticket_types"]] == [40]
    assert api.get(f"/v1/event_series/{series['id']}/events")["data"] == [event]
    moved = api.post(
        f"/v1/event_series/{series['id']}/events/{event['id']}",
        {"start_time": "21:00:00", "hidden": "true"},
    )
    assert (moved["start"]["time"], moved["hidden"], moved["end"]["time"]) == (
        "21:00",
        "true",
        "23:30",
    )
    published = api.post(f"/v1/event_series/{series['id']}/status", {"status": "PUBLISHED"})
    assert published["status"] == "published"
    assert api.get(f"/v1/events/{event['id']}")["status"] == "published"
    same = api("POST", f"/v1/event_series/{series['id']}/status", {"status": "published"})
    assert "unchanged" in error_fields(same)["status"][0]
    closed = api.post(f"/v1/event_series/{series['id']}/status", {"status": "CLOSE_SALES"})
    assert closed["status"] == "sales_closed"
    renamed = api.post(
        f"/v1/event_series/{series['id']}",
        {"name": "Later Jazz", "description": "<p>Bring a friend</p>"},
    )
    assert (renamed["name"], renamed["description"]) == ("Later Jazz", "<p>Bring a friend</p>")
    assert api.get(f"/v1/events/{event['id']}")["description"] == "<p>Bring a friend</p>"
    assert (
        api("POST", f"/v1/event_series/{series['id']}", {"total_occurrences": "9"}).status_code
        == 400
    )
    ticket = api.post(
        "/v1/issued_tickets",
        {"event_id": event["id"], "ticket_type_id": tt["id"], "full_name": "Fay"},
        201,
    )
    blocked = api("DELETE", f"/v1/event_series/{series['id']}")
    assert blocked.status_code == 409
    assert api("DELETE", f"/v1/event_series/{series['id']}/events/{event['id']}").status_code == 409
    assert ticket["event_series_id"] == series["id"]


def test_deleting_a_series_deletes_its_occurrences(api: Api) -> None:
    series = api.post("/v1/event_series", {"name": "Pop-up"}, 201)
    api.post(
        f"/v1/event_series/{series['id']}/ticket_types",
        {"name": "GA", "price": "0", "quantity": "5"},
        201,
    )
    events = [
        api.post(
            f"/v1/event_series/{series['id']}/events",
            {"start_date": f"2026-11-0{d}", "end_date": f"2026-11-0{d}"},
            201,
        )
        for d in (1, 2)
    ]
    result = api("DELETE", f"/v1/event_series/{series['id']}")
    assert result.status_code == 200
    assert result.json() == {"id": series["id"], "object": "event_series", "deleted": "true"}
    for event in events:
        assert api("GET", f"/v1/events/{event['id']}").status_code == 404
    assert api("GET", f"/v1/event_series/{series['id']}").status_code == 404
    assert all(e["event_series_id"] != series["id"] for e in api.every("/v1/events"))


def test_ticket_type_update_uses_modify_quantity_and_rejects_read_only(api: Api) -> None:
    event = upcoming(api)
    tt = event["ticket_types"][0]
    path = f"/v1/event_series/{event['event_series_id']}/ticket_types/{tt['id']}"
    series = api.get(f"/v1/event_series/{event['event_series_id']}")
    default = next(t for t in series["default_ticket_types"] if t["id"] == tt["id"])
    more = api.post(path, {"modify_quantity": "+10", "name": "Renamed"})
    assert (more["name"], more["quantity_total"]) == ("Renamed", default["quantity_total"] + 10)
    after = ticket_type(api, event["id"], tt["id"])
    assert after["quantity_total"] == tt["quantity_total"] + 10
    assert after["quantity"] == tt["quantity"] + 10
    for form in ({"quantity": "5"}, {"status": "members_only"}, {"quantity_issued": "0"}):
        assert error_fields(api("POST", path, form))
    assert error_fields(api("POST", path, {"modify_quantity": "10"}))["modify_quantity"]
    assert api.post(path, {"status": "hidden"})["status"] == "hidden"
    api.post(
        "/v1/issued_tickets",
        {"event_id": event["id"], "ticket_type_id": tt["id"], "full_name": "Ivy"},
        201,
    )
    assert api("DELETE", path).status_code == 409  # it has issued tickets
    fresh = api.post(
        f"/v1/event_series/{event['event_series_id']}/ticket_types",
        {"name": "Late", "price": "100", "quantity": "3"},
        201,
    )
    assert [
        t["quantity"] for t in ticket_type_list(api, event["id"]) if t["id"] == fresh["id"]
    ] == [3]
    gone = api("DELETE", f"/v1/event_series/{event['event_series_id']}/ticket_types/{fresh['id']}")
    assert gone.json() == {"id": fresh["id"], "object": "ticket_type", "deleted": "true"}
    assert fresh["id"] not in [t["id"] for t in ticket_type_list(api, event["id"])]


def ticket_type_list(api: Api, event_id: str) -> list[dict[str, Any]]:
    return list(api.get(f"/v1/events/{event_id}")["ticket_types"])


def test_no_top_level_ticket_types_no_put_no_patch(api: Api) -> None:
    assert api("POST", "/v1/ticket_types", {"name": "x"}).status_code == 404
    order = api.get("/v1/orders?limit=1")["data"][0]
    for method in ("PUT", "PATCH"):
        response = api(method, f"/v1/orders/{order['id']}", {"email": "x@example.com"})
        assert response.status_code == 404
        assert response.json()["error_code"] == "NOT_FOUND"
    assert api.get(f"/v1/orders/{order['id']}") == order


# ---- orders ----
def test_order_update_and_payment_confirmation(api: Api) -> None:
    order = api.get("/v1/orders?status=completed&limit=1")["data"][0]
    changed = api.post(f"/v1/orders/{order['id']}", {"first_name": "Gil", "phone": "0700"})
    assert changed["buyer_details"]["first_name"] == "Gil"
    assert changed["buyer_details"]["phone"] == "0700"
    assert api.get("/v1/orders?name=Gil&limit=100")["data"][0]["id"] == order["id"]
    echoed = api("POST", f"/v1/orders/{order['id']}", {"total": "1"})
    assert "total" in error_fields(echoed)
    not_pending = api("POST", f"/v1/orders/{order['id']}/confirm-payment-received")
    assert "only pending orders" in error_fields(not_pending)["order_id"][0]


def test_permissions_and_other_box_offices_apply_to_writes(api: Api) -> None:
    other = Api(api.asgi, OTHER_KEY)  # may only read and write orders
    event = upcoming(api)
    forbidden = other("POST", "/v1/holds", {"event_id": event["id"], "note": "x"})
    assert forbidden.status_code == 403
    assert forbidden.json()["error_code"] == "FORBIDDEN"
    mine = api.get("/v1/orders?limit=1")["data"][0]
    assert other("POST", f"/v1/orders/{mine['id']}", {"first_name": "X"}).status_code == 404
    anonymous = api.asgi.request("POST", "/v1/holds", data={"note": "x"})
    assert anonymous.status_code == 403


# ---- catalogue objects ----
def test_vouchers_products_memberships(api: Api) -> None:
    voucher = api.post(
        "/v1/vouchers",
        {
            "name": "Promo",
            "value": "500",
            "voucher_type": "PROMO",
            "codes[]": "SPRING-1",
            "expiry": str(NOW + 999),
        },
        201,
    )
    assert (voucher["type"], voucher["total_codes"], voucher["currency"]) == (
        "PROMO",
        1,
        voucher["currency"],
    )
    codes = api.get(f"/v1/vouchers/{voucher['id']}/codes")["data"]
    assert [c["code"] for c in codes] == ["SPRING-1"]
    void = api.post(f"/v1/vouchers/{voucher['id']}/codes/{codes[0]['id']}/void")
    assert void == {"id": codes[0]["id"], "object": "voucher_code", "voided": "true"}
    assert api.get(f"/v1/vouchers/{voucher['id']}")["available_codes"] == 0
    product = api.post("/v1/products", {"name": "Poster", "price": "900"}, 201)
    assert (product["currency"], product["status"]) == (product["currency"].upper(), "ON_SALE")
    assert api.post(f"/v1/products/{product['id']}", {"price": "950"})["price"] == 950
    assert api("DELETE", f"/v1/products/{product['id']}").json()["deleted"] == "true"
    mtype = api.post(
        "/v1/membership_types",
        {
            "name": "Patrons",
            "valid_from_type": "relative",
            "valid_to_type": "relative",
            "valid_to_relative_days": "30",
        },
        201,
    )
    member = api.post(
        "/v1/issued_memberships",
        {
            "membership_type_id": mtype["id"],
            "first_name": "Hal",
            "last_name": "Ives",
            "email": "hal@example.com",
        },
        201,
    )
    assert (member["full_name"], member["is_valid"]) == ("Hal Ives", "true")
    assert member["valid_to"]["unix"] == NOW + 30 * 86400
    redemption = api.post(
        f"/v1/issued_membership_redemptions/{upcoming(api)['id']}",
        {"issued_membership_id": member["id"]},
        201,
    )
    assert redemption["object"] == "issued_membership_redemption"
    assert api.get(f"/v1/issued_memberships/{member['id']}")["redemptions"] == 1
    assert api.post(f"/v1/issued_memberships/{member['id']}/void")["voided"] == "true"
    assert api.get(f"/v1/issued_memberships/{member['id']}")["is_valid"] == "false"
    assert api("DELETE", f"/v1/membership_types/{mtype['id']}").status_code == 409


def test_waitlist_signup_delete_uses_the_singular_path(api: Api) -> None:
    for series in api.every("/v1/event_series"):
        signups = api.get(f"/v1/event_series/{series['id']}/waitlist_signups")["data"]
        if signups:
            break
    else:
        raise AssertionError("the generated box office has no waitlist signups to delete")
    plural = api("DELETE", f"/v1/event_series/{series['id']}/waitlist_signups/{signups[0]['id']}")
    assert plural.status_code == 404
    single = api("DELETE", f"/v1/event_series/{series['id']}/waitlist_signup/{signups[0]['id']}")
    assert single.json() == {"id": signups[0]["id"], "object": "waitlist_signup", "deleted": "true"}
    left = api.get(f"/v1/event_series/{series['id']}/waitlist_signups")["data"]
    assert signups[0]["id"] not in [s["id"] for s in left]


def test_ticket_groups_bundles_and_overrides_live_under_their_series(api: Api) -> None:
    event = upcoming(api)
    base = f"/v1/event_series/{event['event_series_id']}"
    tt = event["ticket_types"][0]["id"]
    group = api.post(f"{base}/ticket_groups", {"name": "Seated area", "ticket_ids[]": tt}, 201)
    assert (group["object"], group["ticket_ids"]) == ("ticket_group", [tt])
    bundle = api.post(
        f"{base}/bundles",
        {
            "name": "Pair",
            "description": "Two for one",
            "price": "1500",
            f"ticket_type_ids[{tt}]": "2",
        },
        201,
    )
    assert bundle["ticket_types"] == [{"quantity": 2, "ticket_type_id": tt}]
    no_text = api(
        "POST",
        f"{base}/bundles",
        {"name": "x", "price": "1", "description": "", f"ticket_type_ids[{tt}]": "1"},
    )
    assert "description" in error_fields(no_text)
    assert api.get(f"/v1/events/{event['id']}")["ticket_groups"] == [group]
    assert api.get(f"/v1/events/{event['id']}")["bundles"] == [bundle]
    series = api.get(base)
    assert (series["default_ticket_groups"], series["bundles"]) == ([group], [bundle])
    renamed = api.post(f"{base}/ticket_groups/{group['id']}", {"name": "Balcony"})
    assert (renamed["name"], renamed["ticket_ids"]) == ("Balcony", [tt])
    assert api("DELETE", f"{base}/bundles/{bundle['id']}").json()["deleted"] == "true"
    assert api.get(f"/v1/events/{event['id']}")["bundles"] == []
    override = api.post(f"{base}/overrides", {"name": "Matinee", "max_sellable_tickets": "80"}, 201)
    assert (override["object"], override["created_at"]) == ("override", NOW)
    assert api.get(f"{base}/overrides")["data"] == [override]
    moved = api.post(f"{base}/events/{event['id']}", {"override_id": override["id"]})
    assert moved["override_id"] == override["id"]
    assert api.get(f"{base}/events?override_id={override['id']}")["data"] == [moved]
