"""Lazy walks over list endpoints, and partitioned backfill.

A ``Walk`` is the pure state of one walk: which page to ask for next (our own filters
plus ``starting_after``, never the API's rewritten ``links.next``), and what a page
body means (records, whether more follow, whether the cursor repeats). ``Pager`` and
``AsyncPager`` are the thin loops over it that the resources hand out.

Walks read one page ahead: the next page is in flight while the current one is parsed
into models and used.

Backfill: with ``concurrency=K`` and a ``created_at`` range, the range is cut into
time windows (half-open, so no record is in two), K are fetched at a time and the
records come out window by window, oldest first: the oldest window streams, the
others fetch at most ``WINDOW_BUFFER_PAGES`` ahead, so memory stays flat however long
or uneven the range. Windows are sized from the density seen (``WindowPlanner``). The
sync pager runs windows on K threads, the async one on K tasks; both spend the key's
shared rate budget through the core.
"""

from __future__ import annotations

import asyncio
import queue
import threading
from collections import deque
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Awaitable,
    Callable,
    Generator,
    Iterator,
    Sequence,
)
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qs, urlsplit

from tickettailor._core.errors import MalformedResponseError, PaginationError, UsageError

__all__ = [
    "MAX_PAGE_SIZE",
    "AsyncPager",
    "Backfill",
    "Page",
    "Pager",
    "Walk",
    "WindowPlanner",
]

T = TypeVar("T")
MAX_PAGE_SIZE = 100
WINDOWS_PER_WORKER = 8
# Pages a backfill window may fetch ahead of the consumer: memory stays within
# concurrency x this many pages, however the records are spread over time.
WINDOW_BUFFER_PAGES = 10

Pairs = list[tuple[str, str]]
# Fetch one page: (path, query pairs) -> the parsed JSON body.
SyncFetch = Callable[[str, Pairs], Any]
AsyncFetch = Callable[[str, Pairs], Awaitable[Any]]


