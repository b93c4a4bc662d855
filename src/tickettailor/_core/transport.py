"""The client core: build requests, read responses, classify errors, decide retries.

``BaseCore`` holds everything that needs no I/O. ``SyncCore`` and ``AsyncCore`` are
the thin loops over it: reserve a slot in the rate budget, send, let the core turn the
outcome into a result or an error, and sleep and retry when the policy says so.
"""

from __future__ import annotations

import base64
import functools
import ipaddress
import json
import logging
import os
import platform
import re
import ssl
import zlib
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, replace
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _dist_version
from typing import Any, Required, TypedDict, Unpack
from urllib.parse import urlencode

import httpx2

from tickettailor._core.errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    BadRequestError,
    ConflictError,
    ForbiddenError,
    MalformedResponseError,
    NotFoundError,
    RateLimitError,
    ServerError,
    UsageError,
)
from tickettailor._core.forms import encode_form
from tickettailor._core.ratelimit import Clock, RateBudget, budget_for
from tickettailor._core.redact import excerpt, redact, register_secret
from tickettailor._core.retry import Failure, RetryPolicy

__all__ = [
    "ANNOUNCE_AFTER",
    "DEFAULT_BASE_URL",
    "DEFAULT_MAX_WAIT",
    "METHODS",
    "APIResponse",
    "AsyncCore",
    "BaseCore",
    "SyncCore",
    "Undecoded",
    "WaitHook",
    "normalize_base_url",
    "parse_url",
    "test_mode_from_env",
]

DEFAULT_BASE_URL = "https://api.tickettailor.com"
# The longest wait (a server's Retry-After, or pacing to the window's reset) sat
# through by default; a longer one raises RateLimitError with ``.retry_after``.
DEFAULT_MAX_WAIT = 120.0
# Waits at least this long are announced (log warning and ``on_wait``).
ANNOUNCE_AFTER = 3.0
# Connection refused on a loopback address: one quick retry, then the error.
_LOOPBACK_RETRY = 0.2
# on_wait(seconds, text): called before each long wait.
WaitHook = Callable[[float, str], None]
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
TEST_MODE_ENV = "TICKETTAILOR_TEST_MODE"

logger = logging.getLogger("tickettailor")

QueryValue = str | int | float | bool | None | Sequence[str | int]
Params = Mapping[str, QueryValue] | Sequence[tuple[str, str]]


def _user_agent() -> str:
    try:
        ours = _dist_version("tickettailor")
    except PackageNotFoundError:  # running from a source tree that is not installed
        ours = "0"
    return (
        f"tickettailor-python/{ours} (python {platform.python_version()}; "
        f"httpx2 {httpx2.__version__})"
    )


USER_AGENT = _user_agent()


