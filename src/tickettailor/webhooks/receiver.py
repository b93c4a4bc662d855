"""The HTTP side: verify on the raw bytes, store durably, then answer 2xx.

``create_app(settings, writer)`` is an ASGI app with one route, ``POST <path>``:

1. read the raw body (at most ``max_body`` bytes, within ``body_timeout`` seconds);
2. check ``Tickettailor-Webhook-Signature`` over those exact bytes;
3. parse and check the delivery (JSON, its fields, a known event type);
4. hand it to the ``InboxWriter`` and wait until its transaction is committed;
5. answer 200 (``stored`` or ``duplicate``). Anything refused gets a 4xx with the
   reason in the body and the log, and nothing is stored; a storage failure is a 503,
   so Ticket Tailor retries what we did not keep.

The writer thread commits whatever has queued up in one transaction (group commit),
so concurrent deliveries share one fsync; when more deliveries are being read and
checked at that moment, it waits for them (at most ``JOIN``) to share it too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import queue
import signal
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import httpx2
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from tickettailor._core.errors import UsageError, WebhookSignatureError
from tickettailor.watch.jsonfast import dumps
from tickettailor.webhooks.events import (
    BadDelivery,
    Delivery,
    check_delivery,
    parse_delivery,
    route,
)
from tickettailor.webhooks.inbox import Inbox, NewDelivery, Write
from tickettailor.webhooks.signature import MAX_AGE, MAX_SKEW, SIGNATURE_HEADER, verify

__all__ = ["InboxWriter", "ReceiverSettings", "create_app"]

log = logging.getLogger("tickettailor.webhooks")

_BATCH = 256
ACCEPTED = "tickettailor_accepted"  # log records of accepted deliveries carry this attribute
CRASH_ENV = "TICKETTAILOR_WEBHOOK_CRASH_AT"
CRASH_ALSO: int | None = None  # in the receiver's own process: the parent's pid (process.py)


@dataclass
class ReceiverSettings:
    """How the receiver checks requests. ``secret`` None needs ``allow_unsigned``."""

    secret: str | None = field(default=None, repr=False)
    path: str = "/tickettailor"
    allow_unsigned: bool = False
    resources: tuple[str, ...] = ("orders", "issued-tickets", "events")  # watches fed
    max_body: int = 1_048_576
    body_timeout: float = 10.0
    max_age: float = MAX_AGE
    max_skew: float = MAX_SKEW
    api_root: str | None = None  # with --refetch: resource_url must be on this server
    clock: Callable[[], float] = time.time
    header_timeout: float = 10.0  # seconds for a request's headers (see connections.py)
    max_waiting: int = 200  # connections waiting for their headers; more evict the oldest

    def __post_init__(self) -> None:
        if not self.path.startswith("/"):
            self.path = "/" + self.path
        if self.secret is not None and not self.secret.strip():
            self.secret = None
        if self.secret is None and not self.allow_unsigned:
            raise UsageError(
                "the webhook receiver needs the webhook's secret (--secret, or "
                "$TICKETTAILOR_WEBHOOK_SECRET); for webhooks created without one, pass "
                "--allow-unsigned"
            )
        if min(self.max_body, self.body_timeout, self.header_timeout, self.max_waiting) <= 0:
            raise UsageError("max_body, body_timeout, header_timeout, max_waiting must be positive")


class _Refused(Exception):
    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


# -- durable storage: one writer thread, group commit -----------------------------------


# Seconds a change queued "later" (the feeder's mark of forwarded rows) waits for
# deliveries to share a commit with: under load they come sooner; when idle, the
# feeder's round is that much longer.
LINGER = 0.01
# Seconds the writer waits, at most, for deliveries the HTTP side is checking right now
# (``InboxWriter.arriving``) so that they share the commit it is about to make: under
# concurrent load one commit (its fsync, most of the writer's CPU) then serves twice the
# deliveries. Alone, a delivery never waits: nothing else is arriving.
JOIN = 0.001


@dataclass(frozen=True)
class _Later:
    """A change that can wait for the next deliveries' commit (see ``LINGER``)."""

    change: Write

    def __call__(self, conn: sqlite3.Connection) -> object:
        return self.change(conn)


