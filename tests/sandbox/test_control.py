"""The control API (/_sandbox): dashboard actions and time, read back through /v1."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx2
import pytest

from tests.conftest import OTHER_KEY, TEST_KEY
from tests.sandbox._util import SyncASGI, basic, walk
from tests.sandbox.test_simulator import FakeClock, check_consistent
from tickettailor.sandbox import SandboxConfig, create_app

T0 = 1_790_000_000


class Control:
    def __init__(self, asgi: SyncASGI) -> None:
        self.asgi = asgi

    def __call__(
        self, method: str, path: str, body: Any = None, key: str | None = None
    ) -> httpx2.Response:
        headers = basic(key + ":") if key else {}
        return self.asgi.request(method, "/_sandbox" + path, json=body, headers=headers)

    def ok(self, method: str, path: str, body: Any = None, status: int = 200) -> Any:
        response = self(method, path, body)
        assert response.status_code == status, response.text
        return response.json()

    def get(self, path: str, key: str = TEST_KEY) -> Any:
        response = self.asgi.get(path, headers=basic(key + ":"))
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def control(clock: FakeClock) -> Iterator[Control]:
    config = SandboxConfig(
        keys=(TEST_KEY, OTHER_KEY),
        seed=3,
        orders=150,
        events=9,
        rate_limit=None,
        anchor=T0 - 3600,
        clock=clock,
    )
    app = create_app(config)
    asgi = SyncASGI(app)
    yield Control(asgi)
    asgi.close()
    app.state.sandbox.close()


def test_create_orders_now_in_the_same_second(control: Control) -> None:
    made = control.ok("POST", "/orders", {"count": 3}, 201)["data"]
    assert [o["created_at"] for o in made] == [T0] * 3
    ids = [int(o["id"][3:]) for o in made]
    assert ids == sorted(ids)
    for order in made:
        assert order["status"] == "completed"
        assert order["total"] == order["subtotal"] + order["tax"]
        assert len(order["issued_tickets"]) == sum(i["quantity"] for i in order["line_items"])
        assert control.get(f"/v1/orders/{order['id']}") == order
    listed = control.get(f"/v1/orders?created_at={T0}")["data"]
    assert [o["id"] for o in listed] == [o["id"] for o in made]
    check_consistent(control.asgi)


def test_back_dated_orders_keep_id_order_and_time_filters_right(control: Control) -> None:
    past = T0 - 30 * 86400
    made = control.ok("POST", "/orders", {"created_at": past}, 201)["data"][0]
    newest = control.get("/v1/orders?limit=100")
    all_orders = list(walk(control.asgi, "/v1/orders?limit=100", TEST_KEY))
    assert all_orders[-1]["id"] == made["id"]  # ids still rise: it is listed last
    assert newest["data"]
    window = control.get(f"/v1/orders?created_at.gte={past - 60}&created_at.lte={past + 60}")
    assert made["id"] in [o["id"] for o in window["data"]]
    expected = [o["id"] for o in all_orders if past - 60 <= o["created_at"] <= past + 60]
    assert [o["id"] for o in window["data"]] == expected
    tickets = control.get(f"/v1/issued_tickets?created_at={past}")["data"]
    assert {t["id"] for t in tickets} == {t["id"] for t in made["issued_tickets"]}
    later = control.ok("POST", "/orders", {"ago": 3600}, 201)["data"][0]
    assert later["created_at"] == T0 - 3600
    future = control("POST", "/orders", {"created_at": T0 + 10})
    assert future.status_code == 400
    check_consistent(control.asgi)


def priced(control: Control) -> dict[str, Any]:
    """Body for orders of one priced ticket at an upcoming event."""
    for event in control.get(f"/v1/events?status=published&start_at.gt={T0}")["data"]:
        for tt in event["ticket_types"]:
            if tt["price"] > 0 and tt["quantity"] - tt["quantity_held"] >= 5:
                return {"event_id": event["id"], "tickets": {tt["id"]: 1}}
    raise AssertionError("no upcoming priced ticket type with seats")


def test_cancel_refund_and_delete(control: Control) -> None:
    a, b, c = control.ok("POST", "/orders", {"count": 3, **priced(control)}, 201)["data"]
    assert a["total"] > 0
    cancelled = control.ok(
        "POST", f"/orders/{a['id']}/cancel", {"reason": "Event moved", "staff": "Jo Patel"}
    )
    assert cancelled["status"] == "cancelled"
    assert cancelled["refund_amount"] == cancelled["total_paid"] == a["total"]
    assert cancelled["status_message"] == "Event moved (by Jo Patel)"
    assert all(
        t["status"] == "voided" and t["voided_at"] == T0 for t in cancelled["issued_tickets"]
    )
    assert control.get(f"/v1/orders/{a['id']}") == cancelled
    assert control("POST", f"/orders/{a['id']}/cancel").status_code == 400
    part = control.ok("POST", f"/orders/{b['id']}/refund", {"amount": 1})
    assert (part["status"], part["refund_amount"]) == ("completed", 1)
    assert all(t["status"] == "valid" for t in part["issued_tickets"])
    rest = control.ok("POST", f"/orders/{b['id']}/refund")
    assert (rest["status"], rest["refund_amount"]) == ("cancelled", b["total"])
    assert control("DELETE", f"/orders/{c['id']}").json()["deleted"] == "true"
    assert control.asgi.get(f"/v1/orders/{c['id']}", headers=basic(TEST_KEY)).status_code == 404
    for ticket in c["issued_tickets"]:
        gone = control.asgi.get(f"/v1/issued_tickets/{ticket['id']}", headers=basic(TEST_KEY))
        assert gone.status_code == 404
    check_consistent(control.asgi)


def test_pending_orders_and_payment_confirmation(control: Control) -> None:
    order = control.ok("POST", "/orders", {"status": "pending"}, 201)["data"][0]
    assert (order["status"], order["total_paid"]) == ("pending", 0)
    event_id = order["event_summary"]["event_id"]
    before = control.get(f"/v1/events/{event_id}")["total_orders"]
    paid = control.asgi.request(
        "POST",
        f"/v1/orders/{order['id']}/confirm-payment-received",
        data={"transaction_id": "ABCD1234"},
        headers=basic(TEST_KEY),
    )
    assert paid.json() == {"id": order["id"], "object": "order", "payment_received": "true"}
    now = control.get(f"/v1/orders/{order['id']}")
    assert (now["status"], now["total_paid"], now["txn_id"]) == (
        "completed",
        order["total"],
        "ABCD1234",
    )
    assert control.get(f"/v1/events/{event_id}")["total_orders"] == before + 1
    check_consistent(control.asgi)


def test_void_and_check_in_through_the_control_api(control: Control) -> None:
    order = control.ok("POST", "/orders", {"tickets": None}, 201)["data"][0]
    ticket = order["issued_tickets"][0]["id"]
    scan = control.ok("POST", f"/issued_tickets/{ticket}/check_in", {"at": T0 - 5}, 201)
    assert (scan["issued_ticket_id"], scan["quantity"], scan["check_in_at"]) == (ticket, 1, T0 - 5)
    assert control.get(f"/v1/issued_tickets/{ticket}")["checked_in"] == "true"
    voided = control.ok("POST", f"/issued_tickets/{ticket}/void", {"to_hold": True})
    assert voided["status"] == "voided"
    assert control.get(f"/v1/holds/{voided['hold_id']}")["total_on_hold"] == 1
    assert control.get(f"/v1/orders/{order['id']}")["status"] == "completed"  # no refund
    check_consistent(control.asgi)


def test_moving_the_clock_moves_the_sandbox(control: Control, clock: FakeClock) -> None:
    assert control.ok("GET", "/clock") == {"now": T0, "offset": 0.0}
    assert control.ok("POST", "/clock", {"advance": 86400})["now"] == T0 + 86400
    made = control.ok("POST", "/orders", {}, 201)["data"][0]
    assert made["created_at"] == T0 + 86400
    clock.now += 10  # the base clock keeps flowing under the offset
    assert control.ok("GET", "/clock")["now"] == T0 + 86410
    assert control.ok("POST", "/clock", {"set": T0})["now"] == T0
    earlier = control.ok("POST", "/orders", {}, 201)["data"][0]
    assert earlier["created_at"] == T0
    assert earlier["id"] > made["id"]
    listed = [o["id"] for o in control.get(f"/v1/orders?created_at.gte={T0}")["data"]]
    assert listed == [made["id"], earlier["id"]]  # id order, times no longer rising
    assert control.get(f"/v1/orders?created_at={T0}")["data"][0]["id"] == earlier["id"]
    overview = control.ok("GET", "")
    assert overview["now"] == T0
    assert [b["number"] for b in overview["box_offices"]] == [0, 1]


def test_box_office_by_key_and_clear_errors(control: Control) -> None:
    other = control("POST", "/orders", {}, key=OTHER_KEY)
    assert other.status_code == 201
    assert control.get(f"/v1/orders/{other.json()['data'][0]['id']}", OTHER_KEY)
    assert (
        control.asgi.get(
            f"/v1/orders/{other.json()['data'][0]['id']}", headers=basic(TEST_KEY)
        ).status_code
        == 404
    )
    stranger = control("POST", "/orders", {}, key="sk_0000_000000_" + "0" * 32)
    assert stranger.status_code == 403
    assert stranger.json()["error_code"] == "FORBIDDEN"
    cases = [
        ("POST", "/orders", {"count": 0}, "count"),
        ("POST", "/orders", {"tickets": {"tt_x": 1}}, "tickets"),
        ("POST", "/orders", {"event_id": "ev_1"}, "No event"),
        ("POST", "/orders", {"status": "weird"}, "status"),
        ("POST", "/clock", {}, "advance"),
        ("POST", "/simulator", {"sales_per_minute": -1}, "sales_per_minute"),
    ]
    for method, path, body, word in cases:
        response = control(method, path, body)
        assert response.status_code == 400, (path, body)
        assert word in response.json()["message"], response.json()
    not_json = control.asgi.request("POST", "/_sandbox/orders", content=b"count=3")
    assert not_json.status_code == 400
    assert control("POST", "/orders/or_1/cancel").status_code == 404


def test_simulator_control_starts_and_pauses_sales(control: Control) -> None:
    assert control.ok("GET", "/simulator") == {"sales_per_minute": 0}
    started = control.ok("POST", "/simulator", {"sales_per_minute": 0})
    assert started["sales_per_minute"] == 0
    assert control.ok("GET", "")["simulator"]["sales_per_minute"] == 0


def test_odd_bodies_never_answer_500(control: Control) -> None:
    order = control.ok("POST", "/orders", {}, 201)["data"][0]
    ticket = order["issued_tickets"][0]["id"]
    paths = [
        "/orders",
        f"/orders/{order['id']}/cancel",
        f"/orders/{order['id']}/refund",
        f"/orders/{order['id']}/confirm-payment",
        f"/issued_tickets/{ticket}/void",
        f"/issued_tickets/{ticket}/check_in",
        "/clock",
        "/simulator",
        "/orders/xx/cancel",
        "/issued_tickets/it_1/void",
    ]
    bodies: list[Any] = [
        [],
        "x",
        3,
        None,
        {"count": "3"},
        {"created_at": -5},
        {"tickets": []},
        {"tickets": {"tt_1": True}},
        {"buyer": "x"},
        {"advance": 1e30},
        {"set": "x"},
        {"quantity": 5},
        {"at": 1.5},
        {"to_hold": "yes"},
        {"refund_amount": 10**12},
        {"amount": 0},
        {"event_id": 7},
        {"sales_per_minute": True},
        {"reason": ""},
        {"buyer": {"email": 1}},
    ]
    for path in paths:
        for body in bodies:
            response = control("POST", path, body)
            assert response.status_code < 500, (path, body, response.text)
            assert response.json()["message"] if response.status_code >= 400 else True
    for path, raw in (
        ("/clock", b'{"advance": NaN}'),
        ("/clock", b'{"set": Infinity}'),
        ("/orders", b'{"count": -Infinity}'),
        ("/orders", b'{"ago": NaN}'),
    ):
        response = control.asgi.request("POST", "/_sandbox" + path, content=raw)
        assert response.status_code == 400, (path, raw, response.text)