def test_mode_from_env() -> bool:
    return os.environ.get(TEST_MODE_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


# An absolute URL starts with a scheme; "?next=http://x" in a path's query does not.
_ABSOLUTE = re.compile(r"^(?:[A-Za-z][A-Za-z0-9+.-]*:)?//")
_BAD_HEADER_TEXT = re.compile(r"[\r\n\x00]")


def parse_url(text: str, what: str) -> httpx2.URL:
    """``text`` as a URL; a malformed one (bad port, unclosed ``[``) is a UsageError
    naming ``what`` it was given as."""
    try:
        return httpx2.URL(text)
    except httpx2.InvalidURL as exc:
        raise UsageError(f"{what} {text!r} is not a valid URL ({exc}).") from None


def normalize_base_url(url: str) -> str:
    """The server root: scheme and host (and any proxy prefix), without ``/v1``."""
    text = url.strip().rstrip("/")
    example = f"use the server root, e.g. {DEFAULT_BASE_URL} or http://127.0.0.1:8765."
    try:
        parsed = httpx2.URL(text) if "://" in text else None
    except httpx2.InvalidURL as exc:
        raise UsageError(f"Base URL {url!r} is not a valid URL ({exc}): {example}") from None
    if parsed is None or parsed.scheme not in ("http", "https") or not parsed.host:
        raise UsageError(f"Base URL {url!r} is not an http(s) URL: {example}")
    if text.endswith("/v1"):
        text = text[: -len("/v1")]
    return text


@dataclass(frozen=True)
class APIResponse:
    """A raw API reply: status, headers, and the body parsed as JSON (text if not JSON).

    ``attempts``: the tries it took (1: no retry); ``waited``: the seconds the client
    waited before and between them (as on ``APIError``).
    """

    status_code: int
    headers: httpx2.Headers
    body: Any
    text: str = ""
    attempts: int = 1
    waited: float = 0.0

    def json(self) -> Any:
        """The body as JSON; raises MalformedResponseError when it is not JSON."""
        if isinstance(self.body, str):
            raise MalformedResponseError(
                f"The response ({self.status_code}) is not JSON.",
                status_code=self.status_code,
                body_text=self.text,
            )
        return self.body

    @property
    def is_success(self) -> bool:
        return 200 <= self.status_code < 300


_STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: ForbiddenError,
    403: ForbiddenError,
    404: NotFoundError,
    409: ConflictError,
    422: BadRequestError,
    429: RateLimitError,
}
_TAG = re.compile(r"<(script|style)\b.*?</\1>|<[^>]+>", re.DOTALL | re.IGNORECASE)
_SPACE = re.compile(r"\s+")
_ERRNO = re.compile(r"\[Errno -?\d+\] ")


def _html_text(text: str, limit: int = 300) -> str:
    """Readable text of an HTML error page (Cloudflare's, say), redacted and shortened."""
    return excerpt(_SPACE.sub(" ", _TAG.sub(" ", text)).strip(), limit)


def _parse_body(content: bytes) -> tuple[Any, str]:
    """(parsed JSON or the text, the text)."""
    text = content.decode("utf-8", errors="replace")
    if not text.strip():
        return None, text
    try:
        return json.loads(text), text
    except ValueError:
        return text, text


class Undecoded:
    """A 2xx reply's body, not decoded yet (``send(..., decode=False)``).

    List walks read the next page's cursor from ``content`` and send that request
    before paying for the decode (see ``_core/pagination.py``). The body is kept as it
    came over the wire (gzip: about a tenth of the size), inflated on first use, and
    the inflated copy let go once decoded: a page that waits costs only its wire bytes.
    """

    def __init__(
        self,
        wire: bytes,
        encoding: str,
        not_json: Callable[[str], MalformedResponseError],  # the error if it is not JSON
    ) -> None:
        self.wire = wire
        self.encoding = encoding
        self.not_json = not_json
        self._content: bytes | None = None if encoding in _ENCODINGS else wire

    @property
    def content(self) -> bytes:
        """The body, inflated (kept once inflated)."""
        if self._content is None:
            try:
                self._content = _inflate(self.wire, self.encoding)
            except zlib.error:
                raise self.not_json(f"({self.encoding} data that does not inflate)") from None
        return self._content

    def forget(self) -> None:
        """Let the inflated copy go (it is inflated again if needed): a page that waits
        costs only its wire bytes."""
        if self.encoding in _ENCODINGS:
            self._content = None

    def json(self) -> Any:
        """The parsed JSON; a ``MalformedResponseError`` as ``send`` would raise it.

        An inflated copy is let go: the JSON is what is used from now on."""
        content = self.content
        if self.encoding in _ENCODINGS:
            self._content = None
        body, text = _parse_body(content)
        if body is None or isinstance(body, str):
            raise self.not_json(text)
        return body


# Content encodings whose bytes are kept as they came (we ask for gzip and deflate).
_ENCODINGS = ("gzip", "deflate")
_WIRE = "tickettailor.wire"  # response extension: (bytes as received, content encoding)


