"""The fault middleware: decides which rule answers each /v1 request and answers it."""

from __future__ import annotations

import hashlib
import random
from collections import OrderedDict
from collections.abc import Iterable

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tickettailor.sandbox.control import faults as faults_control
from tickettailor.sandbox.faults.answers import (
    CLOUDFLARE_PAGE,
    CLOUDFLARE_TITLES,
    PAGE_PREFIX,
    error_body,
    respond,
    split_page,
    status_error,
    truncate,
)
from tickettailor.sandbox.faults.dropping import drop_connection
from tickettailor.sandbox.faults.rules import FaultRule

PAGE_MEMORY = 512  # list pages remembered for `repeat`, per path and key


class _Captured:
    """An inner app's whole response, buffered so a fault can rewrite it."""

    def __init__(self) -> None:
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = bytearray()

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = [
                (k, v) for k, v in message.get("headers", []) if k.lower() != b"content-length"
            ]
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")

    async def replay(self, send: Send, status: int, body: bytes) -> None:
        headers = [*self.headers, (b"content-length", str(len(body)).encode())]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body, "more_body": False})


class FaultInjector:
    """ASGI middleware: ``FaultInjector(app, rules, seed=1)``; see the module doc."""

    def __init__(
        self,
        app: ASGIApp,
        rules: Iterable[FaultRule] = (),
        *,
        seed: int = 0,
        control_path: str = "/_sandbox/faults",
        rate_limit: int = 10000,
    ) -> None:
        self.app = app
        self.seed = seed
        self.control_path = control_path.rstrip("/")
        self.rate_limit = rate_limit
        self._random = random.Random(seed)
        self._rays = random.Random(seed + 1)  # CF-RAY ids, apart so they never shift the draws
        self._rules: list[FaultRule] = []
        self._next_id = 1
        self._pages: OrderedDict[tuple[str, str], list[str]] = OrderedDict()
        self.add(rules)

    # Rules ------------------------------------------------------------------------

    @property
    def rules(self) -> list[FaultRule]:
        return list(self._rules)

    def add(self, rules: Iterable[FaultRule]) -> list[FaultRule]:
        added = []
        for rule in rules:
            rule.id = self._next_id
            self._next_id += 1
            self._rules.append(rule)
            added.append(rule)
        return added

    def clear(self) -> int:
        count = len(self._rules)
        self._rules.clear()
        self._pages.clear()
        return count

    def remove(self, rule_id: int) -> bool:
        kept = [rule for rule in self._rules if rule.id != rule_id]
        removed = len(kept) != len(self._rules)
        self._rules = kept
        return removed

    # Request path ------------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        if path == self.control_path or path.startswith(self.control_path + "/"):
            await faults_control.serve(self, scope, receive, send)
            return
        if not self._rules or not (path == "/v1" or path.startswith("/v1/")):
            await self.app(scope, receive, send)
            return
        method: str = scope["method"]
        page_key = (_caller(scope), path)
        delay, rule = self._decide(method, path, page_key)
        if delay:
            await anyio.sleep(delay)
        if rule is None:
            await self._forward(scope, receive, send, page_key)
        else:
            await self._inject(rule, scope, receive, send, page_key)

    def _decide(
        self, method: str, path: str, page_key: tuple[str, str]
    ) -> tuple[float, FaultRule | None]:
        """Which rule answers this request (first that fires), plus the latency to add.

        Runs without awaiting, so concurrent requests see a consistent rule state."""
        delay = 0.0
        for rule in self._rules:
            if not rule.matches(method, path):
                continue
            if rule.kind == "repeat" and (method != "GET" or page_key not in self._pages):
                continue  # nothing to repeat yet: let this page through and remember it
            if not self._fires(rule):
                continue
            if rule.kind == "latency":
                delay += rule.seconds
                continue
            return delay, rule
        return delay, None

    def _fires(self, rule: FaultRule) -> bool:
        rule.matched += 1
        if rule.burst_left > 0:
            rule.burst_left -= 1
        elif self._starts(rule):
            rule.triggers += 1
            rule.burst_left = rule.burst - 1
        else:
            return False
        rule.fired += 1
        return True

    def _starts(self, rule: FaultRule) -> bool:
        if rule.count is not None and rule.triggers >= rule.count:
            return False
        # Draw only for rules that need it, so adding a sure rule keeps other draws stable.
        return rule.probability >= 1 or self._random.random() < rule.probability

    async def _forward(
        self, scope: Scope, receive: Receive, send: Send, page_key: tuple[str, str]
    ) -> None:
        if scope["method"] != "GET" or not any(
            rule.kind == "repeat" and rule.matches("GET", scope["path"]) for rule in self._rules
        ):
            await self.app(scope, receive, send)
            return
        captured = _Captured()

        async def tee(message: Message) -> None:
            await captured.send(message)
            await send(message)

        await self.app(_identity(scope), receive, tee)
        self._remember(captured, page_key)

    def _remember(self, captured: _Captured, page_key: tuple[str, str]) -> list[str] | None:
        if captured.status != 200:
            return None
        split = split_page(captured.body.decode("utf-8", "replace"))
        if split is None:
            return None
        self._pages[page_key] = split[0]
        self._pages.move_to_end(page_key)
        while len(self._pages) > PAGE_MEMORY:
            self._pages.popitem(last=False)
        return split[0]

    async def _inject(
        self, rule: FaultRule, scope: Scope, receive: Receive, send: Send, page_key: tuple[str, str]
    ) -> None:
        kind = rule.kind
        if kind == "status":
            assert rule.status is not None  # set by the parser for this kind
            await respond(
                send,
                rule.status,
                [("content-type", "application/json")],
                status_error(rule.status),
            )
        elif kind == "429":
            await self._too_many(rule, send)
        elif kind == "html":
            await self._cloudflare(rule, send)
        elif kind == "drop":
            await drop_connection(scope, receive, send)
        elif kind == "malformed":
            captured = _Captured()
            await self.app(_identity(scope), receive, captured.send)
            await captured.replay(send, 200, truncate(bytes(captured.body)))
        elif kind == "repeat":
            await self._repeat(rule, scope, receive, send, page_key)

    async def _too_many(self, rule: FaultRule, send: Send) -> None:
        wait = str(rule.retry_after)
        headers = [
            ("content-type", "application/json"),
            ("retry-after", wait),
            ("x-rate-limit-limit", str(self.rate_limit)),
            ("x-rate-limit-remaining", "0"),
            ("x-rate-limit-reset", wait),
        ]
        body = error_body(429, "TOO_MANY_REQUESTS", "Too many requests hit the API too quickly.")
        await respond(send, 429, headers, body)

    async def _cloudflare(self, rule: FaultRule, send: Send) -> None:
        assert rule.status is not None  # set by the parser for this kind
        ray = f"{self._rays.getrandbits(64):016x}-LHR"
        title = CLOUDFLARE_TITLES.get(rule.status, "Unknown error")
        page = CLOUDFLARE_PAGE.format(status=rule.status, title=title, ray=ray)
        headers = [
            ("content-type", "text/html; charset=UTF-8"),
            ("server", "cloudflare"),
            ("cf-ray", ray),
            ("cache-control", "private, max-age=0, no-store, no-cache, must-revalidate"),
        ]
        await respond(send, rule.status, headers, page.encode())

    async def _repeat(
        self, rule: FaultRule, scope: Scope, receive: Receive, send: Send, page_key: tuple[str, str]
    ) -> None:
        previous = self._pages.get(page_key, [])
        captured = _Captured()
        await self.app(_identity(scope), receive, captured.send)
        text = captured.body.decode("utf-8", "replace")
        split = split_page(text) if captured.status == 200 else None
        if split is None:  # not a list page after all: answer it unchanged
            await captured.replay(send, captured.status, bytes(captured.body))
            return
        self._remember(captured, page_key)
        rows = previous[-rule.rows :] + split[0]
        body = PAGE_PREFIX + ",".join(rows) + split[1]
        await captured.replay(send, 200, body.encode())


def _identity(scope: Scope) -> Scope:
    """The request without Accept-Encoding, so a body we read or rewrite is not gzipped."""
    headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"accept-encoding"]
    return {**scope, "headers": headers}


def _caller(scope: Scope) -> str:
    """Who is asking, without keeping their key: a short hash of the Authorization header."""
    for name, value in scope.get("headers", []):
        if name.lower() == b"authorization":
            return hashlib.sha256(value).hexdigest()[:16]
    return "-"
