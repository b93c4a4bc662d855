"""Pagination properties: any walk, any limit and filters, forwards or backwards, visits
every matching record once and in order; following ``links`` gives the same walk."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import TEST_KEY
from tests.sandbox._util import basic
from tickettailor.sandbox import Sandbox, SandboxConfig

SANDBOX = Sandbox(SandboxConfig(keys=(TEST_KEY,), seed=11, orders=500, events=8,
                                rate_limit=None))  # fmt: skip
AUTH = basic(TEST_KEY + ":")["Authorization"]


def get(path_and_query: str) -> tuple[int, Any]:
    path, _, query = path_and_query.partition("?")
    response = SANDBOX.handle("GET", path, query, AUTH, "127.0.0.1")
    return response.status_code, json.loads(bytes(response.body))


def everything(resource: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor = ""
    while True:
        status, body = get(f"/v1/{resource}?limit=100{cursor}")
        assert status == 200
        out += body["data"]
        if body["links"]["next"] is None:
            return out
        cursor = f"&starting_after={out[-1]['id']}"


ALL = {name: everything(name) for name in ("orders", "issued_tickets", "events", "check_ins")}
TIME_FIELD = {"orders": "created_at", "issued_tickets": "created_at", "check_ins": "created_at",
              "events": "start_at"}  # fmt: skip
OPS = {"": lambda a, b: a == b, "gt": lambda a, b: a > b, "gte": lambda a, b: a >= b,
       "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b}  # fmt: skip


def record_time(resource: str, record: dict[str, Any]) -> int:
    return int(record["start"]["unix"] if resource == "events" else record["created_at"])


def event_of(record: dict[str, Any]) -> str:
    return str(record["event_summary"]["event_id"] if "event_summary" in record
               else record["event_id"])  # fmt: skip


def num(record_id: str) -> int:
    return int(record_id.split("_")[1])


@st.composite
def queries(draw: st.DrawFn) -> tuple[str, list[tuple[str, str]], list[str]]:
    """(resource, query params in send order, ids expected in order)."""
    resource = draw(st.sampled_from(sorted(ALL)))
    records = ALL[resource]
    params: list[tuple[str, str]] = []
    keep = list(records)
    times = sorted({record_time(resource, r) for r in records})
    for op in draw(st.lists(st.sampled_from(sorted(OPS)), max_size=2, unique=True)):
        t = draw(st.sampled_from(times)) + draw(st.sampled_from([-1, 0, 0, 1]))
        sep = draw(st.sampled_from([".", "_"]))
        name = TIME_FIELD[resource] + (f"{sep}{op}" if op else "")
        params.append((name, str(t)))
        keep = [r for r in keep if OPS[op](record_time(resource, r), t)]
    if resource in ("orders", "issued_tickets", "check_ins") and draw(st.booleans()):
        events = sorted({event_of(r) for r in records})
        chosen = draw(st.lists(st.sampled_from(events), min_size=1, max_size=3, unique=True))
        params.append(("event_id", ",".join(chosen)))
        keep = [r for r in keep if event_of(r) in chosen]
    if resource == "orders" and draw(st.booleans()):
        spelling = draw(st.sampled_from(["completed", "cancelled", "canceled", "CANCELLED"]))
        params.append(("status", spelling))
        wanted = "completed" if spelling == "completed" else "cancelled"
        keep = [r for r in keep if r["status"] == wanted]
    if resource == "issued_tickets" and draw(st.booleans()):
        status = draw(st.sampled_from(["valid", "voided"]))
        params.append(("status", status))
        keep = [r for r in keep if r["status"] == status]
    if draw(st.booleans()):
        params.insert(draw(st.integers(0, len(params))), ("page", "2"))  # ignored
    order = draw(st.permutations(params))
    return resource, list(order), [r["id"] for r in keep]


def split_link(link: str) -> tuple[str, list[tuple[str, str]]]:
    parts = urlsplit(link)
    return parts.path, parse_qsl(parts.query, keep_blank_values=True)


def echoed(params: list[tuple[str, str]], limit: int | None) -> list[tuple[str, str]]:
    """What links must repeat: recognised params, in send order, dots -> underscores."""
    out = [(k.replace(".", "_"), v) for k, v in params if k != "page"]
    return [*out, ("limit", str(limit))] if limit is not None else out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(q=queries(), limit=st.one_of(st.none(), st.integers(1, 100)), follow=st.booleans())
def test_forward_walk_visits_each_match_once_in_order(
    q: tuple[str, list[tuple[str, str]], list[str]], limit: int | None, follow: bool
) -> None:
    resource, params, expected = q
    sent = params + ([("limit", str(limit))] if limit is not None else [])
    seen: list[str] = []
    url = f"/v1/{resource}?{urlencode(sent)}"
    first = True
    while True:
        status, body = get(url)
        assert status == 200, body
        page = [r["id"] for r in body["data"]]
        assert len(page) <= (limit or 100)
        seen += page
        links = body["links"]
        if first:
            assert links["previous"] is None
        elif page:
            path, query = split_link(links["previous"])
            assert path == f"/{resource}"
            assert query == [("ending_before", page[0]), *echoed(params, limit)]
        first = False
        if links["next"] is None:
            break
        path, query = split_link(links["next"])
        assert path == f"/{resource}"
        assert query == [("starting_after", page[-1]), *echoed(params, limit)]
        if follow:
            url = "/v1" + links["next"]
        else:
            url = f"/v1/{resource}?{urlencode([*sent, ('starting_after', page[-1])])}"
    assert seen == expected


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(q=queries(), limit=st.integers(1, 100), follow=st.booleans())
def test_backward_walk_visits_each_match_once_in_order(
    q: tuple[str, list[tuple[str, str]], list[str]], limit: int, follow: bool
) -> None:
    resource, params, expected = q
    prefix = ALL[resource][0]["id"].split("_")[0]
    sent = [*params, ("limit", str(limit))]
    url = f"/v1/{resource}?{urlencode([*sent, ('ending_before', f'{prefix}_999999999999')])}"
    pages: list[list[str]] = []
    while True:
        status, body = get(url)
        assert status == 200, body
        page = [r["id"] for r in body["data"]]
        assert page == sorted(page, key=num)  # ascending inside a backward page too
        if page:
            pages.insert(0, page)
        previous = body["links"]["previous"]
        if previous is None:
            break
        if follow:
            url = "/v1" + previous
        else:
            url = f"/v1/{resource}?{urlencode([*sent, ('ending_before', page[0])])}"
    assert [i for p in pages for i in p] == expected


@settings(max_examples=40, deadline=None)
@given(q=queries(), data=st.data())
def test_any_cursor_returns_the_matches_after_it(
    q: tuple[str, list[tuple[str, str]], list[str]], data: st.DataObject
) -> None:
    resource, params, expected = q
    ids = [r["id"] for r in ALL[resource]]
    cursor = data.draw(st.sampled_from(ids))  # may or may not match the filters
    status, body = get(f"/v1/{resource}?{urlencode([*params, ('starting_after', cursor)])}")
    assert status == 200
    after = [i for i in expected if num(i) > num(cursor)]
    assert [r["id"] for r in body["data"]] == after[:100]
    assert (body["links"]["next"] is None) == (len(after) <= 100)
    before = [i for i in expected if num(i) <= num(cursor)]
    assert (body["links"]["previous"] is None) == (not before or not after)


def test_a_full_last_page_has_no_next_link() -> None:
    orders = ALL["orders"]
    status, body = get(f"/v1/orders?limit=10&starting_after={orders[-11]['id']}")
    assert status == 200
    assert [r["id"] for r in body["data"]] == [r["id"] for r in orders[-10:]]
    assert body["links"]["next"] is None


def test_link_values_are_encoded_like_http_build_query() -> None:
    events = sorted({event_of(r) for r in ALL["orders"]})[:2]
    status, body = get(f"/v1/orders?event_id={','.join(events)}&name=a%20b&limit=1&page=9")
    assert status == 200
    if body["data"]:
        assert body["links"]["next"] is None or "%2C" in body["links"]["next"]
    status, body = get(f"/v1/orders?event_id={','.join(events)}&limit=1&email=&x=1")
    assert status == 200
    next_link = body["links"]["next"]
    assert next_link.startswith(f"/orders?starting_after={body['data'][0]['id']}&event_id=")
    assert f"event_id={events[0]}%2C{events[1]}&limit=1&email=" in next_link
    assert "x=1" not in next_link
    assert "/v1" not in next_link


def test_limit_is_omitted_from_links_when_not_sent() -> None:
    status, body = get("/v1/orders?status=completed")
    assert status == 200
    assert (
        body["links"]["next"] == f"/orders?starting_after={body['data'][-1]['id']}&status=completed"
    )


@pytest.mark.parametrize("limit", ["0", "101", "-1", "abc", "", "1.5"])
def test_limit_outside_1_to_100_is_a_validation_error(limit: str) -> None:
    status, body = get(f"/v1/orders?limit={limit}")
    assert status == 400
    assert body["error_code"] == "VALIDATION_ERROR"
    assert body["errors"][0]["field"] == "limit"


@pytest.mark.parametrize("cursor", ["ev_1", "or_", "abc", "or_1x"])
def test_a_cursor_of_the_wrong_kind_is_a_validation_error(cursor: str) -> None:
    status, body = get(f"/v1/orders?starting_after={cursor}")
    assert status == 400
    assert body["errors"][0]["field"] == "starting_after"


def test_a_cursor_past_the_end_gives_an_empty_page() -> None:
    assert get("/v1/orders?starting_after=or_999999999999") == (
        200, {"data": [], "links": {"next": None, "previous": None}})  # fmt: skip


def test_a_repeated_parameter_keeps_its_first_place_and_last_value() -> None:
    """PHP's ``$_GET`` semantics: ``created_at.gte`` and ``created_at_gte`` are one name."""
    orders = ALL["orders"]
    t = orders[len(orders) // 2]["created_at"]
    status, body = get(f"/v1/orders?created_at.gte=1&status=completed&created_at_gte={t}&limit=2")
    assert status == 200
    assert all(r["created_at"] >= t for r in body["data"])
    assert body["links"]["next"].endswith(f"&created_at_gte={t}&status=completed&limit=2")