def _inflate(wire: bytes, encoding: str) -> bytes:
    if encoding == "gzip":
        return zlib.decompress(wire, 16 + zlib.MAX_WBITS)
    try:  # deflate: zlib-wrapped as the standard says, or raw as some servers send it
        return zlib.decompress(wire)
    except zlib.error:
        return zlib.decompress(wire, -zlib.MAX_WBITS)


def _keeps_wire(response: httpx2.Response) -> str | None:
    """The content encoding of a 2xx body to keep as it comes (None: read it as usual)."""
    encoding = response.headers.get("content-encoding", "").strip().lower()
    keep = response.is_success and not response.is_stream_consumed
    return encoding if keep and encoding in (*_ENCODINGS, "", "identity") else None


def _read(response: httpx2.Response) -> httpx2.Response:
    """Read a streamed response's body: a 2xx one as it came (in
    ``response.extensions``), not inflated."""
    try:
        if (encoding := _keeps_wire(response)) is not None:
            response.extensions[_WIRE] = (b"".join(response.iter_raw()), encoding)
        else:
            response.read()
    finally:
        response.close()
    return response


async def _aread(response: httpx2.Response) -> httpx2.Response:
    """``_read``, for the async client."""
    try:
        if (encoding := _keeps_wire(response)) is not None:
            parts = [part async for part in response.aiter_raw()]
            response.extensions[_WIRE] = (b"".join(parts), encoding)
        else:
            await response.aread()
    finally:
        await response.aclose()
    return response


# The retry loop's plan: see ``BaseCore.attempts``.
Attempts = Generator[
    float | APIResponse | None, httpx2.Response | httpx2.TransportError | None, None
]


