"""``Client`` and ``AsyncClient``: the resources wired onto one core each.

Where the key comes from, first match wins: ``api_key=``, the profile named by
``profile=``, ``$TICKETTAILOR_API_KEY``, the default saved profile. The server:
``base_url=``, ``$TICKETTAILOR_BASE_URL``, the profile's, then the real API.
"""

from __future__ import annotations

import functools
import importlib
import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from types import MethodType
from typing import (
    TYPE_CHECKING,
    Any,
    Concatenate,
    Generic,
    ParamSpec,
    Self,
    TypedDict,
    TypeVar,
    Unpack,
    overload,
)

import httpx2

from tickettailor._core.dates import resolve_tz
from tickettailor._core.errors import MalformedResponseError, MissingKeyError
from tickettailor._core.keys import key_fingerprint
from tickettailor._core.profiles import load_profile
from tickettailor._core.ratelimit import Clock
from tickettailor._core.redact import excerpt
from tickettailor._core.transport import (
    DEFAULT_BASE_URL,
    DEFAULT_MAX_WAIT,
    APIResponse,
    AsyncCore,
    BaseCore,
    Params,
    SyncCore,
    WaitHook,
)

if TYPE_CHECKING:
    from tickettailor.models import Overview
    from tickettailor.resources import (
        AsyncCheckIns,
        AsyncDiscounts,
        AsyncEvents,
        AsyncEventSeriesResource,
        AsyncHolds,
        AsyncIssuedMemberships,
        AsyncIssuedTickets,
        AsyncMembershipRedemptions,
        AsyncMembershipTypes,
        AsyncOrders,
        AsyncProducts,
        AsyncVouchers,
        AsyncWaitlistSignups,
        CheckIns,
        Discounts,
        Events,
        EventSeriesResource,
        Holds,
        IssuedMemberships,
        IssuedTickets,
        MembershipRedemptions,
        MembershipTypes,
        Orders,
        Products,
        Vouchers,
        WaitlistSignups,
    )

__all__ = ["AsyncClient", "Client"]

KEY_ENV = "TICKETTAILOR_API_KEY"
BASE_URL_ENV = "TICKETTAILOR_BASE_URL"
TZ_ENV = "TICKETTAILOR_TZ"


def _settings(
    api_key: str | None, profile: str | None, base_url: str | None, tz: str | None
) -> dict[str, Any]:
    """Resolve key, server and time zone from arguments, environment and profiles."""
    key = api_key or None
    saved = None
    if key is None and profile is not None:
        saved = load_profile(profile)
    if key is None and saved is None:
        key = os.environ.get(KEY_ENV, "").strip() or None
    if key is None and saved is None:
        saved = load_profile(None)
    if key is None and saved is not None:
        key = saved.api_key
    if key is None:
        raise MissingKeyError(
            "No API key: pass api_key=, set TICKETTAILOR_API_KEY, or save one with "
            "`tickettailor connect`."
        )
    url = (
        base_url
        or os.environ.get(BASE_URL_ENV, "").strip()
        or (saved.base_url if saved is not None else None)
        or DEFAULT_BASE_URL
    )
    zone = tz or os.environ.get(TZ_ENV, "").strip() or None
    if zone is not None:
        resolve_tz(zone)  # fail now, with the DateParseError naming the zone
    return {"api_key": key, "base_url": url, "tz": zone}


def _is_idempotent(method: str, path: str, fields: Mapping[str, object] | None) -> bool:
    """GETs, and check-ins carrying ``local_unique_id`` (the API deduplicates those)."""
    if method.upper() == "GET":
        return True
    return (
        method.upper() == "POST"
        and path.rstrip("/").endswith("/check_ins")
        and bool(fields and fields.get("local_unique_id"))
    )


P = ParamSpec("P")
R = TypeVar("R")
S = TypeVar("S")
A = TypeVar("A")


class _Resource(Generic[S, A]):
    """A client attribute: the sync resource on a ``Client``, the async one on an
    ``AsyncClient``; made on first use and kept. Its module (and the models it reads)
    is imported then too, so a program using orders never builds the other models."""

    def __init__(self, module: str, sync: str) -> None:
        """``sync``: the class's name in ``tickettailor.resources.<module>``; the async
        one is ``Async<sync>``."""
        self.module, self.sync = module, sync

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:  # what help(Client) shows for the attribute
        return f"<{self.sync} (Async{self.sync} on an AsyncClient), made on first use>"

    @overload
    def __get__(self, obj: None, owner: Any) -> Self: ...
    @overload
    def __get__(self, obj: Client, owner: Any) -> S: ...
    @overload
    def __get__(self, obj: AsyncClient, owner: Any) -> A: ...
    def __get__(self, obj: _Shared | None, owner: Any) -> S | A | Self:
        if obj is None:  # read from the class (help(), IDEs): the attribute itself
            return self
        module = importlib.import_module(f"tickettailor.resources.{self.module}")
        cls = getattr(module, self.sync if isinstance(obj, Client) else f"Async{self.sync}")
        made: S | A = cls(obj._core)
        obj.__dict__[self.name] = made  # read from the instance from now on
        return made


