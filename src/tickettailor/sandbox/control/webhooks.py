"""The control API's webhook routes under ``/_sandbox/webhooks``: register
subscriptions and read the delivery log of the :class:`WebhookSender`."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tickettailor.sandbox.webhook_sender import WebhookConfigError, WebhookSender


def _error(status: int, message: str) -> JSONResponse:
    error_code = "NOT_FOUND" if status == 404 else "VALIDATION_ERROR"
    return JSONResponse(
        {"status": status, "error_code": error_code, "message": message}, status_code=status
    )


async def _json_object(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except ValueError as error:
        raise WebhookConfigError(f"request body is not valid JSON ({error})") from None
    if not isinstance(body, dict):
        raise WebhookConfigError("request body must be a JSON object")
    return body


def webhook_routes(sender: WebhookSender, prefix: str = "/_sandbox/webhooks") -> list[Route]:
    """Starlette routes to register webhooks and read the delivery log.

    GET    {prefix}                                  subscriptions and deliveries
    POST   {prefix}          {"url", "events"?, "secret"?}   register (201)
    DELETE {prefix}/{id}                             remove a subscription
    POST   {prefix}/{id}/enable                      switch a disabled one back on
    POST   {prefix}/deliveries/{id}/resend  {"stale_seconds"?}  duplicate / stale send
    """

    async def overview(_request: Request) -> JSONResponse:
        return JSONResponse(
            {
                "subscriptions": [s.describe() for s in sender.subscriptions()],
                "deliveries": sender.deliveries(),
            }
        )

    async def register(request: Request) -> JSONResponse:
        try:
            body = await _json_object(request)
            url, events, secret = body.get("url"), body.get("events") or [], body.get("secret")
            if isinstance(events, str):
                events = events.split(",")
            if (
                not isinstance(url, str)
                or not isinstance(events, list)
                or (secret is not None and not isinstance(secret, str))
            ):
                raise WebhookConfigError(
                    'send {"url": "http://host/path", "events": ["ORDER.CREATED"], '
                    '"secret": "..."}; events and secret are optional'
                )
            subscription = sender.subscribe(url, [str(e) for e in events], secret)
        except WebhookConfigError as error:
            return _error(400, str(error))
        return JSONResponse(subscription.describe(), status_code=201)

    async def remove(request: Request) -> JSONResponse:
        sub_id = request.path_params["sub_id"]
        try:
            sender.remove(sub_id)
        except WebhookConfigError as error:
            return _error(404, str(error))
        return JSONResponse({"id": sub_id, "deleted": "true"})

    async def enable(request: Request) -> JSONResponse:
        try:
            subscription = sender.enable(request.path_params["sub_id"])
        except WebhookConfigError as error:
            return _error(404, str(error))
        return JSONResponse(subscription.describe())

    async def resend(request: Request) -> JSONResponse:
        delivery_id = request.path_params["delivery_id"]
        try:
            stale = (await _json_object(request)).get("stale_seconds", 0)
            if isinstance(stale, bool) or not isinstance(stale, int | float):
                raise WebhookConfigError("stale_seconds must be a number of seconds, e.g. 600")
            if sender.delivery(delivery_id) is None:
                return _error(404, f"no webhook delivery {delivery_id!r} in the log")
            sender.resend(delivery_id, stale_seconds=float(stale))
        except WebhookConfigError as error:
            return _error(400, str(error))
        return JSONResponse({"id": delivery_id, "queued": "true"}, status_code=202)

    return [
        Route(prefix, overview, methods=["GET"]),
        Route(prefix, register, methods=["POST"]),
        Route(prefix + "/deliveries/{delivery_id}/resend", resend, methods=["POST"]),
        Route(prefix + "/{sub_id}", remove, methods=["DELETE"]),
        Route(prefix + "/{sub_id}/enable", enable, methods=["POST"]),
    ]
