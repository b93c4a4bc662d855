"""The core over an httpx2 MockTransport: requests as sent, errors as classified,
retries as decided. Every test runs against Client and AsyncClient."""

from __future__ import annotations

import base64
import json
import logging
import re

import httpx2
import pytest

from tests.core.both import MODES, make_client
from tests.core.fakeapi import RATE_HEADERS, FakeAPI
from tickettailor import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    MalformedResponseError,
    NotFoundError,
    RateLimitError,
    ServerError,
    UsageError,
)

pytestmark = pytest.mark.parametrize("mode", MODES)

KEY = "sk_1234_567890_" + "0123456789abcdef" * 2
FORBIDDEN = {
    "status": 403,
    "error_code": "FORBIDDEN",
    "message": "You do not have permission to perform the request.",
    "hint": "Check if API key is not deleted, is in correct format, ...",
}
CLOUDFLARE = (
    "<!DOCTYPE html><html><head><title>502 Bad gateway</title><style>p{}</style></head>"
    "<body><h1>Bad gateway</h1><p>Cloudflare Ray ID: 8f1</p></body></html>"
)


def reply(status: int, body: object = None, **headers: str) -> httpx2.Response:
    if isinstance(body, str):
        return httpx2.Response(status, text=body, headers=headers)
    return httpx2.Response(status, json=body, headers=headers)


def test_request_carries_basic_auth_accept_and_user_agent(mode: str) -> None:
    api = FakeAPI(1)
    client = make_client(mode, api_key=KEY, transport=api.transport)
    client.orders.get("or_1")
    sent = api.requests[0]
    assert sent.headers["authorization"] == "Basic " + base64.b64encode(f"{KEY}:".encode()).decode()
    assert sent.headers["accept"] == "application/json"
    assert sent.headers["accept-encoding"] == "gzip, deflate"
    assert sent.headers["user-agent"].startswith("tickettailor-python/")
    assert str(sent.url) == "http://tt.test/v1/orders/or_1"


@pytest.mark.parametrize(
    "base", ["http://tt.test", "http://tt.test/", "http://tt.test/v1", "http://tt.test/v1/"]
)
@pytest.mark.parametrize("path", ["/v1/ping", "/ping", "ping", "v1/ping"])
def test_base_url_and_path_join_with_or_without_v1(mode: str, base: str, path: str) -> None:
    api = FakeAPI()
    api.script.append(reply(200, {"version": "1.0"}))
    client = make_client(mode, base_url=base, transport=api.transport)
    assert client.request("GET", path).body == {"version": "1.0"}
    assert str(api.requests[0].url) == "http://tt.test/v1/ping"


@pytest.mark.parametrize(
    ("status", "body", "error", "code"),
    [
        (
            400,
            {"status": 400, "error_code": "VALIDATION_ERROR", "message": "bad"},
            BadRequestError,
            "VALIDATION_ERROR",
        ),
        (
            422,
            {"status": 422, "error_code": "VALIDATION_ERROR", "message": "bad"},
            BadRequestError,
            "VALIDATION_ERROR",
        ),
        (401, {"status": 401, "message": "Unauthorized"}, ForbiddenError, None),
        (403, FORBIDDEN, ForbiddenError, "FORBIDDEN"),
        (
            404,
            {"status": 404, "error_code": "NOT_FOUND", "message": "gone"},
            NotFoundError,
            "NOT_FOUND",
        ),
        (
            409,
            {"status": 409, "error_code": "CONFLICT", "message": "has orders"},
            ConflictError,
            "CONFLICT",
        ),
        (418, {"status": 418, "message": "teapot"}, APIStatusError, None),
    ],
)
def test_status_errors_are_classified(
    mode: str, status: int, body: dict[str, object], error: type, code: str | None
) -> None:
    api = FakeAPI()
    api.script.append(reply(status, body, **{"CF-RAY": "8f1e2d3c4b5a6978-LHR"}))
    client = make_client(mode, transport=api.transport)
    with pytest.raises(error) as caught:
        client.orders.get("or_1")
    assert type(caught.value) is error
    assert caught.value.status_code == status
    assert caught.value.error_code == code
    assert caught.value.message == body["message"]
    assert caught.value.request_id == "8f1e2d3c4b5a6978-LHR"
    assert "8f1e2d3c4b5a6978-LHR" in str(caught.value)


