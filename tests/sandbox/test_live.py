"""The sandbox alive on a real loopback port: webhooks from writes and simulated sales
(checked with an independent HMAC implementation), faults seen by a raw HTTP client,
the rate limit under concurrent clients, and the command with live sales."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx2
import pytest

from tests.conftest import OTHER_KEY, TEST_KEY
from tests.sandbox._util import SyncASGI, basic
from tests.sandbox.test_cli import running
from tickettailor.sandbox import SandboxConfig, create_app, serve_in_thread

SECRET = "whsec_live_4f1c"
HEADER = "tickettailor-webhook-signature"


def verify(secret: str, header: str, body: bytes) -> int:
    """Reference §7.4, written independently: HMAC-SHA256 over str(t) + raw body."""
    parts = [p.split("=", 1) for p in header.split(",")]
    assert [k for k, _ in parts] == ["t", "v1"]  # t first, as the docs' verifier expects
    t, v1 = parts[0][1], parts[1][1]
    want = hmac.new(secret.encode(), t.encode() + body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(want, v1)
    return int(t)


class Receiver:
    """A webhook endpoint on loopback that records every POST."""

    def __init__(self) -> None:
        self.got: list[tuple[dict[str, str], bytes]] = []
        self.cond = threading.Condition()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                with outer.cond:
                    outer.got.append(({k.lower(): v for k, v in self.headers.items()}, body))
                    outer.cond.notify_all()
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def until(self, test: Any, timeout: float = 20.0) -> list[tuple[dict[str, str], bytes]]:
        """What arrived once ``test`` holds, in emission order (the sender posts several
        at once, so arrival order may differ; ``wh_<n>`` numbers follow emission)."""
        with self.cond:
            assert self.cond.wait_for(lambda: test(self.got), timeout), [
                json.loads(b)["event"] for _h, b in self.got
            ]
            return sorted(self.got, key=lambda got: int(json.loads(got[1])["id"][3:]))

    def envelopes(self) -> list[dict[str, Any]]:
        with self.cond:
            return [json.loads(body) for _h, body in self.got]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()


def events_of(got: list[tuple[dict[str, str], bytes]]) -> list[str]:
    return [json.loads(body)["event"] for _h, body in got]


def test_writes_send_signed_webhooks_like_ticket_tailor(receiver: Receiver) -> None:
    config = SandboxConfig(
        keys=(TEST_KEY,),
        seed=4,
        orders=100,
        events=9,
        rate_limit=None,
        webhooks=(receiver.url,),
        webhook_secret=SECRET,
    )
    with serve_in_thread(config) as sb, httpx2.Client(base_url=sb.base_url) as http:
        auth = (TEST_KEY, "")
        made = http.post("/_sandbox/orders", json={"count": 2}).json()["data"]
        tickets = [t["id"] for o in made for t in o["issued_tickets"]]
        wanted = 2 + len(tickets)
        got = receiver.until(lambda g: len(g) >= wanted)
        assert events_of(got) == ["ORDER.CREATED"] * 1 + ["ISSUED_TICKET.CREATED"] * len(
            made[0]["issued_tickets"]
        ) + ["ORDER.CREATED"] + ["ISSUED_TICKET.CREATED"] * len(made[1]["issued_tickets"])
        for headers, body in got:
            t = verify(SECRET, headers[HEADER], body)
            assert abs(t - time.time()) < 60
            assert headers["content-type"] == "application/json"
            envelope = json.loads(body)
            assert list(envelope) == ["id", "created_at", "event", "resource_url", "payload"]
            assert re.fullmatch(r"wh_\d+", envelope["id"])
            assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", envelope["created_at"])
            assert b"https:\\/\\/api.tickettailor.com\\/v1\\/" in body  # compact, `\/`
            path = envelope["resource_url"].removeprefix("https://api.tickettailor.com")
            assert http.get(path, auth=auth).json() == envelope["payload"]
        # A cancel: ORDER.UPDATED, then one ISSUED_TICKET.UPDATED per voided ticket.
        order = made[0]
        http.post(f"/_sandbox/orders/{order['id']}/cancel", json={"reason": "Duplicate"})
        got = receiver.until(lambda g: len(g) >= wanted + 1 + len(order["issued_tickets"]))
        tail = [json.loads(b) for _h, b in got[wanted:]]
        assert [e["event"] for e in tail] == ["ORDER.UPDATED"] + ["ISSUED_TICKET.UPDATED"] * len(
            order["issued_tickets"]
        )
        assert tail[0]["payload"]["status"] == "cancelled"
        assert tail[0]["payload"]["refund_amount"] == tail[0]["payload"]["total_paid"]
        assert all(e["payload"]["status"] == "voided" for e in tail[1:])
        # API writes too: an issued ticket, and a new occurrence.
        event = order["event_summary"]["event_id"]
        tt = order["line_items"][0]["item_id"]
        api = http.post(
            "/v1/issued_tickets",
            data={"event_id": event, "ticket_type_id": tt, "full_name": "Web Hook"},
            auth=auth,
        ).json()
        got = receiver.until(
            lambda g: any(json.loads(b)["payload"].get("id") == api["id"] for _h, b in g)
        )
        last = json.loads(got[-1][1])
        assert (last["event"], last["payload"]) == ("ISSUED_TICKET.CREATED", api)


def test_subscriptions_filter_events_and_unsigned_without_secret(receiver: Receiver) -> None:
    config = SandboxConfig(
        keys=(TEST_KEY,),
        seed=4,
        orders=50,
        events=6,
        rate_limit=None,
        webhooks=(receiver.url + "#ORDER.UPDATED",),
    )
    with serve_in_thread(config) as sb, httpx2.Client(base_url=sb.base_url) as http:
        order = http.post("/_sandbox/orders", json={}).json()["data"][0]
        http.post(f"/_sandbox/orders/{order['id']}/cancel")
        got = receiver.until(lambda g: len(g) >= 1)
        assert sb.sandbox.webhooks is not None
        assert sb.sandbox.webhooks.wait_idle(5)
    assert events_of(receiver.got) == ["ORDER.UPDATED"]
    assert HEADER not in got[0][0]


def test_simulated_sales_flow_and_send_webhooks(receiver: Receiver) -> None:
    config = SandboxConfig(
        keys=(TEST_KEY,),
        seed=9,
        orders=100,
        events=9,
        rate_limit=None,
        sales_per_minute=1200,
        webhooks=(receiver.url + "#ORDER.CREATED",),
        webhook_secret=SECRET,
    )
    with serve_in_thread(config) as sb:
        started = time.time()
        got = receiver.until(lambda g: len(g) >= 5)
        with httpx2.Client(base_url=sb.base_url, auth=(TEST_KEY, "")) as http:
            for headers, body in got:
                verify(SECRET, headers[HEADER], body)
                envelope = json.loads(body)
                order = http.get(f"/v1/orders/{envelope['payload']['id']}").json()
                assert order["id"] == envelope["payload"]["id"]
                assert order["created_at"] >= int(started) - 1
            fresh = http.get(f"/v1/orders?created_at.gte={int(started) - 1}").json()["data"]
            assert len(fresh) >= 5
        thread = sb.sandbox.simulator
    assert thread is not None
    assert not thread.is_alive()  # serve_in_thread stopped the sales


# ---- faults through the real app ------------------------------------------------------
def test_faults_from_config_and_control_api_seen_by_a_raw_client() -> None:
    config = SandboxConfig(
        keys=(TEST_KEY,),
        seed=4,
        orders=30,
        events=3,
        rate_limit=(1000, 60),
        faults="status:503,path=/v1/orders*,count=1; html:502,path=/v1/events,count=1",
    )
    with (
        serve_in_thread(config) as sb,
        httpx2.Client(base_url=sb.base_url, auth=(TEST_KEY, "")) as http,
    ):
        first = http.get("/v1/orders")
        assert first.status_code == 503
        assert first.json()["status"] == 503
        assert http.get("/v1/orders").status_code == 200
        html = http.get("/v1/events")
        assert (html.status_code, html.headers["content-type"].split(";")[0]) == (502, "text/html")
        assert "cloudflare" in html.text.lower()
        added = http.post(
            "/_sandbox/faults",
            json={"spec": "drop,path=/v1/overview,count=1; malformed,path=/v1/holds,count=1"},
        )
        assert added.status_code == 201
        with pytest.raises(httpx2.TransportError):
            http.get("/v1/overview")
        assert http.get("/v1/overview").status_code == 200
        cut = http.get("/v1/holds")
        assert cut.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            json.loads(cut.text)
        # writes are faulted too, and the control API never is
        http.post(
            "/_sandbox/faults",
            json={"kind": "status:500", "path": "/v1/holds", "method": "POST", "count": 1},
        )
        assert http.post("/v1/holds", data={"note": "x"}).status_code == 500
        assert http.post("/v1/holds", data={"note": "x"}).status_code == 400
        assert http.get("/_sandbox/clock").status_code == 200


# ---- the rate limit under load -------------------------------------------------------------
def test_rate_limit_is_per_key_and_shared_by_concurrent_clients() -> None:
    now = 1_790_000_100
    reset = str(600 - now % 600)  # windows are aligned to the clock: same for everyone
    config = SandboxConfig(
        keys=(TEST_KEY, OTHER_KEY),
        seed=4,
        orders=20,
        events=3,
        rate_limit=(50, 600),
        clock=lambda: now,
    )
    with serve_in_thread(config) as sb:

        def client(n: int) -> list[httpx2.Response]:
            with httpx2.Client(base_url=sb.base_url, auth=(TEST_KEY, "")) as http:
                return [http.get("/v1/orders?limit=1") for _ in range(10)]

        with ThreadPoolExecutor(8) as pool:
            responses = [r for batch in pool.map(client, range(8)) for r in batch]
        codes = Counter(r.status_code for r in responses)
        assert codes == {200: 50, 429: 30}
        ok = [r for r in responses if r.status_code == 200]
        assert sorted(int(r.headers["x-rate-limit-remaining"]) for r in ok) == list(range(50))
        for r in responses:
            assert r.headers["x-rate-limit-limit"] == "50"
            assert r.headers["x-rate-limit-reset"] == reset
        limited = [r for r in responses if r.status_code == 429]
        assert all(r.headers["retry-after"] == reset for r in limited)
        assert all(r.json()["error_code"] == "TOO_MANY_REQUESTS" for r in limited)
        other = httpx2.get(f"{sb.base_url}/v1/orders?limit=1", auth=(OTHER_KEY, ""))
        assert (other.status_code, other.headers["x-rate-limit-remaining"]) == (200, "49")
        writes = httpx2.post(f"{sb.base_url}/v1/holds", auth=(TEST_KEY, ""))
        assert writes.status_code == 429  # writes share the same budget


def test_issued_membership_creation_has_its_own_30_per_hour_bucket() -> None:
    config = SandboxConfig(
        keys=(TEST_KEY,),
        seed=4,
        orders=10,
        events=3,
        rate_limit=(10_000, 1800),
        clock=lambda: 1_790_000_000,
    )
    app = create_app(config)
    api = SyncASGI(app)
    try:
        mtype = api.get("/v1/membership_types", headers=basic(TEST_KEY)).json()["data"][0]
        form = {
            "membership_type_id": mtype["id"],
            "first_name": "A",
            "last_name": "B",
            "email": "a@example.com",
        }
        codes = [
            api.request(
                "POST", "/v1/issued_memberships", data=form, headers=basic(TEST_KEY)
            ).status_code
            for _ in range(31)
        ]
        assert codes == [201] * 30 + [429]
        assert api.get("/v1/orders?limit=1", headers=basic(TEST_KEY)).status_code == 200
    finally:
        api.close()
        app.state.sandbox.close()


# ---- the command -----------------------------------------------------------------------------
def test_command_with_live_sales_and_a_webhook(receiver: Receiver) -> None:
    with running(
        "--port",
        "0",
        "--orders",
        "30",
        "--events",
        "6",
        "--api-key",
        TEST_KEY,
        "--sales-per-minute",
        "1200",
        "--webhook",
        receiver.url + "#ORDER.CREATED",
        "--webhook-secret",
        SECRET,
        "--faults",
        "latency:0.01,path=/v1/ping",
    ) as (_proc, lines):
        text = "".join(lines)
        assert "simulated sales: 1200 a minute" in text
        assert f"webhook: {receiver.url} (ORDER.CREATED; signed)" in text
        assert SECRET not in text
        got = receiver.until(lambda g: len(g) >= 3)
        for headers, body in got:
            verify(SECRET, headers[HEADER], body)
            assert json.loads(body)["event"] == "ORDER.CREATED"
