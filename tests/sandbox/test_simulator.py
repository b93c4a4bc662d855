"""Simulated sales keep every invariant and are deterministic under a seed and a clock.

The clock is fake: an hour of simulated time runs in about a second.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import TEST_KEY
from tests.sandbox._util import SyncASGI, basic, walk
from tickettailor.sandbox import Sandbox, SandboxConfig, create_app
from tickettailor.sandbox.simulator import Simulator

T0 = 1_790_000_000


def check_consistent(api: SyncASGI, key: str = TEST_KEY) -> dict[str, int]:
    """Every total agrees with its parts, read through the API. Returns some counts."""
    orders = list(walk(api, "/v1/orders?limit=100", key))
    tickets = list(walk(api, "/v1/issued_tickets?limit=100", key))
    events = list(walk(api, "/v1/events?limit=100", key))
    holds = list(walk(api, "/v1/holds?limit=100", key))
    check_ins = list(walk(api, "/v1/check_ins?limit=100", key))
    for records in (orders, tickets, check_ins):
        ids = [int(r["id"].split("_")[1]) for r in records]
        assert ids == sorted(set(ids))
    by_ticket = {t["id"]: t for t in tickets}
    completed: Counter[str] = Counter()
    revenue: Counter[str] = Counter()
    for order in orders:
        items = order["line_items"]
        assert all(i["total"] == i["value"] * i["quantity"] for i in items)
        assert order["subtotal"] == sum(i["total"] + i["booking_fee"] for i in items)
        assert order["total"] == order["subtotal"] + order["tax"]
        own = order["issued_tickets"]
        assert Counter(t["ticket_type_id"] for t in own) == Counter(
            {i["item_id"]: i["quantity"] for i in items}
        )
        assert all(by_ticket[t["id"]] == t for t in own)
        event = order["event_summary"]["event_id"]
        if order["status"] == "cancelled":
            assert order["refund_amount"] == order["total_paid"]
            assert order["status_message"]
            assert all(t["status"] == "voided" for t in own)
        else:
            assert 0 <= order["refund_amount"] < order["total_paid"] or order["total_paid"] == 0
        if order["status"] == "completed":
            completed[event] += 1
        revenue[event] += order["total_paid"] - order["refund_amount"]
    valid = Counter((t["event_id"], t["ticket_type_id"]) for t in tickets if t["status"] == "valid")
    held: Counter[tuple[str, str]] = Counter()
    for hold in holds:
        for q in hold["quantities"]:
            held[(hold["event_id"], q["ticket_type_id"])] += q["quantity"]
    last_scan: dict[str, int] = {}
    for c in check_ins:
        last_scan[c["issued_ticket_id"]] = c["quantity"]
    for t in tickets:
        assert (t["checked_in"] == "true") == (last_scan.get(t["id"]) == 1), t["id"]
    per_event: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for event in events:
        for tt in event["ticket_types"]:
            key_ = (event["id"], tt["id"])
            assert tt["quantity_issued"] == valid[key_], key_
            assert tt["quantity_held"] == held[key_], key_
            assert (
                tt["quantity"]
                == tt["quantity_total"] - tt["quantity_issued"] - tt["quantity_in_baskets"]
            )
            per_event[event["id"]][0] += tt["quantity_issued"]
            per_event[event["id"]][1] += tt["quantity_held"]
        assert event["total_issued_tickets"] == per_event[event["id"]][0]
        assert event["total_holds"] == per_event[event["id"]][1]
        assert event["total_orders"] == completed[event["id"]]
        assert round(event["revenue"] * 100) == revenue[event["id"]]
    return {
        "orders": len(orders),
        "cancelled": sum(o["status"] == "cancelled" for o in orders),
        "check_ins": len(check_ins),
    }


class FakeClock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def config(clock: FakeClock, seed: int = 5) -> SandboxConfig:
    return SandboxConfig(
        keys=(TEST_KEY,),
        seed=seed,
        orders=200,
        events=9,
        rate_limit=None,
        anchor=T0 - 3600,
        clock=clock,
    )


@pytest.fixture
def world() -> Iterator[tuple[SyncASGI, Sandbox, FakeClock]]:
    clock = FakeClock(T0)
    app = create_app(config(clock))
    api = SyncASGI(app)
    yield api, app.state.sandbox, clock
    api.close()
    app.state.sandbox.close()


def run(sim: Simulator, clock: FakeClock, seconds: int, every: int) -> None:
    start = int(clock.now)
    for t in [*range(start, start + seconds, every), start + seconds]:
        clock.now = t
        sim.step(t)


def post(api: SyncASGI, path: str, form: dict[str, str]) -> Any:
    response = api.request("POST", path, data=form, headers=basic(TEST_KEY))
    assert response.status_code in (200, 201), response.text
    return response.json()


def test_an_hour_of_sales_keeps_every_invariant(
    world: tuple[SyncASGI, Sandbox, FakeClock],
) -> None:
    api, sandbox, clock = world
    before = check_consistent(api)
    # An occurrence on all day today, in a published series: tickets sold, people scanned.
    series = next(s for s in walk(api, "/v1/event_series", TEST_KEY) if s["status"] == "published")
    day = "2026-09-21"  # T0 is 14:13 UTC that day: the same date in every sandbox zone
    made = post(
        api,
        f"/v1/event_series/{series['id']}/events",
        {"start_date": day, "start_time": "00:00:00", "end_date": day, "end_time": "23:59:00"},
    )
    assert made["status"] == "published"
    door = api.request("POST", "/_sandbox/orders", json={"event_id": made["id"], "count": 40})
    assert door.status_code == 201, door.text
    before["orders"] += 40
    sim = Simulator(sandbox, 30)
    run(sim, clock, 3600, 5)
    after = check_consistent(api)
    sales = after["orders"] - before["orders"]
    assert 1500 <= sales <= 2100  # 30 a minute for an hour, Poisson
    assert sim.done["sale"] == sales
    assert sim.done["cancel"] > 10
    assert sim.done["refund"] > 0
    assert sim.done["void"] > 10
    door_ids = {o["id"] for o in door.json()["data"]}
    new = list(walk(api, f"/v1/orders?created_at.gte={T0}", TEST_KEY))
    new = [o for o in new if o["id"] not in door_ids]
    assert len(new) == sales
    same_second = Counter(o["created_at"] for o in new)
    assert sum(1 for n in same_second.values() if n >= 2) >= 20  # bursts, regularly
    assert all(T0 <= o["created_at"] <= T0 + 3600 for o in new)
    assert made["start"]["unix"] < T0 < T0 + 3600 < made["end"]["unix"]
    scans = list(walk(api, f"/v1/check_ins?event_id={made['id']}", TEST_KEY))
    assert len(scans) == sim.done["check_in"] > 20  # people checked in while it was on
    assert all(T0 <= c["check_in_at"] <= T0 + 3600 for c in scans)


def test_same_seed_and_clock_give_the_same_data_however_often_step_runs() -> None:
    bodies = []
    for every, seed in ((3, 5), (41, 5), (3, 6)):
        clock = FakeClock(T0)
        app = create_app(config(clock, seed))
        api = SyncASGI(app)
        run(Simulator(app.state.sandbox, 60), clock, 600, every)
        orders = list(walk(api, f"/v1/orders?created_at.gte={T0}", TEST_KEY))
        tickets = list(walk(api, f"/v1/issued_tickets?created_at.gte={T0 - 86400}", TEST_KEY))
        bodies.append(json.dumps([orders, tickets]))
        api.close()
        app.state.sandbox.close()
    assert bodies[0] == bodies[1]  # step every 3 s or every 41 s: same history
    assert bodies[0] != bodies[2]  # another seed: another history
    assert len(json.loads(bodies[0])[0]) > 400


def test_zero_rate_pauses_and_restocks_when_sold_out(
    world: tuple[SyncASGI, Sandbox, FakeClock],
) -> None:
    api, sandbox, clock = world
    sim = Simulator(sandbox, 0)
    run(sim, clock, 600, 10)
    assert sum(sim.done.values()) == 0
    # Sell out everything upcoming, then let the simulator run: it adds seats and sells on.
    for event in walk(api, f"/v1/events?status=published&start_at.gt={T0}", TEST_KEY):
        for tt in event["ticket_types"]:
            left = tt["quantity"] - tt["quantity_held"]
            if left > 0:
                path = f"/v1/event_series/{event['event_series_id']}/ticket_types/{tt['id']}"
                series_tt = post(api, path, {"modify_quantity": f"-{left}"})
                assert series_tt["id"] == tt["id"]
    sim.set_rate(60)
    run(sim, clock, 120, 5)
    assert sim.done["sale"] > 0
    check_consistent(api)


def test_a_moved_clock_neither_invents_nor_waits_out_the_skipped_time(
    world: tuple[SyncASGI, Sandbox, FakeClock],
) -> None:
    api, sandbox, clock = world
    sim = Simulator(sandbox, 60)
    sim.step(T0, max_gap=60)
    assert sim.step(T0 + 3600, max_gap=60) == 0  # jumped an hour: no hour of sales at once
    clock.now = T0 + 3600
    run(sim, clock, 120, 1)  # then sales go on at their rate
    forward = sim.done["sale"]
    assert 60 <= forward <= 200
    assert sim.step(T0, max_gap=60) == 0  # moved back an hour: restart there, do not stall
    clock.now = T0
    run(sim, clock, 120, 1)
    assert 60 <= sim.done["sale"] - forward <= 200
    back = list(walk(api, f"/v1/orders?created_at.gte={T0}&created_at.lte={T0 + 120}", TEST_KEY))
    assert len(back) == sim.done["sale"] - forward  # stamped with the moved-back time
    check_consistent(api)