def test_forbidden_carries_the_api_hint(mode: str) -> None:
    api = FakeAPI()
    api.script.append(reply(403, FORBIDDEN))
    client = make_client(mode, transport=api.transport)
    with pytest.raises(ForbiddenError) as caught:
        client.overview()
    assert caught.value.hint == FORBIDDEN["hint"]
    assert "Hint: Check if API key" in str(caught.value)


def test_validation_errors_list_the_fields(mode: str) -> None:
    api = FakeAPI()
    body = {
        "status": 400,
        "error_code": "VALIDATION_ERROR",
        "message": "One or more fields failed validation",
        "errors": [{"field": "name", "messages": ["Value is required and can't be empty"]}],
    }
    api.script.append(reply(400, body, **{"X-Request-Id": "req-42"}))
    client = make_client(mode, transport=api.transport)
    with pytest.raises(BadRequestError) as caught:
        client.products.create(price=100)
    assert caught.value.errors == body["errors"]
    assert "name: Value is required and can't be empty" in str(caught.value)
    assert caught.value.request_id == "req-42"


def test_html_error_page_becomes_the_status_error_with_its_text(mode: str) -> None:
    api = FakeAPI()
    api.script.extend([reply(502, CLOUDFLARE)] * 6)
    client = make_client(mode, transport=api.transport)
    with pytest.raises(ServerError) as caught:
        client.orders.get("or_1")
    assert caught.value.status_code == 502
    assert "Bad gateway" in caught.value.message
    assert "<" not in caught.value.message  # tags stripped, style dropped
    assert "p{}" not in caught.value.message
    assert len(api.requests) == 6  # first try + 5 retries


def test_html_403_is_still_forbidden(mode: str) -> None:
    api = FakeAPI()
    api.script.append(reply(403, "<html><body>Access denied | Cloudflare</body></html>"))
    client = make_client(mode, transport=api.transport)
    with pytest.raises(ForbiddenError, match="Access denied"):
        client.orders.get("or_1")


@pytest.mark.parametrize("body", ["<html>oops</html>", "{not json", ""])
def test_success_that_is_not_json_is_malformed(mode: str, body: str) -> None:
    api = FakeAPI()
    api.script.append(reply(200, body))
    client = make_client(mode, transport=api.transport)
    with pytest.raises(MalformedResponseError) as caught:
        client.orders.get("or_1")
    assert caught.value.status_code == 200
    assert caught.value.body_text == body
    assert len(api.requests) == 1  # not retried: repeating will not fix it


def test_get_retries_5xx_then_succeeds_with_recorded_backoff(mode: str) -> None:
    api = FakeAPI(1)
    api.script.extend([reply(503, {"status": 503, "message": "busy"}), reply(500, "boom")])
    client = make_client(mode, transport=api.transport)
    assert client.orders.get("or_1").id == "or_1"
    assert len(api.requests) == 3
    backoffs = client.clock.slept
    assert len(backoffs) == 2
    assert 0 <= backoffs[0] <= 0.5
    assert 0 <= backoffs[1] <= 1.0


def test_post_is_not_retried_on_5xx(mode: str) -> None:
    api = FakeAPI()
    api.script.append(reply(500, {"status": 500, "message": "boom"}))
    client = make_client(mode, transport=api.transport)
    with pytest.raises(ServerError):
        client.issued_tickets.create(event_id="ev_1", ticket_type_id="tt_1", full_name="A B")
    assert len(api.requests) == 1


def test_check_in_with_local_unique_id_is_retried(mode: str) -> None:
    api = FakeAPI()
    check_in = {"object": "check_in", "id": "ch_1", "issued_ticket_id": "it_1", "quantity": 1}
    api.script.extend([reply(502, "bad gateway"), reply(201, check_in)])
    client = make_client(mode, transport=api.transport)
    assert client.check_ins.create("it_1", local_unique_id="door-1-0001").id == "ch_1"
    assert len(api.requests) == 2
    assert api.requests[0].content == api.requests[1].content  # the same request again

    api.script.append(reply(502, "bad gateway"))
    with pytest.raises(ServerError):  # without the key the API cannot dedupe: no retry
        client.check_ins.create("it_1")


