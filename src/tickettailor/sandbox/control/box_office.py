"""The control API's box office routes: sandbox-only routes under ``/_sandbox`` that
stand in for the dashboard and for time itself (not part of the real API).

Bodies and answers are JSON. The box office acted on is the one whose key is in the
``Authorization`` header (Basic, exactly as for ``/v1``); with no header, the first box
office. A key that is not the sandbox's gets the API's 403.

    GET    /_sandbox                              clock, box offices, simulator, webhooks
    GET    /_sandbox/clock                        {"now", "offset"}
    POST   /_sandbox/clock                        {"advance": SECONDS} or {"set": UNIX}
    POST   /_sandbox/orders                       create orders (see create_orders)
    POST   /_sandbox/orders/{id}/cancel           {"refund_amount"?, "reason"?, "staff"?}
    POST   /_sandbox/orders/{id}/refund           {"amount"?, "reason"?, "staff"?}
    POST   /_sandbox/orders/{id}/confirm-payment  {"txn_id"?}
    DELETE /_sandbox/orders/{id}                  the order, its tickets and check-ins
    POST   /_sandbox/issued_tickets/{id}/void     {"to_hold"?: true}
    POST   /_sandbox/issued_tickets/{id}/check_in {"quantity"?: 1 | -1, "at"?: UNIX}
    GET    /_sandbox/simulator                    simulated sales: rate and counts
    POST   /_sandbox/simulator                    {"sales_per_minute": R} (0 pauses),
                                                  {"changes": {"cancel": 0.05, ...}}
"""

from __future__ import annotations

import dataclasses
import json
import random
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tickettailor.sandbox.api import check_ins
from tickettailor.sandbox.api import order_lifecycle as lifecycle
from tickettailor.sandbox.api.issued_tickets import ISSUED_TICKETS, void_ticket
from tickettailor.sandbox.api.orders import ORDERS
from tickettailor.sandbox.api.reading import get_one
from tickettailor.sandbox.api.writing import Change
from tickettailor.sandbox.config import ChangeRates
from tickettailor.sandbox.errors import FORBIDDEN_BODY, ApiError
from tickettailor.sandbox.jsonenc import dumps_api
from tickettailor.sandbox.params import parse_id
from tickettailor.sandbox.store import BoxOffice

if TYPE_CHECKING:
    from tickettailor.sandbox.app import Sandbox

PREFIX = "/_sandbox"
MAX_ORDERS_PER_CALL = 1000


class ControlError(ApiError):
    def __init__(self, message: str, status: int = 400) -> None:
        code = {400: "VALIDATION_ERROR", 403: "FORBIDDEN", 404: "NOT_FOUND"}.get(status, "ERROR")
        super().__init__(status, code, message)


def _answer(status: int, body: Any) -> Response:
    return Response(dumps_api(body), status, media_type="application/json")


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise ControlError('The body must be JSON, e.g. {"count": 3}.') from None
    if not isinstance(body, dict):
        raise ControlError('The body must be a JSON object, e.g. {"count": 3}.')
    return body


def _int(
    body: dict[str, Any], name: str, low: int, high: int, default: int | None = None
) -> int | None:
    value = body.get(name, default)
    if value is None:
        return None
    whole = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if isinstance(value, bool) or not whole:
        raise ControlError(f"{name} must be a whole number, got {value!r}.")
    if not low <= int(value) <= high:
        raise ControlError(f"{name} must be between {low} and {high}, got {value!r}.")
    return int(value)


def _text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and (not isinstance(value, str) or not value.strip()):
        raise ControlError(f"{name} must be a non-empty text, got {value!r}.")
    return value


def _path_id(request: Request, prefix: str) -> int:
    oid = parse_id(request.path_params["oid"], prefix)
    if oid is None:
        raise ControlError(f"No such record: ids here look like {prefix}_123.", 404)
    return oid


