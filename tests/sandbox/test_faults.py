"""Fault injection, observed by a raw HTTP client.

A tiny Starlette app stands in for the sandbox; the middleware wraps it. Most faults
are observed in-process through httpx2's ASGI transport; a dropped connection needs a
real socket, so that one runs uvicorn on loopback in a thread.
"""

from __future__ import annotations

import asyncio
import json
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import httpx2
import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tickettailor.sandbox.faults import FaultInjector, FaultSpecError, parse_faults

# Rows as the API writes them (PHP HEX escapes), so a repeated row can be compared byte for byte.
ROWS = [
    f'{{"object":"order","id":"or_{n}","buyer":"Caf\\u00e9 \\u0026 Co {n}","url":"https://x/{n}"}}'
    for n in range(1, 11)
]


def make_api() -> Starlette:
    holds: list[int] = []

    async def orders(request: Request) -> Response:
        limit = int(request.query_params.get("limit", "3"))
        after = request.query_params.get("starting_after")
        start = int(after.removeprefix("or_")) if after else 0
        page = ROWS[start : start + limit]
        last = start + len(page)
        next_link = f'"/orders?starting_after=or_{last}&limit={limit}"' if last < 10 else "null"
        body = (
            '{"data":[' + ",".join(page) + '],"links":{"next":' + next_link + ',"previous":null}}'
        )
        return Response(body, media_type="application/json")

    async def ping(_request: Request) -> JSONResponse:
        return JSONResponse({"version": "v1"})

    async def create_hold(_request: Request) -> JSONResponse:
        holds.append(len(holds) + 1)
        return JSONResponse({"object": "hold", "id": f"hd_{len(holds)}", "note": "x" * 40}, 201)

    async def list_holds(_request: Request) -> JSONResponse:
        return JSONResponse({"data": [{"id": f"hd_{n}"} for n in holds], "links": {}})

    async def health(_request: Request) -> Response:
        return Response("ok")

    app = Starlette(
        routes=[
            Route("/v1/orders", orders),
            Route("/v1/ping", ping),
            Route("/v1/holds", create_hold, methods=["POST"]),
            Route("/v1/holds", list_holds, methods=["GET"]),
            Route("/health", health),
        ]
    )
    app.add_middleware(GZipMiddleware, minimum_size=10)  # like the sandbox, gzip on request
    return app


def run_against(app: Starlette, scenario: Callable[[httpx2.AsyncClient], Awaitable[Any]]) -> Any:
    async def main() -> Any:
        transport = httpx2.ASGITransport(app=app)
        async with httpx2.AsyncClient(transport=transport, base_url="http://sandbox") as client:
            return await scenario(client)

    return asyncio.run(main())


def injector(spec: str = "", seed: int = 0) -> Starlette:
    """The API with the faults added the way the sandbox wires them: the outermost
    middleware (outside gzip, inside Starlette's error middleware)."""
    app = make_api()
    app.add_middleware(FaultInjector, rules=parse_faults(spec), seed=seed)
    return app


# --- each kind -------------------------------------------------------------------------


def test_status_fault_for_the_first_n_matching_requests() -> None:
    async def scenario(client: httpx2.AsyncClient) -> list[httpx2.Response]:
        return [
            await client.get("/v1/orders"),
            await client.get("/v1/ping"),  # another path: untouched
            await client.get("/v1/orders?limit=5"),
            await client.get("/v1/orders"),
        ]

    first, ping, second, third = run_against(injector("status:503,path=/v1/orders,n=2"), scenario)
    assert first.status_code == second.status_code == 503
    assert first.headers["content-type"] == "application/json"
    assert first.json()["status"] == 503
    assert first.json()["error_code"] == "SERVICE_UNAVAILABLE"
    assert "retry" in first.json()["message"]
    assert ping.status_code == 200
    assert ping.headers["content-encoding"] == "gzip"  # untouched answers keep their gzip
    assert third.status_code == 200
    assert len(third.json()["data"]) == 3