class _Shared:
    _core: BaseCore

    orders: _Resource[Orders, AsyncOrders] = _Resource("orders", "Orders")
    events: _Resource[Events, AsyncEvents] = _Resource("events", "Events")
    event_series: _Resource[EventSeriesResource, AsyncEventSeriesResource] = _Resource(
        "event_series", "EventSeriesResource"
    )
    issued_tickets: _Resource[IssuedTickets, AsyncIssuedTickets] = _Resource(
        "issued_tickets", "IssuedTickets"
    )
    check_ins: _Resource[CheckIns, AsyncCheckIns] = _Resource("check_ins", "CheckIns")
    holds: _Resource[Holds, AsyncHolds] = _Resource("holds", "Holds")
    discounts: _Resource[Discounts, AsyncDiscounts] = _Resource("discounts", "Discounts")
    vouchers: _Resource[Vouchers, AsyncVouchers] = _Resource("vouchers", "Vouchers")
    products: _Resource[Products, AsyncProducts] = _Resource("products", "Products")
    waitlist_signups: _Resource[WaitlistSignups, AsyncWaitlistSignups] = _Resource(
        "waitlist_signups", "WaitlistSignups"
    )
    membership_types: _Resource[MembershipTypes, AsyncMembershipTypes] = _Resource(
        "memberships", "MembershipTypes"
    )
    issued_memberships: _Resource[IssuedMemberships, AsyncIssuedMemberships] = _Resource(
        "memberships", "IssuedMemberships"
    )
    membership_redemptions: _Resource[MembershipRedemptions, AsyncMembershipRedemptions] = (
        _Resource("memberships", "MembershipRedemptions")
    )

    @property
    def base_url(self) -> str:
        """The server root in use (without ``/v1``)."""
        return self._core.root

    @property
    def clock(self) -> Clock:
        """Sleeps and time; ``clock.slept`` lists every wait (instant in test mode)."""
        return self._core.clock

    @property
    def key_fingerprint(self) -> str:
        """A short one-way fingerprint of the API key in use: safe to store and show,
        the same for the same key (watch states record it), the key not recoverable."""
        return key_fingerprint(self._core._key)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self._core.root!r})"

    def _build(
        self,
        method: str,
        path: str,
        params: Params | None,
        headers: Mapping[str, str] | None,
        data: Mapping[str, object] | None,
        json_body: Any,
        content: bytes | str | None,
    ) -> httpx2.Request:
        return self._core.build_request(
            method,
            path,
            params=params,
            headers=headers,
            data=data,
            json_body=json_body,
            content=content,
        )


class _Options(TypedDict, total=False):
    profile: str | None
    base_url: str | None
    timeout: float | httpx2.Timeout  # default 30 s
    max_retries: int  # default 5
    max_wait: float  # default DEFAULT_MAX_WAIT
    on_wait: WaitHook | None
    tz: str | None
    test_mode: bool | None


class _SyncOptions(_Options, total=False):
    transport: httpx2.BaseTransport | None  # any httpx2 transport (a test seam)


class _AsyncOptions(_Options, total=False):
    transport: httpx2.AsyncBaseTransport | None


def _core_options(api_key: str | None, options: _Options) -> dict[str, Any]:
    """The core's keyword arguments: settings resolved, defaults filled in."""
    get = options.get
    settings = _settings(
        api_key, options.get("profile"), options.get("base_url"), options.get("tz")
    )
    return {
        **settings,
        "timeout": get("timeout", 30.0),
        "max_retries": get("max_retries", 5),
        "max_wait": get("max_wait", DEFAULT_MAX_WAIT),
        "on_wait": get("on_wait"),
        "test_mode": get("test_mode"),
        "transport": get("transport"),  # in both subclasses
    }


@dataclass(frozen=True)
class _Exchange(Generic[R]):
    """One call of the client's own (``request``, ``ping``, ``overview``), pure."""

    request: httpx2.Request
    idempotent: bool
    raise_for_status: bool
    then: Callable[[APIResponse], R]

    def send_args(self) -> dict[str, Any]:
        return {
            "idempotent": self.idempotent,
            "expect_json": False,
            "raise_for_status": self.raise_for_status,
        }