class Control:
    """The handlers; ``rng`` makes the orders this API invents repeatable under a seed."""

    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox
        self.rng = random.Random(f"control:{sandbox.config.seed}")

    def box(self, request: Request) -> BoxOffice:
        from tickettailor.sandbox.app import parse_key  # app imports this module

        header = request.headers.get("authorization")
        if header is None:
            return self.sandbox.store.boxes[0]
        box = self.sandbox.box_for(parse_key(header))
        if box is None:
            raise ApiError(403, "FORBIDDEN", FORBIDDEN_BODY["message"])
        return box

    def now(self) -> int:
        return int(self.sandbox.clock())

    # ---- overview and clock -----------------------------------------------------------
    async def overview(self, _request: Request) -> Response:
        sim = self.sandbox.simulator
        sender = self.sandbox.webhooks
        return _answer(
            200,
            {
                "now": self.now(),
                "clock_offset": self.sandbox.clock.offset,
                "box_offices": [
                    {"number": b.number, "name": b.box["name"]} for b in self.sandbox.store.boxes
                ],
                "simulator": sim.describe() if sim is not None else None,
                "webhook_subscriptions": len(sender.subscriptions()) if sender else 0,
            },
        )

    async def clock(self, request: Request) -> Response:
        if request.method == "POST":
            body = await _body(request)
            if ("advance" in body) == ("set" in body):
                raise ControlError('Send {"advance": SECONDS} or {"set": UNIX_SECONDS}.')
            if "advance" in body:
                seconds = _int(body, "advance", -10 * 365 * 86400, 10 * 365 * 86400)
                self.sandbox.clock.advance(float(seconds or 0))
            else:
                self.sandbox.clock.set(float(_int(body, "set", 0, 10**10) or 0))
        return _answer(200, {"now": self.now(), "offset": self.sandbox.clock.offset})

    # ---- orders ---------------------------------------------------------------------------
    async def create_orders(self, request: Request) -> Response:
        """Body (all optional): ``event_id``, ``tickets`` {"tt_1": 2} (default one ticket of
        the first priced type with seats), ``count`` (orders, all in the same second),
        ``created_at`` (unix, back-dating) or ``ago`` (seconds), ``status``
        ("completed" or "pending"), ``buyer`` {first_name, last_name, email}."""
        box = self.box(request)
        body = await _body(request)
        count = _int(body, "count", 1, MAX_ORDERS_PER_CALL, 1) or 1
        now = self.now()
        at = _int(body, "created_at", 0, now)
        ago = _int(body, "ago", 0, 100 * 365 * 86400)
        if at is not None and ago is not None:
            raise ControlError("Send created_at or ago, not both.")
        created = at if at is not None else now - (ago or 0)
        status = body.get("status", "completed")
        if status not in ("completed", "pending"):
            raise ControlError(f'status must be "completed" or "pending", got {status!r}.')
        buyer = self._buyer(body.get("buyer"))
        event_raw = _text(body, "event_id")
        tickets = self._tickets(body.get("tickets"))

        def run(change: Change) -> list[int]:
            event_id = self._event(change, event_raw, created)
            made = []
            for _ in range(count):
                items = tickets or self._default_items(change, event_id)
                plan = lifecycle.OrderPlan(
                    event_id,
                    items,
                    buyer or lifecycle.random_buyer(self.rng),
                    created,
                    status=status,
                    paypal=self.rng.random() < 0.2,
                    txn_bits=self.rng.getrandbits(92),
                )
                made.append(lifecycle.create_order(change, plan))
            return made

        ids = self.sandbox.write(box, run)
        return _answer(201, {"data": self._orders(box, ids)})

    def _orders(self, box: BoxOffice, ids: list[int]) -> list[dict[str, Any]]:
        view = self.sandbox.view(box)
        return [get_one(view, ORDERS, f"or_{oid}") for oid in ids]

    @staticmethod
    def _buyer(raw: Any) -> lifecycle.Buyer | None:
        if raw is None:
            return None
        if not isinstance(raw, dict):
            raise ControlError('buyer must be {"first_name": ..., "last_name": ..., "email": ...}.')
        first, last, email = (_text(raw, k) for k in ("first_name", "last_name", "email"))
        if not first or not last or not email or "@" not in email:
            raise ControlError("buyer needs first_name, last_name and an email address.")
        return lifecycle.Buyer(first, last, email)

    @staticmethod
    def _tickets(raw: Any) -> list[tuple[int, int]] | None:
        if raw is None:
            return None
        items: list[tuple[int, int]] = []
        if isinstance(raw, dict):
            for key, qty in raw.items():
                tt = parse_id(str(key), "tt")
                if tt is None or isinstance(qty, bool) or not isinstance(qty, int) or qty < 1:
                    items = []
                    break
                items.append((tt, qty))
        if not items:
            raise ControlError('tickets must map ticket type ids to quantities: {"tt_123": 2}.')
        return items

    def _event(self, change: Change, raw: str | None, at: int) -> int:
        if raw is not None:
            oid = parse_id(raw, "ev")
            if oid is None or change.one("SELECT 1 FROM {p}events WHERE id = ?", (oid,)) is None:
                raise ControlError(f"No event {raw} in this box office.")
            return oid
        rows = change.query(
            "SELECT e.id FROM {p}events e WHERE e.status = 'published' AND e.start_at > ? AND "
            "EXISTS (SELECT 1 FROM {p}inventory i WHERE i.event_id = e.id AND "
            "i.total - i.issued - i.in_baskets - i.held > 0) ORDER BY e.id",
            (at,),
        )
        if not rows:
            raise ControlError(
                "No published event after that time has tickets left; pass event_id."
            )
        return int(self.rng.choice(rows)[0])

    @staticmethod
    def _default_items(change: Change, event_id: int) -> list[tuple[int, int]]:
        row = change.one(
            "SELECT i.tt_id FROM {p}inventory i JOIN {p}ticket_types t ON t.id = i.tt_id "
            "WHERE i.event_id = ? AND i.total - i.issued - i.in_baskets - i.held > 0 "
            "ORDER BY t.price = 0, t.sort_order, t.id LIMIT 1",
            (event_id,),
        )
        if row is None:
            raise ControlError(f"Event ev_{event_id} has no tickets left.")
        return [(int(row[0]), 1)]

    async def order_action(self, request: Request) -> Response:
        box = self.box(request)
        oid = _path_id(request, "or")
        action = request.path_params["action"]
        body = await _body(request)
        message = None
        if body.get("reason") is not None or body.get("staff") is not None:
            message = lifecycle.status_message(_text(body, "reason"), _text(body, "staff"))
        if action == "cancel":
            refund = _int(body, "refund_amount", 0, 10**10)
            self.sandbox.write(
                box,
                lambda change: lifecycle.cancel_order(change, oid, refund=refund, message=message),
            )
        elif action == "refund":
            amount = _int(body, "amount", 1, 10**10)
            self.sandbox.write(
                box, lambda change: lifecycle.refund_order(change, oid, amount, message=message)
            )
        elif action == "confirm-payment":
            txn = _text(body, "txn_id")
            self.sandbox.write(box, lambda change: lifecycle.confirm_payment(change, oid, txn))
        else:
            raise ControlError("Order actions are cancel, refund and confirm-payment.", 404)
        return _answer(200, self._orders(box, [oid])[0])

    async def delete_order(self, request: Request) -> Response:
        box = self.box(request)
        oid = _path_id(request, "or")
        self.sandbox.write(box, lambda change: lifecycle.delete_order(change, oid))
        return _answer(200, {"id": f"or_{oid}", "object": "order", "deleted": "true"})

    # ---- tickets ----------------------------------------------------------------------------
    async def void(self, request: Request) -> Response:
        box = self.box(request)
        tid = _path_id(request, "it")
        to_hold = (await _body(request)).get("to_hold", False)
        if not isinstance(to_hold, bool):
            raise ControlError("to_hold must be true or false.")
        hold = self.sandbox.write(box, lambda change: void_ticket(change, tid, to_hold=to_hold))
        return _answer(200, self._ticket(box, tid) | ({"hold_id": f"ho_{hold}"} if hold else {}))

    async def check_in(self, request: Request) -> Response:
        box = self.box(request)
        tid = _path_id(request, "it")
        body = await _body(request)
        quantity = _int(body, "quantity", -1, 1, 1)
        if quantity == 0:
            raise ControlError("quantity is 1 (check in) or -1 (check out).")
        at = _int(body, "at", 0, 10**10)
        cid = self.sandbox.write(
            box, lambda change: check_ins.check_in(change, tid, quantity or 1, at=at)
        )
        return _answer(201, get_one(self.sandbox.view(box), check_ins.CHECK_INS, f"ch_{cid}"))

    def _ticket(self, box: BoxOffice, tid: int) -> dict[str, Any]:
        return get_one(self.sandbox.view(box), ISSUED_TICKETS, f"it_{tid}")

    # ---- simulator ----------------------------------------------------------------------------
    async def simulator(self, request: Request) -> Response:
        if request.method == "POST":
            body = await _body(request)
            if "sales_per_minute" in body or "changes" not in body:
                rate = body.get("sales_per_minute")
                if (
                    isinstance(rate, bool)
                    or not isinstance(rate, int | float)
                    or not 0 <= rate <= 100_000
                ):
                    raise ControlError('Send {"sales_per_minute": R} with 0 <= R <= 100000.')
                self.sandbox.start_simulator(float(rate))
            if "changes" in body:
                running = self.sandbox.simulator or self.sandbox.start_simulator()
                running.set_changes(self._changes(running.simulator.changes, body["changes"]))
        sim = self.sandbox.simulator
        return _answer(200, sim.describe() if sim is not None else {"sales_per_minute": 0})

    @staticmethod
    def _changes(current: ChangeRates, raw: Any) -> ChangeRates:
        """The rates in ``raw`` (``{"cancel": 0.05}``) over the current ones."""
        names = ", ".join(vars(current))
        if not isinstance(raw, dict) or not set(raw) <= set(vars(current)):
            raise ControlError(f"changes is an object of rates per order sold ({names}).")
        if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in raw.values()):
            raise ControlError(f"changes: each rate is a number ({names}).")
        try:
            return dataclasses.replace(current, **{k: float(v) for k, v in raw.items()})
        except ValueError as e:
            raise ControlError(str(e)) from None


def _guard(
    handler: Callable[[Request], Awaitable[Response]],
) -> Callable[[Request], Awaitable[Response]]:
    async def run(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as e:
            return _answer(e.status, FORBIDDEN_BODY if e.status == 403 else e.body())

    return run


def box_office_routes(sandbox: Sandbox) -> list[Route]:
    control = Control(sandbox)
    table: list[tuple[str, Callable[[Request], Awaitable[Response]], list[str]]] = [
        ("", control.overview, ["GET"]),
        ("/clock", control.clock, ["GET", "POST"]),
        ("/orders", control.create_orders, ["POST"]),
        ("/orders/{oid}/{action}", control.order_action, ["POST"]),
        ("/orders/{oid}", control.delete_order, ["DELETE"]),
        ("/issued_tickets/{oid}/void", control.void, ["POST"]),
        ("/issued_tickets/{oid}/check_in", control.check_in, ["POST"]),
        ("/simulator", control.simulator, ["GET", "POST"]),
    ]
    return [
        Route(PREFIX + path, _guard(handler), methods=methods) for path, handler, methods in table
    ]