class BaseCore:
    """Request building, response classification and retry decisions, without I/O."""

    def __init__(
        self,
        *,
        api_key: str,
        base_url: str = DEFAULT_BASE_URL,
        timeout: float | httpx2.Timeout = 30.0,
        max_retries: int = 5,
        max_wait: float = DEFAULT_MAX_WAIT,
        on_wait: WaitHook | None = None,
        test_mode: bool | None = None,
        budget: RateBudget | None = None,
        retry: RetryPolicy | None = None,
        tz: str | None = None,
    ) -> None:
        if not api_key or not api_key.strip():
            raise UsageError("The API key is empty: pass api_key= or set TICKETTAILOR_API_KEY.")
        self._key = api_key.strip()
        self.root = normalize_base_url(base_url)
        self.api_root = self.root + "/v1"
        self.timeout = timeout if isinstance(timeout, httpx2.Timeout) else httpx2.Timeout(timeout)
        if isinstance(max_wait, bool) or not isinstance(max_wait, int | float) or max_wait < 0:
            raise UsageError(f"max_wait must be a number of seconds, 0 or more; got {max_wait!r}.")
        self.retry = retry or RetryPolicy(max_retries=max_retries, max_wait=float(max_wait))
        self.on_wait = on_wait
        self.clock = Clock(instant=test_mode_from_env() if test_mode is None else test_mode)
        self.budget = budget or budget_for(self._key, self.api_root)
        self.tz = tz
        token = base64.b64encode(f"{self._key}:".encode()).decode()
        self._auth = f"Basic {token}"
        # From now on no error, log line or state column of this process shows the key.
        register_secret(self._key)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.root!r})"

    def tls(self) -> ssl.SSLContext | bool:
        """How the HTTP client checks certificates: against the system's CAs (True) for
        an https server. For a plain http:// one (the sandbox, a local test server) a
        context that trusts no CA: loading the CAs costs ~20 ms of start-up for nothing,
        and should an https request ever be made, it fails verification rather than
        skipping it."""
        if self.root.startswith("https://"):
            return True
        return ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # verifies, and trusts nothing

    # -- requests --------------------------------------------------------------------

    def url_for(self, path: str) -> httpx2.URL:
        """The URL of ``path``: relative to the API root, with or without ``/v1``.

        An absolute URL is accepted only on the configured server, so the key is never
        sent to another host.
        """
        text = path.strip()
        if _ABSOLUTE.match(text):
            url = parse_url(text, "The path")
            root = httpx2.URL(self.root)
            if (url.scheme, url.host, url.port) != (root.scheme, root.host, root.port):
                raise UsageError(
                    f"Refusing to send the API key to {url.scheme}://{url.host}: "
                    f"the client is configured for {self.root}. Pass a path such as "
                    "/v1/orders, or set base_url to that server."
                )
            return url
        if not text.startswith("/"):
            text = "/" + text
        if text == "/v1" or text.startswith(("/v1/", "/v1?")):
            return parse_url(self.root + text, "The path")
        return parse_url(self.api_root + text, "The path")

    def build_request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, object] | None = None,
        json_body: Any = None,
        content: bytes | str | None = None,
    ) -> httpx2.Request:
        verb = method.strip().upper()
        if verb not in METHODS:
            raise UsageError(f"Method {method!r} is not one of {', '.join(METHODS)}.")
        given = [name for name, v in (("data", data), ("json", json_body)) if v is not None]
        if content is not None:
            given.append("content")
        if len(given) > 1:
            raise UsageError(f"Pass only one body: got {' and '.join(given)}.")
        all_headers = httpx2.Headers(
            {
                "Accept": "application/json",
                # The API gzips when asked: a page of 100 orders shrinks about tenfold.
                "Accept-Encoding": "gzip, deflate",
                "User-Agent": USER_AGENT,
            }
        )
        body: bytes | None = None
        if data is not None:
            body = urlencode(encode_form(data)).encode()
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            body = json.dumps(json_body).encode()
            all_headers["Content-Type"] = "application/json"
        elif content is not None:
            body = content.encode() if isinstance(content, str) else content
        for name, value in (headers or {}).items():
            if name.lower() == "authorization":
                raise UsageError("Do not pass an Authorization header: the client adds it.")
            if _BAD_HEADER_TEXT.search(name) or _BAD_HEADER_TEXT.search(value):
                raise UsageError(
                    f"Header {name!r} holds a line break or NUL, which HTTP does not allow: "
                    "give each header on one line."
                )
            all_headers[name] = value
        all_headers["Authorization"] = self._auth
        return httpx2.Request(
            verb, self.url_for(path), params=_query(params), headers=all_headers, content=body
        )

    # -- responses -------------------------------------------------------------------

    def scrub(self, text: str) -> str:
        return redact(text)

    def outcome(
        self,
        request: httpx2.Request,
        response: httpx2.Response,
        *,
        expect_json: bool,
        budget: RateBudget,
        decode: bool = True,
    ) -> APIResponse | APIError:
        """The reply as an APIResponse, or the error it amounts to (not raised).

        ``decode=False``: a 2xx body is left ``Undecoded`` (``expect_json`` is checked
        when it is decoded)."""
        if response.status_code == 429 and "retry-after" in response.headers:
            # The server's own wait wins over the window's count: a "0 left, resets in
            # 873 s" on a 429 that says "retry after 1 s" must not hold us for 873 s.
            # The next reply tells the budget where the window stands.
            budget.forget_window()
        else:
            budget.update(response.headers, self.clock.now())
        status = response.status_code
        request_id = response.headers.get("cf-ray") or response.headers.get("x-request-id")
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %s (rate limit remaining %s)",
                request.method,
                self.scrub(str(request.url)),
                status,
                response.headers.get("x-rate-limit-remaining", "?"),
            )
        success = 200 <= status < 300
        if success and not decode:
            not_json = functools.partial(self._not_json, request, status, request_id)
            wire, encoding = response.extensions.get(_WIRE) or (response.content, "")
            return APIResponse(status, response.headers, Undecoded(wire, encoding, not_json))
        body, text = _parse_body(response.content)
        if success:
            if expect_json and (body is None or isinstance(body, str)):
                return self._not_json(request, status, request_id, text)
            return APIResponse(status, response.headers, body, text)
        return self._status_error(request, response, body, text, request_id)

    def _not_json(
        self, request: httpx2.Request, status: int, request_id: str | None, text: str
    ) -> MalformedResponseError:
        return MalformedResponseError(
            f"{request.method} {request.url.path} returned {status} but the body is "
            f"not JSON: {_html_text(text, 120) or '(empty)'}",
            request=request,
            status_code=status,
            body_text=self.scrub(text),
            request_id=request_id,
        )

    def _status_error(
        self,
        request: httpx2.Request,
        response: httpx2.Response,
        body: Any,
        text: str,
        request_id: str | None,
    ) -> APIStatusError:
        status = response.status_code
        fields: dict[str, Any] = {}
        if isinstance(body, dict):
            message = str(body.get("message") or response.reason_phrase)
            fields = {
                "error_code": body.get("error_code"),
                "hint": body.get("hint"),
                "errors": body.get("errors") if isinstance(body.get("errors"), list) else None,
            }
        elif 300 <= status < 400:
            message = f"unexpected redirect to {response.headers.get('location', '?')}"
        else:
            message = _html_text(text) or response.reason_phrase or "no body"
        cls = _STATUS_ERRORS.get(status, ServerError if status >= 500 else APIStatusError)
        kwargs: dict[str, Any] = {
            "status_code": status,
            "request": request,
            "headers": response.headers,
            "body": body if not isinstance(body, str) else self.scrub(body),
            "request_id": request_id,
            **fields,
        }
        if cls is RateLimitError:
            kwargs["retry_after"] = self.retry.server_wait(
                Failure(status=status, headers=response.headers)
            )
        return cls(self.scrub(message), **kwargs)

    def connection_error(self, request: httpx2.Request, exc: httpx2.HTTPError) -> APIError:
        detail = self.scrub(str(exc)) or type(exc).__name__
        where = f"{request.method} {request.url.scheme}://{request.url.host}{request.url.path}"
        unsent = isinstance(exc, httpx2.ConnectError | httpx2.ConnectTimeout | httpx2.PoolTimeout)
        reason = _ERRNO.sub("", detail).strip()
        if isinstance(exc, httpx2.TimeoutException):
            return APITimeoutError(
                f"{where} timed out ({type(exc).__name__}: {detail}).",
                request=request,
                unsent=unsent,
                reason=reason,
            )
        return APIConnectionError(
            f"Could not reach {where} ({type(exc).__name__}: {detail}).",
            request=request,
            unsent=unsent,
            reason=reason,
        )

    def budget_of(self, request: httpx2.Request) -> RateBudget:
        """The budget a request spends: the key's, or the separate bucket of the one
        endpoint the API limits on its own (30 issued memberships an hour)."""
        if request.method == "POST" and request.url.path.rstrip("/").endswith(
            "/v1/issued_memberships"
        ):
            return budget_for(self._key, self.api_root + "#issued_memberships.create")
        return self.budget

    def next_wait(
        self, attempt: int, error: APIError, *, idempotent: bool, budget: RateBudget
    ) -> float | None:
        """Seconds to wait before retrying after ``error``, or None to raise it."""
        if isinstance(error, APIStatusError):
            failure = Failure(status=error.status_code, headers=error.headers)
        elif isinstance(error, APIConnectionError):
            failure = Failure(connect_failed=error.unsent)
        else:  # a malformed 2xx: the request worked, repeating it will not fix the body
            return None
        wait = self.retry.decide(attempt, failure, idempotent=idempotent)
        retries = self.retry.max_retries
        if wait is not None and self._refused_on_loopback(error):
            retries = 1
            wait = None if attempt >= retries else _LOOPBACK_RETRY
        if isinstance(error, RateLimitError) and wait is not None:
            budget.block(wait, self.clock.now())
            if wait >= ANNOUNCE_AFTER:
                self.announce(wait, "rate limited (429): waiting {} as the server asked")
                return wait
        if wait is not None:
            logger.info(
                "Retrying %s %s in %.2fs after %s (retry %d of %d)",
                error.request.method if error.request else "?",
                error.request.url.path if error.request else "?",
                wait,
                _what_failed(error),
                attempt + 1,
                retries,
            )
        return wait

    @staticmethod
    def _refused_on_loopback(error: APIError) -> bool:
        """Nothing listens on a loopback address: retrying for seconds will not help
        (the sandbox is not running, or the port is wrong)."""
        if not isinstance(error, APIConnectionError) or not error.unsent:
            return False
        host = error.request.url.host if error.request is not None else ""
        return "refused" in error.reason.lower() and _is_loopback(host)

    def attempts(
        self,
        request: httpx2.Request,
        *,
        idempotent: bool,
        expect_json: bool = True,
        raise_for_status: bool = True,
        decode: bool = True,
    ) -> Attempts:
        """The retry loop, written once for both drivers. It yields seconds to sleep,
        None to have ``request`` sent (answered with the response or the
        ``TransportError``), and last the ``APIResponse``; it raises the final error
        (a final non-2xx is an ``APIResponse`` with ``raise_for_status=False``)."""
        attempt, waited = 0, 0.0
        budget = self.budget_of(request)
        while True:
            pause = float(self.pacing_wait(budget))
            waited += pause
            yield pause
            got = yield None
            if isinstance(got, httpx2.TransportError):
                result: APIResponse | APIError = self.connection_error(request, got)
            else:
                assert got is not None  # the drivers answer a send with what came back
                result = self.outcome(
                    request, got, expect_json=expect_json, budget=budget, decode=decode
                )
            if attempt or waited:  # the first try with no wait keeps the defaults
                result = tally(result, attempt + 1, waited)
            if isinstance(result, APIResponse):
                yield result
                return
            wait = self.next_wait(attempt, result, idempotent=idempotent, budget=budget)
            if wait is None and not raise_for_status and isinstance(result, APIStatusError):
                yield _error_response(result)
                return
            if wait is None:
                raise result from None  # the httpx2 cause would carry the auth header
            yield float(wait)
            attempt, waited = attempt + 1, waited + wait

    def pacing_wait(self, budget: RateBudget) -> float:
        """Claim a call from the budget; the seconds to wait first (announced when long).

        Raises RateLimitError (``.retry_after`` set) when the wait is over ``max_wait``.
        """
        now = self.clock.now()
        wait = budget.reserve(now)
        if wait <= 0:
            return 0.0
        if now < budget.blocked_until:
            reason = "rate limited (429): waiting {} as the server asked"
        elif budget.remaining is not None and budget.remaining <= 0:
            reason = "rate limited: waiting {} for the window to reset"
        else:
            reason = "rate limit nearly used: waiting {} to spread the calls left"
        if wait > self.retry.max_wait:
            raise RateLimitError(
                f"{reason.format(_duration(wait))}, longer than max_wait "
                f"({_duration(self.retry.max_wait)}): try again later",
                status_code=429,
                retry_after=wait,
            )
        if wait >= ANNOUNCE_AFTER:
            self.announce(wait, reason)
        return wait

    def announce(self, wait: float, reason: str) -> None:
        """Say that a long wait starts: on the log (a terminal shows it) and the hook."""
        text = reason.format(_duration(wait)) + "; Ctrl-C to stop"
        logger.warning("%s", text)
        if self.on_wait is not None:
            self.on_wait(wait, text)


