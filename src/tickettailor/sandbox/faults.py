"""Fault injection: an ASGI middleware that makes the sandbox's /v1 API misbehave on purpose.

Each rule names a path pattern, an optional method, how often it fires and what goes
wrong. Kinds (the ``kind`` text of a rule):

    status:503     a 5xx with a JSON error body (any 500-599)
    429 / 429:N    rate limited, with Retry-After and X-Rate-Limit-* headers; N = burst size
    latency:1.5    wait that many seconds, then answer normally (adds to other faults)
    drop           close the connection without any response
    malformed      the real answer cut in half, as 200 application/json
    html / html:520  a Cloudflare HTML error page (502 unless given)
    repeat / repeat:N  a list page whose data starts with the last N rows (default 1) of
                   the previous page served for that path and key

How often: ``probability`` (default 1) per matching request, at most ``count`` times
(``count=5`` alone is "the first 5 matching requests"); each time a rule fires it also
takes the next ``burst - 1`` matching requests. Draws come from one ``random.Random(seed)``
and happen only for rules with a probability below 1, so a run is repeatable.

Text form (the ``--faults`` option): rules separated by ``;``, fields by ``,``, the kind
first: ``status:503,path=/v1/orders*,p=0.2; 429:3,count=1; latency:2,path=re:^/v1/events``.
JSON form (the control API, or ``--faults`` starting with ``[`` or ``{``): objects with the
keys kind, path, method, probability, count, burst, retry_after.

Control API (never faulted): GET {control} lists the rules, POST adds (one rule, a list,
``{"rules": [...]}`` or ``{"spec": "<text form>"}``), DELETE clears, DELETE {control}/ID
removes one. Faults apply to paths under /v1 only.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import random
import re
from collections import OrderedDict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["KINDS", "FaultInjector", "FaultRule", "FaultSpecError", "parse_faults", "parse_rule"]

KINDS = ("status", "429", "latency", "drop", "malformed", "html", "repeat")
MAX_LATENCY = 600.0
_RULE_KEYS = {"kind", "path", "method", "probability", "count", "burst", "retry_after", "id"}
_ALIASES = {"p": "probability", "n": "count"}
_MAX_CONTROL_BODY = 1 << 20
_PAGE_MEMORY = 512  # list pages remembered for `repeat`, per path and key


class FaultSpecError(ValueError):
    """A fault rule that cannot be used as written; the message says how to fix it."""


@dataclass
class FaultRule:
    kind: str  # one of KINDS
    path: str = "/v1/*"  # glob (fnmatch, whole path) or "re:<regex>" (searched)
    method: str | None = None
    probability: float = 1.0
    count: int | None = None  # most times the rule fires (each firing covers a burst)
    burst: int = 1
    status: int | None = None  # for status and html
    seconds: float = 0.0  # for latency
    rows: int = 1  # for repeat
    retry_after: int = 1  # for 429
    id: int = 0  # given by the injector
    matched: int = 0  # matching requests seen
    fired: int = 0  # requests this rule answered (or delayed)
    triggers: int = 0  # times it started firing (what count limits)
    burst_left: int = field(default=0, repr=False)
    pattern: re.Pattern[str] = field(default=re.compile(""), repr=False)

    @property
    def spec(self) -> str:
        argument = {
            "status": self.status,
            "html": self.status,
            "latency": self.seconds,
            "repeat": self.rows,
            "429": self.burst if self.burst > 1 else None,
        }.get(self.kind)
        return self.kind if argument is None else f"{self.kind}:{argument:g}"

    def describe(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.spec,
            "path": self.path,
            "method": self.method,
            "probability": self.probability,
            "count": self.count,
            "burst": self.burst,
            "retry_after": self.retry_after,
            "matched": self.matched,
            "fired": self.fired,
        }

    def matches(self, method: str, path: str) -> bool:
        if self.method is not None and method != self.method:
            return False
        return self.pattern.search(path) is not None


# --- parsing -------------------------------------------------------------------------


def _number(name: str, value: Any, low: float, high: float, *, whole: bool) -> Any:
    try:
        if isinstance(value, bool):
            raise ValueError
        number = int(value) if whole and not isinstance(value, float) else float(value)
    except (TypeError, ValueError):
        kind = "a whole number" if whole else "a number"
        raise FaultSpecError(f"{name} must be {kind}, got {value!r}") from None
    if whole and number != int(number):
        raise FaultSpecError(f"{name} must be a whole number, got {value!r}")
    if not low <= number <= high:
        raise FaultSpecError(f"{name} must be between {low:g} and {high:g}, got {value!r}")
    return int(number) if whole else number


def _kind(text: str, rule: FaultRule) -> None:
    name, _, argument = text.strip().lower().partition(":")
    if name not in KINDS:
        raise FaultSpecError(
            f"unknown fault kind {text.strip()!r}; use one of status:5xx, 429[:burst], "
            "latency:SECONDS, drop, malformed, html[:5xx], repeat[:rows]"
        )
    rule.kind = name
    if name in ("drop", "malformed") and argument:
        raise FaultSpecError(f"fault kind {name!r} takes no argument, got {text.strip()!r}")
    if name == "status":
        rule.status = _number("status", argument or 503, 500, 599, whole=True)
    elif name == "html":
        rule.status = _number("html status", argument or 502, 500, 599, whole=True)
    elif name == "latency":
        if not argument:
            raise FaultSpecError("latency needs seconds, e.g. latency:1.5")
        rule.seconds = _number("latency seconds", argument, 0, MAX_LATENCY, whole=False)
    elif name == "repeat":
        rule.rows = _number("repeat rows", argument or 1, 1, 100, whole=True)
    elif name == "429" and argument:
        rule.burst = _number("429 burst", argument, 1, 100_000, whole=True)


def _compile(path: str) -> re.Pattern[str]:
    if path.startswith("re:"):
        try:
            return re.compile(path[3:])
        except re.error as error:
            raise FaultSpecError(f"path regex {path[3:]!r} is invalid: {error}") from None
    if not path.startswith(("/", "*")):
        raise FaultSpecError(
            f"path {path!r} must be a glob starting with / (e.g. /v1/orders*) or re:<regex>"
        )
    return re.compile(fnmatch.translate(path))


def parse_rule(data: Mapping[str, Any]) -> FaultRule:
    """One rule from its JSON form, e.g. {"kind": "status:503", "path": "/v1/orders*"}."""
    data = {_ALIASES.get(key, key): value for key, value in data.items()}
    unknown = sorted(set(data) - _RULE_KEYS)
    if unknown:
        raise FaultSpecError(
            f"unknown fault field {', '.join(unknown)}; use kind, path, method, "
            "probability (p), count (n), burst, retry_after"
        )
    if not isinstance(data.get("kind"), str):
        raise FaultSpecError('a fault rule needs a kind, e.g. "status:503" or "drop"')
    rule = FaultRule(kind="")
    _kind(data["kind"], rule)
    path = data.get("path", rule.path)
    if not isinstance(path, str) or not path:
        raise FaultSpecError("path must be a glob like /v1/orders* or re:<regex>")
    rule.path, rule.pattern = path, _compile(path)
    method = data.get("method")
    if method is not None:
        if not isinstance(method, str) or not method.isalpha():
            raise FaultSpecError(f"method must be an HTTP method like GET, got {method!r}")
        rule.method = method.upper()
    if "probability" in data:
        rule.probability = _number("probability", data["probability"], 0, 1, whole=False)
    if data.get("count") is not None:
        rule.count = _number("count", data["count"], 1, 10**9, whole=True)
    if "burst" in data:
        rule.burst = _number("burst", data["burst"], 1, 100_000, whole=True)
    if "retry_after" in data:
        rule.retry_after = _number("retry_after", data["retry_after"], 0, 86400, whole=True)
    return rule


def _text_rule(text: str) -> dict[str, Any]:
    kind, *fields = (part.strip() for part in text.split(","))
    data: dict[str, Any] = {"kind": kind}
    for item in fields:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise FaultSpecError(f"expected key=value after the kind, got {item!r}")
        data[key.strip().lower()] = value.strip()
    return data


def parse_faults(text: str) -> list[FaultRule]:
    """Rules from the ``--faults`` text form or its JSON form (see the module doc)."""
    text = text.strip()
    if not text.startswith(("[", "{")):
        return _parse_items([part.strip() for part in text.split(";") if part.strip()])
    try:
        loaded = json.loads(text)
    except ValueError as error:
        raise FaultSpecError(f"faults JSON is not valid: {error}") from None
    return _parse_items(loaded if isinstance(loaded, list) else [loaded])


def _parse_items(items: Sequence[Any]) -> list[FaultRule]:
    rules = []
    for number, item in enumerate(items, start=1):
        try:
            data = _text_rule(item) if isinstance(item, str) else item
            if not isinstance(data, Mapping):
                raise FaultSpecError("each rule must be a JSON object")
            rules.append(parse_rule(data))
        except FaultSpecError as error:
            raise FaultSpecError(f"fault rule {number} ({str(item)[:80]}): {error}") from None
    return rules


# --- canned answers --------------------------------------------------------------------

_CLOUDFLARE_TITLES = {
    500: "Internal server error",
    502: "Bad gateway",
    503: "Service unavailable",
    504: "Gateway time-out",
    520: "Web server is returning an unknown error",
    521: "Web server is down",
    522: "Connection timed out",
    524: "A timeout occurred",
}

_CLOUDFLARE_PAGE = """<!DOCTYPE html>
<!--[if lt IE 7]> <html class="no-js ie6 oldie" lang="en-US"> <![endif]-->
<html class="no-js" lang="en-US">
<head>
<title>api.tickettailor.com | {status}: {title}</title>
<meta charset="UTF-8" />
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
<meta name="robots" content="noindex, nofollow" />
<link rel="stylesheet" id="cf_styles-css" href="/cdn-cgi/styles/main.css" />
</head>
<body>
<div id="cf-wrapper">
<div id="cf-error-details" class="p-0">
<header class="mx-auto pt-10 lg:pt-6 lg:px-8 w-240 lg:w-full mb-8">
<h1 class="inline-block sm:block sm:mb-2 font-light text-60 lg:text-4xl">
<span class="inline-block">{title}</span>
<span class="code-label">Error code {status}</span>
</h1>
</header>
<div class="cf-error-footer cf-wrapper w-240 lg:w-full py-10 sm:py-4 sm:px-8 mx-auto">
<p>Cloudflare Ray ID: <strong class="font-semibold">{ray}</strong> &bull;
Performance &amp; security by Cloudflare</p>
</div>
</div>
</div>
</body>
</html>
"""


def _error_body(status: int, error_code: str, message: str) -> bytes:
    body = {"status": status, "error_code": error_code, "message": message}
    return json.dumps(body, separators=(",", ":")).encode()


def _status_error(status: int) -> bytes:
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = "Server Error"
    code = re.sub(r"[^A-Z]+", "_", phrase.upper()).strip("_")
    return _error_body(
        status, code, f"{phrase}. The server could not handle the request; retry it later."
    )


def _truncate(body: bytes) -> bytes:
    cut = body[: len(body) // 2]
    try:
        json.loads(cut)
    except ValueError:
        return cut
    return b'{"data":['  # the half happened to be valid JSON (e.g. a bare number)


_DECODER = json.JSONDecoder()
_PAGE_PREFIX = '{"data":['


def _split_page(text: str) -> tuple[list[str], str] | None:
    """The raw JSON text of each row of a compact list page, and what follows the rows.

    Rows are kept as the exact text the API wrote, so a repeated row is byte-identical."""
    if not text.startswith(_PAGE_PREFIX):
        return None
    rows: list[str] = []
    position = len(_PAGE_PREFIX)
    try:
        if text[position] == "]":
            return rows, text[position:]
        while True:
            end = _DECODER.raw_decode(text, position)[1]
            rows.append(text[position:end])
            if text[end] == "]":
                return rows, text[end:]
            if text[end] != ",":
                return None
            position = end + 1
    except (ValueError, IndexError):
        return None


# --- the middleware ----------------------------------------------------------------------


async def _respond(
    send: Send, status: int, headers: Iterable[tuple[str, str]], body: bytes
) -> None:
    raw = [(k.lower().encode(), v.encode()) for k, v in headers]
    raw.append((b"content-length", str(len(body)).encode()))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body, "more_body": False})


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
            await self._control(scope, receive, send)
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
        split = _split_page(captured.body.decode("utf-8", "replace"))
        if split is None:
            return None
        self._pages[page_key] = split[0]
        self._pages.move_to_end(page_key)
        while len(self._pages) > _PAGE_MEMORY:
            self._pages.popitem(last=False)
        return split[0]

    async def _inject(
        self, rule: FaultRule, scope: Scope, receive: Receive, send: Send, page_key: tuple[str, str]
    ) -> None:
        kind = rule.kind
        if kind == "status":
            assert rule.status is not None  # set by the parser for this kind
            await _respond(
                send,
                rule.status,
                [("content-type", "application/json")],
                _status_error(rule.status),
            )
        elif kind == "429":
            await self._too_many(rule, send)
        elif kind == "html":
            await self._cloudflare(rule, send)
        elif kind == "drop":
            await _drop(receive, send)
        elif kind == "malformed":
            captured = _Captured()
            await self.app(_identity(scope), receive, captured.send)
            await captured.replay(send, 200, _truncate(bytes(captured.body)))
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
        body = _error_body(429, "TOO_MANY_REQUESTS", "Too many requests hit the API too quickly.")
        await _respond(send, 429, headers, body)

    async def _cloudflare(self, rule: FaultRule, send: Send) -> None:
        assert rule.status is not None  # set by the parser for this kind
        ray = f"{self._rays.getrandbits(64):016x}-LHR"
        title = _CLOUDFLARE_TITLES.get(rule.status, "Unknown error")
        page = _CLOUDFLARE_PAGE.format(status=rule.status, title=title, ray=ray)
        headers = [
            ("content-type", "text/html; charset=UTF-8"),
            ("server", "cloudflare"),
            ("cf-ray", ray),
            ("cache-control", "private, max-age=0, no-store, no-cache, must-revalidate"),
        ]
        await _respond(send, rule.status, headers, page.encode())

    async def _repeat(
        self, rule: FaultRule, scope: Scope, receive: Receive, send: Send, page_key: tuple[str, str]
    ) -> None:
        previous = self._pages.get(page_key, [])
        captured = _Captured()
        await self.app(_identity(scope), receive, captured.send)
        text = captured.body.decode("utf-8", "replace")
        split = _split_page(text) if captured.status == 200 else None
        if split is None:  # not a list page after all: answer it unchanged
            await captured.replay(send, captured.status, bytes(captured.body))
            return
        self._remember(captured, page_key)
        rows = previous[-rule.rows :] + split[0]
        body = _PAGE_PREFIX + ",".join(rows) + split[1]
        await captured.replay(send, 200, body.encode())

    # Control API -------------------------------------------------------------------------

    async def _control(self, scope: Scope, receive: Receive, send: Send) -> None:
        method, path = scope["method"], scope["path"].rstrip("/")
        if path == self.control_path and method == "GET":
            await _json(send, 200, self._listing())
        elif path == self.control_path and method == "POST":
            await self._post(receive, send)
        elif path == self.control_path and method == "DELETE":
            await _json(send, 200, {"deleted": self.clear()})
        elif method == "DELETE" and path.rpartition("/")[0] == self.control_path:
            await self._delete_one(path.rpartition("/")[2], send)
        else:
            message = (
                f"use GET, POST or DELETE on {self.control_path}, or DELETE {self.control_path}/ID"
            )
            await _json(send, 405, _problem(405, "METHOD_NOT_ALLOWED", message))

    async def _delete_one(self, rule_id: str, send: Send) -> None:
        if rule_id.isdigit() and self.remove(int(rule_id)):
            await _json(send, 200, {"id": int(rule_id), "deleted": "true"})
            return
        message = f"no fault rule {rule_id!r}; GET {self.control_path} lists them"
        await _json(send, 404, _problem(404, "NOT_FOUND", message))

    def _listing(self) -> dict[str, Any]:
        return {"seed": self.seed, "rules": [rule.describe() for rule in self._rules]}

    async def _post(self, receive: Receive, send: Send) -> None:
        try:
            rules = _rules_from_body(await _read_body(receive))
        except FaultSpecError as error:
            await _json(send, 400, _problem(400, "VALIDATION_ERROR", str(error)))
            return
        added = self.add(rules)
        await _json(send, 201, {"rules": [rule.describe() for rule in added]})


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


def _problem(status: int, code: str, message: str) -> dict[str, Any]:
    return {"status": status, "error_code": code, "message": message}


async def _json(send: Send, status: int, body: Mapping[str, Any]) -> None:
    data = json.dumps(body, separators=(",", ":")).encode()
    await _respond(send, status, [("content-type", "application/json")], data)


async def _read_body(receive: Receive) -> bytes:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        body += message.get("body", b"")
        if len(body) > _MAX_CONTROL_BODY:
            raise FaultSpecError("request body is too large for a list of fault rules")
        if not message.get("more_body", False):
            break
    return bytes(body)


def _rules_from_body(raw: bytes) -> list[FaultRule]:
    try:
        body = json.loads(raw)
    except ValueError:
        raise FaultSpecError(
            'send JSON: a rule like {"kind": "status:503", "path": "/v1/orders*", "count": 2}, '
            'a list of rules, {"rules": [...]} or {"spec": "status:503,path=/v1/orders*"}'
        ) from None
    if isinstance(body, dict) and set(body) == {"spec"} and isinstance(body["spec"], str):
        return parse_faults(body["spec"])
    if isinstance(body, dict) and set(body) == {"rules"}:
        body = body["rules"]
    return _parse_items(body if isinstance(body, list) else [body])


async def _drop(receive: Receive, send: Send) -> None:
    """Close the client's connection without sending a byte of response.

    ASGI has no message for this. Under uvicorn the server's ``send`` is a bound method
    of the request cycle, which holds the socket's transport; middleware outside us
    (Starlette's ServerErrorMiddleware) wraps it in a closure, so look through closures
    for it. Close the transport, then wait for the server to notice the disconnect so it
    does not answer 500 for us. Without a socket (an in-process ASGI transport) the best
    stand-in is a connection error."""
    transport = _find_transport(send)
    if transport is None:
        raise ConnectionResetError("sandbox fault: connection dropped without a response")
    transport.close()
    with anyio.move_on_after(2.0):
        while (await receive())["type"] != "http.disconnect":
            pass


def _find_transport(send: Any, depth: int = 0) -> Any:
    transport = getattr(getattr(send, "__self__", None), "transport", None)
    if transport is not None and hasattr(transport, "close"):
        return transport
    if depth >= 4:
        return None
    for cell in getattr(send, "__closure__", None) or ():
        try:
            inner = cell.cell_contents
        except ValueError:  # an empty cell
            continue
        if callable(inner):
            found = _find_transport(inner, depth + 1)
            if found is not None:
                return found
    return None
