"""The ASGI app: auth, rate limits, routing and JSON exactly like the real API."""

from __future__ import annotations

import base64
import binascii
import logging
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any, TypeVar

from starlette.applications import Starlette
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tickettailor.sandbox.api import find_endpoint
from tickettailor.sandbox.api.events import EVENTS
from tickettailor.sandbox.api.issued_tickets import ISSUED_TICKETS
from tickettailor.sandbox.api.memberships import ISSUED_MEMBERSHIPS
from tickettailor.sandbox.api.orders import ORDERS
from tickettailor.sandbox.api.reading import View, get_one
from tickettailor.sandbox.api.routes import Call
from tickettailor.sandbox.api.writing import Change, WriteHandler, transaction
from tickettailor.sandbox.clock import SandboxClock
from tickettailor.sandbox.config import SandboxConfig
from tickettailor.sandbox.errors import (
    FORBIDDEN_BODY,
    TOO_MANY_MESSAGE,
    ApiError,
    not_found,
)
from tickettailor.sandbox.faults import FaultInjector, parse_faults
from tickettailor.sandbox.forms import Form, PhpArray, parse_form
from tickettailor.sandbox.jsonenc import dumps_api
from tickettailor.sandbox.params import parse_query
from tickettailor.sandbox.ratelimit import RateLimiter, Verdict
from tickettailor.sandbox.store import BoxOffice, Store
from tickettailor.sandbox.webhook_sender import WebhookSender, parse_subscription

log = logging.getLogger("tickettailor.sandbox")


def parse_key(header: str | None) -> str | None:
    """The key from ``Authorization: Basic base64(key:)`` or ``base64(key)``; the text
    before the first ``:`` is the key and any password is ignored (reference §1.2)."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic" or not token.strip():
        return None
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    key = decoded.split(":", 1)[0]
    return key or None


T = TypeVar("T")
MEMBERSHIP_LIMIT = (30, 3600)  # POST /v1/issued_memberships has its own bucket (reference §6)
_MEMBERSHIP_CREATE = ("POST", "/v1/issued_memberships")


class Sandbox:
    """The state behind one app: store, rate limiter, clock, webhooks, simulator.

    ``clock`` is the sandbox's own time (the config's clock plus an offset the control
    API moves); every timestamp, rate-limit window and webhook schedule follows it.
    """

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.clock = SandboxClock(config.clock)
        self.store = Store(config)
        self.limiter = (
            RateLimiter(config.rate_limit[0], config.rate_limit[1], self.clock)
            if config.rate_limit
            else None
        )
        self.membership_limiter = (
            RateLimiter(*MEMBERSHIP_LIMIT, self.clock) if config.rate_limit else None
        )
        self.webhooks: WebhookSender | None = None
        self.simulator: Any = None  # simulator.SimulatorThread while sales run
        self._closed = threading.Event()

    def close(self) -> None:
        """Stop simulated sales and the webhook sender (safe to call twice)."""
        if self._closed.is_set():
            return
        self._closed.set()
        if self.simulator is not None:
            self.simulator.stop()
        if self.webhooks is not None:
            self.webhooks.close()

    def start_simulator(self, sales_per_minute: float | None = None) -> Any:
        """Start (or re-rate) live simulated sales in a background thread."""
        from tickettailor.sandbox.simulator import SimulatorThread  # imports this module

        rate = self.config.sales_per_minute if sales_per_minute is None else sales_per_minute
        if self.simulator is None:
            self.simulator = SimulatorThread(self, rate)
            self.simulator.start()
        else:
            self.simulator.set_rate(rate)
        return self.simulator

    def write(
        self, box: BoxOffice, operation: Callable[[Change], T], *, now: int | None = None
    ) -> T:
        """Run ``operation`` in one transaction, then send the webhooks it caused.
        ``now`` stamps the change (default: the sandbox clock)."""
        change = Change(self.store, box, int(self.clock()) if now is None else now)
        with transaction(change):
            result = operation(change)
        self.send_webhooks(change)
        return result

    def view(self, box: BoxOffice) -> View:
        """A read-only view of ``box`` at the sandbox clock's time."""
        return View(self.store, box, int(self.clock()))

    def send_webhooks(self, change: Change) -> None:
        sender = self.webhooks
        if sender is None or not change.emits:
            return
        subscriptions = sender.subscriptions()
        wanted = {e.event for e in change.emits if any(s.wants(e.event) for s in subscriptions)}
        view = self.view(change.box)
        for emit in change.emits:
            if emit.event not in wanted:
                continue  # nobody listens: skip rendering
            resource = _WEBHOOK_RESOURCES[emit.resource]
            prefix = resource.prefix
            payload = emit.payload
            if payload is None:
                try:
                    payload = get_one(view, resource, f"{prefix}_{emit.oid}")
                except ApiError:  # gone again within the same change
                    continue
            url = f"{self.config.resource_url}/v1/{emit.resource}/{prefix}_{emit.oid}"
            sender.emit(emit.event, url, payload, occurred_at=change.now)

    def box_for(self, key: str | None) -> BoxOffice | None:
        return None if key is None else self.store.by_key.get(key)

    def handle(
        self,
        method: str,
        path: str,
        query: str,
        auth: str | None,
        client: str,
        raw_body: bytes = b"",
        content_type: str | None = None,
    ) -> Response:
        box = self.box_for(parse_key(auth))
        bucket = box.spec.key if box else f"ip:{client}"
        verdict = self.limiter.hit(bucket) if self.limiter else None
        if verdict is not None and not verdict.allowed:
            err = ApiError(429, "TOO_MANY_REQUESTS", TOO_MANY_MESSAGE).body()
            return _json(429, err, verdict, {"Retry-After": str(verdict.reset)})
        if self.membership_limiter and box and (method, path) == _MEMBERSHIP_CREATE:
            own = self.membership_limiter.hit(bucket)
            if not own.allowed:
                err = ApiError(429, "TOO_MANY_REQUESTS", TOO_MANY_MESSAGE).body()
                return _json(429, err, own, {"Retry-After": str(own.reset)})
        try:
            form = parse_form(raw_body, content_type) if method in ("POST", "DELETE") else {}
            status, body = self.dispatch(method, path, query, box, form)
        except ApiError as e:
            status, body = e.status, e.body()
        except Exception:  # the server never answers a traceback; log it for us
            log.exception("sandbox error on %s %s", method, path)
            status = 500
            body = {"status": 500, "error_code": "INTERNAL_ERROR",
                    "message": "The sandbox failed on this request."}  # fmt: skip
        return _json(status, body, verdict)

    def dispatch(
        self,
        method: str,
        path: str,
        query: str,
        box: BoxOffice | None,
        form: PhpArray | None = None,
    ) -> tuple[int, Any]:
        if path == "/v1/ping" and method in ("GET", "HEAD"):
            return 200, {"version": "1.0"}
        if box is None:
            return 403, FORBIDDEN_BODY
        found = find_endpoint(method, path)
        if found is None:
            raise not_found()
        endpoint, match = found
        if not box.spec.may(endpoint.permission):
            return 403, FORBIDDEN_BODY
        if endpoint.write is not None:
            operation = _bind(endpoint.write, Form(form or {}), match.groups())
            return endpoint.status, self.write(box, operation)
        assert endpoint.read is not None  # an endpoint either reads or writes
        call = Call(self.view(box), parse_query(query), match.groups(), path[len("/v1") :])
        return 200, endpoint.read(call)


