"""What every resource shares: turning Python arguments into API parameters, and the
sync and async callers that send them and wrap replies in models.

A resource module declares its endpoints once (paths, filters, write fields) and two
thin classes, one sync and one async, whose methods are one line each.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import Enum
from types import MethodType
from typing import TYPE_CHECKING, Any, Concatenate, Generic, ParamSpec, Self, TypeVar, overload
from urllib.parse import quote

import httpx2

from tickettailor._core.dates import day_bounds, to_unix
from tickettailor._core.errors import MalformedResponseError, UsageError
from tickettailor._core.newest import AsyncNewestPager, NewestPager
from tickettailor._core.pagination import AsyncPager, Backfill, Pager, Pairs
from tickettailor._core.redact import excerpt
from tickettailor.models import TTModel

if TYPE_CHECKING:
    from tickettailor._core.transport import AsyncCore, BaseCore, SyncCore

__all__ = [
    "AsyncResource",
    "Call",
    "ListSpec",
    "Listing",
    "Resource",
    "SyncResource",
    "build_form",
    "build_list",
    "endpoint",
    "lister",
    "seg",
]

M = TypeVar("M", bound=TTModel)
P = ParamSpec("P")

_OPS = ("gt", "gte", "lt", "lte")
# Python-side names of the created_at operators, as the README spells them (created_gte).
_SHORT = {"created_at": "created"}


def seg(value: str, what: str = "id") -> str:
    """One path segment from an id, refused when empty and escaped otherwise."""
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"The {what} is empty: pass the id of the object, e.g. 'or_123'.")
    return quote(value.strip(), safe="")


@dataclass(frozen=True)
class ListSpec:
    """A list endpoint: its path, its time filters and its other filters."""

    path: str
    filters: tuple[str, ...] = ()
    time_filters: tuple[str, ...] = ()  # e.g. ("created_at",) for created_at, created_gt ...
    aliases: Mapping[str, Mapping[str, str]] = field(default_factory=dict)  # value spellings

    def time_key(self, name: str) -> tuple[str, str] | None:
        """("created_at", "gte") for "created_gte"; ("created_at", "at") for "created_at"."""
        for api_name in self.time_filters:
            if name == api_name:
                return api_name, "at"
            for short in {api_name, _SHORT.get(api_name, api_name)}:
                for op in _OPS:
                    if name == f"{short}_{op}":
                        return api_name, op
        return None

    def allowed(self) -> list[str]:
        """Every keyword this list accepts: filters and time filter spellings."""
        names = list(self.filters)
        for api_name in self.time_filters:
            short = _SHORT.get(api_name, api_name)
            names += [api_name, *(f"{short}_{op}" for op in _OPS)]
        return names


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    return str(value)


def _bounds(op: str, value: Any, tz: str | None) -> tuple[int | None, int | None]:
    """One time filter as a half-open range [gte, lt) of unix seconds."""
    if op == "at":
        whole_day = day_bounds(value, tz=tz)
        if whole_day is not None:
            return whole_day
        moment = to_unix(value, tz=tz)
        return moment, moment + 1
    moment = to_unix(value, tz=tz)
    return {
        "gt": (moment + 1, None),
        "gte": (moment, None),
        "lt": (None, moment),
        "lte": (None, moment + 1),
    }[op]


@dataclass
class ListCall:
    """A list call's request: path, query, limit, cursor and any windowed walk."""

    path: str
    params: Pairs
    limit: int | None
    starting_after: str | None
    backfill: Backfill | None
    newest: Backfill | None = None  # the created_at range to walk newest first


def build_list(
    spec: ListSpec,
    filters: Mapping[str, Any],
    *,
    tz: str | None,
    path: str | None = None,
) -> ListCall:
    """Python keyword arguments -> the query of a list call (and its backfill, if any)."""
    args = dict(filters)
    limit = args.pop("limit", None)
    starting_after = args.pop("starting_after", None)
    concurrency = args.pop("concurrency", None)
    newest_first = args.pop("newest_first", False)
    params: Pairs = []
    ranges: dict[str, tuple[int | None, int | None]] = {}
    allowed = spec.allowed()
    for name, value in args.items():
        if value is None:
            continue
        timed = spec.time_key(name)
        if timed is not None:
            low, high = _bounds(timed[1], value, tz)
            old_low, old_high = ranges.get(timed[0], (None, None))
            # Several bounds on one field: keep their intersection.
            ranges[timed[0]] = (_pick(max, old_low, low), _pick(min, old_high, high))
        elif name in spec.filters:
            params.append((name, _filter_value(spec, name, value)))
        else:
            raise UsageError(
                f"{spec.path} has no filter {name!r}. Known filters: {', '.join(allowed)}."
            )
    for api_name, (low, high) in ranges.items():
        if low is not None:
            params.append((f"{api_name}.gte", str(low)))
        if high is not None:
            params.append((f"{api_name}.lt", str(high)))
    backfill = _backfill(spec, ranges, concurrency, starting_after)
    if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int)):
        raise UsageError(f"limit must be a whole number (the total wanted), got {limit!r}.")
    newest = _newest(spec, ranges, starting_after, backfill) if newest_first else None
    return ListCall(path or spec.path, params, limit, starting_after, backfill, newest)


