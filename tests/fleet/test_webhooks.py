"""``webhooks serve --postgres``: two receiver replicas behind a load balancer, a real
worker, the sandbox's signed webhook sender: each delivery stored once and delivered
once (with polling seeing the same orders), refusals, and no secret in any log.
"""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import os
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx2
import psycopg
import pytest

from tests.cli.conftest import invoke
from tests.fleet.kit import add_box_offices, holders, start_worker, wait_for
from tests.fleet.test_observability import free_port
from tickettailor.fleet.secrets import new_secret
from tickettailor.sandbox import RunningSandbox, SandboxConfig, serve_in_thread
from tickettailor.webhooks import sign

pytestmark = pytest.mark.slow

SECRET = new_secret()
HOOK_SECRETS = {"north": "whsec_north_" + "n" * 24, "south": "whsec_south_" + "s" * 24}
KEYS = {"north": "sk_4100_410000_" + "a" * 32, "south": "sk_4200_420000_" + "b" * 32}


class RoundRobin:
    """A load balancer: each request to the next receiver replica in turn."""

    def __init__(self, backends: list[str]) -> None:
        turn = itertools.cycle(backends)
        lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with lock:
                    backend = next(turn)
                headers = {k: v for k, v in self.headers.items() if k.lower() != "host"}
                answer = httpx2.post(backend + self.path, content=body, headers=headers)
                self.send_response(answer.status_code)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def _env(pg_dsn: str, schema: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKETTAILOR_")}
    return env | {
        "TICKETTAILOR_POSTGRES": pg_dsn,
        "TICKETTAILOR_FLEET_SCHEMA": schema,
        "TICKETTAILOR_FLEET_SECRET": SECRET,
    }


@pytest.fixture
def shops(sandbox_config: SandboxConfig) -> Iterator[dict[str, RunningSandbox]]:
    """One sandbox per box office (the sandbox's webhooks are not per box office)."""
    with contextlib.ExitStack() as stack:
        yield {
            name: stack.enter_context(
                serve_in_thread(dataclasses.replace(sandbox_config, keys=(key,), orders=5))
            )
            for name, key in KEYS.items()
        }


@pytest.fixture
def replicas(pg_dsn: str, fleet_schema: str, tmp_path: Path) -> Iterator[list[str]]:
    """Two ``webhooks serve --postgres`` processes; their logs in tmp_path."""
    procs, urls = [], []
    for n in range(2):
        port = free_port()
        log = open(tmp_path / f"receiver{n}.log", "wb")  # noqa: SIM115  (closed below)
        procs.append(
            (
                subprocess.Popen(
                    [
                        str(Path(sys.executable).with_name("tickettailor")),
                        "webhooks",
                        "serve",
                        "--port",
                        str(port),
                    ],
                    env=_env(pg_dsn, fleet_schema),
                    stdout=log,
                    stderr=subprocess.STDOUT,
                ),
                log,
            )
        )
        urls.append(f"http://127.0.0.1:{port}")
    try:
        for url in urls:
            wait_for(f"{url} up", lambda url=url: _status(url + "/healthz") == 200)
        yield urls
    finally:
        for proc, log in procs:
            proc.terminate()
            assert proc.wait(timeout=30) == 0
            log.close()


def _status(url: str) -> int | None:
    try:
        return httpx2.get(url, timeout=2).status_code
    except httpx2.HTTPError:
        return None


def _sink(tmp_path: Path, name: str) -> list[dict[str, Any]]:
    path = tmp_path / f"{name}.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _created(tmp_path: Path, name: str) -> set[str]:
    return {e["data"]["id"] for e in _sink(tmp_path, name) if e["type"] == "order.created"}


def _inbox(pg_dsn: str, schema: str) -> list[tuple[str, str, str]]:
    with psycopg.connect(pg_dsn, autocommit=True) as conn:
        rows = conn.execute(
            f"SELECT box_office, id, state FROM {schema}.webhook_inbox"  # noqa: S608  (the test's schema)
        ).fetchall()
    return [(str(b), str(i), str(s)) for b, i, s in rows]


def _orders(shop: RunningSandbox) -> set[str]:
    answer = httpx2.get(
        shop.base_url + "/v1/orders", params={"limit": 100}, auth=(shop.key, "")
    ).json()
    return {o["id"] for o in answer["data"]}


def _signed(secret: str, delivery: dict[str, Any]) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(delivery).encode()
    return body, {"Tickettailor-Webhook-Signature": sign(secret, int(time.time()), body)}


def test_two_replicas_a_worker_and_the_sandbox_sender_deliver_each_order_once(
    pg_dsn: str,
    fleet_schema: str,
    shops: dict[str, RunningSandbox],
    replicas: list[str],
    tmp_path: Path,
) -> None:
    env = _env(pg_dsn, fleet_schema)
    for name, shop in shops.items():
        add_box_offices(
            pg_dsn,
            fleet_schema,
            SECRET,
            {name: KEYS[name]},
            base_url=shop.base_url,
            sink=lambda name: f"jsonl:{tmp_path / name}.jsonl",
            every=600,  # polls at claim only: what comes later comes by webhook
        )
        hook = {f"{name.upper()}_HOOK": HOOK_SECRETS[name]}
        done = invoke(
            "fleet",
            "set-webhook-secret",
            name,
            "--webhook-secret-env",
            next(iter(hook)),
            **env,
            **hook,
        )
        assert done.exit_code == 0, done.output
    balancer = RoundRobin(replicas)
    for name, shop in shops.items():
        httpx2.post(
            shop.base_url + "/_sandbox/webhooks",
            json={
                "url": f"{balancer.url}/webhooks/{name}",
                "events": ["ORDER.CREATED", "ORDER.UPDATED"],
                "secret": HOOK_SECRETS[name],
            },
        ).raise_for_status()
    log = tmp_path / "worker.log"
    port = free_port()
    worker = start_worker(
        pg_dsn,
        fleet_schema,
        SECRET,
        ttl=6,
        log_path=str(log),
        extra=("--metrics-port", str(port)),
    )
    try:
        for name, shop in shops.items():  # the first poll: the history
            wait_for(
                f"{name}'s history", lambda n=name, s=shop: _created(tmp_path, n) == _orders(s)
            )
        for shop in shops.values():  # sales after it: only webhooks bring them now
            httpx2.post(shop.base_url + "/_sandbox/orders", json={"count": 3}).raise_for_status()
        httpx2.post(shops["north"].base_url + "/_sandbox/orders/or_73000001/cancel", json={})
        for name, shop in shops.items():
            wait_for(
                f"{name}'s new orders by webhook",
                lambda n=name, s=shop: _created(tmp_path, n) == _orders(s),
                timeout=30,
            )
        # A retry of one delivery (same id) lands on the other replica: a duplicate.
        sent = httpx2.get(shops["south"].base_url + "/_sandbox/webhooks").json()["deliveries"]
        httpx2.post(
            f"{shops['south'].base_url}/_sandbox/webhooks/deliveries/{sent[0]['id']}/resend"
        ).raise_for_status()
        wait_for("the resend answered", lambda: _resent(shops["south"], sent[0]["id"]))
        # A poll of the same orders (pause + resume: a new claim, polled at once).
        assert invoke("fleet", "pause", "north", **env).exit_code == 0
        wait_for("north handed back", lambda: "north" not in holders(pg_dsn, fleet_schema))
        assert invoke("fleet", "resume", "north", **env).exit_code == 0
        wait_for("north polled again", lambda: _polls(pg_dsn, fleet_schema, "north") >= 2)
        wait_for("webhooks forwarded in /metrics", lambda: _forwarded(port) >= 6)
    finally:
        assert worker.term() == 0
    inbox = _inbox(pg_dsn, fleet_schema)
    for name, shop in shops.items():
        sent = httpx2.get(shop.base_url + "/_sandbox/webhooks").json()["deliveries"]
        stored = [i for b, i, _ in inbox if b == name]
        assert sorted(stored) == sorted({d["id"] for d in sent})  # each stored once
        envelopes = Counter(e["id"] for e in _sink(tmp_path, name))
        assert envelopes
        assert max(envelopes.values()) == 1  # each delivered once
        assert _created(tmp_path, name) == _orders(shop)
    assert {s for _, _, s in inbox} == {"forwarded"}
    assert any(e["type"] == "order.updated" for e in _sink(tmp_path, "north"))
    logs = "".join(p.read_text() for p in tmp_path.glob("*.log"))
    assert "accepted ORDER.CREATED" in logs
    assert "(duplicate)" in logs  # the resend, stored once
    for secret in (SECRET, *HOOK_SECRETS.values(), *KEYS.values()):
        assert secret not in logs
    assert "Traceback" not in logs


def _resent(shop: RunningSandbox, delivery_id: str) -> bool:
    log = httpx2.get(shop.base_url + "/_sandbox/webhooks").json()["deliveries"]
    mine = [d for d in log if d["id"] == delivery_id]
    return bool(mine) and all(d.get("state") == "delivered" for d in mine) and len(mine) >= 1


def _polls(dsn: str, schema: str, name: str) -> int:
    with psycopg.connect(dsn, autocommit=True) as conn:
        (count,) = conn.execute(
            f"SELECT count(*) FROM {schema}.lease_audit WHERE name = %s",  # noqa: S608  (the test's schema)
            (name,),
        ).fetchone() or (0,)
    return int(count)


def _forwarded(port: int) -> float:
    text = httpx2.get(f"http://127.0.0.1:{port}/metrics").text
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith("tickettailor_webhooks_forwarded_total{")
    )


