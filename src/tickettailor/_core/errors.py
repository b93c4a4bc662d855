"""The exception tree shared by the library, the CLI and the watch engine.

Every error the package raises on purpose is a ``TicketTailorError``. None of them
ever carries the API key: requests are stored with their ``Authorization`` header
removed, and every text an error holds (its message, and each field copied from a
reply: hint, error code, field errors, body, headers) goes through ``redact`` when the
error is built, since a server may echo the key back.
"""

from __future__ import annotations

from typing import Any

import httpx2

from tickettailor._core.redact import redact, redact_value

__all__ = [
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "BadRequestError",
    "ConflictError",
    "DateParseError",
    "ForbiddenError",
    "MalformedResponseError",
    "MissingKeyError",
    "NotFoundError",
    "PaginationError",
    "RateLimitError",
    "ServerError",
    "StateError",
    "TicketTailorError",
    "UsageError",
    "WatchError",
    "WebhookSignatureError",
    "redact_request",
]

_SECRET_HEADERS = ("authorization", "proxy-authorization", "cookie")


def redact_request(request: httpx2.Request | None) -> httpx2.Request | None:
    """A copy of ``request`` without credentials, safe to keep on an error or log."""
    if request is None:
        return None
    headers = httpx2.Headers(
        [(k, v) for k, v in request.headers.multi_items() if k.lower() not in _SECRET_HEADERS]
    )
    # The body of a GET is empty and the form bodies we send hold no secrets, but the
    # content may be a stream that was already consumed: keep the bytes only if read.
    try:
        content = request.content
    except httpx2.RequestNotRead:
        content = b""
    return httpx2.Request(request.method, request.url, headers=headers, content=content)


class TicketTailorError(Exception):
    """Base class of every error raised by tickettailor. Its text is always redacted."""

    def __init__(self, *args: object) -> None:
        super().__init__(*(redact_value(arg) for arg in args))


def _clean_headers(headers: httpx2.Headers | None) -> httpx2.Headers:
    if headers is None:
        return httpx2.Headers()
    return httpx2.Headers([(k, redact(v)) for k, v in headers.multi_items()])


class APIError(TicketTailorError):
    """A call to the API failed. ``.request`` is the request, credentials removed.

    ``.attempts``: the tries the client made for this call, the failed last one
    included (1: it was not retried); ``.waited``: the seconds it waited in between and
    before them (retry waits and rate-limit pacing, on the client's clock).
    """

    attempts: int = 1
    waited: float = 0.0

    def __init__(self, message: str, *, request: httpx2.Request | None = None) -> None:
        super().__init__(message)
        self.message = redact(message)
        self.request = redact_request(request)

    def __str__(self) -> str:
        return self.message

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class APIConnectionError(APIError):
    """The API could not be reached, or the connection broke before a reply.

    ``.unsent`` is True when the request surely never reached the server (the
    connection could not be made), so even a write is safe to repeat. ``.reason`` is
    the network's own words, e.g. "Connection refused" (empty when unknown).
    """

    def __init__(
        self,
        message: str,
        *,
        request: httpx2.Request | None = None,
        unsent: bool = False,
        reason: str = "",
    ) -> None:
        super().__init__(message, request=request)
        self.unsent = unsent
        self.reason = redact(reason)


class APITimeoutError(APIConnectionError):
    """The API did not answer within the timeout."""


class MalformedResponseError(APIError):
    """The reply was not JSON, or not the shape the endpoint documents."""

    def __init__(
        self,
        message: str,
        *,
        request: httpx2.Request | None = None,
        status_code: int | None = None,
        body_text: str = "",
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, request=request)
        self.status_code = status_code
        self.body_text = redact(body_text)
        self.request_id = redact(request_id) if request_id else request_id


class APIStatusError(APIError):
    """The API answered with a non-2xx status.

    ``.message`` is the API's own message (or the start of a non-JSON body),
    ``.error_code`` e.g. ``"FORBIDDEN"``, ``.errors`` the field errors of a validation
    failure, ``.request_id`` the CF-RAY / X-Request-Id to quote to support.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        request: httpx2.Request | None = None,
        error_code: str | None = None,
        hint: str | None = None,
        errors: list[dict[str, Any]] | None = None,
        headers: httpx2.Headers | None = None,
        body: Any = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message, request=request)
        self.status_code = status_code
        self.error_code = _text(error_code)
        self.hint = _text(hint)
        self.errors: list[dict[str, Any]] = redact_value(errors or [])
        self.headers = _clean_headers(headers)
        self.body = redact_value(body)
        self.request_id = _text(request_id)

    def __str__(self) -> str:
        parts = [f"{self.status_code}"]
        if self.error_code:
            parts.append(self.error_code)
        text = " ".join(parts) + f": {self.message}"
        for item in self.errors:
            field = item.get("field", "?")
            messages = item.get("messages") or []
            text += f"\n  {field}: {'; '.join(str(m) for m in messages)}"
        if self.hint:
            text += f"\nHint: {self.hint}"
        if self.request_id:
            text += f"\n(request id {self.request_id})"
        return text

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status_code={self.status_code}, "
            f"error_code={self.error_code!r}, message={self.message!r}, "
            f"request_id={self.request_id!r})"
        )


def _text(value: Any) -> str | None:
    """A field copied from a reply, as redacted text (None stays None)."""
    return None if value is None else redact(str(value))


class BadRequestError(APIStatusError):
    """400 or 422: the API rejected the parameters. ``.errors`` lists the fields."""


class ForbiddenError(APIStatusError):
    """401 or 403: the key was rejected or lacks permission (the API cannot tell which)."""


class NotFoundError(APIStatusError):
    """404: no such object or route."""


class ConflictError(APIStatusError):
    """409: the change conflicts with the object's state (e.g. a blocked delete)."""


class RateLimitError(APIStatusError):
    """429: the rate limit was reached. ``.retry_after`` is in seconds when known."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: Any) -> None:
        super().__init__(message, **kw)
        self.retry_after = retry_after


class ServerError(APIStatusError):
    """5xx: the API failed on its side."""


class DateParseError(TicketTailorError, ValueError):
    """A date or time given by the caller could not be read. Never sent to the API."""


class UsageError(TicketTailorError, ValueError):
    """The caller used the library wrongly (bad argument, foreign URL). Never sent."""


class PaginationError(TicketTailorError):
    """The API returned a cursor already seen; walking on would loop forever."""


class WebhookSignatureError(TicketTailorError):
    """An inbound webhook's signature is missing, stale or wrong."""


class WatchError(TicketTailorError):
    """The watch engine cannot proceed."""


class StateError(WatchError):
    """The watch state is foreign, from a newer version, or locked by another process."""


class MissingKeyError(UsageError):
    """No API key was given and none is configured (no variable, no saved profile).

    Its own class so that a front end (the command line) can say how to give one in its
    own terms.
    """
