"""The generated box office is consistent (every total agrees with its parts) and
deterministic (same seed, same data), read back through the API as a user would."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import OTHER_KEY, TEST_KEY
from tests.sandbox._util import basic
from tickettailor.sandbox import Sandbox, SandboxConfig

ANCHOR = 1_790_000_000
NOW = ANCHOR + 3600


def config(**changes: Any) -> SandboxConfig:
    base: dict[str, Any] = {
        "keys": (TEST_KEY, OTHER_KEY), "seed": 21, "orders": 1500, "events": 10,
        "rate_limit": None, "anchor": ANCHOR, "clock": lambda: NOW,
    }  # fmt: skip
    base.update(changes)
    return SandboxConfig(**base)


def get(sandbox: Sandbox, path: str, key: str = TEST_KEY) -> Any:
    path, _, query = path.partition("?")
    response = sandbox.handle("GET", path, query, basic(key)["Authorization"], "test")
    assert response.status_code == 200, bytes(response.body)
    return json.loads(bytes(response.body))


def every(sandbox: Sandbox, resource: str, key: str = TEST_KEY) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    query = "limit=100"
    while True:
        body = get(sandbox, f"/v1/{resource}?{query}", key)
        out += body["data"]
        if body["links"]["next"] is None:
            return out
        query = body["links"]["next"].split("?", 1)[1]


@pytest.fixture(scope="module")
def box() -> dict[str, Any]:
    sandbox = Sandbox(config())
    data = {name: every(sandbox, name) for name in (
        "orders", "issued_tickets", "events", "event_series", "check_ins", "holds",
        "discounts", "vouchers", "products", "membership_types", "issued_memberships")}  # fmt: skip
    data["overview"] = get(sandbox, "/v1/overview")
    data["sandbox"] = sandbox
    return data


def num(record_id: str) -> int:
    return int(record_id.split("_")[1])


def created(record: dict[str, Any]) -> int:
    value = record["created_at"]
    return int(value["unix"] if isinstance(value, dict) else value)


@pytest.mark.parametrize("resource", ["orders", "issued_tickets", "events", "event_series",
    "check_ins", "holds", "discounts", "vouchers", "products", "membership_types",
    "issued_memberships"])  # fmt: skip
def test_ids_rise_and_created_at_rises_with_them(box: dict[str, Any], resource: str) -> None:
    records = box[resource]
    assert records, resource
    ids = [num(r["id"]) for r in records]
    assert ids == sorted(set(ids))
    if resource not in ("membership_types",) and "created_at" in records[0]:
        times = [created(r) for r in records]
        assert times == sorted(times)
        assert max(times) <= NOW


def test_orders_add_up(box: dict[str, Any]) -> None:
    same_second = Counter(o["created_at"] for o in box["orders"])
    assert max(same_second.values()) >= 2  # bursts: several orders in one second
    statuses = Counter(o["status"] for o in box["orders"])
    assert statuses["cancelled"] >= 10
    assert statuses["completed"] >= 1000
    tax_rate = None
    for order in box["orders"]:
        items = order["line_items"]
        assert items
        for item in items:
            assert item["total"] == item["value"] * item["quantity"]
            assert item["type"] == "ticket"
        subtotal = sum(i["total"] + i["booking_fee"] for i in items)
        assert order["subtotal"] == subtotal
        assert order["total"] == order["subtotal"] + order["tax"]
        assert order["total_paid"] == order["total"]
        face = sum(i["total"] for i in items)
        if face >= 1000 and order["tax"]:
            tax_rate = order["tax"] / face
        tickets = order["issued_tickets"]
        assert Counter(t["ticket_type_id"] for t in tickets) == Counter(
            {i["item_id"]: i["quantity"] for i in items}
        )
        event_id = order["event_summary"]["event_id"]
        assert order["event_summary"]["id"] == event_id
        for t in tickets:
            assert t["order_id"] == order["id"]
            assert t["event_id"] == event_id
            assert t["created_at"] == order["created_at"]
            assert t["source"] == "checkout"
            assert t["email"] == order["buyer_details"]["email"]
        if order["status"] == "cancelled":
            assert order["refund_amount"] == order["total_paid"]
            assert "(by " in order["status_message"]
            assert all(t["status"] == "voided" for t in tickets)
            assert all(t["voided_at"] >= order["created_at"] for t in tickets)
        else:
            assert order["refund_amount"] == 0
            assert order["status_message"] is None
        if order["total"] == 0:
            assert order["payment_method"]["type"] == "no_cost"
            assert order["txn_id"] == "--"
        else:
            assert order["payment_method"]["type"] in ("stripe", "paypal")
        assert "@" in order["buyer_details"]["email"]
    if tax_rate is not None:
        assert 0.05 < tax_rate < 0.3


def test_tickets_agree_with_orders_and_check_ins(box: dict[str, Any]) -> None:
    by_id = {t["id"]: t for t in box["issued_tickets"]}
    from_orders = {t["id"]: t for o in box["orders"] for t in o["issued_tickets"]}
    assert from_orders == by_id
    voided_in_completed = [
        t for o in box["orders"] if o["status"] == "completed"
        for t in o["issued_tickets"] if t["status"] == "voided"
    ]  # fmt: skip
    assert voided_in_completed  # a void does not cancel the order
    events = {e["id"]: e for e in box["events"]}
    checked = {c["issued_ticket_id"] for c in box["check_ins"]}
    assert checked
    for c in box["check_ins"]:
        ticket = by_id[c["issued_ticket_id"]]
        assert ticket["status"] == "valid"
        assert ticket["checked_in"] == "true"
        assert c["event_id"] == ticket["event_id"]
        assert c["quantity"] == 1
        assert c["check_in_at"] >= ticket["created_at"]
        assert events[c["event_id"]]["start"]["unix"] < NOW
    assert {t["id"] for t in by_id.values() if t["checked_in"] == "true"} == checked
    barcodes = [t["barcode"] for t in by_id.values()]
    assert len(set(barcodes)) == len(barcodes)


def test_ticket_type_counters_and_event_totals_agree(box: dict[str, Any]) -> None:
    valid = Counter(
        (t["event_id"], t["ticket_type_id"])
        for t in box["issued_tickets"]
        if t["status"] == "valid"
    )
    held: Counter[tuple[str, str]] = Counter()
    for h in box["holds"]:
        for q in h["quantities"]:
            held[(h["event_id"], q["ticket_type_id"])] += q["quantity"]
        assert h["total_on_hold"] == sum(q["quantity"] for q in h["quantities"])
    revenue: defaultdict[str, int] = defaultdict(int)
    completed: Counter[str] = Counter()
    for o in box["orders"]:
        eid = o["event_summary"]["event_id"]
        revenue[eid] += o["total_paid"] - o["refund_amount"]
        completed[eid] += o["status"] == "completed"
    future_with_stock = 0
    for e in box["events"]:
        for tt in e["ticket_types"]:
            key = (e["id"], tt["id"])
            assert tt["quantity_issued"] == valid[key]
            assert tt["quantity"] == tt["quantity_total"] - tt["quantity_issued"] - tt[
                "quantity_in_baskets"]  # fmt: skip
            assert tt["quantity"] >= 0
            assert tt["quantity_held"] == held[key]
            assert tt["status"] == "on_sale"
        assert e["total_issued_tickets"] == sum(
            valid[(e["id"], t["id"])] for t in e["ticket_types"]
        )
        assert e["total_holds"] == sum(held[(e["id"], t["id"])] for t in e["ticket_types"])
        assert e["total_orders"] == completed[e["id"]]
        assert round(e["revenue"] * 100) == revenue[e["id"]]
        if e["start"]["unix"] > NOW and e["tickets_available"] == "true":
            future_with_stock += 1
    assert future_with_stock >= 1
    assert any(e["start"]["unix"] < NOW for e in box["events"])
    for s in box["event_series"]:
        mine = [e for e in box["events"] if e["event_series_id"] == s["id"]]
        assert s["total_occurrences"] == len(mine)
        assert s["total_issued_tickets"] == sum(e["total_issued_tickets"] for e in mine)
        assert s["upcoming_occurrences"] == sum(e["start"]["unix"] > NOW for e in mine)
        assert {t["id"] for t in s["default_ticket_types"]} == {
            t["id"] for e in mine for t in e["ticket_types"]}  # fmt: skip


def test_overview_counts_the_last_four_weeks(box: dict[str, Any]) -> None:
    since = NOW - 28 * 86400
    recent = [o for o in box["orders"] if o["created_at"] >= since]
    overview = box["overview"]
    assert overview["orders_received"] == len(recent)
    assert round(overview["revenue"] * 100) == sum(
        o["total_paid"] - o["refund_amount"] for o in recent
    )
    assert overview["event_occurrences_published"] + overview["event_occurrences_draft"] == len(
        box["events"]
    )


def test_same_seed_same_data_other_seed_or_key_other_data(box: dict[str, Any]) -> None:
    again = Sandbox(config())
    for path in ("/v1/orders?limit=100", "/v1/events", "/v1/event_series", "/v1/check_ins",
                 "/v1/vouchers", "/v1/issued_memberships", "/v1/overview"):  # fmt: skip
        assert get(again, path) == get(box["sandbox"], path), path
    other_seed = Sandbox(config(seed=22, orders=50))
    assert get(other_seed, "/v1/orders?limit=5") != get(again, "/v1/orders?limit=5")
    other_box = get(again, "/v1/orders?limit=5", OTHER_KEY)
    assert other_box["data"][0]["id"] != box["orders"][0]["id"]


def test_a_saved_database_is_reused_and_rebuilt_when_the_data_set_changes(tmp_path: Path) -> None:
    db = tmp_path / "sandbox.sqlite"
    first = Sandbox(config(orders=80, db=str(db)))
    page = get(first, "/v1/orders?limit=100")
    first.store.close()
    stamp = db.stat().st_mtime_ns
    reopened = Sandbox(config(orders=80, db=str(db)))
    assert get(reopened, "/v1/orders?limit=100") == page
    assert reopened.store.fresh is False
    reopened.store.close()
    rebuilt = Sandbox(config(orders=30, db=str(db)))
    assert rebuilt.store.fresh is True
    assert len(every(rebuilt, "orders")) == 30
    rebuilt.store.close()
    assert stamp > 0