def test_429_burst_with_retry_after_and_rate_headers() -> None:
    async def scenario(client: httpx2.AsyncClient) -> list[httpx2.Response]:
        return [await client.get("/v1/ping") for _ in range(5)]

    responses = run_against(injector("429:3,count=1,retry_after=7"), scenario)
    assert [r.status_code for r in responses] == [429, 429, 429, 200, 200]
    limited = responses[0]
    assert limited.headers["retry-after"] == "7"
    assert limited.headers["x-rate-limit-remaining"] == "0"
    assert limited.headers["x-rate-limit-reset"] == "7"
    assert limited.headers["x-rate-limit-limit"] == "10000"
    assert limited.json() == {
        "status": 429,
        "error_code": "TOO_MANY_REQUESTS",
        "message": "Too many requests hit the API too quickly.",
    }


def test_latency_delays_only_the_matching_request() -> None:
    async def scenario(client: httpx2.AsyncClient) -> tuple[list[str], float]:
        finished: list[str] = []
        started = time.monotonic()

        async def fetch(path: str) -> None:
            response = await client.get(path)
            assert response.status_code == 200
            finished.append(path)

        await asyncio.gather(fetch("/v1/ping"), fetch("/v1/orders"))
        return finished, time.monotonic() - started

    finished, elapsed = run_against(injector("latency:0.4,path=/v1/ping"), scenario)
    assert finished == ["/v1/orders", "/v1/ping"]  # the slow one did not hold up the other
    assert elapsed >= 0.4


def test_latency_adds_to_another_fault() -> None:
    async def scenario(client: httpx2.AsyncClient) -> tuple[int, float]:
        started = time.monotonic()
        response = await client.get("/v1/ping")
        return response.status_code, time.monotonic() - started

    status, elapsed = run_against(injector("latency:0.2; status:504"), scenario)
    assert status == 504
    assert elapsed >= 0.2


def test_malformed_is_truncated_json_with_200_after_the_write_happened() -> None:
    async def scenario(client: httpx2.AsyncClient) -> tuple[httpx2.Response, httpx2.Response]:
        created = await client.post("/v1/holds", data={"ticket_type_id[tt_1]": "1"})
        return created, await client.get("/v1/holds")

    created, listing = run_against(injector("malformed,method=POST"), scenario)
    assert created.status_code == 200
    assert created.headers["content-type"] == "application/json"
    assert created.text.startswith('{"object":"hold","id":"hd_1"')
    with pytest.raises(json.JSONDecodeError):
        json.loads(created.content)
    assert listing.json()["data"] == [{"id": "hd_1"}]  # the hold was really created


@pytest.mark.parametrize(
    ("spec", "status", "title"),
    [
        ("html", 502, "Bad gateway"),
        ("html:520", 520, "Web server is returning an unknown error"),
    ],
)
def test_cloudflare_html_error_page(spec: str, status: int, title: str) -> None:
    async def scenario(client: httpx2.AsyncClient) -> httpx2.Response:
        return await client.get("/v1/orders")

    response = run_against(injector(spec), scenario)
    assert response.status_code == status
    assert response.headers["content-type"] == "text/html; charset=UTF-8"
    assert response.headers["server"] == "cloudflare"
    assert response.headers["cf-ray"].endswith("-LHR")
    assert f"<title>api.tickettailor.com | {status}: {title}</title>" in response.text
    assert response.text.lstrip().startswith("<!DOCTYPE html>")


def test_repeat_serves_rows_of_the_previous_page_again() -> None:
    async def scenario(client: httpx2.AsyncClient) -> list[tuple[list[str], str]]:
        pages: list[tuple[list[str], str]] = []
        url: str | None = "/v1/orders?limit=3"
        while url:
            response = await client.get(url, auth=("key_a", ""))
            assert response.status_code == 200
            body = response.json()
            pages.append(([item["id"] for item in body["data"]], response.text))
            url = "/v1" + body["links"]["next"] if body["links"]["next"] else None
        other_key = await client.get("/v1/orders?limit=3", auth=("key_b", ""))
        pages.append(([item["id"] for item in other_key.json()["data"]], other_key.text))
        return pages

    pages = run_against(injector("repeat:2,path=/v1/orders,count=1"), scenario)
    assert [ids for ids, _ in pages] == [
        ["or_1", "or_2", "or_3"],
        ["or_2", "or_3", "or_4", "or_5", "or_6"],  # rows 2-3 served again
        ["or_7", "or_8", "or_9"],
        ["or_10"],
        ["or_1", "or_2", "or_3"],  # another key has its own previous page
    ]
    repeated = pages[1][1]
    assert repeated.startswith('{"data":[' + ",".join(ROWS[1:6]) + "]")  # byte-identical rows
    assert '"next":"/orders?starting_after=or_6&limit=3"' in repeated  # the cursor still moves on


