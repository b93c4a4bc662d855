"""Changes after the sale, as the reference describes them (§4.1, §4.2, §7.2): each
control-API change, then GET shows exactly the new values, and a real receiver on
loopback gets exactly the webhooks Ticket Tailor sends for it, with the record as GET
shows it."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import TEST_KEY
from tests.sandbox._util import SyncASGI, basic
from tests.sandbox.test_control import Control
from tests.sandbox.test_simulator import FakeClock
from tests.sandbox.test_webhook_sender import Receiver
from tickettailor.sandbox import SandboxConfig, create_app

T0 = 1_790_000_000


@dataclass
class World:
    control: Control
    clock: FakeClock
    receiver: Receiver
    seen: int = 0

    def webhooks(self, count: int) -> list[tuple[str, dict[str, Any]]]:
        """The next ``count`` deliveries as (event, payload), sorted by event and record
        id: the sender delivers in parallel, so their order of arrival varies."""
        got = self.receiver.wait_for(self.seen + count)[self.seen :]
        self.seen += count
        bodies = [json.loads(r.body) for r in got]
        return sorted(((b["event"], b["payload"]) for b in bodies), key=_by_event_and_id)

    def no_more_webhooks(self) -> None:
        """Nothing else was sent: a marker change (a new order) is the very next one."""
        self.control.ok("POST", "/orders", {}, 201)
        assert [event for event, _ in self.webhooks(2)] == [
            "ISSUED_TICKET.CREATED",
            "ORDER.CREATED",
        ]

    def order(self, oid: str) -> dict[str, Any]:
        return self.control.get(f"/v1/orders/{oid}")

    def event(self, eid: str) -> dict[str, Any]:
        return self.control.get(f"/v1/events/{eid}")


def _by_event_and_id(item: tuple[str, dict[str, Any]]) -> tuple[str, str]:
    return item[0], item[1]["id"]


@pytest.fixture
def world() -> Iterator[World]:
    clock = FakeClock(T0)
    receiver = Receiver()
    config = SandboxConfig(
        keys=(TEST_KEY,),
        seed=3,
        orders=150,
        events=9,
        rate_limit=None,
        anchor=T0 - 3600,
        clock=clock,
        webhooks=(receiver.url,),
    )
    app = create_app(config)
    asgi = SyncASGI(app)
    yield World(Control(asgi), clock, receiver)
    asgi.close()
    app.state.sandbox.close()
    receiver.close()


def sell(world: World, tickets: int = 2, status: str = "completed") -> dict[str, Any]:
    """A fresh order of ``tickets`` tickets; its creation webhooks are consumed."""
    event, tt = next(
        (e, t)
        for e in world.control.get("/v1/events?status=published&limit=100")["data"]
        if e["start"]["unix"] > T0
        for t in e["ticket_types"]
        if t["price"] > 0 and t["quantity"] - t["quantity_held"] >= tickets
    )
    body = {"event_id": event["id"], "tickets": {tt["id"]: tickets}, "status": status}
    [order] = world.control.ok("POST", "/orders", body, 201)["data"]
    world.webhooks(1 + tickets)
    world.clock.now += 600  # the change comes ten minutes later
    return order


def test_a_cancel_refunds_voids_and_sends_one_order_and_one_ticket_webhook_per_void(
    world: World,
) -> None:
    before = sell(world, tickets=2)
    body = {"reason": "Duplicate order", "staff": "Jo Patel"}
    world.control.ok("POST", f"/orders/{before['id']}/cancel", body)
    after = world.order(before["id"])
    now = int(world.clock.now)
    voided = [
        {**t, "status": "voided", "voided_at": now, "updated_at": now}
        for t in before["issued_tickets"]
    ]
    assert after == {
        **before,
        "status": "cancelled",
        "refund_amount": before["total_paid"],
        "status_message": "Duplicate order (by Jo Patel)",
        "issued_tickets": voided,
    }
    assert world.webhooks(3) == [
        *(("ISSUED_TICKET.UPDATED", ticket) for ticket in voided),
        ("ORDER.UPDATED", after),
    ]
    world.no_more_webhooks()


def test_a_partial_refund_changes_only_the_refund_and_sends_only_order_updated(
    world: World,
) -> None:
    before = sell(world, tickets=2)
    world.control.ok("POST", f"/orders/{before['id']}/refund", {"amount": 500})
    after = world.order(before["id"])
    assert after == {
        **before,
        "refund_amount": 500,
        "status_message": "Partial refund (by Sandbox)",
    }
    assert world.webhooks(1) == [("ORDER.UPDATED", after)]
    world.no_more_webhooks()
    # Refunding the rest cancels it: the tickets go with it.
    world.control.ok("POST", f"/orders/{before['id']}/refund", {})
    final = world.order(before["id"])
    assert (final["status"], final["refund_amount"]) == ("cancelled", before["total_paid"])
    assert [e for e, _ in world.webhooks(3)] == [*["ISSUED_TICKET.UPDATED"] * 2, "ORDER.UPDATED"]


def test_confirming_a_pending_payment(world: World) -> None:
    before = sell(world, tickets=1, status="pending")
    assert (before["status"], before["total_paid"]) == ("pending", 0)
    world.control.ok("POST", f"/orders/{before['id']}/confirm-payment", {"txn_id": "pi_3abc"})
    after = world.order(before["id"])
    assert after == {**before, "status": "completed", "total_paid": before["total"],
                     "txn_id": "pi_3abc"}  # fmt: skip
    assert world.webhooks(1) == [("ORDER.UPDATED", after)]
    world.no_more_webhooks()


def test_voiding_one_ticket_leaves_the_order_and_sends_only_its_ticket(world: World) -> None:
    before = sell(world, tickets=2)
    first, second = before["issued_tickets"]
    world.control.ok("POST", f"/issued_tickets/{first['id']}/void", {})
    now = int(world.clock.now)
    ticket = {**first, "status": "voided", "voided_at": now, "updated_at": now}
    after = world.order(before["id"])
    assert after == {**before, "issued_tickets": [ticket, second]}
    assert world.webhooks(1) == [("ISSUED_TICKET.UPDATED", ticket)]
    world.no_more_webhooks()


def upcoming(world: World) -> dict[str, Any]:
    return next(
        e
        for e in world.control.get("/v1/events?status=published&limit=100")["data"]
        if e["start"]["unix"] > T0 and e["tickets_available"] == "true"
    )


def test_moving_an_event_moves_start_and_end_and_sends_event_updated(world: World) -> None:
    before = upcoming(world)
    answer = world.control.ok("POST", f"/events/{before['id']}/move", {"by": 86400})
    after = world.event(before["id"])
    assert answer == after
    assert after["start"]["unix"] == before["start"]["unix"] + 86400
    assert after["end"]["unix"] == before["end"]["unix"] + 86400
    assert {k: v for k, v in after.items() if k not in ("start", "end")} == {
        k: v for k, v in before.items() if k not in ("start", "end")
    }
    assert world.webhooks(1) == [("EVENT.UPDATED", after)]
    start = after["start"]["unix"] + 3600
    world.control.ok("POST", f"/events/{before['id']}/move", {"start_at": start})
    assert world.event(before["id"])["start"]["unix"] == start
    assert [e for e, _ in world.webhooks(1)] == ["EVENT.UPDATED"]
    world.no_more_webhooks()


def test_an_event_status_change_and_the_same_status_again(world: World) -> None:
    before = upcoming(world)
    world.control.ok("POST", f"/events/{before['id']}/status", {"status": "sales_closed"})
    after = world.event(before["id"])
    assert (after["status"], after["tickets_available"]) == ("sales_closed", "false")
    assert world.webhooks(1) == [("EVENT.UPDATED", after)]
    again = world.control("POST", f"/events/{before['id']}/status", {"status": "sales_closed"})
    assert again.status_code == 400
    assert "already sales_closed" in again.text
    world.no_more_webhooks()


def test_a_sold_out_event_has_no_seats_left_and_keeps_on_sale(world: World) -> None:
    before = upcoming(world)
    world.control.ok("POST", f"/events/{before['id']}/sold-out")
    after = world.event(before["id"])
    for tt in after["ticket_types"]:
        assert tt["status"] == "on_sale"  # reference §4.4: sold out still shows on_sale
        assert tt["quantity_total"] == (
            tt["quantity_issued"] + tt["quantity_in_baskets"] + tt["quantity_held"]
        )
        assert tt["quantity"] - tt["quantity_held"] == 0
    assert world.webhooks(1) == [("EVENT.UPDATED", after)]
    refused = world.control("POST", "/orders", {"event_id": before["id"]})
    assert refused.status_code == 400
    assert "no tickets left" in refused.text
    assert world.control("POST", f"/events/{before['id']}/sold-out").status_code == 400


@pytest.mark.parametrize(
    ("path", "body", "message"),
    [
        ("/events/ev_1/move", {}, 'Send {"start_at": UNIX_SECONDS} or {"by": SECONDS}.'),
        ("/events/ev_1/move", {"by": "soon"}, "by must be a whole number"),
        ("/events/ev_1/status", {"status": "open"}, "status must be one of draft, published"),
        ("/events/ev_1/explode", {}, "Event actions are move, status and sold-out."),
        ("/events/or_1/move", {"by": 1}, "ids here look like ev_123"),
    ],
)
def test_event_controls_explain_a_bad_request(
    world: World, path: str, body: dict[str, Any], message: str
) -> None:
    response = world.control("POST", path, body)
    assert response.status_code in (400, 404)
    assert message in response.json()["message"]


def test_an_unknown_event_is_the_api_404(world: World) -> None:
    response = world.control("POST", "/events/ev_999999/move", {"by": 60})
    assert response.status_code == 404


def test_series_status_sends_event_updated_for_each_occurrence(world: World) -> None:
    series = next(
        s
        for s in world.control.get("/v1/event_series?limit=100")["data"]
        if s["status"] == "published"
    )
    events = world.control.get(f"/v1/event_series/{series['id']}/events?limit=100")["data"]
    response = world.control.asgi.request(
        "POST",
        f"/v1/event_series/{series['id']}/status",
        data={"status": "sales_closed"},
        headers=basic(TEST_KEY + ":"),
    )
    assert response.status_code == 200, response.text
    sent = world.webhooks(len(events))
    assert Counter(e for e, _ in sent) == {"EVENT.UPDATED": len(events)}
    assert {p["id"] for _, p in sent} == {e["id"] for e in events}
    assert all(p["status"] == "sales_closed" for _, p in sent)