def _bind(write: WriteHandler, form: Form, ids: tuple[str, ...]) -> Callable[[Change], Any]:
    return lambda change: write(change, form, ids)


def _json(
    status: int, body: Any, verdict: Verdict | None, extra: dict[str, str] | None = None
) -> Response:
    headers = {}
    if verdict is not None:
        headers = {
            "X-Rate-Limit-Limit": str(verdict.limit),
            "X-Rate-Limit-Remaining": str(verdict.remaining),
            "X-Rate-Limit-Reset": str(verdict.reset),
        }
    headers.update(extra or {})
    return Response(dumps_api(body), status, headers, media_type="application/json")


def create_app(config: SandboxConfig | None = None, *, sandbox: Sandbox | None = None) -> Starlette:
    """The sandbox as an ASGI app. ``app.state.sandbox`` is the :class:`Sandbox` (its
    ``.store`` holds the data), ``app.state.webhooks`` its :class:`WebhookSender`. Pass
    ``sandbox`` to serve one that is already built.

    With ``sales_per_minute`` > 0 simulated sales start at once in a background thread;
    ``app.state.sandbox.close()`` (called by ``serve_in_thread`` and on ASGI lifespan
    shutdown) stops them and the webhook sender. Raises ValueError for bad webhook or
    fault specs.
    """
    from tickettailor.sandbox.control import control_routes  # imports this module

    sandbox = sandbox or Sandbox(config or SandboxConfig())
    cfg = sandbox.config
    rules = parse_faults(cfg.faults)
    if sandbox.webhooks is None:
        subscriptions = [parse_subscription(w, secret=cfg.webhook_secret) for w in cfg.webhooks]
        sandbox.webhooks = WebhookSender(
            subscriptions, time_scale=cfg.webhook_time_scale, clock=sandbox.clock
        )
        sandbox.clock.on_change(sandbox.webhooks.wake)

    async def endpoint(request: Request) -> Response:
        client = request.client.host if request.client else "unknown"
        return sandbox.handle(
            request.method,
            request.url.path,
            request.url.query,
            request.headers.get("authorization"),
            client,
            await request.body(),
            request.headers.get("content-type"),
        )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        sandbox.close()

    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    routes = [
        *control_routes(sandbox),
        Route("/{path:path}", endpoint, methods=methods),  # the catch-all comes last
    ]
    app = Starlette(routes=routes, lifespan=lifespan)
    app.router.redirect_slashes = False
    if cfg.gzip:
        # Level 1 (nginx's default): level 9, Starlette's, took 4.5 of a page of 100
        # orders' 13 ms of sandbox CPU for 3% fewer bytes (bench_client_fetch.py).
        app.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=1)
    limit = cfg.rate_limit[0] if cfg.rate_limit else 10000
    app.add_middleware(FaultInjector, rules=rules, seed=cfg.seed, rate_limit=limit)  # outermost
    app.state.sandbox = sandbox
    app.state.webhooks = sandbox.webhooks
    if cfg.sales_per_minute > 0:
        sandbox.start_simulator()
    return app


# What a webhook's ``resource`` renders as (its payload when the change gave none).
_WEBHOOK_RESOURCES = {
    "orders": ORDERS,
    "issued_tickets": ISSUED_TICKETS,
    "events": EVENTS,
    "issued_memberships": ISSUED_MEMBERSHIPS,
}