def test_429_honours_retry_after_even_on_a_post(mode: str) -> None:
    api = FakeAPI()
    hold = {"object": "hold", "id": "ho_1"}
    api.script.extend(
        [
            reply(
                429,
                {"status": 429, "error_code": "TOO_MANY_REQUESTS", "message": "slow"},
                **{"Retry-After": "12"},
            ),
            reply(201, hold),
        ]
    )
    client = make_client(mode, transport=api.transport)
    assert client.holds.create("ev_1", note="x", ticket_type_id={"tt_1": 2}).id == "ho_1"
    assert client.clock.slept[0] == 12.0


def test_429_without_retry_after_waits_for_the_window_reset(mode: str) -> None:
    api = FakeAPI(1)
    api.script.append(
        reply(429, {"status": 429}, **{"X-Rate-Limit-Reset": "33", "X-Rate-Limit-Remaining": "0"})
    )
    client = make_client(mode, transport=api.transport)
    client.orders.get("or_1")
    assert 33.0 in client.clock.slept


def test_429_asking_for_longer_than_the_cap_is_raised_with_retry_after(mode: str) -> None:
    api = FakeAPI(1)
    api.script.append(
        reply(429, {"status": 429, "message": "slow down"}, **{"Retry-After": "1500"})
    )
    client = make_client(mode, transport=api.transport)
    with pytest.raises(RateLimitError) as caught:
        client.orders.get("or_1")
    assert caught.value.retry_after == 1500.0
    assert client.clock.slept == []


def test_timeouts_are_retried_then_raised(mode: str) -> None:
    api = FakeAPI()
    api.script.extend([httpx2.ReadTimeout("read timed out")] * 3)
    client = make_client(mode, transport=api.transport, max_retries=2)
    with pytest.raises(APITimeoutError, match="timed out"):
        client.orders.get("or_1")
    assert len(api.requests) == 3


def test_connection_refused_is_a_connection_error(mode: str) -> None:
    api = FakeAPI()
    api.script.extend([httpx2.ConnectError("connection refused")] * 6)
    client = make_client(mode, transport=api.transport)
    with pytest.raises(
        APIConnectionError, match=re.escape("Could not reach POST http://tt.test/v1/products")
    ) as caught:
        client.products.create(name="Mug", price=900)  # unsent, so even a POST is retried
    assert caught.value.unsent
    assert len(api.requests) == 6


def test_every_call_has_a_timeout(mode: str) -> None:
    seen: list[object] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.extensions.get("timeout"))
        return reply(200, {"version": "1.0"})

    client = make_client(mode, transport=httpx2.MockTransport(handler), timeout=7.5)
    client.ping()
    assert seen == [{"connect": 7.5, "read": 7.5, "write": 7.5, "pool": 7.5}]


def test_request_refuses_a_foreign_host(mode: str) -> None:
    api = FakeAPI()
    client = make_client(mode, transport=api.transport)
    with pytest.raises(
        UsageError, match=re.escape("Refusing to send the API key to https://evil.example")
    ):
        client.request("GET", "https://evil.example/v1/orders")
    with pytest.raises(UsageError):
        client.request("GET", "//evil.example/v1/orders")
    with pytest.raises(UsageError):
        client.request("GET", "http://tt.test:8080/v1/orders")  # another port is another server
    assert api.requests == []
    api.script.append(reply(200, {"version": "1.0"}))
    assert client.request("GET", "http://tt.test/v1/ping").status_code == 200


def test_request_checks_method_and_body(mode: str) -> None:
    client = make_client(mode, transport=FakeAPI().transport)
    with pytest.raises(UsageError, match="one of GET, POST, PUT, PATCH, DELETE"):
        client.request("FETCH", "/orders")
    with pytest.raises(UsageError, match="only one body"):
        client.request("POST", "/orders", data={"a": 1}, json={"a": 1})


def test_request_sends_forms_json_and_raw_and_returns_text_bodies(mode: str) -> None:
    api = FakeAPI()
    api.script.extend([reply(201, {"ok": True}), reply(200, "plain words"), reply(200, {"x": 1})])
    client = make_client(mode, transport=api.transport)
    got = client.request(
        "POST", "/v1/holds", data={"ticket_type_id": {"tt_1": 2}, "note": "x"}, params={"a": "b"}
    )
    assert got.status_code == 201
    assert got.json() == {"ok": True}
    sent = api.requests[0]
    assert sent.headers["content-type"] == "application/x-www-form-urlencoded"
    assert sent.content == b"ticket_type_id%5Btt_1%5D=2&note=x"
    assert sent.url.params["a"] == "b"
    text = client.request("PUT", "/v1/x", json={"k": [1]}, headers={"X-Trace": "t1"})
    assert text.body == "plain words"
    with pytest.raises(MalformedResponseError):
        text.json()
    assert json.loads(api.requests[1].content) == {"k": [1]}
    assert api.requests[1].headers["x-trace"] == "t1"
    client.request("PATCH", "/v1/x", content=b"raw")
    assert api.requests[2].content == b"raw"