class _twin(Generic[P, R]):  # named like the decorator it is
    """A client method written once: blocking on ``Client``, a coroutine on
    ``AsyncClient``."""

    def __init__(self, method: Callable[Concatenate[Any, P], _Exchange[R]]) -> None:
        @functools.wraps(method)
        def blocking(client: Client, *args: Any, **kwargs: Any) -> Any:
            call = method(client, *args, **kwargs)
            return call.then(client._core.send(call.request, **call.send_args()))

        @functools.wraps(method)
        async def coroutine(client: AsyncClient, *args: Any, **kwargs: Any) -> Any:
            call = method(client, *args, **kwargs)
            return call.then(await client._core.send(call.request, **call.send_args()))

        self.blocking, self.coroutine = blocking, coroutine

    @overload
    def __get__(self, obj: Client, owner: Any) -> Callable[P, R]: ...
    @overload
    def __get__(self, obj: AsyncClient, owner: Any) -> Callable[P, Awaitable[R]]: ...
    @overload
    def __get__(self, obj: None, owner: Any) -> Self: ...
    def __get__(self, obj: _Shared | None, owner: Any) -> Any:
        if obj is None:
            return self
        return MethodType(self.coroutine if isinstance(obj, AsyncClient) else self.blocking, obj)


class _Calls(_Shared):
    """The client's own calls, written once for both clients."""

    @_twin
    def request(
        self,
        method: str,
        path: str,
        *,
        params: Params | None = None,
        headers: Mapping[str, str] | None = None,
        data: Mapping[str, object] | None = None,
        json: Any = None,
        content: bytes | str | None = None,
        raise_for_status: bool = True,
    ) -> _Exchange[APIResponse]:
        """Any call, with auth added. ``path`` is relative to the API (``/v1`` optional).

        ``data`` is sent as a form with PHP brackets, ``json`` as JSON (which the API
        does not read), ``content`` as is. Non-2xx replies raise the matching
        ``APIStatusError`` unless ``raise_for_status=False``.
        """
        request = self._build(method, path, params, headers, data, json, content)
        idempotent = _is_idempotent(request.method, request.url.path, data)
        return _Exchange(request, idempotent, raise_for_status, _as_is)

    @_twin
    def ping(self) -> _Exchange[dict[str, Any]]:
        """``GET /v1/ping``. Note: it does not check the key; ``overview()`` does."""
        return _Exchange(self._get("/ping"), True, True, _object)

    @_twin
    def overview(self) -> _Exchange[Overview]:
        """The box office's overview; the way to check that a key works."""
        return _Exchange(self._get("/overview"), True, True, _overview)

    def _get(self, path: str) -> httpx2.Request:
        return self._build("GET", path, None, None, None, None, None)


class Client(_Calls):
    """The Ticket Tailor API, blocking. Use as a context manager, or call ``close()``.

    Options (all keyword): ``profile``, ``base_url``, ``timeout`` (30 s),
    ``max_retries`` (5), ``max_wait``, ``on_wait``, ``transport`` (any httpx2
    transport), ``tz``, ``test_mode``.

    Waits: a rate limit (the server's Retry-After on a 429, or pacing until the
    window resets) is sat through up to ``max_wait`` seconds; a longer one raises
    ``RateLimitError`` with ``.retry_after``. A wait of 3 s or more is logged as a
    warning on the ``tickettailor`` logger and passed to ``on_wait(seconds, text)``.
    A refused connection to a loopback address is retried once, quickly.
    """

    _core: SyncCore

    def __init__(self, api_key: str | None = None, **options: Unpack[_SyncOptions]) -> None:
        self._core = SyncCore(**_core_options(api_key, options))

    def close(self) -> None:
        self._core.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncClient(_Calls):
    """The Ticket Tailor API, for asyncio. Use ``async with``, or ``await aclose()``.
    The options are ``Client``'s, with an async ``transport``."""

    _core: AsyncCore

    def __init__(self, api_key: str | None = None, **options: Unpack[_AsyncOptions]) -> None:
        self._core = AsyncCore(**_core_options(api_key, options))

    async def aclose(self) -> None:
        await self._core.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()


def _as_is(response: APIResponse) -> APIResponse:
    return response


def _overview(response: APIResponse) -> Overview:
    from tickettailor.models import Overview

    return Overview.from_api(_object(response))


def _object(response: APIResponse) -> dict[str, Any]:
    body = response.body
    if not isinstance(body, dict):
        raise MalformedResponseError(
            f"Expected a JSON object, got: {excerpt(response.text)!r}",
            status_code=response.status_code,
            body_text=response.text,
        )
    return body