@dataclass
class Page(Generic[T]):
    """One page of a list: its records, and the cursor of the next page (None: last)."""

    data: list[T]
    next_cursor: str | None
    links: dict[str, Any] = field(default_factory=dict)

    def __iter__(self) -> Iterator[T]:
        return iter(self.data)

    def __len__(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class Backfill:
    """A ``created_at`` range ``[gte, lt)`` to fetch in windows, K at a time.

    ``gte`` None means "from the oldest record" (found with one extra call).
    """

    param: str  # e.g. "created_at": windows are sent as param.gte / param.lt
    gte: int | None
    lt: int
    concurrency: int


class WindowPlanner:
    """Cuts a backfill range into windows as it goes, sized from what came back.

    The first windows split the range evenly (``initial`` of them); after that each
    window is sized to hold about ``target`` records at the density of the latest
    finished window, so windows stay a few pages long whatever the total. Empty
    stretches make the next window twice as long. (Memory does not depend on this:
    each window buffers at most ``WINDOW_BUFFER_PAGES`` pages.)
    """

    def __init__(self, gte: int, lt: int, *, initial: int, target: int = 1000) -> None:
        self.start = gte
        self.lt = lt
        self.target = target
        self.span = max(1, (lt - gte) // max(1, initial))

    def next(self) -> tuple[int, int] | None:
        if self.start >= self.lt:
            return None
        end = min(self.lt, self.start + self.span)
        window = (self.start, end)
        self.start = end
        return window

    def observe(self, window: tuple[int, int], records: int) -> None:
        """Size the next windows from the density of the latest finished one."""
        seconds = window[1] - window[0]
        if records:
            self.span = max(1, int(self.target * seconds / records))
        else:
            self.span = max(self.span, seconds) * 2


class Walk:
    """The pure state of one walk through a list endpoint."""

    def __init__(
        self,
        path: str,
        params: Pairs,
        *,
        limit: int | None = None,
        starting_after: str | None = None,
    ) -> None:
        if limit is not None and limit < 0:
            raise UsageError(f"limit must be 0 or more (the total wanted), got {limit}.")
        self.path = path
        self.params = [(k, v) for k, v in params if k not in ("limit", "starting_after")]
        self.limit = limit
        self.cursor = starting_after
        self.seen: set[str] = set()
        self.last_ids: set[Any] = set()
        self.count = 0
        self.done = limit == 0

    def next_request(self) -> tuple[str, Pairs] | None:
        """(path, query) of the next page, or None when the walk is over."""
        if self.done:
            return None
        size = MAX_PAGE_SIZE
        if self.limit is not None:
            size = min(size, self.limit - self.count)
        query = [*self.params, ("limit", str(size))]
        if self.cursor is not None:
            query.append(("starting_after", self.cursor))
        return self.path, query

    def feed(self, body: Any) -> tuple[list[dict[str, Any]], str | None, dict[str, Any]]:
        """Read one page body: (records to yield, next cursor, links)."""
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise MalformedResponseError(
                f"GET {self.path} did not return a list page ({{'data': [...], 'links': ...}})."
            )
        page: list[Any] = body["data"]
        links = body.get("links") if isinstance(body.get("links"), dict) else {}
        assert isinstance(links, dict)  # narrowed above; for mypy
        # A page that overlaps the previous one (seen from misbehaving servers) must not
        # yield a record twice: drop what the previous page already gave.
        records = [r for r in page if not (isinstance(r, dict) and r.get("id") in self.last_ids)]
        self.last_ids = {r.get("id") for r in page if isinstance(r, dict)}
        if self.limit is not None:
            records = records[: self.limit - self.count]
        self.count += len(records)
        more = bool(links.get("next")) and bool(page)
        if self.limit is not None and self.count >= self.limit:
            more = False
        if not more:
            self.done = True
            return records, None, links
        cursor = _last_id(page) or _next_cursor(links.get("next"))
        if cursor is None:
            raise MalformedResponseError(
                f"GET {self.path}: a page with more to follow has no id to continue after."
            )
        if cursor in self.seen or cursor == self.cursor:
            raise PaginationError(
                f"GET {self.path} returned the cursor {cursor!r} twice; stopping rather than "
                "looping. The API may be misbehaving: try again later."
            )
        self.seen.add(cursor)
        self.cursor = cursor
        return records, cursor, links


def _last_id(records: Sequence[Any]) -> str | None:
    last = records[-1] if records else None
    value = last.get("id") if isinstance(last, dict) else None
    return value if isinstance(value, str) and value else None


def _next_cursor(next_link: Any) -> str | None:
    """``starting_after`` from a ``links.next`` such as ``/orders?starting_after=or_1&...``."""
    if not isinstance(next_link, str):
        return None
    values = parse_qs(urlsplit(next_link).query).get("starting_after")
    return values[0] if values else None


def _parse_records(parse: Callable[[dict[str, Any]], T], records: list[dict[str, Any]]) -> list[T]:
    return [parse(record) for record in records]


def _window_params(params: Pairs, backfill: Backfill, window: tuple[int, int]) -> Pairs:
    """Our filters with the backfill range replaced by one window."""
    own = {f"{backfill.param}.gte", f"{backfill.param}.lt"}
    kept = [(k, v) for k, v in params if k not in own]
    return [
        *kept,
        (f"{backfill.param}.gte", str(window[0])),
        (f"{backfill.param}.lt", str(window[1])),
    ]


def _first_created(record: dict[str, Any], param: str) -> int:
    value = record.get(param)
    if isinstance(value, dict):  # a date object: {"date": ..., "unix": ...}
        value = value.get("unix")
    if not isinstance(value, int | float):
        raise MalformedResponseError(f"The oldest record has no usable {param!r}: {value!r}.")
    return int(value)


class _WindowEnd:
    """Put by a window's worker after its last page; carries the error if it failed."""

    error: BaseException | None = None


class _Trim:
    """Counts what a backfill has yielded and cuts the last page to ``limit``."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.yielded = 0

    def page(self, page: Page[Any]) -> bool:
        """Trim ``page`` in place; True when it still has records to yield."""
        if self.limit is not None:
            page.data = page.data[: self.limit - self.yielded]
        self.yielded += len(page.data)
        return bool(page.data)

    @property
    def full(self) -> bool:
        return self.limit is not None and self.yielded >= self.limit


def _offer(out: queue.Queue[Any], item: Any, stop: threading.Event) -> bool:
    """Put ``item``, waiting while the buffer is full; False if the consumer left."""
    while not stop.is_set():
        try:
            out.put(item, timeout=0.1)  # wakes to notice ``stop``
            return True
        except queue.Full:
            continue
    return False


class Pager(Generic[T]):
    """A lazy list: iterate for records (all pages), or ``.pages()`` for pages.

    Each iteration starts a fresh walk. ``limit`` is the total wanted.
    """

    def __init__(
        self,
        fetch: SyncFetch,
        parse: Callable[[dict[str, Any]], T],
        path: str,
        params: Pairs,
        *,
        limit: int | None = None,
        starting_after: str | None = None,
        backfill: Backfill | None = None,
    ) -> None:
        self._fetch = fetch
        self._parse = parse
        self._path = path
        self._params = params
        self._limit = limit
        self._starting_after = starting_after
        self._backfill = backfill
        Walk(path, params, limit=limit)  # validate arguments now, not at first use

    def __repr__(self) -> str:
        return f"Pager({self._path!r}, limit={self._limit!r})"

    def _pages_in_turn(self, walk: Walk) -> Iterator[Page[T]]:
        """One request at a time: for backfill windows, already concurrent among themselves."""
        while (step := walk.next_request()) is not None:
            records, cursor, links = walk.feed(self._fetch(*step))
            yield Page(_parse_records(self._parse, records), cursor, links)

    def _walk_pages(self, walk: Walk) -> Iterator[Page[T]]:
        # Read one page ahead: the next page is on its way while this one is turned
        # into models and used, so the walk runs at the speed of the slower of the
        # two, not their sum. Only ever one request in flight.
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="tt-page")
        try:
            step = walk.next_request()
            pending = pool.submit(self._fetch, *step) if step is not None else None
            while pending is not None:
                records, cursor, links = walk.feed(pending.result())
                step = walk.next_request()
                pending = pool.submit(self._fetch, *step) if step is not None else None
                yield Page(_parse_records(self._parse, records), cursor, links)
        finally:
            pool.shutdown(wait=False, cancel_futures=True)

    def pages(self) -> Iterator[Page[T]]:
        """The pages, in order (with a backfill: each window's pages, windows in order)."""
        if self._backfill is None:
            yield from self._walk_pages(
                Walk(
                    self._path, self._params, limit=self._limit, starting_after=self._starting_after
                )
            )
            return
        yield from self._backfill_pages(self._backfill)

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.data

    def first_page(self) -> Page[T]:
        """Just the first page, in one request (no read-ahead)."""
        if self._backfill is not None:
            return next(iter(self.pages()), Page([], None))
        walk = Walk(
            self._path, self._params, limit=self._limit, starting_after=self._starting_after
        )
        step = walk.next_request()
        if step is None:
            return Page([], None)
        records, cursor, links = walk.feed(self._fetch(*step))
        return Page(_parse_records(self._parse, records), cursor, links)

    def _lower_bound(self, backfill: Backfill) -> int | None:
        if backfill.gte is not None:
            return backfill.gte
        params = [(k, v) for k, v in self._params if k != f"{backfill.param}.gte"]
        walk = Walk(self._path, params, limit=1)
        step = walk.next_request()
        assert step is not None  # a fresh walk with limit 1 always has a first page
        records, _, _ = walk.feed(self._fetch(*step))
        return _first_created(records[0], backfill.param) if records else None

    def _backfill_pages(self, backfill: Backfill) -> Iterator[Page[T]]:
        lower = self._lower_bound(backfill)
        if lower is None:
            return
        planner = WindowPlanner(
            lower, backfill.lt, initial=backfill.concurrency * WINDOWS_PER_WORKER
        )
        stop = threading.Event()  # set when the consumer stops early: workers wind down

        def fetch_window(window: tuple[int, int], out: queue.Queue[Any]) -> None:
            end = _WindowEnd()
            try:
                walk = Walk(
                    self._path, _window_params(self._params, backfill, window), limit=self._limit
                )
                for page in self._pages_in_turn(walk):
                    if not _offer(out, page, stop):
                        return
            except BaseException as error:  # handed to the consumer, raised there
                end.error = error
            _offer(out, end, stop)

        pool = ThreadPoolExecutor(
            max_workers=backfill.concurrency, thread_name_prefix="tt-backfill"
        )
        running: deque[tuple[tuple[int, int], queue.Queue[Any]]] = deque()

        def start_next() -> None:
            window = planner.next()
            if window is not None:
                out: queue.Queue[Any] = queue.Queue(maxsize=WINDOW_BUFFER_PAGES)
                pool.submit(fetch_window, window, out)
                running.append((window, out))

        try:
            for _ in range(backfill.concurrency):
                start_next()
            trim = _Trim(self._limit)
            while running:
                window, out = running[0]
                count = 0
                while not isinstance(item := out.get(), _WindowEnd):
                    count += len(item)
                    if trim.page(item):
                        yield item
                    if trim.full:
                        return
                if item.error is not None:
                    raise item.error
                running.popleft()
                planner.observe(window, count)
                start_next()
        finally:
            stop.set()
            pool.shutdown(wait=False, cancel_futures=True)


class AsyncPager(Generic[T]):
    """The async lazy list: ``async for`` records, ``.pages()`` for pages, ``await`` for
    the first page."""

    def __init__(
        self,
        fetch: AsyncFetch,
        parse: Callable[[dict[str, Any]], T],
        path: str,
        params: Pairs,
        *,
        limit: int | None = None,
        starting_after: str | None = None,
        backfill: Backfill | None = None,
    ) -> None:
        self._fetch = fetch
        self._parse = parse
        self._path = path
        self._params = params
        self._limit = limit
        self._starting_after = starting_after
        self._backfill = backfill
        Walk(path, params, limit=limit)  # validate arguments now, not at first use

    def __repr__(self) -> str:
        return f"AsyncPager({self._path!r}, limit={self._limit!r})"

    async def _walk_pages(self, walk: Walk) -> AsyncIterator[Page[T]]:
        # One page ahead, as in Pager._walk_pages.
        step = walk.next_request()
        pending = asyncio.ensure_future(self._fetch(*step)) if step is not None else None
        try:
            while pending is not None:
                records, cursor, links = walk.feed(await pending)
                step = walk.next_request()
                pending = asyncio.ensure_future(self._fetch(*step)) if step is not None else None
                yield Page(_parse_records(self._parse, records), cursor, links)
        finally:
            if pending is not None and not pending.done():
                pending.cancel()
                await asyncio.gather(pending, return_exceptions=True)

    async def pages(self) -> AsyncGenerator[Page[T], None]:
        """The pages, in order (with a backfill: each window's pages, windows in order)."""
        if self._backfill is None:
            walk = Walk(
                self._path, self._params, limit=self._limit, starting_after=self._starting_after
            )
            async for page in self._walk_pages(walk):
                yield page
            return
        async for page in self._backfill_pages(self._backfill):
            yield page

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for record in page.data:
                yield record

    async def first_page(self) -> Page[T]:
        """Just the first page, in one request (no read-ahead)."""
        if self._backfill is not None:
            pages = self.pages()
            try:
                async for page in pages:
                    return page
                return Page([], None)
            finally:
                await pages.aclose()
        walk = Walk(
            self._path, self._params, limit=self._limit, starting_after=self._starting_after
        )
        step = walk.next_request()
        if step is None:
            return Page([], None)
        records, cursor, links = walk.feed(await self._fetch(*step))
        return Page(_parse_records(self._parse, records), cursor, links)

    def __await__(self) -> Generator[Any, None, Page[T]]:
        return self.first_page().__await__()

    async def _lower_bound(self, backfill: Backfill) -> int | None:
        if backfill.gte is not None:
            return backfill.gte
        params = [(k, v) for k, v in self._params if k != f"{backfill.param}.gte"]
        walk = Walk(self._path, params, limit=1)
        step = walk.next_request()
        assert step is not None  # a fresh walk with limit 1 always has a first page
        records, _, _ = walk.feed(await self._fetch(*step))
        return _first_created(records[0], backfill.param) if records else None

    async def _fetch_window(
        self, backfill: Backfill, window: tuple[int, int], out: asyncio.Queue[Any]
    ) -> None:
        end = _WindowEnd()
        try:
            walk = Walk(
                self._path, _window_params(self._params, backfill, window), limit=self._limit
            )
            while (step := walk.next_request()) is not None:  # in turn within a window
                records, cursor, links = walk.feed(await self._fetch(*step))
                await out.put(Page(_parse_records(self._parse, records), cursor, links))
        except Exception as error:  # handed to the consumer, raised there
            end.error = error
        await out.put(end)

    async def _backfill_pages(self, backfill: Backfill) -> AsyncIterator[Page[T]]:
        lower = await self._lower_bound(backfill)
        if lower is None:
            return
        planner = WindowPlanner(
            lower, backfill.lt, initial=backfill.concurrency * WINDOWS_PER_WORKER
        )
        running: deque[tuple[tuple[int, int], asyncio.Queue[Any], asyncio.Task[None]]] = deque()

        def start_next() -> None:
            window = planner.next()
            if window is not None:
                out: asyncio.Queue[Any] = asyncio.Queue(maxsize=WINDOW_BUFFER_PAGES)
                task = asyncio.ensure_future(self._fetch_window(backfill, window, out))
                running.append((window, out, task))

        try:
            for _ in range(backfill.concurrency):
                start_next()
            trim = _Trim(self._limit)
            while running:
                window, out, _ = running[0]
                count = 0
                while not isinstance(item := await out.get(), _WindowEnd):
                    count += len(item)
                    if trim.page(item):
                        yield item
                    if trim.full:
                        return
                if item.error is not None:
                    raise item.error
                running.popleft()
                planner.observe(window, count)
                start_next()
        finally:
            for _, _, task in running:
                task.cancel()
            if running:
                await asyncio.gather(*(task for _, _, task in running), return_exceptions=True)