def test_probability_is_deterministic_under_a_seed() -> None:
    async def scenario(client: httpx2.AsyncClient) -> list[int]:
        return [(await client.get("/v1/ping")).status_code for _ in range(60)]

    spec = "status:500,p=0.3"
    first = run_against(injector(spec, seed=7), scenario)
    again = run_against(injector(spec, seed=7), scenario)
    other = run_against(injector(spec, seed=8), scenario)
    assert first == again
    assert first != other
    assert 8 <= first.count(500) <= 30


def test_method_filter_and_only_v1_is_faulted() -> None:
    async def scenario(client: httpx2.AsyncClient) -> list[int]:
        return [
            (await client.get("/v1/holds")).status_code,
            (await client.post("/v1/holds")).status_code,
            (await client.get("/health")).status_code,
            (await client.get("/_sandbox/faults")).status_code,
        ]

    statuses = run_against(
        injector("status:500,path=*,method=post; status:502,path=/health"), scenario
    )
    assert statuses == [200, 500, 200, 200]


# --- dropped connections: a real socket ---------------------------------------------


@pytest.fixture
def live_server() -> Iterator[str]:
    app = injector("drop,path=/v1/orders,count=2")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan="off", log_level="critical", access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    sock.close()


def test_drop_closes_the_connection_without_a_response(
    live_server: str,
) -> None:
    base_url = live_server
    host, port = base_url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=5) as raw:
        raw.sendall(b"GET /v1/orders HTTP/1.1\r\nHost: sandbox\r\n\r\n")
        assert raw.recv(65536) == b""  # EOF: not one byte of response

    with httpx2.Client(base_url=base_url, trust_env=False) as client:
        with pytest.raises(httpx2.RemoteProtocolError):
            client.get("/v1/orders")
        assert client.get("/v1/orders").status_code == 200  # count=2 used up
        assert client.get("/v1/ping").status_code == 200
        [rule] = client.get("/_sandbox/faults").json()["rules"]
    assert (rule["matched"], rule["fired"]) == (3, 2)


def test_drop_in_process_raises_a_connection_error() -> None:
    async def scenario(client: httpx2.AsyncClient) -> None:
        await client.get("/v1/ping")

    with pytest.raises(ConnectionResetError, match="dropped"):
        run_against(injector("drop"), scenario)


# --- control API and parsing -------------------------------------------------------


def test_control_api_lists_adds_and_clears() -> None:
    async def scenario(client: httpx2.AsyncClient) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out["add"] = await client.post(
            "/_sandbox/faults", json={"kind": "status:502", "path": "/v1/ping", "count": 1}
        )
        out["add_spec"] = await client.post(
            "/_sandbox/faults", json={"spec": "latency:0.01,path=/v1/orders; html:520,p=0"}
        )
        out["faulted"] = await client.get("/v1/ping")
        out["listing"] = await client.get("/_sandbox/faults")
        out["bad"] = await client.post("/_sandbox/faults", json={"kind": "status:404"})
        out["not_json"] = await client.post("/_sandbox/faults", content=b"status:503")
        out["delete_one"] = await client.delete("/_sandbox/faults/2")
        out["delete_missing"] = await client.delete("/_sandbox/faults/99")
        out["wrong_method"] = await client.put("/_sandbox/faults")
        out["clear"] = await client.delete("/_sandbox/faults")
        out["after"] = await client.get("/_sandbox/faults")
        return out

    out = run_against(injector(seed=3), scenario)
    assert out["add"].status_code == 201
    assert out["add"].json()["rules"][0]["id"] == 1
    assert [r["kind"] for r in out["add_spec"].json()["rules"]] == ["latency:0.01", "html:520"]
    assert out["faulted"].status_code == 502
    listing = out["listing"].json()
    assert listing["seed"] == 3
    assert listing["rules"][0] == {
        "id": 1,
        "kind": "status:502",
        "path": "/v1/ping",
        "method": None,
        "probability": 1.0,
        "count": 1,
        "burst": 1,
        "retry_after": 1,
        "matched": 1,
        "fired": 1,
    }
    assert out["bad"].status_code == 400
    assert "status must be between 500 and 599" in out["bad"].json()["message"]
    assert out["not_json"].status_code == 400
    assert '"spec"' in out["not_json"].json()["message"]
    assert out["delete_one"].json() == {"id": 2, "deleted": "true"}
    assert out["delete_missing"].status_code == 404
    assert out["wrong_method"].status_code == 405
    assert out["clear"].json() == {"deleted": 2}
    assert out["after"].json()["rules"] == []


