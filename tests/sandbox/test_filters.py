"""Every documented filter returns exactly the records it describes (reference §3)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any
from urllib.parse import quote

import pytest

from tests.conftest import TEST_KEY
from tests.sandbox._util import basic
from tickettailor.sandbox import Sandbox, SandboxConfig

SANDBOX = Sandbox(SandboxConfig(keys=(TEST_KEY,), seed=12, orders=400, events=9,
                                rate_limit=None))  # fmt: skip
AUTH = basic(TEST_KEY)["Authorization"]


def get(path: str) -> Any:
    path, _, query = path.partition("?")
    response = SANDBOX.handle("GET", path, query, AUTH, "test")
    assert response.status_code == 200, bytes(response.body)
    return json.loads(bytes(response.body))


def every(path: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    sep = "&" if "?" in path else "?"
    url = f"{path}{sep}limit=100"
    while True:
        body = get(url)
        out += body["data"]
        if body["links"]["next"] is None:
            return out
        url = "/v1" + body["links"]["next"]


ORDERS = every("/v1/orders")
TICKETS = every("/v1/issued_tickets")
EVENTS = every("/v1/events")
SERIES = every("/v1/event_series")
CHECK_INS = every("/v1/check_ins")
HOLDS = every("/v1/holds")
DISCOUNTS = every("/v1/discounts")
ORD, T = ORDERS[len(ORDERS) // 2], TICKETS[len(TICKETS) // 3]
EV = ORD["event_summary"]["event_id"]
EV2 = EVENTS[-1]["id"]
ES = ORD["event_summary"]["event_series_id"]
STORE = f"st_{SANDBOX.store.boxes[0].box['store_id']}"
CANCELLED = next(o for o in ORDERS if o["status"] == "cancelled")
CHECKED = CHECK_INS[len(CHECK_INS) // 2]
MID_START = sorted(e["start"]["unix"] for e in EVENTS)[len(EVENTS) // 2]
Pred = Callable[[dict[str, Any]], bool]


def name_of(r: dict[str, Any]) -> str:
    return str(r.get("full_name") or r["buyer_details"]["name"])


CASES: list[tuple[str, list[dict[str, Any]], str, Pred]] = [
    ("/v1/orders", ORDERS, f"event_id={EV}", lambda r: r["event_summary"]["event_id"] == EV),
    ("/v1/orders", ORDERS, f"event_id={EV},{EV2},ev_x",
     lambda r: r["event_summary"]["event_id"] in (EV, EV2)),
    ("/v1/orders", ORDERS, "event_id=nonsense", lambda _r: False),
    ("/v1/orders", ORDERS, f"event_series_id={ES}",
     lambda r: r["event_summary"]["event_series_id"] == ES),
    ("/v1/orders", ORDERS, "status=completed", lambda r: r["status"] == "completed"),
    ("/v1/orders", ORDERS, "status=canceled", lambda r: r["status"] == "cancelled"),
    ("/v1/orders", ORDERS, "status=Cancelled", lambda r: r["status"] == "cancelled"),
    ("/v1/orders", ORDERS, "status=completed,cancelled", lambda _r: True),
    ("/v1/orders", ORDERS, "email=" + quote(ORD["buyer_details"]["email"].upper()),
     lambda r: r["buyer_details"]["email"] == ORD["buyer_details"]["email"]),
    ("/v1/orders", ORDERS, "name=" + quote(ORD["buyer_details"]["last_name"].lower()),
     lambda r: ORD["buyer_details"]["last_name"].lower() in r["buyer_details"]["name"].lower()),
    ("/v1/orders", ORDERS, "txn_id=" + quote(CANCELLED["txn_id"]),
     lambda r: r["txn_id"] == CANCELLED["txn_id"]),
    ("/v1/orders", ORDERS, "barcode=" + ORD["issued_tickets"][0]["barcode"],
     lambda r: r["id"] == ORD["id"]),
    ("/v1/orders", ORDERS, "referral_tag=website", lambda r: r["referral_tag"] == "website"),
    ("/v1/orders", ORDERS, f"store_id={STORE}", lambda _r: True),
    ("/v1/orders", ORDERS, "store_id=st_1", lambda _r: False),
    ("/v1/issued_tickets", TICKETS, f"event_id={EV}", lambda r: r["event_id"] == EV),
    ("/v1/issued_tickets", TICKETS, f"event_series_id={ES}", lambda r: r["event_series_id"] == ES),
    ("/v1/issued_tickets", TICKETS, f"order_id={ORD['id']}", lambda r: r["order_id"] == ORD["id"]),
    ("/v1/issued_tickets", TICKETS, "barcode=" + T["barcode"], lambda r: r["id"] == T["id"]),
    ("/v1/issued_tickets", TICKETS, "barcode=ZZZZZZ", lambda r: r["barcode"] == "ZZZZZZ"),
    ("/v1/issued_tickets", TICKETS, "email=" + quote(T["email"]),
     lambda r: r["email"] == T["email"]),
    ("/v1/issued_tickets", TICKETS, "name=" + quote(T["first_name"]),
     lambda r: T["first_name"].lower() in r["full_name"].lower()),
    ("/v1/issued_tickets", TICKETS, "reference=abc", lambda r: r["reference"] == "abc"),
    ("/v1/issued_tickets", TICKETS, "status=voided", lambda r: r["status"] == "voided"),
    ("/v1/issued_tickets", TICKETS, "status=valid", lambda r: r["status"] == "valid"),
    ("/v1/check_ins", CHECK_INS, f"event_id={CHECKED['event_id']}",
     lambda r: r["event_id"] == CHECKED["event_id"]),
    ("/v1/check_ins", CHECK_INS, f"event_series_id={CHECKED['event_series_id']}",
     lambda r: r["event_series_id"] == CHECKED["event_series_id"]),
    ("/v1/check_ins", CHECK_INS, f"issued_ticket_id={CHECKED['issued_ticket_id']}",
     lambda r: r["issued_ticket_id"] == CHECKED["issued_ticket_id"]),
    ("/v1/check_ins", CHECK_INS, f"check_in_at.gte={CHECKED['check_in_at']}",
     lambda r: r["check_in_at"] >= CHECKED["check_in_at"]),
    ("/v1/events", EVENTS, f"start_at.gte={MID_START}", lambda r: r["start"]["unix"] >= MID_START),
    ("/v1/events", EVENTS, f"start_at_lt={MID_START}", lambda r: r["start"]["unix"] < MID_START),
    ("/v1/events", EVENTS, f"end_at.lte={MID_START}", lambda r: r["end"]["unix"] <= MID_START),
    ("/v1/events", EVENTS, "status=published", lambda r: r["status"] == "published"),
    ("/v1/events", EVENTS, "status=draft,sales_closed", lambda r: r["status"] == "draft"),
    ("/v1/events", EVENTS, f"event_series_id={ES}", lambda r: r["event_series_id"] == ES),
    ("/v1/events", EVENTS, "name=" + quote(EVENTS[0]["name"][:6]),
     lambda r: EVENTS[0]["name"][:6].lower() in r["name"].lower()),
    ("/v1/events", EVENTS, "venue=" + quote(EVENTS[0]["venue"]["name"]),
     lambda r: r["venue"]["name"] == EVENTS[0]["venue"]["name"]),
    ("/v1/event_series", SERIES, "status=PUBLISHED", lambda r: r["status"] == "published"),
    ("/v1/event_series", SERIES, "status=CLOSE_SALES", lambda r: r["status"] == "sales_closed"),
    ("/v1/event_series", SERIES, "name=" + quote(SERIES[0]["name"]),
     lambda r: SERIES[0]["name"].lower() in r["name"].lower()),
    ("/v1/event_series", SERIES, "venue=" + quote(SERIES[0]["venue"]["name"]),
     lambda r: r["venue"]["name"] == SERIES[0]["venue"]["name"]),
    ("/v1/holds", HOLDS, f"event_id={HOLDS[0]['event_id']}",
     lambda r: r["event_id"] == HOLDS[0]["event_id"]),
    ("/v1/holds", HOLDS, f"created_at.gt={HOLDS[0]['created_at']}",
     lambda r: r["created_at"] > HOLDS[0]["created_at"]),
    ("/v1/holds", HOLDS, f"updated_at_lte={HOLDS[0]['updated_at']}",
     lambda r: r["updated_at"] <= HOLDS[0]["updated_at"]),
    ("/v1/discounts", DISCOUNTS, "code=" + DISCOUNTS[-1]["code"],
     lambda r: r["code"] == DISCOUNTS[-1]["code"]),
    (f"/v1/event_series/{ES}/events", EVENTS, "", lambda r: r["event_series_id"] == ES),
    (f"/v1/event_series/{ES}/events", EVENTS, "override_id=ov_1", lambda _r: False),
]  # fmt: skip


@pytest.mark.parametrize(("path", "records", "query", "keep"), CASES,
                         ids=[f"{p}?{q}" for p, _r, q, _k in CASES])  # fmt: skip
def test_filter_returns_exactly_the_matching_records(
    path: str, records: list[dict[str, Any]], query: str, keep: Pred
) -> None:
    got = [r["id"] for r in every(f"{path}?{query}" if query else path)]
    assert got == [r["id"] for r in records if keep(r)]


def test_the_data_is_rich_enough_for_these_cases() -> None:
    assert HOLDS
    assert CANCELLED
    assert any(t["status"] == "voided" for t in TICKETS)
    assert any(e["status"] == "draft" for e in EVENTS) or len(SERIES) < 4
    for e in EVENTS:
        cancelled = [o for o in ORDERS if o["event_summary"]["event_id"] == e["id"]
                     and o["status"] == "cancelled"]  # fmt: skip
        assert len(every(f"/v1/orders?event_id={e['id']}")) == e["total_orders"] + len(cancelled)


def test_single_event_of_a_series_and_a_voucher_s_codes() -> None:
    event = next(e for e in EVENTS if e["event_series_id"] == ES)
    assert get(f"/v1/event_series/{ES}/events/{event['id']}") == event
    other = next(s["id"] for s in SERIES if s["id"] != ES)
    status = SANDBOX.handle("GET", f"/v1/event_series/{other}/events/{event['id']}", "", AUTH, "t")
    assert status.status_code == 404
    voucher = every("/v1/vouchers")[0]
    codes = every(f"/v1/vouchers/{voucher['id']}/codes")
    assert len(codes) == voucher["total_codes"]
    assert all(c["voucher_id"] == voucher["id"] for c in codes)
