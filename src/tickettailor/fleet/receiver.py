"""``webhooks serve --postgres``: one receiver for every box office of the fleet.

``POST /webhooks/<box office name>``: the body is checked against that box office's
webhook secret (stored sealed with the fleet secret, ``fleet add --webhook-secret-env``
or ``fleet set-webhook-secret``) with the single receiver's own verification
(``tickettailor.webhooks.signature.verify``), parsed and routed as it does
(``tickettailor.webhooks.events``), then stored in the fleet's ``webhook_inbox``
before the answer (``tickettailor.fleet.inbox``). The receiver holds no state of its
own, so any number of replicas can run behind a load balancer: the inbox's primary
key (box office, delivery id) makes a retry that lands on another replica a duplicate.

Answers: 200 ``stored`` / ``duplicate``; 404 for a box office the fleet does not
have; 403 for one without a webhook secret; 401 for a bad or stale signature; 400
for a body that is not a delivery; 413 for a body over 1 MiB; 503 when the database
cannot store it (Ticket Tailor then retries).
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import anyio
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from tickettailor._core.errors import StateError, WebhookSignatureError
from tickettailor.fleet import inbox, registry
from tickettailor.fleet.db import Db
from tickettailor.fleet.schema import check_version
from tickettailor.fleet.secrets import Secrets
from tickettailor.webhooks.events import BadDelivery, parse_delivery, route
from tickettailor.webhooks.process import bind
from tickettailor.webhooks.signature import SIGNATURE_HEADER, verify

__all__ = ["PATH_PREFIX", "FleetReceiver", "create_app", "serve"]

log = logging.getLogger("tickettailor.fleet.webhooks")

PATH_PREFIX = "/webhooks/"
MAX_BODY = 1_048_576
_FRESH = 10.0  # seconds a box office's secret is trusted from the cache


@dataclass(frozen=True)
class _Known:
    secret: str | None = field(repr=False)
    watches: tuple[str, ...]
    at: float  # time.monotonic() when read


class _Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status


class FleetReceiver:
    """The fleet's box offices and their secrets (cached), and a few connections."""

    def __init__(self, dsn: str, schema: str, secrets: Secrets, *, connections: int = 4) -> None:
        self.dsn = dsn
        self.schema = schema
        self.secrets = secrets
        self._known: dict[str, _Known] = {}
        self._lock = threading.Lock()
        self._pool: queue.LifoQueue[Db | None] = queue.LifoQueue()
        for _ in range(max(connections, 1)):
            self._pool.put(None)  # opened when first needed

    def check(self) -> None:
        """Refuse a missing or newer schema and a wrong fleet secret, at start."""
        with self._db() as db, db.tx() as conn:
            check_version(conn, self.schema)
            registry.check_secret(conn, self.secrets)
        self._reload()

    @contextlib.contextmanager
    def _db(self) -> Iterator[Db]:
        db = self._pool.get()
        try:
            if db is None or db.conn.closed or db.conn.broken:
                if db is not None:
                    db.close()
                db = Db.open(self.dsn, self.schema)
            yield db
        finally:
            self._pool.put(db)

    def close(self) -> None:
        while not self._pool.empty():
            db = self._pool.get_nowait()
            if db is not None:
                db.close()

    # -- the box offices ------------------------------------------------------------

    def _reload(self) -> None:
        with self._db() as db:
            rows = registry.list_all(db)
        now = time.monotonic()
        known = {bo.name: _Known(bo.webhook_secret(self.secrets), bo.watches, now) for bo in rows}
        with self._lock:
            self._known = known

    def lookup(self, name: str, *, fresh: bool = False) -> _Known | None:
        """The box office ``name``: from the cache while fresh, else read again (a new
        box office, or a secret just set, is seen at once: a miss or a mismatch reads
        the row again, one primary-key lookup)."""
        cached = self._known.get(name)
        if cached is not None and not fresh and time.monotonic() - cached.at < _FRESH:
            return cached
        with self._db() as db, db.tx() as conn:
            row = conn.execute(
                "SELECT webhook_secret, watches FROM box_offices WHERE name = %s", (name,)
            ).fetchone()
        with self._lock:
            if row is None:
                self._known.pop(name, None)
                return None
            sealed, watches = row
            secret = (
                None
                if sealed is None
                else self.secrets.open(sealed, what=f"the webhook secret of {name}")
            )
            known = self._known[name] = _Known(secret, tuple(watches), time.monotonic())
        return known

    # -- one delivery ---------------------------------------------------------------

    def receive(self, name: str, header: str | None, body: bytes) -> tuple[str, str]:
        """Verify and store one delivery (blocking); (delivery id, stored|duplicate)."""
        known = self.lookup(name)
        try:
            self._verify(known, name, header, body)
        except (_Refused, WebhookSignatureError):
            if known is None:
                raise  # just read: the fleet has no such box office
            again = self.lookup(name, fresh=True)  # the secret may have just been changed
            if again is None or again.secret == known.secret:
                raise
            self._verify(again, name, header, body)
            known = again
        assert known is not None
        try:
            delivery = parse_delivery(body)
        except BadDelivery as exc:
            raise _Refused(400, str(exc)) from None
        resource = route(delivery.event)
        if resource not in known.watches:
            resource = None  # kept, not delivered: the box office does not watch it
        with self._db() as db:
            new = inbox.store(db, name, delivery.id, delivery.event, resource, body)
        outcome = "stored" if new else "duplicate"
        log.info("%s: accepted %s %s (%s)", name, delivery.event, delivery.id, outcome)
        return delivery.id, outcome

    @staticmethod
    def _verify(known: _Known | None, name: str, header: str | None, body: bytes) -> None:
        if known is None:
            raise _Refused(404, f"the fleet has no box office named {name!r}")
        if known.secret is None:
            raise _Refused(
                403,
                f"the box office {name!r} has no webhook secret: set one with "
                f"`tickettailor fleet set-webhook-secret {name} --webhook-secret-env VAR`",
            )
        verify(known.secret, header, body)