def test_text_and_json_forms() -> None:
    rules = parse_faults(
        "status:503, path=/v1/orders*, p=0.25, method=get; 429:4,n=2,retry_after=30;"
        " latency:1.5,path=re:^/v1/events/ev_\\d+$; drop; malformed; html; repeat:3"
    )
    assert [r.spec for r in rules] == [
        "status:503",
        "429:4",
        "latency:1.5",
        "drop",
        "malformed",
        "html:502",
        "repeat:3",
    ]
    assert (rules[0].probability, rules[0].method, rules[0].path) == (0.25, "GET", "/v1/orders*")
    assert (rules[1].count, rules[1].burst, rules[1].retry_after) == (2, 4, 30)
    assert rules[2].matches("GET", "/v1/events/ev_12")
    assert not rules[2].matches("GET", "/v1/events/ev_12/x")
    assert rules[0].matches("GET", "/v1/orders/or_1")
    assert not rules[0].matches("POST", "/v1/orders")

    as_json = parse_faults('[{"kind": "drop", "path": "/v1/ping", "count": 1}]')
    assert (as_json[0].kind, as_json[0].count) == ("drop", 1)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("boom", "unknown fault kind 'boom'"),
        ("status:404", "status must be between 500 and 599"),
        ("latency", "latency needs seconds"),
        ("latency:soon", "latency seconds must be a number"),
        ("status:500,p=2", "probability must be between 0 and 1"),
        ("status:500,count=1.5", "count must be a whole number"),
        ("drop,colour=red", "unknown fault field colour"),
        ("drop,path=v1/orders", "must be a glob starting with /"),
        ("drop,path=re:(", "path regex '(' is invalid"),
        ("drop,/v1/orders", "expected key=value"),
        ("drop:3", "takes no argument"),
        ("[{]", "faults JSON is not valid"),
    ],
)
def test_bad_specs_say_what_to_fix(spec: str, message: str) -> None:
    with pytest.raises(FaultSpecError, match=message.replace("(", r"\(")):
        parse_faults(spec)


def test_second_rule_errors_name_the_rule() -> None:
    with pytest.raises(FaultSpecError, match=r"fault rule 2 \(html:404\)"):
        parse_faults("drop; html:404")


def test_on_the_real_sandbox_app() -> None:
    """The middleware on the sandbox itself (gzip on, PHP JSON): repeat and malformed."""
    from tickettailor.sandbox.app import create_app
    from tickettailor.sandbox.config import SandboxConfig

    config = SandboxConfig(orders=30, events=3)
    app = create_app(config)
    app.add_middleware(
        FaultInjector,
        rules=parse_faults("repeat:2,path=/v1/orders,count=1; malformed,path=/v1/events,n=1"),
        seed=config.seed,
    )
    key = config.key_specs()[0].key

    async def scenario(client: httpx2.AsyncClient) -> tuple[list[str], httpx2.Response]:
        ids: list[str] = []
        url: str | None = "/v1/orders?limit=10"
        while url:
            body = (await client.get(url, auth=(key, ""))).json()
            ids += [order["id"] for order in body["data"]]
            url = "/v1" + body["links"]["next"] if body["links"]["next"] else None
        return ids, await client.get("/v1/events", auth=(key, ""))

    ids, events = run_against(app, scenario)
    assert len(set(ids)) == config.orders  # nothing lost
    assert len(ids) == config.orders + 2  # two rows served twice
    assert ids[10:12] == ids[8:10]
    assert events.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(events.content)
