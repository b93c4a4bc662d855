"""The control API's event routes: the organiser changing an event after it was published
(not part of the real API, where this happens in the dashboard). Each answers the event
as ``GET /v1/events/{id}`` now shows it and sends ``EVENT.UPDATED``.

    POST /_sandbox/events/{id}/move       {"start_at": UNIX} or {"by": SECONDS}
    POST /_sandbox/events/{id}/status     {"status": "draft" | "published" | "sales_closed"}
    POST /_sandbox/events/{id}/sold-out   {}: every ticket type's seats are gone
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from tickettailor.sandbox.api import event_changes
from tickettailor.sandbox.api.events import EVENTS
from tickettailor.sandbox.api.reading import get_one
from tickettailor.sandbox.control.box_office import (
    PREFIX,
    Control,
    ControlError,
    _answer,
    _body,
    _guard,
    _int,
    _path_id,
)

if TYPE_CHECKING:
    from tickettailor.sandbox.app import Sandbox

_TEN_YEARS = 10 * 365 * 86400


async def _operation(request: Request) -> event_changes.Operation:
    eid = _path_id(request, "ev")
    action = request.path_params["action"]
    body = await _body(request)
    if action == "move":
        if ("start_at" in body) == ("by" in body):
            raise ControlError('Send {"start_at": UNIX_SECONDS} or {"by": SECONDS}.')
        if "by" in body:
            by = _int(body, "by", -_TEN_YEARS, _TEN_YEARS) or 0
            return lambda change: event_changes.move_event_by(change, eid, by)
        start = _int(body, "start_at", 1, 10**10) or 0
        return lambda change: event_changes.move_event(change, eid, start)
    if action == "status":
        status = body.get("status")
        if status not in event_changes.STATUSES:
            raise ControlError(
                f"status must be one of {', '.join(event_changes.STATUSES)}, got {status!r}."
            )
        return lambda change: event_changes.set_event_status(change, eid, str(status))
    if action == "sold-out":
        return lambda change: event_changes.sell_out(change, eid)
    raise ControlError("Event actions are move, status and sold-out.", 404)


def event_routes(sandbox: Sandbox, control: Control) -> list[Route]:
    async def event_action(request: Request) -> Response:
        box = control.box(request)
        operation = await _operation(request)
        eid = _path_id(request, "ev")
        sandbox.write(box, operation)
        return _answer(200, get_one(sandbox.view(box), EVENTS, f"ev_{eid}"))

    return [Route(PREFIX + "/events/{oid}/{action}", _guard(event_action), methods=["POST"])]
