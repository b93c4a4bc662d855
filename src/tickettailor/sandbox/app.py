"""The ASGI app: auth, rate limits, routing and JSON exactly like the real API."""

from __future__ import annotations

import base64
import binascii
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tickettailor.sandbox import resources as r
from tickettailor.sandbox.config import SandboxConfig
from tickettailor.sandbox.errors import (
    FORBIDDEN_BODY,
    TOO_MANY_MESSAGE,
    ApiError,
    not_found,
)
from tickettailor.sandbox.jsonenc import dumps_api
from tickettailor.sandbox.params import parse_query
from tickettailor.sandbox.ratelimit import RateLimiter, Verdict
from tickettailor.sandbox.store import BoxOffice, Store

log = logging.getLogger("tickettailor.sandbox")


@dataclass(frozen=True)
class Call:
    """One matched request: the box office view, query parameters, path groups and the
    path as ``links`` write it (no ``/v1``)."""

    ctx: r.Ctx
    params: dict[str, str]
    groups: tuple[str, ...]
    link_path: str


Handler = Callable[[Call], Any]


@dataclass(frozen=True)
class Endpoint:
    method: str
    pattern: re.Pattern[str]
    permission: str
    handler: Handler


def _list(res: r.Resource) -> Handler:
    return lambda c: r.list_page(c.ctx, res, c.params, c.link_path)


def _get(res: r.Resource) -> Handler:
    return lambda c: r.get_one(c.ctx, res, c.groups[0])


def _nested_list(res: r.Resource, table: str, prefix: str, kind: str | None = None) -> Handler:
    def handler(c: Call) -> Any:
        parent = r.require_parent(c.ctx, table, prefix, c.groups[0], kind)
        return r.list_page(c.ctx, res, c.params, c.link_path, parent)

    return handler


def _series_event(c: Call) -> Any:
    parent = r.require_parent(c.ctx, "series", "es", c.groups[0])
    return r.get_one(c.ctx, r.SERIES_EVENTS, c.groups[1], parent)


def _overview(c: Call) -> Any:
    return r.overview(c.ctx)


_ID = r"([a-z]{2}_[^/]+)"


def _routes() -> list[Endpoint]:
    table: list[tuple[str, str, str, Handler]] = [
        ("GET", "overview", "overview", _overview),
        ("GET", "event_series", "event_series", _list(r.EVENT_SERIES)),
        ("GET", f"event_series/{_ID}", "event_series", _get(r.EVENT_SERIES)),
        ("GET", f"event_series/{_ID}/events", "events",
         _nested_list(r.SERIES_EVENTS, "series", "es")),
        ("GET", f"event_series/{_ID}/events/{_ID}", "events", _series_event),
        ("GET", f"event_series/{_ID}/waitlist_signups", "waitlist_signups",
         _nested_list(r.WAITLIST_SIGNUPS, "series", "es")),
        ("GET", f"event_series/{_ID}/overrides", "event_series",
         _nested_list(r.OVERRIDES, "series", "es")),
        ("GET", "events", "events", _list(r.EVENTS)),
        ("GET", f"events/{_ID}", "events", _get(r.EVENTS)),
        ("GET", "orders", "orders", _list(r.ORDERS)),
        ("GET", f"orders/{_ID}", "orders", _get(r.ORDERS)),
        ("GET", "issued_tickets", "issued_tickets", _list(r.ISSUED_TICKETS)),
        ("GET", f"issued_tickets/{_ID}", "issued_tickets", _get(r.ISSUED_TICKETS)),
        ("GET", "check_ins", "check_ins", _list(r.CHECK_INS)),
        ("GET", "holds", "holds", _list(r.HOLDS)),
        ("GET", f"holds/{_ID}", "holds", _get(r.HOLDS)),
        ("GET", "discounts", "discounts", _list(r.DISCOUNTS)),
        ("GET", f"discounts/{_ID}", "discounts", _get(r.DISCOUNTS)),
        ("GET", "vouchers", "vouchers", _list(r.VOUCHERS)),
        ("GET", f"vouchers/{_ID}", "vouchers", _get(r.VOUCHERS)),
        ("GET", f"vouchers/{_ID}/codes", "vouchers",
         _nested_list(r.VOUCHER_CODES, "objects", "vo", "voucher")),
        ("GET", "products", "products", _list(r.PRODUCTS)),
        ("GET", f"products/{_ID}", "products", _get(r.PRODUCTS)),
        ("GET", "membership_types", "memberships", _list(r.MEMBERSHIP_TYPES)),
        ("GET", f"membership_types/{_ID}", "memberships", _get(r.MEMBERSHIP_TYPES)),
        ("GET", "issued_memberships", "memberships", _list(r.ISSUED_MEMBERSHIPS)),
        ("GET", f"issued_memberships/{_ID}", "memberships", _get(r.ISSUED_MEMBERSHIPS)),
    ]  # fmt: skip
    return [Endpoint(m, re.compile(f"/v1/{p}"), perm, h) for m, p, perm, h in table]