def test_refusals_and_a_duplicate_across_replicas(
    pg_dsn: str,
    fleet_schema: str,
    shops: dict[str, RunningSandbox],
    replicas: list[str],
    tmp_path: Path,
) -> None:
    shop = shops["north"]
    add_box_offices(
        pg_dsn,
        fleet_schema,
        SECRET,
        {"north": KEYS["north"], "bare": KEYS["south"]},
        base_url=shop.base_url,
        sink=lambda name: f"jsonl:{tmp_path / name}.jsonl",
    )
    env = _env(pg_dsn, fleet_schema)
    assert (
        invoke(
            "fleet",
            "set-webhook-secret",
            "north",
            "--webhook-secret-env",
            "HOOK",
            **env,
            HOOK=HOOK_SECRETS["north"],
        ).exit_code
        == 0
    )
    order = httpx2.get(shop.base_url + "/v1/orders", auth=(shop.key, "")).json()["data"][0]
    delivery = {
        "id": "wh_direct_1",
        "created_at": "2026-12-05 12:00:00",
        "event": "ORDER.CREATED",
        "resource_url": f"{shop.base_url}/v1/orders/{order['id']}",
        "payload": order,
    }
    body, headers = _signed(HOOK_SECRETS["north"], delivery)
    first = httpx2.post(replicas[0] + "/webhooks/north", content=body, headers=headers)
    again = httpx2.post(replicas[1] + "/webhooks/north", content=body, headers=headers)
    assert (first.status_code, first.json()["result"]) == (200, "stored")
    assert (again.status_code, again.json()["result"]) == (200, "duplicate")
    _, wrong = _signed("whsec_not_it", delivery)
    bad = httpx2.post(replicas[1] + "/webhooks/north", content=body, headers=wrong)
    assert bad.status_code == 401
    assert "does not match" in bad.json()["error"]
    unknown = httpx2.post(replicas[0] + "/webhooks/nowhere", content=body, headers=headers)
    assert unknown.status_code == 404
    assert "no box office named 'nowhere'" in unknown.json()["error"]
    unset = httpx2.post(replicas[0] + "/webhooks/bare", content=body, headers=headers)
    assert unset.status_code == 403
    assert "fleet set-webhook-secret bare" in unset.json()["error"]
    assert [(b, i) for b, i, _ in _inbox(pg_dsn, fleet_schema)] == [("north", "wh_direct_1")]
    # A secret set later is used at once (the receivers reload on a mismatch).
    assert (
        invoke(
            "fleet",
            "set-webhook-secret",
            "bare",
            "--webhook-secret-env",
            "HOOK",
            **env,
            HOOK=HOOK_SECRETS["south"],
        ).exit_code
        == 0
    )
    body2, headers2 = _signed(HOOK_SECRETS["south"], {**delivery, "id": "wh_direct_2"})
    later = httpx2.post(replicas[0] + "/webhooks/bare", content=body2, headers=headers2)
    assert later.status_code == 200
    logs = "".join(p.read_text() for p in tmp_path.glob("receiver*.log"))
    assert "refused POST /webhooks/north: 401" in logs
    for secret in (SECRET, *HOOK_SECRETS.values(), "whsec_not_it"):
        assert secret not in logs


def test_single_box_office_options_are_refused_in_fleet_mode(
    pg_dsn: str, fleet_schema: str
) -> None:
    result = invoke(
        "webhooks",
        "serve",
        "--secret",
        "x",
        "--postgres",
        pg_dsn,
        "--schema",
        fleet_schema,
        TICKETTAILOR_FLEET_SECRET=SECRET,
    )
    assert result.exit_code == 2
    assert "--secret is for one box office" in result.output