class _Mailbox:
    """Results for one event loop's waiters, handed over in one wake-up per batch
    (a ``concurrent.futures.Future`` per request costs a wake-up and a lock each)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._lock = threading.Lock()
        self._items: list[tuple[asyncio.Future[Any], Any, BaseException | None]] = []

    def post(self, future: asyncio.Future[Any], value: Any, error: BaseException | None) -> None:
        with self._lock:
            first = not self._items
            self._items.append((future, value, error))
        if first:
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits
                self.loop.call_soon_threadsafe(self._deliver)

    def _deliver(self) -> None:
        with self._lock:
            items, self._items = self._items, []
        for future, value, error in items:
            if future.done():  # cancelled meanwhile
                continue
            if error is not None:
                future.set_exception(error)
            else:
                future.set_result(value)


class _Waiter:
    """An asyncio future, seen by the writer thread as a ``Future`` would be."""

    def __init__(self, mailbox: _Mailbox, future: asyncio.Future[Any]) -> None:
        self.mailbox = mailbox
        self.future = future

    def set_running_or_notify_cancel(self) -> bool:
        return not self.future.cancelled()

    def set_result(self, value: Any) -> None:
        self.mailbox.post(self.future, value, None)

    def set_exception(self, error: BaseException) -> None:
        self.mailbox.post(self.future, None, error)


_Item = tuple["NewDelivery | Write | _Later", "Future[Any] | _Waiter"]  # what, and who waits


class InboxWriter:
    """Commits deliveries to the inbox from one thread; callers wait for their commit.

    While it runs it is the inbox's only writer: the feeder's marks (``Inbox.
    mark_forwarded`` and the like) are handed to it and committed in the same
    transaction as the deliveries queued with them. Two writers on one SQLite file
    wait for each other's fsync, and SQLite's busy handler sleeps whole milliseconds
    while it waits; one writer shares the fsync instead.
    """

    def __init__(self, inbox: Inbox, on_commit: Callable[[], None] | None = None) -> None:
        self.inbox = inbox
        self._on_commit = on_commit
        self._queue: queue.SimpleQueue[_Item | None] = queue.SimpleQueue()  # C, no Condition
        self._thread = threading.Thread(target=self._run, name="webhook-inbox", daemon=True)
        self._thread.start()
        inbox.write_via = self.write
        self._mailboxes: dict[asyncio.AbstractEventLoop, _Mailbox] = {}
        # Deliveries being read and checked on the event loop, to be stored next
        # (changed there only; read here, a plain int: see JOIN).
        self.arriving = 0

    async def store(self, delivery: NewDelivery) -> bool:
        """``submit`` for the event loop: True (new) or False (seen) once committed."""
        loop = asyncio.get_running_loop()
        mailbox = self._mailboxes.get(loop) or self._mailboxes.setdefault(loop, _Mailbox(loop))
        future: asyncio.Future[bool] = loop.create_future()
        self._queue.put((delivery, _Waiter(mailbox, future)))
        return await future

    def submit(self, delivery: NewDelivery) -> Future[bool]:
        """Queue ``delivery``; the future is True (new) or False (seen) once committed."""
        future: Future[bool] = Future()
        self._queue.put((delivery, future))
        return future

    def write(self, change: Write, later: bool = False) -> Future[None]:
        """Queue ``change`` (run on the writer's connection, in its next transaction).
        ``later``: it may wait up to ``LINGER`` seconds for deliveries to share a
        commit with, rather than cost an fsync of its own."""
        future: Future[None] = Future()
        self._queue.put((_Later(change) if later else change, future))
        return future

    def close(self) -> None:
        self.inbox.write_via = None
        self._queue.put(None)
        self._thread.join(30)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            batch = [item]
            stopping = self._take_more(batch)
            if not stopping and all(isinstance(what, _Later) for what, _ in batch):
                stopping = self._take_more(batch, wait=LINGER)
            if not stopping and self.arriving:
                stopping = self._join(batch)
            deliveries: list[tuple[NewDelivery, Future[Any] | _Waiter]] = []
            changes: list[tuple[Write, Future[Any] | _Waiter]] = []
            for what, future in batch:
                if isinstance(what, NewDelivery):
                    deliveries.append((what, future))
                else:
                    changes.append((what, future))
            self._commit(deliveries, changes)

    def _take_more(self, batch: list[_Item], wait: float | None = None) -> bool:
        """Add what else is queued (waiting up to ``wait`` s for the first); True when
        asked to stop."""
        while len(batch) < _BATCH:
            try:
                more = self._queue.get(timeout=wait) if wait else self._queue.get_nowait()
            except queue.Empty:
                return False
            wait = None
            if more is None:
                self._queue.put(None)  # stop after this batch
                return True
            batch.append(more)
        return False

    def _join(self, batch: list[_Item]) -> bool:
        """Wait up to ``JOIN`` seconds for the deliveries arriving to be queued, adding
        them to ``batch``; True when asked to stop."""
        deadline = time.monotonic() + JOIN
        while self.arriving and len(batch) < _BATCH:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            try:
                more = self._queue.get(timeout=left)
            except queue.Empty:
                break
            if more is None:
                self._queue.put(None)  # stop after this batch
                return True
            batch.append(more)
        return self._take_more(batch)

    def _commit(
        self,
        batch: Sequence[tuple[NewDelivery, Future[bool] | _Waiter]],
        changes: Sequence[tuple[Write, Future[None] | _Waiter]] = (),
    ) -> None:
        # A request cancelled while queued (its sender gone, the server stopping) gets
        # no answer, so it is not stored either: Ticket Tailor sends it again. Once
        # running, a future can no longer be cancelled, so setting its result is safe.
        batch = [(d, f) for d, f in batch if f.set_running_or_notify_cancel()]
        changes = [(c, f) for c, f in changes if f.set_running_or_notify_cancel()]
        if not batch and not changes:
            return
        # A delivery id repeated inside one batch is new only once.
        try:
            results = self.inbox.add([d for d, _ in batch], then=[c for c, _ in changes])
        except Exception as exc:  # the disk is full, the file vanished...: answer 503
            for _, future in batch:
                future.set_exception(exc)
            for _, done in changes:
                done.set_exception(exc)
            return
        for _, done in changes:
            done.set_result(None)
        for (_, future), new in zip(batch, results, strict=True):
            future.set_result(new)
        if self._on_commit is not None and any(results):
            self._on_commit()


# -- the ASGI app ---------------------------------------------------------------------


def create_app(settings: ReceiverSettings, writer: InboxWriter) -> ASGIApp:
    """The receiver app: ``POST settings.path`` takes Ticket Tailor deliveries.

    That one request, the hot path, is a plain ASGI handler (Starlette's layers cost as
    much as the rest of a delivery); everything else goes through Starlette.
    """
    deliveries = _Deliveries(settings, writer)

    async def about(_request: Request) -> Response:
        return PlainTextResponse(
            "tickettailor webhook receiver: Ticket Tailor POSTs its webhooks here.\n"
        )

    async def not_found(request: Request, _exc: Exception) -> Response:
        reason = f"nothing at {request.url.path}; POST webhooks to {settings.path}"
        return _refuse(request, 404, reason)

    async def wrong_method(request: Request, exc: Exception) -> Response:
        reason = f"{request.method} is not accepted here; POST webhooks to {settings.path}"
        return _refuse(request, 405, reason, headers=getattr(exc, "headers", None))

    others = Starlette(
        routes=[
            Route(settings.path, deliveries, methods=["POST"]),
            Route(settings.path, about, methods=["GET", "HEAD"]),
        ],
        exception_handlers={404: not_found, 405: wrong_method},
    )

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == settings.path:
            await deliveries(scope, receive, send)
        else:
            await others(scope, receive, send)

    return app


class _Disconnected(Exception):
    """The sender hung up before its whole body arrived."""


class _Deliveries:
    """``POST settings.path``, as a plain ASGI app."""

    def __init__(self, settings: ReceiverSettings, writer: InboxWriter) -> None:
        self.settings = settings
        self.writer = writer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        settings = self.settings
        headers = _headers(scope, b"content-length", _SIGNATURE)
        try:
            body, delivery = await self._arriving(receive, headers)
        except _Refused as refused:
            await _answer(send, *_refusal(scope, refused.status, refused.reason))
            return
        except _Disconnected:
            reason = "the sender hung up before sending its whole body"
            await _answer(send, *_refusal(scope, 400, reason))
            return
        resource = route(delivery.event)  # the watch fed, or None: kept, not delivered
        if resource not in settings.resources:
            resource = None
        new_delivery = NewDelivery(delivery.id, delivery.event, resource, body)
        memo = self.writer.inbox.parsed
        if resource is not None and self.writer.inbox.keep_parsed and len(memo) < _MEMO_MOST:
            memo[delivery.id] = (body, delivery)  # the feeder need not parse it again
        try:
            new = await self.writer.store(new_delivery)
        except Exception as exc:
            memo.pop(delivery.id, None)
            log.error("could not store webhook %s: %s", delivery.id, exc)
            error = {"status": 503, "error": "could not store the delivery; retry later"}
            await _answer(send, 503, error)
            return
        _crash_point("after_store")
        if not new:
            memo.pop(delivery.id, None)
        outcome = "stored" if new else "duplicate"
        log.info(
            "accepted %s %s (%s)",
            delivery.event,
            delivery.id,
            outcome,
            extra={ACCEPTED: True},
        )
        await _answer(send, 200, {"id": delivery.id, "result": outcome})

    async def _arriving(
        self, receive: Receive, headers: dict[bytes, str]
    ) -> tuple[bytes, Delivery]:
        """Read and check a delivery, counted meanwhile in ``writer.arriving`` (JOIN)."""
        self.writer.arriving += 1
        try:
            body = await _read_body(receive, headers.get(b"content-length"), self.settings)
            exact = self.writer.inbox.keep_parsed  # the feeder may use this parse
            return body, _check(self.settings, headers.get(_SIGNATURE), body, exact=exact)
        finally:
            self.writer.arriving -= 1


_SIGNATURE = SIGNATURE_HEADER.lower().encode("ascii")
_MEMO_MOST = 10_000  # parsed deliveries kept for the feeder; past that it parses again


def _headers(scope: Scope, *names: bytes) -> dict[bytes, str]:
    """The first value of each of ``names`` (lower case) the request carries."""
    found: dict[bytes, str] = {}
    for name, value in scope["headers"]:
        if name in names and name not in found:
            found[name] = value.decode("latin-1")
    return found


async def _answer(send: Send, status: int, content: dict[str, Any]) -> None:
    """A JSON answer, as Starlette's JSONResponse writes it."""
    body = dumps(content).encode()  # json's compact text (jsonfast), a tenth of the cost
    headers = [(b"content-length", str(len(body)).encode()), (b"content-type", _JSON)]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


_JSON = b"application/json"


def _peer(client: tuple[str, int] | None) -> str:
    return client[0] if client else "?"


def _refusal(scope: Scope, status: int, reason: str) -> tuple[int, dict[str, Any]]:
    """Log a refusal (path, peer, status, reason; reasons never hold the secret, and
    the signature header is never logged) and return the answer to send."""
    path, peer = scope["path"], _peer(scope.get("client"))
    log.warning("refused a request to %s from %s: %s %s", path, peer, status, reason)
    return status, {"status": status, "error": reason}


def _refuse(
    request: Request, status: int, reason: str, headers: dict[str, str] | None = None
) -> Response:
    """``_refusal`` for Starlette's handlers."""
    _, content = _refusal(request.scope, status, reason)
    return JSONResponse(content, status_code=status, headers=headers)


def _crash_point(name: str) -> None:
    """``TICKETTAILOR_WEBHOOK_CRASH_AT=after_store`` SIGKILLs the receiver here (tests):
    the delivery is committed but never answered, as when the power goes."""
    if os.environ.get(CRASH_ENV) == name:
        if CRASH_ALSO is not None:  # the whole receiver dies: the feeder's process too
            os.kill(CRASH_ALSO, signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)


async def _read_body(receive: Receive, declared: str | None, settings: ReceiverSettings) -> bytes:
    """The raw body, refusing what is too big (413) or too slow to arrive (408)."""
    if declared is not None:
        if not declared.strip().isdigit():
            raise _Refused(400, "the Content-Length header is not a number")
        if int(declared) > settings.max_body:
            raise _Refused(413, f"the body is over the {settings.max_body}-byte limit")
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(settings.body_timeout):
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    raise _Disconnected
                chunk = message.get("body", b"")
                size += len(chunk)
                if size > settings.max_body:
                    raise _Refused(413, f"the body is over the {settings.max_body}-byte limit")
                chunks.append(chunk)
                if not message.get("more_body", False):
                    break
    except TimeoutError:
        raise _Refused(408, f"the body did not arrive within {settings.body_timeout:g} s") from None
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def _check(settings: ReceiverSettings, header: str | None, body: bytes, *, exact: bool) -> Delivery:
    """Signature first (over the raw bytes), then the delivery itself (``exact``: parsed
    as the feeder would, for the feeder's memo; else only checked, faster)."""
    if header is None and settings.allow_unsigned:
        log.warning("accepting an unsigned webhook (--allow-unsigned)")
    elif settings.secret is not None:
        try:
            verify(
                settings.secret,
                header,
                body,
                now=settings.clock(),
                max_age=settings.max_age,
                max_skew=settings.max_skew,
            )
        except WebhookSignatureError as exc:
            raise _Refused(401, str(exc)) from None
    try:
        delivery = parse_delivery(body) if exact else check_delivery(body)
    except BadDelivery as exc:
        raise _Refused(400, str(exc)) from None
    if settings.api_root is not None and route(delivery.event) is not None:
        _check_resource_url(settings.api_root, delivery.resource_url)
    return delivery


def _check_resource_url(api_root: str, resource_url: str) -> None:
    """With --refetch the key goes to resource_url: only ever to the API's own host."""
    try:
        url, root = httpx2.URL(resource_url), httpx2.URL(api_root)
    except Exception:  # httpx2 raises several types for unparsable URLs
        raise _Refused(400, "the delivery's resource_url is not a URL") from None
    if (url.scheme, url.host, url.port) != (root.scheme, root.host, root.port):
        raise _Refused(
            400,
            f"resource_url is on {url.scheme}://{url.host}, not the API server {api_root}: "
            "refusing to refetch it with the API key",
        )