def _what_failed(error: APIError) -> str:
    """``RateLimitError (429)``, ``APIConnectionError (Connection refused)``."""
    if isinstance(error, APIStatusError):
        return f"{type(error).__name__} ({error.status_code})"
    reason = getattr(error, "reason", "")
    return f"{type(error).__name__} ({reason})" if reason else type(error).__name__


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return host.lower() == "localhost"


def _duration(seconds: float) -> str:
    """``14m33s``, ``2h05m``, ``8s``, ``0.5s``."""
    if seconds < 10:
        return f"{seconds:.1f}".rstrip("0").rstrip(".") + "s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole}s"
    if whole < 3600:
        return f"{whole // 60}m{whole % 60:02d}s"
    return f"{whole // 3600}h{whole % 3600 // 60:02d}m"


def _query(params: Params | None) -> httpx2.QueryParams | None:
    """Query pairs in the order given; lists become the API's comma lists."""
    if params is None:
        return None
    items = params.items() if isinstance(params, Mapping) else params
    pairs: list[tuple[str, str]] = []
    for name, value in items:
        if value is None:
            continue
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, list | tuple):
            text = ",".join(str(v) for v in value)
        else:
            text = str(value)
        pairs.append((name, text))
    return httpx2.QueryParams(tuple(pairs))


