"""The control API of the faults under ``/_sandbox/faults`` (never faulted): GET lists
the rules, POST adds (one rule, a list, ``{"rules": [...]}`` or ``{"spec": "<text
form>"}``), DELETE clears, DELETE /_sandbox/faults/ID removes one.

The fault middleware serves these itself, in front of the app it wraps, so they work
whatever that app is."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from starlette.types import Receive, Scope, Send

from tickettailor.sandbox.faults.answers import respond
from tickettailor.sandbox.faults.rules import FaultRule, FaultSpecError, parse_faults, parse_items

if TYPE_CHECKING:
    from tickettailor.sandbox.faults.injector import FaultInjector

MAX_BODY = 1 << 20


async def serve(injector: FaultInjector, scope: Scope, receive: Receive, send: Send) -> None:
    """Answer one control request for ``injector``."""
    method, path = scope["method"], scope["path"].rstrip("/")
    root = injector.control_path
    if path == root and method == "GET":
        await _json(
            send, 200, {"seed": injector.seed, "rules": [r.describe() for r in injector.rules]}
        )
    elif path == root and method == "POST":
        await _post(injector, receive, send)
    elif path == root and method == "DELETE":
        await _json(send, 200, {"deleted": injector.clear()})
    elif method == "DELETE" and path.rpartition("/")[0] == root:
        await _delete_one(injector, path.rpartition("/")[2], send)
    else:
        message = f"use GET, POST or DELETE on {root}, or DELETE {root}/ID"
        await _json(send, 405, _problem(405, "METHOD_NOT_ALLOWED", message))


async def _delete_one(injector: FaultInjector, rule_id: str, send: Send) -> None:
    if rule_id.isdigit() and injector.remove(int(rule_id)):
        await _json(send, 200, {"id": int(rule_id), "deleted": "true"})
        return
    message = f"no fault rule {rule_id!r}; GET {injector.control_path} lists them"
    await _json(send, 404, _problem(404, "NOT_FOUND", message))


async def _post(injector: FaultInjector, receive: Receive, send: Send) -> None:
    try:
        rules = _rules_from_body(await _read_body(receive))
    except FaultSpecError as error:
        await _json(send, 400, _problem(400, "VALIDATION_ERROR", str(error)))
        return
    added = injector.add(rules)
    await _json(send, 201, {"rules": [rule.describe() for rule in added]})


def _problem(status: int, code: str, message: str) -> dict[str, Any]:
    return {"status": status, "error_code": code, "message": message}


async def _json(send: Send, status: int, body: Mapping[str, Any]) -> None:
    data = json.dumps(body, separators=(",", ":")).encode()
    await respond(send, status, [("content-type", "application/json")], data)


async def _read_body(receive: Receive) -> bytes:
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        body += message.get("body", b"")
        if len(body) > MAX_BODY:
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
    return parse_items(body if isinstance(body, list) else [body])