ROUTES = _routes()


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


class Sandbox:
    """The state behind one app: store, rate limiter, clock."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.store = Store(config)
        self.limiter = (
            RateLimiter(config.rate_limit[0], config.rate_limit[1], config.clock)
            if config.rate_limit
            else None
        )

    def box_for(self, key: str | None) -> BoxOffice | None:
        return None if key is None else self.store.by_key.get(key)

    def handle(self, method: str, path: str, query: str, auth: str | None, client: str) -> Response:
        box = self.box_for(parse_key(auth))
        verdict = (
            self.limiter.hit(box.spec.key if box else f"ip:{client}") if self.limiter else None
        )
        if verdict is not None and not verdict.allowed:
            err = ApiError(429, "TOO_MANY_REQUESTS", TOO_MANY_MESSAGE).body()
            return _json(429, err, verdict, {"Retry-After": str(verdict.reset)})
        try:
            status, body = self.dispatch(method, path, query, box)
        except ApiError as e:
            status, body = e.status, e.body()
        except Exception:  # the server never answers a traceback; log it for us
            log.exception("sandbox error on %s %s", method, path)
            status = 500
            body = {"status": 500, "error_code": "INTERNAL_ERROR",
                    "message": "The sandbox failed on this request."}  # fmt: skip
        return _json(status, body, verdict)

    def dispatch(
        self, method: str, path: str, query: str, box: BoxOffice | None
    ) -> tuple[int, Any]:
        if path == "/v1/ping" and method in ("GET", "HEAD"):
            return 200, {"version": "1.0"}
        if box is None:
            return 403, FORBIDDEN_BODY
        for ep in ROUTES:
            if ep.method != method and not (method == "HEAD" and ep.method == "GET"):
                continue
            m = ep.pattern.fullmatch(path)
            if m is None:
                continue
            if not box.spec.may(ep.permission):
                return 403, FORBIDDEN_BODY
            ctx = r.Ctx(self.store, box, int(self.config.clock()))
            link_path = path[len("/v1") :]
            return 200, ep.handler(Call(ctx, parse_query(query), m.groups(), link_path))
        raise not_found()


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
    ``.store`` holds the data). Pass ``sandbox`` to serve one that is already built."""
    sandbox = sandbox or Sandbox(config or SandboxConfig())

    async def endpoint(request: Request) -> Response:
        client = request.client.host if request.client else "unknown"
        return sandbox.handle(
            request.method,
            request.url.path,
            request.url.query,
            request.headers.get("authorization"),
            client,
        )

    methods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    app = Starlette(routes=[Route("/{path:path}", endpoint, methods=methods)])
    app.router.redirect_slashes = False
    if sandbox.config.gzip:
        app.add_middleware(GZipMiddleware, minimum_size=1024)
    app.state.sandbox = sandbox
    return app