def test_request_can_return_error_statuses(mode: str) -> None:
    api = FakeAPI()
    api.script.append(reply(404, {"status": 404, "message": "nope"}))
    client = make_client(mode, transport=api.transport)
    got = client.request("GET", "/orders/or_9", raise_for_status=False)
    assert got.status_code == 404
    assert got.body["message"] == "nope"


def test_the_key_never_shows_in_errors_reprs_or_logs(
    mode: str, caplog: pytest.LogCaptureFixture
) -> None:
    token = base64.b64encode(f"{KEY}:".encode()).decode()
    api = FakeAPI()
    # An error page that echoes our request headers back, as some proxies do.
    echo = f"<html><body>Bad request. Authorization: Basic {token} key={KEY}</body></html>"
    api.script.extend(
        [reply(400, echo), httpx2.ConnectError(f"failed for {KEY}")]
        + [httpx2.ConnectError("x")] * 5
    )
    caplog.set_level(logging.DEBUG, logger="tickettailor")
    client = make_client(mode, api_key=KEY, transport=api.transport)
    errors = []
    for call in (lambda: client.orders.get("or_1"), lambda: client.orders.get("or_2")):
        with pytest.raises(Exception) as caught:  # noqa: PT011  # any error: we inspect its text
            call()
        errors.append(caught.value)
    texts = [str(e) for e in errors] + [repr(e) for e in errors] + [repr(client._target)]
    texts += [str(e.request.headers) for e in errors if e.request is not None]
    texts += [str(getattr(e, "body", "")) for e in errors]
    texts += [r.getMessage() for r in caplog.records]
    assert caplog.records, "expected debug log lines"
    for text in texts:
        assert KEY not in text, text
        assert token not in text, text
    assert all(e.__cause__ is None for e in errors)  # httpx2's cause holds the header


def test_no_key_is_a_clear_usage_error(
    mode: str, monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.delenv("TICKETTAILOR_API_KEY", raising=False)
    monkeypatch.delenv("TICKETTAILOR_PROFILE", raising=False)
    monkeypatch.setenv("TICKETTAILOR_CONFIG_DIR", str(tmp_path))
    with pytest.raises(UsageError, match="No API key"):
        make_client(mode, api_key=None)


def test_key_and_base_url_from_environment(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TICKETTAILOR_API_KEY", KEY)
    monkeypatch.setenv("TICKETTAILOR_BASE_URL", "http://env.test/v1")
    api = FakeAPI()
    api.script.append(reply(200, {"version": "1.0"}))
    client = make_client(mode, api_key=None, base_url=None, transport=api.transport)
    client.ping()
    assert str(api.requests[0].url) == "http://env.test/v1/ping"
    assert (
        api.requests[0]
        .headers["authorization"]
        .endswith(base64.b64encode(f"{KEY}:".encode()).decode())
    )


def test_issuing_memberships_has_its_own_budget(mode: str) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        if request.method == "POST":  # the 30-an-hour bucket, nearly spent
            limits = {
                "x-rate-limit-limit": "30",
                "x-rate-limit-remaining": "1",
                "x-rate-limit-reset": "3000",
            }
            return httpx2.Response(
                201, json={"object": "issued_membership", "id": "im_1"}, headers=limits
            )
        return httpx2.Response(200, json={"version": "1.0"}, headers=RATE_HEADERS)

    client = make_client(mode, transport=httpx2.MockTransport(handler), max_wait=3600)
    for _ in range(3):
        client.issued_memberships.create(
            membership_type_id="mt_1", first_name="A", last_name="B", email="a@b.c"
        )
    spacing = list(client.clock.slept)
    assert spacing  # further memberships are spread out over the hour
    assert spacing[-1] >= 1000
    for _ in range(20):
        client.ping()  # other calls are not held back by that bucket
    assert client.clock.slept == spacing