def _newest(
    spec: ListSpec,
    ranges: Mapping[str, tuple[int | None, int | None]],
    starting_after: str | None,
    backfill: Backfill | None,
) -> Backfill:
    if "created_at" not in spec.time_filters:
        raise UsageError(
            f"{spec.path} has no created_at filter, so it cannot be listed newest first: "
            "drop newest_first=."
        )
    if starting_after is not None or backfill is not None:
        raise UsageError("newest_first= cannot be combined with starting_after= or concurrency=.")
    low, high = ranges.get("created_at", (None, None))
    return Backfill("created_at", low, high if high is not None else int(time.time()) + 1, 1)


def _pick(how: Any, old: int | None, new: int | None) -> int | None:
    if old is None:
        return new
    if new is None:
        return old
    return int(how(old, new))


def _filter_value(spec: ListSpec, name: str, value: Any) -> str:
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        text = ",".join(_scalar(v) for v in items)
    else:
        text = _scalar(value)
    spellings = spec.aliases.get(name, {})
    return ",".join(spellings.get(part.strip().lower(), part.strip()) for part in text.split(","))


def _backfill(
    spec: ListSpec,
    ranges: Mapping[str, tuple[int | None, int | None]],
    concurrency: Any,
    starting_after: str | None,
) -> Backfill | None:
    if concurrency is None or concurrency == 1:
        return None
    if isinstance(concurrency, bool) or not isinstance(concurrency, int) or concurrency < 1:
        raise UsageError(f"concurrency must be a whole number of 1 or more, got {concurrency!r}.")
    if "created_at" not in spec.time_filters:
        raise UsageError(
            f"{spec.path} has no created_at filter, so it cannot be fetched in windows: "
            "drop concurrency=."
        )
    if starting_after is not None:
        raise UsageError("Pass either starting_after= or concurrency=, not both.")
    low, high = ranges.get("created_at", (None, None))
    # With no upper bound, the windows end now: later records are for the next call.
    return Backfill(
        "created_at", low, high if high is not None else int(time.time()) + 1, concurrency
    )


def build_form(
    fields: Mapping[str, Any], *, time_fields: Iterable[str] = (), tz: str | None
) -> dict[str, Any]:
    """Write arguments -> form data: dates in ``time_fields`` to unix seconds."""
    wanted = set(time_fields)
    data: dict[str, Any] = {}
    for name, value in fields.items():
        if value is None:
            continue
        if name in wanted and isinstance(value, str | int | float | datetime | date):
            value = to_unix(value, tz=tz)
        data[name] = value
    return data


