"""Fixtures for the sink tests: envelopes, a real PostgreSQL, a real webhook receiver."""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests import pg
from tickettailor.watch.envelope import Envelope, make_envelope
from tickettailor.watch.state import Position, StateStore, StoredRecord

_ORDER_IDS = itertools.count(1)
MakeEnvelope = Callable[..., Envelope]


@pytest.fixture(scope="session")
def pg_dsn() -> Iterator[str]:
    """A live PostgreSQL DSN (CI's server, or a throwaway cluster for this session)."""
    with pg.running_postgres() as dsn:
        yield dsn


@pytest.fixture
def make_env() -> MakeEnvelope:
    """Build an order.created envelope like the watch does; keywords override the record."""

    def build(event_type: str = "order.created", **fields: Any) -> Envelope:
        number = next(_ORDER_IDS)
        record = {
            "object": "order",
            "id": f"or_{number}",
            "created_at": 1764450000 + number,
            "buyer_details": {"name": "Zoë Smith", "email": f"zoe{number}@example.com"},
            "total": 2500,
            "currency": {"code": "gbp", "base_multiplier": 100},
            "status": "completed",
            **fields,
        }
        return make_envelope(event_type, record, int(record["created_at"]))

    return build


@dataclass
class Delivery:
    """One request as the receiver saw it."""

    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """A real HTTP server on loopback that records POSTs and answers as told."""

    url: str
    deliveries: list[Delivery] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)  # answers to give, in order; then 200
    location: str = ""
    hang: threading.Event | None = None  # when set: hold each answer until released
    answer_body: bytes = b"ok"


class _Handler(BaseHTTPRequestHandler):
    receiver: Receiver

    def do_POST(self) -> None:
        size = int(self.headers.get("content-length", "0"))
        body = self.rfile.read(size)
        receiver = self.receiver
        receiver.deliveries.append(Delivery(self.path, dict(self.headers.items()), body))
        if receiver.hang is not None:
            receiver.hang.wait(30)
        status = receiver.statuses.pop(0) if receiver.statuses else 200
        self.send_response(status)
        if receiver.location:
            self.send_header("location", receiver.location)
        self.send_header("content-length", str(len(receiver.answer_body)))
        self.end_headers()
        self.wfile.write(receiver.answer_body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests inspect deliveries, not the access log."""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    handler = type("Handler", (_Handler,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    result = Receiver(url=f"http://127.0.0.1:{server.server_address[1]}/hooks")
    handler.receiver = result
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    try:
        yield result
    finally:
        if result.hang is not None:
            result.hang.set()
        server.shutdown()
        server.server_close()
        thread.join()


def outbox(tmp_path: Path, envelopes: list[Envelope], sink_name: str) -> StateStore:
    """A watch state with ``envelopes`` pending for the sink named ``sink_name``."""
    store = StateStore.open(tmp_path / "orders.sqlite3", resource="orders", key_fingerprint="fp")
    store.acquire()
    records = [StoredRecord(e, n, 1764450000 + n) for n, e in enumerate(envelopes, 1)]
    store.store_page(records, Position("created"), [sink_name])
    return store