class SendOptions(TypedDict, total=False):
    idempotent: Required[bool]  # safe to send again after a failure
    expect_json: bool  # a 2xx must be JSON (default True)
    raise_for_status: bool  # a final non-2xx raises (default True)
    decode: bool  # False: a 2xx body is left ``Undecoded`` (default True)


def _error_response(error: APIStatusError) -> APIResponse:
    body = error.body
    text = body if isinstance(body, str) else json.dumps(body) if body is not None else ""
    return APIResponse(error.status_code, error.headers, body, text)


def _sent(send: Callable[[], httpx2.Response]) -> httpx2.Response | httpx2.TransportError:
    try:
        return send()
    except httpx2.TransportError as exc:
        return exc


class SyncCore(BaseCore):
    """The blocking loop: budget, send, classify, retry."""

    def __init__(self, *, transport: httpx2.BaseTransport | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self._http = httpx2.Client(transport=transport, timeout=self.timeout, verify=self.tls())

    def send(self, request: httpx2.Request, **how: Unpack[SendOptions]) -> APIResponse:
        """Send with retries (see ``BaseCore.attempts``)."""
        plan = self.attempts(request, **how)
        wire = not how.get("decode", True)
        step = next(plan)
        while not isinstance(step, APIResponse):
            step = self._step(plan, step, request, wire)
        return step

    def _step(self, plan: Attempts, step: float | None, request: httpx2.Request, wire: bool) -> Any:
        if step is None:
            return plan.send(_sent(lambda: self._receive(request, wire)))
        self.clock.sleep(step)
        return next(plan)

    def _receive(self, request: httpx2.Request, wire: bool) -> httpx2.Response:
        if not wire:
            return self._http.send(request)
        return _read(self._http.send(request, stream=True))

    def close(self) -> None:
        self._http.close()


class AsyncCore(BaseCore):
    """The asyncio loop: budget, send, classify, retry."""

    def __init__(self, *, transport: httpx2.AsyncBaseTransport | None = None, **kw: Any) -> None:
        super().__init__(**kw)
        self._http = httpx2.AsyncClient(
            transport=transport, timeout=self.timeout, verify=self.tls()
        )

    async def send(self, request: httpx2.Request, **how: Unpack[SendOptions]) -> APIResponse:
        """Send with retries (see ``BaseCore.attempts``)."""
        plan = self.attempts(request, **how)
        wire = not how.get("decode", True)
        step = next(plan)
        while not isinstance(step, APIResponse):
            if step is not None:
                await self.clock.asleep(step)
                step = next(plan)
                continue
            got: httpx2.Response | httpx2.TransportError
            try:
                got = await self._receive(request, wire)
            except httpx2.TransportError as exc:
                got = exc
            step = plan.send(got)
        return step

    async def _receive(self, request: httpx2.Request, wire: bool) -> httpx2.Response:
        if not wire:
            return await self._http.send(request)
        return await _aread(await self._http.send(request, stream=True))

    async def aclose(self) -> None:
        await self._http.aclose()


def tally(result: APIResponse | APIError, attempts: int, waited: float) -> APIResponse | APIError:
    """``result`` marked with the tries and the waiting behind it (see ``APIError``)."""
    if isinstance(result, APIResponse):
        return replace(result, attempts=attempts, waited=waited)
    result.attempts, result.waited = attempts, waited
    return result