def _expect_object(body: Any, what: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise MalformedResponseError(f"{what} did not return an object: {excerpt(body)!r}")
    return body


@dataclass(frozen=True)
class Call(Generic[M]):
    """One request a resource method stands for, and the model of its reply (pure)."""

    method: str
    path: str
    model: type[M]
    data: Mapping[str, Any] | None = None
    idempotent: bool | None = None

    def request(self, core: BaseCore) -> tuple[httpx2.Request, bool]:
        """The HTTP request, and whether it is safe to retry."""
        request = core.build_request(self.method, self.path, data=self.data)
        return request, self.method == "GET" if self.idempotent is None else self.idempotent

    def reply(self, body: Any) -> M:
        """The reply body as the model (a ``MalformedResponseError`` when not an object)."""
        return self.model.from_api_lazy(_expect_object(body, f"{self.method} {self.path}"))


@dataclass(frozen=True)
class Listing(Generic[M]):
    """A list call a resource method stands for (pure)."""

    model: type[M]
    call: ListCall

    def pager(self, fetch: Any, plain: type[Any], newest: type[Any]) -> Any:
        """A ``plain`` pager, or a ``newest`` one for ``newest_first``, over ``fetch``."""
        call, parse = self.call, self.model.from_api_lazy
        if call.newest is not None:
            return newest(
                fetch, parse, call.path, call.params, limit=call.limit, backfill=call.newest
            )
        return plain(
            fetch, parse, call.path, call.params,
            limit=call.limit, starting_after=call.starting_after, backfill=call.backfill,
        )  # fmt: skip


class Resource:
    """What a resource's methods are written against, once for sync and async: they
    return a ``Call`` or a ``Listing``, and ``endpoint``/``lister`` run it with the
    driver of the class they are read from (``SyncResource`` or ``AsyncResource``)."""

    _core: BaseCore

    def __init__(self, core: BaseCore) -> None:
        self._core = core

    @property
    def _tz(self) -> str | None:
        return self._core.tz

    def _call(
        self,
        method: str,
        path: str,
        model: type[M],
        *,
        data: Mapping[str, Any] | None = None,
        idempotent: bool | None = None,
    ) -> Call[M]:
        return Call(method, path, model, data, idempotent)

    def _list(self, model: type[M], call: ListCall) -> Listing[M]:
        return Listing(model, call)


class SyncResource(Resource):
    """The blocking driver: one ``SyncCore``."""

    _core: SyncCore

    def _fetch(self, path: str, query: Pairs) -> Any:
        request = self._core.build_request("GET", path, params=query)
        # Undecoded: the pager reads the next cursor from the bytes first.
        return self._core.send(request, idempotent=True, decode=False).body

    def _run(self, call: Call[M]) -> M:
        request, idempotent = call.request(self._core)
        return call.reply(self._core.send(request, idempotent=idempotent).body)

    def _pager(self, listing: Listing[M]) -> Pager[M]:
        pager: Pager[M] = listing.pager(self._fetch, Pager, NewestPager)
        return pager


class AsyncResource(Resource):
    """The asyncio driver: one ``AsyncCore``."""

    _core: AsyncCore

    async def _fetch(self, path: str, query: Pairs) -> Any:
        request = self._core.build_request("GET", path, params=query)
        return (await self._core.send(request, idempotent=True, decode=False)).body

    async def _run(self, call: Call[M]) -> M:
        request, idempotent = call.request(self._core)
        return call.reply((await self._core.send(request, idempotent=idempotent)).body)

    def _pager(self, listing: Listing[M]) -> AsyncPager[M]:
        pager: AsyncPager[M] = listing.pager(self._fetch, AsyncPager, AsyncNewestPager)
        return pager


class endpoint(Generic[P, M]):  # used as a decorator, named like one
    """A resource method written once: it returns a ``Call``; read from a sync resource
    it returns the model, from an async one it is a coroutine function."""

    def __init__(self, method: Callable[Concatenate[Any, P], Call[M]]) -> None:
        self.method = method

        @functools.wraps(method)
        def blocking(resource: SyncResource, *args: Any, **kwargs: Any) -> Any:
            return resource._run(method(resource, *args, **kwargs))

        @functools.wraps(method)
        async def coroutine(resource: AsyncResource, *args: Any, **kwargs: Any) -> Any:
            return await resource._run(method(resource, *args, **kwargs))

        self.blocking, self.coroutine = blocking, coroutine

    @overload
    def __get__(self, obj: SyncResource, owner: Any) -> Callable[P, M]: ...
    @overload
    def __get__(self, obj: AsyncResource, owner: Any) -> Callable[P, Awaitable[M]]: ...
    @overload
    def __get__(self, obj: None, owner: Any) -> Self: ...
    def __get__(self, obj: Resource | None, owner: Any) -> Any:
        if obj is None:
            return self
        driver = self.coroutine if isinstance(obj, AsyncResource) else self.blocking
        return MethodType(driver, obj)


class lister(Generic[P, M]):  # used as a decorator, named like one
    """A list method written once: it returns a ``Listing``; read from a sync resource
    it returns a ``Pager``, from an async one an ``AsyncPager``."""

    def __init__(self, method: Callable[Concatenate[Any, P], Listing[M]]) -> None:
        self.method = method

        @functools.wraps(method)
        def pager(resource: SyncResource | AsyncResource, *args: Any, **kwargs: Any) -> Any:
            return resource._pager(method(resource, *args, **kwargs))

        self.pager = pager

    @overload
    def __get__(self, obj: SyncResource, owner: Any) -> Callable[P, Pager[M]]: ...
    @overload
    def __get__(self, obj: AsyncResource, owner: Any) -> Callable[P, AsyncPager[M]]: ...
    @overload
    def __get__(self, obj: None, owner: Any) -> Self: ...
    def __get__(self, obj: Resource | None, owner: Any) -> Any:
        return self if obj is None else MethodType(self.pager, obj)
