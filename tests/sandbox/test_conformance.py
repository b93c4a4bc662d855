"""The sandbox's JSON has the reference fixtures' keys and value types, recursively."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from tests.conftest import TEST_KEY
from tests.sandbox._util import SyncASGI, basic
from tickettailor.sandbox import SandboxConfig, create_app

# Fields the reference documents that the (older) fixture lacks, by object.
NEWER_FIELDS: dict[str, set[str]] = {
    "order": {"credited_out_amount", "total_paid", "notes", "sold_products"},
    "issued_ticket": {"event_series_id", "listed_price", "listed_currency", "add_on_id",
                      "reservation"},
    "venue": {"country"},
}  # fmt: skip
# Fields the reference marks optional ("T?") that the fixture happens to fill.
NULLABLE = {
    "referral_tag", "reference", "expiry", "expires", "next_occurrence_date",
    "max_redemptions", "valid_to_date", "booking_fee_amount", "face_value_amount",
    "face_value_percentage", "linked_order_id", "linked_event_id", "external_id", "id",
    "status_message", "voided_at", "order_id", "fulfilment_reference_id",
}  # fmt: skip
NUMBER = (int, float)


def shape_problems(expected: Any, actual: Any, where: str) -> Iterator[str]:
    """Differences in keys and value types between a fixture and a sandbox value."""
    if expected is None:
        return  # the reference does not know this field's type
    field = where.rsplit(".", 1)[-1].split("[")[0]
    if actual is None:
        if field not in NULLABLE:
            yield f"{where}: null, fixture has {type(expected).__name__}"
        return
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            yield f"{where}: {type(actual).__name__}, fixture has an object"
            return
        kind = str(expected.get("object", field))
        for key in expected.keys() - actual.keys():
            yield f"{where}.{key}: missing"
        for key in actual.keys() - expected.keys() - NEWER_FIELDS.get(kind, set()):
            yield f"{where}.{key}: not in the fixture"
        for key in expected.keys() & actual.keys():
            yield from shape_problems(expected[key], actual[key], f"{where}.{key}")
    elif isinstance(expected, list):
        if not isinstance(actual, list):
            yield f"{where}: {type(actual).__name__}, fixture has a list"
            return
        for i, item in enumerate(actual):
            if expected:
                yield from shape_problems(expected[0], item, f"{where}[{i}]")
    elif field == "revenue":
        if not isinstance(actual, NUMBER) or isinstance(actual, bool):
            yield f"{where}: {actual!r} is not a number"
    elif type(actual) is not type(expected):
        yield f"{where}: {type(actual).__name__} {actual!r}, fixture has {type(expected).__name__}"


@pytest.fixture(scope="module")
def api() -> Iterator[SyncASGI]:
    client = SyncASGI(create_app(SandboxConfig(keys=(TEST_KEY,), seed=3, orders=600,
                                               events=12, rate_limit=None)))  # fmt: skip
    yield client
    client.close()


def fetch(api: SyncASGI, path: str) -> Any:
    response = api.get(path, headers=basic(TEST_KEY + ":"))
    assert response.status_code == 200, (path, response.text)
    return response.json()


def first_series_id(api: SyncASGI, kind: str = "") -> str:
    return str(fetch(api, "/v1/event_series?limit=1")["data"][0]["id"])


# (fixture, list path, how to pick the objects to compare out of a list page)
LISTS: list[tuple[str, str, Callable[[dict[str, Any]], list[Any]]]] = [
    ("order", "/v1/orders", lambda page: page["data"]),
    ("issued_ticket", "/v1/issued_tickets", lambda page: page["data"]),
    ("issued_ticket", "/v1/orders", lambda page: [t for o in page["data"]
                                                  for t in o["issued_tickets"]]),
    ("event", "/v1/events", lambda page: page["data"]),
    ("ticket_type", "/v1/events", lambda page: [t for e in page["data"]
                                                for t in e["ticket_types"]]),
    ("synth_event_series", "/v1/event_series", lambda page: page["data"]),
    ("ticket_type", "/v1/event_series", lambda page: [t for s in page["data"]
                                                      for t in s["default_ticket_types"]]),
    ("synth_check_in", "/v1/check_ins", lambda page: page["data"]),
    ("synth_hold", "/v1/holds", lambda page: page["data"]),
    ("synth_discount", "/v1/discounts", lambda page: page["data"]),
    ("synth_voucher", "/v1/vouchers", lambda page: page["data"]),
    ("synth_product", "/v1/products", lambda page: page["data"]),
    ("synth_membership_type", "/v1/membership_types", lambda page: page["data"]),
    ("synth_issued_membership", "/v1/issued_memberships", lambda page: page["data"]),
    ("synth_membership_redemption", "/v1/issued_memberships",
     lambda page: [r for m in page["data"] for r in m["redemption_collection"]]),
]  # fmt: skip


@pytest.mark.parametrize(("fixture", "path", "pick"), LISTS, ids=[f"{f}@{p}" for f, p, _ in LISTS])
def test_list_items_have_the_fixture_shape(
    api: SyncASGI, reference_fixture: Callable[[str], Any], fixture: str, path: str,
    pick: Callable[[dict[str, Any]], list[Any]],
) -> None:  # fmt: skip
    items = pick(fetch(api, path + "?limit=100"))
    assert items, f"the sandbox generated no {fixture} to compare"
    expected = reference_fixture(fixture)
    problems = [p for i, item in enumerate(items) for p in shape_problems(expected, item, f"[{i}]")]
    assert problems == []


def test_nested_lists_and_single_gets_have_the_fixture_shape(
    api: SyncASGI, reference_fixture: Callable[[str], Any]
) -> None:
    series_id = first_series_id(api)
    first_voucher = fetch(api, "/v1/vouchers")["data"][0]["id"]
    cases = [
        ("synth_waitlist_signup", None),
        ("synth_voucher_code", f"/v1/vouchers/{first_voucher}/codes"),
        ("event", f"/v1/event_series/{series_id}/events"),
    ]  # fmt: skip
    signups = []
    for s in fetch(api, "/v1/event_series")["data"]:
        signups += fetch(api, f"/v1/event_series/{s['id']}/waitlist_signups")["data"]
    assert signups
    assert [p for x in signups for p in shape_problems(reference_fixture(cases[0][0]), x, "")] == []
    for name, path in cases[1:]:
        assert path is not None
        items = fetch(api, path)["data"]
        assert items
        assert [p for x in items for p in shape_problems(reference_fixture(name), x, "")] == []
    for name, path in [("order", "/v1/orders"), ("event", "/v1/events"),
                       ("synth_hold", "/v1/holds"), ("synth_discount", "/v1/discounts"),
                       ("issued_ticket", "/v1/issued_tickets"),
                       ("synth_event_series", "/v1/event_series")]:  # fmt: skip
        one = fetch(api, path + "?limit=1")["data"][0]
        got = fetch(api, f"{path}/{one['id']}")
        assert got == one
        assert list(shape_problems(reference_fixture(name), got, name)) == []


def test_overview_ping_and_empty_list_have_the_fixture_shape(
    api: SyncASGI, reference_fixture: Callable[[str], Any]
) -> None:
    assert list(shape_problems(reference_fixture("synth_overview"), fetch(api, "/v1/overview"),
                               "overview")) == []  # fmt: skip
    assert api.get("/v1/ping").json() == reference_fixture("ping")
    empty = fetch(api, "/v1/orders?email=nobody@nowhere.example")
    assert empty == reference_fixture("synth_list_empty")


def test_error_bodies_match_the_fixtures(
    api: SyncASGI, reference_fixture: Callable[[str], Any]
) -> None:
    forbidden = api.get("/v1/orders")
    assert forbidden.status_code == 403
    # byte for byte the recorded body (compact on the wire, same key order)
    expected = json.dumps(reference_fixture("error_403_forbidden"), separators=(",", ":"))
    assert forbidden.text == expected
    missing = api.get("/v1/orders/or_1", headers=basic(TEST_KEY))
    assert missing.status_code == 404
    assert missing.json() == reference_fixture("synth_error_404")
    invalid = api.get("/v1/orders?created_at.gte=", headers=basic(TEST_KEY))
    assert invalid.status_code == 400
    assert list(shape_problems(reference_fixture("synth_error_validation"), invalid.json(),
                               "error")) == []  # fmt: skip
    assert invalid.json()["errors"][0]["messages"] == ["Value must be a UNIX timestamp in seconds."]


def canonical_problems(value: Any, where: str = "") -> Iterator[str]:
    """``object`` and ``id`` first, then the other keys alphabetically, recursively."""
    if isinstance(value, dict):
        keys = list(value)
        head = [k for k in ("object", "id") if k in value]
        if keys != head + sorted(k for k in keys if k not in head):
            yield f"{where}: key order {keys}"
        for k, v in value.items():
            yield from canonical_problems(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from canonical_problems(v, f"{where}[{i}]")


@pytest.mark.parametrize("path", ["/v1/orders", "/v1/events", "/v1/event_series",
    "/v1/issued_tickets", "/v1/check_ins", "/v1/holds", "/v1/discounts", "/v1/vouchers",
    "/v1/products", "/v1/membership_types", "/v1/issued_memberships", "/v1/overview"])  # fmt: skip
def test_keys_come_object_and_id_first_then_alphabetical(api: SyncASGI, path: str) -> None:
    body = fetch(api, path)
    records = body.get("data", [body])
    assert records
    assert [p for r in records for p in canonical_problems(r)] == []


def test_string_booleans_never_json_booleans(api: SyncASGI) -> None:
    flags = {"checked_in", "hidden", "private", "online_event", "tickets_available",
             "unavailable", "waitlist_active", "has_overrides", "hide_when_sold_out",
             "show_quantity_remaining", "show_map", "is_valid", "linked_to_all_event_series",
             "sell_in_store", "photo_required", "partial_redemption",
             "usable_on_any_event"}  # fmt: skip
    seen: set[str] = set()

    def visit(value: Any) -> None:
        assert not isinstance(value, bool)
        if isinstance(value, dict):
            for k, v in value.items():
                if k in flags:
                    assert v in ("true", "false"), (k, v)
                    seen.add(k)
                visit(v)
        elif isinstance(value, list):
            for v in value:
                visit(v)

    for path in ["/v1/orders", "/v1/events", "/v1/event_series", "/v1/products",
                 "/v1/vouchers", "/v1/membership_types", "/v1/issued_memberships"]:  # fmt: skip
        visit(fetch(api, path))
    assert seen >= {"checked_in", "hidden", "tickets_available", "sell_in_store", "is_valid"}


def test_currency_shapes_and_date_objects(api: SyncASGI) -> None:
    order = fetch(api, "/v1/orders?limit=1")["data"][0]
    assert set(order["currency"]) == {"base_multiplier", "code"}
    assert order["currency"]["code"].islower()
    assert order["issued_tickets"][0]["listed_currency"] == order["currency"]
    event = fetch(api, "/v1/events?limit=1")["data"][0]
    assert isinstance(event["currency"], str)
    assert event["currency"].islower()
    assert "updated_at" not in order
    assert "updated_at" not in event
    product = fetch(api, "/v1/products?limit=1")["data"][0]
    assert product["currency"].isupper()
    start = event["start"]
    assert list(start) == ["date", "formatted", "iso", "time", "timezone", "unix"]
    assert start["iso"].startswith(start["date"] + "T" + start["time"])
    assert start["iso"].endswith(start["timezone"])
    from datetime import datetime

    assert int(datetime.fromisoformat(start["iso"]).timestamp()) == start["unix"]


def test_response_text_is_escaped_like_php(api: SyncASGI) -> None:
    """``/`` stays literal; ``< > & ' "`` and non-ASCII are \\u escapes (reference §1.9)."""
    text = api.get("/v1/events?limit=100", headers=basic(TEST_KEY)).text
    assert "https://" in text
    assert "\\/" not in text
    assert "\\u003Cp\\u003E" in text  # the HTML description
    for raw in "<>'":
        assert raw not in text
    assert "\\u0026" in text or "&" not in text
    orders = api.get("/v1/orders?limit=100", headers=basic(TEST_KEY)).text
    assert orders.isascii()
    assert '\\"' not in orders