def create_app(receiver: FleetReceiver) -> Starlette:
    """``POST /webhooks/{name}`` for every box office; ``GET /healthz``."""

    async def deliveries(request: Request) -> Response:
        name = request.path_params["name"]  # ASGI paths arrive percent-decoded
        try:
            body = await _body(request)
            delivery_id, outcome = await anyio.to_thread.run_sync(
                receiver.receive, name, request.headers.get(SIGNATURE_HEADER), body
            )
        except _Refused as exc:
            return _refuse(request, exc.status, str(exc))
        except WebhookSignatureError as exc:
            return _refuse(request, 401, str(exc))
        except StateError as exc:
            log.error("%s: could not store a webhook: %s", name, exc)
            return _refuse(request, 503, "could not store the delivery; retry later")
        return JSONResponse({"id": delivery_id, "result": outcome})

    async def about(_request: Request) -> Response:
        return PlainTextResponse("tickettailor fleet webhook receiver: POST webhooks here.\n")

    async def healthz(_request: Request) -> Response:
        return PlainTextResponse("ok\n")

    async def not_found(request: Request, _exc: Exception) -> Response:
        where = f"{PATH_PREFIX}<box office name>"
        return _refuse(request, 404, f"nothing at {request.url.path}; POST webhooks to {where}")

    return Starlette(
        routes=[
            Route(PATH_PREFIX + "{name}", deliveries, methods=["POST"]),
            Route(PATH_PREFIX + "{name}", about, methods=["GET", "HEAD"]),
            Route("/healthz", healthz, methods=["GET"]),
        ],
        exception_handlers={404: not_found},
    )


async def _body(request: Request) -> bytes:
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            raise _Refused(413, f"the body is larger than {MAX_BODY} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _refuse(request: Request, status: int, reason: str) -> JSONResponse:
    log.warning("refused %s %s: %d %s", request.method, request.url.path, status, reason)
    return JSONResponse({"status": status, "error": reason}, status_code=status)


def serve(
    receiver: FleetReceiver,
    *,
    host: str,
    port: int,
    stop: threading.Event,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve until ``stop`` is set; ``on_ready`` gets the base URL once listening."""
    receiver.check()
    sock = bind(host, port)  # the single receiver's: TCP (NODELAY), a clear UsageError
    config = uvicorn.Config(
        create_app(receiver), log_level="warning", lifespan="off", access_log=False
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise StateError("the fleet webhook receiver did not start")
            stop.wait(0.01)  # readiness poll; the thread's death ends it
        if on_ready is not None:
            on_ready(_url(host, sock.getsockname()[1]))
        while not stop.wait(0.5) and thread.is_alive():
            pass
    finally:
        server.should_exit = True
        thread.join(15)
        sock.close()
        receiver.close()


def _url(host: str, port: int) -> str:
    shown = "localhost" if host in ("0.0.0.0", "::") else host  # noqa: S104  (a comparison, not a bind)
    return f"http://{shown}:{port}{PATH_PREFIX}"
