"""Auth, errors and rate limits, each checked in-process (ASGI) and over real HTTP."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx2
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import OTHER_KEY, TEST_KEY
from tests.sandbox._util import SyncASGI, basic
from tickettailor.sandbox import KeySpec, SandboxConfig, create_app, serve_in_thread

ORDERS_ONLY_KEY = "sk_5555_555555_55555555555555555555555555555555"
FORBIDDEN = (
    '{"status":403,"error_code":"FORBIDDEN","message":"You do not have permission to perform '
    'the request.","hint":"Check if API key is not deleted, is in correct format, is included '
    "in the request headers as base64 encoded string, the object you are trying to access is "
    "not restricted by api key permissions, and you can see the object in the Ticket Tailor "
    'dashboard."}'
)
WINDOW = 60
LIMIT = 5


class FakeClock:
    def __init__(self) -> None:
        self.now = 1_800_000_000.0 + 10  # 10 s into a 60 s window

    def __call__(self) -> float:
        return self.now


@dataclass
class Target:
    api: Any  # SyncASGI or httpx2.Client: both have .get(path, headers=...)
    clock: FakeClock
    kind: str


def config(clock: FakeClock) -> SandboxConfig:
    return SandboxConfig(
        keys=(TEST_KEY, OTHER_KEY, KeySpec(ORDERS_ONLY_KEY, frozenset({"orders"}))),
        seed=5, orders=120, events=6, rate_limit=(LIMIT, WINDOW), clock=clock,
    )  # fmt: skip


@pytest.fixture(params=["asgi", "http"])
def target(request: pytest.FixtureRequest) -> Iterator[Target]:
    clock = FakeClock()
    if request.param == "asgi":
        api = SyncASGI(create_app(config(clock)))
        yield Target(api, clock, "asgi")
        api.close()
    else:
        with serve_in_thread(config(clock)) as running, httpx2.Client(
            base_url=running.base_url
        ) as client:  # fmt: skip
            yield Target(client, clock, "http")


def rate_headers(response: httpx2.Response) -> tuple[int, int, int]:
    h = response.headers
    return (int(h["x-rate-limit-limit"]), int(h["x-rate-limit-remaining"]),
            int(h["x-rate-limit-reset"]))  # fmt: skip


def test_ping_needs_no_key_and_ignores_a_bad_one(target: Target) -> None:
    for headers in ({}, {"Authorization": "Basic %%%"}, basic("sk_nope:")):
        response = target.api.get("/v1/ping", headers=headers)
        assert response.status_code == 200
        assert response.text == '{"version":"1.0"}'
        assert response.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer " + TEST_KEY},
        {"Authorization": "Basic not*base64"},
        {"Authorization": "Basic " + base64.b64encode(b"\xff\xfe").decode()},
        {"Authorization": "Basic"},
        basic(":" + TEST_KEY),
        basic("sk_1234_567890_00000000000000000000000000000000:"),
        basic(TEST_KEY.upper() + ":"),
    ],
    ids=[
        "none",
        "bearer",
        "bad-base64",
        "not-utf8",
        "empty",
        "key-as-password",
        "unknown",
        "wrong-case",
    ],
)
def test_every_auth_failure_is_the_same_403_body(target: Target, headers: dict[str, str]) -> None:
    response = target.api.get("/v1/overview", headers=headers)
    assert response.status_code == 403
    assert response.text == FORBIDDEN


@pytest.mark.parametrize("token", [TEST_KEY + ":", TEST_KEY, TEST_KEY + ":any-password"])
def test_both_base64_forms_and_any_password_are_accepted(target: Target, token: str) -> None:
    response = target.api.get("/v1/overview", headers=basic(token))
    assert response.status_code == 200
    assert response.json()["box_office_name"]


def test_a_key_sees_only_its_box_office_and_permissions(target: Target) -> None:
    mine = target.api.get("/v1/orders?limit=1", headers=basic(TEST_KEY)).json()["data"][0]
    theirs = target.api.get("/v1/orders?limit=1", headers=basic(OTHER_KEY)).json()["data"][0]
    assert mine["id"] != theirs["id"]
    assert target.api.get(f"/v1/orders/{mine['id']}", headers=basic(OTHER_KEY)).status_code == 404
    limited = basic(ORDERS_ONLY_KEY)
    assert target.api.get("/v1/orders?limit=1", headers=limited).status_code == 200
    for path in ("/v1/events", "/v1/overview", "/v1/issued_tickets", "/v1/holds"):
        response = target.api.get(path, headers=limited)
        assert response.status_code == 403, path
        assert response.text == FORBIDDEN


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/v1/nope"), ("GET", "/v1/orders/or_1"), ("GET", "/v1/orders/ev_1"),
     ("GET", "/v1/orders/"), ("GET", "/v1/ticket_types"), ("POST", "/v1/ticket_types"),
     ("PUT", "/v1/orders"), ("PATCH", "/v1/orders"), ("GET", "/v2/orders"), ("GET", "/"),
     ("GET", "/v1/event_series/es_1/events"), ("GET", "/v1/vouchers/vo_1/codes")],
)  # fmt: skip
def test_unknown_paths_and_ids_are_404_json(target: Target, method: str, path: str) -> None:
    response = target.api.request(method, path, headers=basic(TEST_KEY))
    assert response.status_code == 404
    assert response.json() == {"status": 404, "error_code": "NOT_FOUND",
                               "message": "The requested resource does not exist."}  # fmt: skip
    assert "x-rate-limit-remaining" in response.headers


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        ("created_at.gte=", "created_at_gte", "Value must be a UNIX timestamp in seconds."),
        ("created_at_lt=yesterday", "created_at_lt", "Value must be a UNIX timestamp in seconds."),
        ("created_at=1.5", "created_at", "Value must be a UNIX timestamp in seconds."),
        ("status=shipped", "status", None),
        ("limit=500", "limit", None),
    ],
)
def test_bad_parameters_are_validation_errors(
    target: Target, query: str, field: str, message: str | None
) -> None:
    response = target.api.get(f"/v1/orders?{query}", headers=basic(TEST_KEY))
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == 400
    assert body["error_code"] == "VALIDATION_ERROR"
    assert body["errors"][0]["field"] == field
    if message:
        assert body["errors"][0]["messages"] == [message]
    else:
        assert body["errors"][0]["messages"][0]  # says what is accepted


def test_rate_limit_counts_every_response_and_answers_429(target: Target) -> None:
    key = basic(TEST_KEY)
    seen = [
        target.api.get("/v1/ping", headers=key),  # ping counts (reference §6)
        target.api.get("/v1/orders?limit=1", headers=key),
        target.api.get("/v1/nope", headers=key),  # errors count and carry the headers
        target.api.get("/v1/orders?limit=oops", headers=key),
        target.api.get("/v1/overview", headers=key),
    ]
    assert [rate_headers(r) for r in seen] == [(LIMIT, LIMIT - 1 - i, 50) for i in range(5)]
    assert all("retry-after" not in r.headers for r in seen)
    blocked = target.api.get("/v1/orders", headers=key)
    assert blocked.status_code == 429
    assert blocked.json() == {"status": 429, "error_code": "TOO_MANY_REQUESTS",
                              "message": "Too many requests hit the API too quickly."}  # fmt: skip
    assert blocked.headers["retry-after"] == "50"
    assert rate_headers(blocked) == (LIMIT, 0, 50)
    # Another key has its own budget; the same key from another client shares this one.
    assert target.api.get("/v1/overview", headers=basic(OTHER_KEY)).status_code == 200
    target.clock.now += 20
    again = target.api.get("/v1/ping", headers=key)
    assert again.status_code == 429
    assert again.headers["retry-after"] == "30"
    target.clock.now += 30  # the fixed window ends: a fresh budget
    fresh = target.api.get("/v1/orders?limit=1", headers=key)
    assert fresh.status_code == 200
    assert rate_headers(fresh) == (LIMIT, LIMIT - 1, 60)


def test_rate_limit_is_shared_by_every_client_of_a_key() -> None:
    clock = FakeClock()
    with serve_in_thread(config(clock)) as running:
        clients = [httpx2.Client(base_url=running.base_url) for _ in range(3)]
        try:
            remaining = [
                rate_headers(c.get("/v1/overview", headers=basic(TEST_KEY)))[1] for c in clients
            ]
            assert remaining == [LIMIT - 1, LIMIT - 2, LIMIT - 3]
        finally:
            for c in clients:
                c.close()


def test_http_responses_are_gzipped_when_asked() -> None:
    with serve_in_thread(config(FakeClock())) as running, httpx2.Client(
        base_url=running.base_url
    ) as client:  # fmt: skip
        headers = {**basic(TEST_KEY), "Accept-Encoding": "gzip"}
        response = client.get("/v1/orders?limit=20", headers=headers)
        assert response.headers["content-encoding"] == "gzip"
        assert len(response.json()["data"]) == 20
        assert response.headers["vary"] == "Accept-Encoding"


NO_LIMIT = SyncASGI(create_app(SandboxConfig(keys=(TEST_KEY,), orders=50, events=3,
                                             rate_limit=None)))  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(
    path=st.sampled_from(["/v1/orders", "/v1/events", "/v1/issued_tickets", "/v1/check_ins",
                          "/v1/holds", "/v1/event_series", "/v1/discounts", "/v1/orders/or_x"]),
    query=st.lists(
        st.tuples(
            st.sampled_from(["limit", "starting_after", "ending_before", "created_at.gte",
                             "created_at_lt", "status", "event_id", "email", "name", "start_at",
                             "barcode", "code", "x[]", "page"]),
            st.text(max_size=12),
        ),
        max_size=5,
    ),
)  # fmt: skip
def test_the_server_never_answers_500_to_bad_input(path: str, query: list[tuple[str, str]]) -> None:
    from urllib.parse import urlencode

    response = NO_LIMIT.get(f"{path}?{urlencode(query)}", headers=basic(TEST_KEY))
    assert response.status_code in (200, 400, 404), response.text
    body = json.loads(response.text)
    assert isinstance(body, dict)
