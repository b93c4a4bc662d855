"""Lazy walks over list endpoints, and partitioned backfill: written once.

A ``Walk`` is the pure state of one walk: which page to ask for next (our own filters
plus ``starting_after``, never the API's rewritten ``links.next``), and what a page
body means (records, whether more follow, whether the cursor repeats).

Every loop over pages is written once, as a *plan*: a generator that yields what it
needs done (``Start`` a request, ``Wait`` for some of the started ones, ``Emit`` a
page) and is sent the answers. ``Pager`` drives plans with a thread pool and
``AsyncPager`` with asyncio tasks; neither holds any logic of its own, so the two
cannot drift apart.

Read-ahead: a walk starts the request for the next page as soon as the current page's
cursor is known, before the current page is even decoded: pages are fetched
``Undecoded`` and the cursor is read from the tail of the raw bytes (``peek_cursor``),
so the JSON decoding overlaps the server's work on the next page. The decoded page has
the last word: when the cursor it gives differs from the early guess (or the body is
malformed), the early request is dropped and the right one sent. The drivers make sure
a request has left before parsing starts (a thread that is merely *runnable* waits out
the GIL's switch interval; see ``Pager._start``).

Backfill: with ``concurrency=K`` and a ``created_at`` range, records are fetched in
half-open time pieces (no record is in two), up to K requests in flight, and come out
in the order of a sequential walk (oldest first). ``Schedule`` decides what to fetch:
a free slot continues the earliest piece that is not already waiting for a page;
when every piece is busy, the earliest piece with much left is split about
``PIECE_PAGES`` pages of records past where it has got to (its latest page's density
says where), and the rest becomes a new piece; a piece that finishes passes its
density on to the pieces after it that have no page yet. Pages that wait for the
consumer (those of later pieces, until the earlier ones are given out) are kept as
the bytes they came as (gzip: about 30 KB a page of 100 orders, a fortieth of it
decoded) and decoded when given out, and at most ``Schedule.cap`` pages are waiting
or in flight, so memory stays flat however long or uneven the range. A page that
will wait is not decoded on arrival: the schedule reads what it needs (the next
cursor, and the last record's created time for the density and the cut) from the
tail of the raw bytes
(``peek_links``, ``peek_last``), so each page is decoded once, as in a sequential walk
(decoding it twice made ``concurrency=4`` 0.77x sequential at zero latency, where the
client's CPU is what limits); a page that cannot be read that way is decoded then.
The consumer's next page is kept decoded. The requests spend the key's shared rate
budget through the core like any other.
"""

from __future__ import annotations

import itertools
import json
import re
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
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar
from urllib.parse import parse_qs, urlsplit

from tickettailor._core.errors import MalformedResponseError, PaginationError, UsageError

if TYPE_CHECKING:  # imported by the async driver when it runs: sync programs skip it
    import asyncio

__all__ = [
    "MAX_PAGE_SIZE",
    "AsyncPager",
    "Backfill",
    "Page",
    "Pager",
    "Schedule",
    "Walk",
    "peek_cursor",
    "peek_last",
    "peek_links",
]

T = TypeVar("T")
MAX_PAGE_SIZE = 100
# A busy piece is cut about this many pages of records past where it has got to (its
# page in flight included), and the rest becomes a new piece. Each piece ends on a
# part-filled page, half empty on average: a time cut cannot be aligned with the
# API's pages, as orders come in bursts (predicting 300 orders ahead from the latest
# 300, the count was off by -26..+23 in half the cases, -79..+134 in 90%), so the
# fewer pieces, the fewer requests. But while the consumer's piece is walked, the
# others' pages wait: pieces near the consumer must stay small for K workers to share.
# 20,000 orders at 100 ms (bench_client_fetch.py, 200 requests sequential): pieces of
# 250 records sent 233-246 requests, 4 pages 220-228 with as many in flight; 6 pages
# 215-218 but fewer in flight at concurrency 8 (pages pile up behind a long piece of
# the consumer's, to the cap).
PIECE_PAGES = 4
# Pages waiting or in flight per worker, at most (the consumer's piece may always
# fetch its next page). With pieces of 4 pages, 6 kept 3.6-3.8 of 4 and 6.6-7.4 of 8
# requests in flight on average at 100 ms latency (8 made no difference).
PAGES_PER_WORKER = 6

Pairs = list[tuple[str, str]]
# Fetch one page: (path, query pairs) -> the parsed JSON body, or an ``Undecoded`` one
# (anything with the raw ``content`` and a ``json()`` that decodes it).
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
    """A ``created_at`` range ``[gte, lt)`` to fetch in pieces, K requests at a time.

    ``gte`` None means "from the oldest record" (found with one extra call).
    """

    param: str  # e.g. "created_at": pieces are sent as param.gte / param.lt
    gte: int | None
    lt: int
    concurrency: int


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
        query = [*self.params, ("limit", str(self.size()))]
        if self.cursor is not None:
            query.append(("starting_after", self.cursor))
        return self.path, query

    def size(self) -> int:
        """The page size the next request asks for."""
        if self.limit is None:
            return MAX_PAGE_SIZE
        return min(MAX_PAGE_SIZE, self.limit - self.count)

    def skip(self, cursor: str | None) -> bool:
        """Take the page just fetched as full and continuing after ``cursor`` (None: the
        last page), as read from its raw bytes, without decoding it (its records are
        checked when decoded). False, and nothing changed, for a repeated cursor:
        ``feed`` reports that."""
        if cursor is not None and (cursor in self.seen or cursor == self.cursor):
            return False
        self.count += self.size()
        self.last_ids = set()  # overlaps with a skipped page are dropped when it is read
        if cursor is None or (self.limit is not None and self.count >= self.limit):
            self.done = True
            return True
        self.seen.add(cursor)
        self.cursor = cursor
        return True

    def guess(self, body: Any) -> tuple[str, Pairs] | None:
        """The next page's request as read from an undecoded ``body``'s raw bytes, before
        ``feed``; None when it cannot be told cheaply or no page should follow."""
        content = getattr(body, "content", None)
        if not isinstance(content, bytes) or self.done:
            return None
        cursor = peek_cursor(content)
        if cursor is None or cursor in self.seen or cursor == self.cursor:
            return None  # the last page, or a repeat that ``feed`` will report
        size = MAX_PAGE_SIZE
        if self.limit is not None:
            asked = min(size, self.limit - self.count)
            size = min(size, self.limit - self.count - asked)  # if this page is full
            if size <= 0:
                return None
        return self.path, [*self.params, ("limit", str(size)), ("starting_after", cursor)]

    def feed(self, body: Any) -> tuple[list[dict[str, Any]], str | None, dict[str, Any]]:
        """Read one page body (decoding an undecoded one): (records to yield, next
        cursor, links)."""
        body = _decoded(body)
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


# The envelope's end: ``"links": {...}}`` closing the top-level object. The links
# object holds only strings and nulls, so it has no braces of its own.
_LINKS_AT_END = re.compile(rb'"links"\s*:\s*(\{[^{}]*\})\s*\}\s*\Z')


def peek_cursor(content: bytes) -> str | None:
    """The ``starting_after`` of ``links.next`` read from the tail of a page's raw JSON,
    without decoding the page; None when there is none or it cannot be told this way
    (``links`` not last, say). Only a guess: the decoded page has the last word."""
    links = peek_links(content)
    return _next_cursor(links.get("next")) if links is not None else None


def peek_links(content: bytes) -> dict[str, Any] | None:
    """The ``links`` object read from the tail of a page's raw JSON; None when it cannot
    be told this way."""
    at = content.rfind(b'"links"')
    found = _LINKS_AT_END.match(content, at) if at >= 0 else None
    if found is None:
        return None
    try:
        links = json.loads(found.group(1))
    except ValueError:
        return None
    return links if isinstance(links, dict) else None


# What follows the last record of ``data`` when ``links`` closes the page.
_DATA_END = re.compile(r'\s*\]\s*,\s*"links"\s*:')
_DECODER = json.JSONDecoder()


def peek_last(content: bytes, record_id: str) -> dict[str, Any] | None:
    """The last record of a page's ``data``, decoded on its own from the raw JSON, when
    its id is ``record_id``; None when it cannot be told this way (the record's id not
    among its first keys, whitespace, ...). A page of 100 orders costs a hundredth."""
    at = content.rfind(b'"id":' + json.dumps(record_id).encode())
    start = content.rfind(b"{", 0, at) if at > 0 else -1
    if start < 0:
        return None
    try:
        text = content[start:].decode("utf-8")
        record, end = _DECODER.raw_decode(text)
    except ValueError:
        return None
    if not isinstance(record, dict) or record.get("id") != record_id:
        return None
    return record if _DATA_END.match(text, end) else None


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


def _created(record: Any, param: str) -> int | None:
    value = record.get(param) if isinstance(record, dict) else None
    if isinstance(value, dict):  # a date object: {"date": ..., "unix": ...}
        value = value.get("unix")
    return int(value) if isinstance(value, int | float) else None


def _first_created(record: dict[str, Any], param: str) -> int:
    value = _created(record, param)
    if value is None:
        raise MalformedResponseError(
            f"The oldest record has no usable {param!r}: {record.get(param)!r}."
        )
    return value


class Handle(Protocol):
    """A started request, as the drivers give it back: a ``Future`` or a ``Task``."""

    def result(self) -> Any: ...

    def cancel(self) -> bool: ...


@dataclass
class Start:
    """Plan step: start fetching one page; the driver answers with its ``Handle``."""

    path: str
    query: Pairs


@dataclass
class Wait:
    """Plan step: wait until one of ``handles`` is done (or, not ``block``-ing, only
    look); answered with the done ones."""

    handles: list[Handle]
    block: bool = True


@dataclass
class Drop:
    """Plan step: a started request is not wanted any more (cancel it if it can be)."""

    handle: Handle


@dataclass
class Emit:
    """Plan step: give ``value`` (a page, or a plan's result) to the caller."""

    value: Any


Step = Start | Wait | Drop | Emit
Plan = Generator[Step, Any, None]


class _Trim:
    """Counts what a backfill has given out and cuts the last page to ``limit``."""

    def __init__(self, limit: int | None) -> None:
        self.limit = limit
        self.yielded = 0

    def page(self, page: Page[Any]) -> bool:
        """Trim ``page`` in place; True when it still has records to give."""
        if self.limit is not None:
            page.data = page.data[: self.limit - self.yielded]
        self.yielded += len(page.data)
        return bool(page.data)

    @property
    def full(self) -> bool:
        return self.limit is not None and self.yielded >= self.limit


class _Starting:
    def result(self) -> Any:
        raise AssertionError("a request was scheduled but never started")

    def cancel(self) -> bool:
        return False


_STARTING = _Starting()
RawPage = tuple[list[dict[str, Any]], str | None, dict[str, Any]]


def _decoded(body: Any) -> Any:
    """A page body as JSON: an undecoded one decoded (see ``Undecoded``)."""
    return body.json() if not isinstance(body, dict | list) and hasattr(body, "json") else body


@dataclass
class _Skimmed:
    """A page read only from its raw bytes on arrival (``Schedule.skim``): when it is
    decoded, records from the piece's end on are dropped, as ``land`` does."""

    path: str
    hi: int
    param: str

    def within(self, data: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [r for r in data if (_created(r, self.param) or self.hi - 1) < self.hi]


@dataclass
class _Held:
    """A backfill page waiting for the consumer, kept as the bytes it came as (gzip:
    a fortieth of the size of the decoded page) and decoded when given out (again,
    unless it was only skimmed on arrival)."""

    body: Any  # an undecoded body
    positions: list[int] | None  # the records given out, by index (None: all)
    cursor: str | None
    links: dict[str, Any]
    skimmed: _Skimmed | None = None

    def page(self) -> RawPage:
        body = _decoded(self.body)
        data = body.get("data") if isinstance(body, dict) else None
        if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
            path = self.skimmed.path if self.skimmed else "a list endpoint"
            raise MalformedResponseError(f"GET {path} did not return a list page.")
        if self.skimmed is not None:
            return self.skimmed.within(data), self.cursor, self.links
        records = data if self.positions is None else [data[i] for i in self.positions]
        return records, self.cursor, self.links


@dataclass
class _Piece:
    """A ``[lo, hi)`` stretch of the backfill range and its own walk."""

    lo: int
    hi: int
    walk: Walk
    pages: deque[RawPage | _Held] = field(default_factory=deque)
    pending: Handle | None = None
    last: int | None = None  # created time of the last record fetched
    rate: float | None = None  # records per second in its latest page (or a guess)
    fetched: int = 0  # records of its own fetched so far
    given: set[Any] = field(default_factory=set)  # ids of the last page given out

    @property
    def finished(self) -> bool:
        return self.walk.done and self.pending is None

    def observe(self, records: list[dict[str, Any]], param: str) -> None:
        """Note how far a page got, and how dense it was (the density ahead is most
        like the latest page's, not the piece's average)."""
        times = [t for t in (_created(r, param) for r in records) if t is not None]
        if times:
            self.reached(len(times), times[-1])

    def reached(self, count: int, last: int) -> None:
        """``count`` more records fetched, up to the created time ``last``."""
        before = self.lo - 1 if self.last is None else self.last  # the span: (before, last]
        self.last = last
        self.fetched += count
        self.rate = count / max(1, last - before)

    def give(self, page: RawPage) -> RawPage:
        """``page`` without the records the piece's previous page gave (an overlapping
        page, as ``Walk.feed`` drops them; pages skimmed on arrival are read only now)."""
        records, cursor, links = page
        kept = [r for r in records if not (isinstance(r, dict) and r.get("id") in self.given)]
        self.given = {r.get("id") for r in records if isinstance(r, dict)}
        return kept, cursor, links


class Schedule:
    """Which backfill pages to fetch next, and the order they are given out in (pure).

    ``pieces`` are in time order and cover the range; the first is the consumer's.
    """

    def __init__(
        self, path: str, params: Pairs, backfill: Backfill, lo: int, *, limit: int | None
    ) -> None:
        self.path = path
        self.params = params
        self.backfill = backfill
        self.limit = limit
        self.workers = backfill.concurrency
        # Pages of later pieces wait until the earlier ones are given out: with too
        # few allowed, workers sit idle (an adaptive cap that shrank while pages piled
        # up kept 2.5 of 8 requests in flight at 100 ms; this one kept 6). Waiting
        # pages are small (see the module docstring).
        self.cap = PAGES_PER_WORKER * backfill.concurrency
        self.density: float | None = None  # the latest seen, for pieces not yet fetched
        self.pieces: deque[_Piece] = deque([self._piece(lo, backfill.lt)])

    def _piece(self, lo: int, hi: int) -> _Piece:
        params = _window_params(self.params, self.backfill, (lo, hi))
        return _Piece(lo, hi, Walk(self.path, params, limit=self.limit))

    @property
    def in_flight(self) -> list[Handle]:
        return [p.pending for p in self.pieces if p.pending is not None]

    @property
    def over(self) -> bool:
        return not self.pieces

    def _room(self) -> bool:
        held = sum(len(p.pages) + (p.pending is not None) for p in self.pieces)
        return held < self.cap

    def starts(self) -> Iterator[tuple[_Piece, tuple[str, Pairs]]]:
        """Pieces to fetch a page of now, with the request: until every worker is busy."""
        while len(self.in_flight) < self.workers:
            piece = self._next_piece()
            if piece is None:
                return
            step = piece.walk.next_request()
            assert step is not None  # _next_piece gives only unfinished walks
            piece.pending = _STARTING  # until the caller sets the real handle
            yield piece, step

    def _next_piece(self) -> _Piece | None:
        head = self.pieces[0] if self.pieces else None
        if head is not None and self._idle(head) and not head.pages:
            return head  # the consumer waits for it: never held back by the cap
        if not self._room():
            return None
        # Work as close to the consumer as possible: the earliest piece that can take
        # a request, or else the earliest one busy with much left, split.
        for index, piece in enumerate(self.pieces):
            if self._idle(piece):
                return piece
            if not piece.walk.done and (new := self._split(index, piece)) is not None:
                return new
        return None

    @staticmethod
    def _idle(piece: _Piece) -> bool:
        return piece.pending is None and not piece.walk.done

    def _split(self, index: int, piece: _Piece) -> _Piece | None:
        """Cut ``piece`` about ``PIECE_PAGES`` pages of records past where it has got
        to (its page in flight included); the rest is a new piece after it, which is
        returned. None when too little is left."""
        density = piece.rate if piece.rate is not None else self.density
        if not density:
            return None  # nothing known yet, or nothing there by the last guess
        start = piece.lo if piece.last is None else piece.last + 1
        cut = start + max(1, int(PIECE_PAGES * MAX_PAGE_SIZE / density))
        if (piece.hi - cut) * density < MAX_PAGE_SIZE:
            return None  # not worth a request of its own
        new = self._piece(cut, piece.hi)
        new.rate = density  # its neighbour's, until its own first page says
        piece.hi = cut
        piece.walk.params = _window_params(piece.walk.params, self.backfill, (piece.lo, cut))
        self.pieces.insert(index + 1, new)
        return new

    def land(self, piece: _Piece, body: Any) -> None:
        """Feed a fetched page to its piece."""
        piece.pending = None
        self._feed(piece, body)
        if piece.walk.done:
            self._pass_on(piece)

    def _pass_on(self, piece: _Piece) -> None:
        """A finished piece says how dense the records are just after it: a better guess
        for the pieces after it that have no page of their own yet than the density
        they were cut with. (A stretch cut as dense can turn out sparse: guessed dense,
        the free workers would cut it into ever more pieces of no records.)"""
        rate = piece.fetched / max(1, piece.hi - piece.lo)
        at = next(i for i, p in enumerate(self.pieces) if p is piece)
        for after in itertools.islice(self.pieces, at + 1, None):
            if after.last is not None:
                break
            after.rate = rate

    def _feed(self, piece: _Piece, body: Any) -> None:
        waits = piece is not self.pieces[0] or bool(piece.pages)
        if waits and (held := self.skim(piece, body)) is not None:
            piece.pages.append(held)
            return
        decoded = _decoded(body)
        records, cursor, links = piece.walk.feed(decoded)
        kept = [r for r in records if (_created(r, self.backfill.param) or piece.lo) < piece.hi]
        if len(kept) < len(records):  # fetched before the piece was cut: the rest is the
            piece.walk.done = True  # next piece's (the API lists oldest first)
            cursor = None
        piece.observe(kept, self.backfill.param)
        self.density = piece.rate or self.density
        if not kept:
            return
        if decoded is body or (piece is self.pieces[0] and not piece.pages):
            # Fetched as JSON (nothing smaller), or the consumer's next page: given out
            # right away, so keeping the bytes would only mean decoding it twice.
            piece.pages.append((kept, cursor, links))
            return
        data = decoded["data"]
        whole = len(kept) == len(data) and all(a is b for a, b in zip(kept, data, strict=True))
        index = {id(r): i for i, r in enumerate(data)}
        positions = None if whole else [index[id(r)] for r in kept]
        piece.pages.append(_Held(body, positions, cursor, links))

    def skim(self, piece: _Piece, body: Any) -> _Held | None:
        """A page that will wait, read only from the tail of its raw bytes (its links
        and its last record), so that it is decoded once, when given out; None when
        that cannot be done safely (the caller decodes it)."""
        content = getattr(body, "content", None)
        if not isinstance(content, bytes) or self.limit is not None:
            return None  # with a limit, the walk must count the records: decode it now
        links = peek_links(content)
        cursor = _next_cursor(links.get("next")) if links is not None else None
        if links is None or (cursor is None and links.get("next")):
            return None
        last = peek_last(content, cursor) if cursor is not None else None
        created = _created(last, self.backfill.param) if last is not None else None
        if cursor is not None and (created is None or created < piece.lo):
            return None
        if created is not None and created >= piece.hi:
            cursor = None  # fetched before the piece was cut: the rest is the next piece's
        size = piece.walk.size()
        if not piece.walk.skip(cursor):
            return None
        if cursor is not None and created is not None:
            piece.reached(size, created)
            self.density = piece.rate or self.density
        if hasattr(body, "forget"):
            body.forget()
        skimmed = _Skimmed(self.path, piece.hi, self.backfill.param)
        return _Held(body, None, cursor, links, skimmed)

    def take(self) -> RawPage | None:
        """The next page in order, if it has come; finished pieces are dropped."""
        while self.pieces:
            head = self.pieces[0]
            if head.pages:
                held = head.pages.popleft()
                return head.give(held.page() if isinstance(held, _Held) else held)
            if not head.finished:
                return None
            self.pieces.popleft()
        return None


class _Plans(Generic[T]):
    """The loops over pages, written once as plans; ``Pager`` and ``AsyncPager`` run them."""

    def __init__(
        self,
        fetch: Any,
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
        return f"{type(self).__name__}({self._path!r}, limit={self._limit!r})"

    def _page(self, raw: RawPage) -> Page[T]:
        records, cursor, links = raw
        return Page([self._parse(record) for record in records], cursor, links)

    def _fresh_walk(self) -> Walk:
        return Walk(
            self._path, self._params, limit=self._limit, starting_after=self._starting_after
        )

    def _pages_plan(self) -> Plan:
        if self._backfill is not None:
            yield from self._backfill_plan(self._backfill)
        else:
            yield from self._walk_plan(self._fresh_walk())

    def _walk_plan(self, walk: Walk) -> Plan:
        step = walk.next_request()
        pending = (yield Start(*step)) if step is not None else None
        while pending is not None:
            yield Wait([pending])
            body = pending.result()
            # Read ahead: the next request leaves before this page is decoded...
            guess = walk.guess(body)
            early = (yield Start(*guess)) if guess is not None else None
            raw = walk.feed(body)
            step = walk.next_request()
            if early is not None and step != guess:  # ...unless the guess was wrong
                yield Drop(early)
                early = None
            if early is None and step is not None:
                early = yield Start(*step)
            pending = early
            yield Emit(self._page(raw))

    def _first_page_plan(self) -> Plan:
        if self._backfill is not None:
            yield from self._pages_plan()
            return
        walk = self._fresh_walk()
        step = walk.next_request()
        if step is None:
            return
        handle = yield Start(*step)
        yield Wait([handle])
        yield Emit(self._page(walk.feed(handle.result())))

    def _fetch_plan(self, walk: Walk) -> Generator[Step, Any, Any]:
        """One page of ``walk``: its body."""
        step = walk.next_request()
        assert step is not None  # only called on a fresh walk with a first page
        handle = yield Start(*step)
        yield Wait([handle])
        return handle.result()

    def _lower_bound_plan(self, backfill: Backfill) -> Generator[Step, Any, Any]:
        """The start of the range: its ``gte``, or the oldest record's time (None: no records)."""
        if backfill.gte is not None:
            return backfill.gte
        params = [(k, v) for k, v in self._params if k != f"{backfill.param}.gte"]
        walk = Walk(self._path, params, limit=1)
        records, _, _ = walk.feed((yield from self._fetch_plan(walk)))
        return _first_created(records[0], backfill.param) if records else None

    def _lower_bound_emit(self, backfill: Backfill) -> Plan:
        yield Emit((yield from self._lower_bound_plan(backfill)))

    def _backfill_plan(self, backfill: Backfill) -> Plan:
        lower = yield from self._lower_bound_plan(backfill)
        if lower is None:
            return
        schedule = Schedule(self._path, self._params, backfill, lower, limit=self._limit)
        trim = _Trim(self._limit)
        while not schedule.over:
            for piece, step in list(schedule.starts()):
                piece.pending = yield Start(*step)
            raw = schedule.take()
            if raw is not None:
                page = self._page(raw)
                if trim.page(page):
                    yield Emit(page)
                if trim.full:
                    return
            # While pages are waiting to be given out, only look at what has come
            # (so free workers get their next request between pages).
            done = (
                (yield Wait(schedule.in_flight, block=raw is None)) if schedule.in_flight else set()
            )
            for piece in list(schedule.pieces):
                if piece.pending is not None and piece.pending in done:
                    schedule.land(piece, piece.pending.result())


class Pager(_Plans[T]):
    """A lazy list: iterate for records (all pages), or ``.pages()`` for pages.

    Each iteration starts a fresh walk. ``limit`` is the total wanted.
    """

    _fetch: SyncFetch

    def _run(self, plan: Plan) -> Generator[Any, None, None]:
        """Drive ``plan`` with threads (one per request in flight), giving what it emits."""
        workers = self._backfill.concurrency if self._backfill is not None else 1
        pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="tt-page")
        try:
            answer: Any = None
            while (step := _advance(plan, answer)) is not None:
                if isinstance(step, Start):
                    answer = self._start(pool, step)
                elif isinstance(step, Wait):
                    timeout = None if step.block else 0
                    answer = wait(step.handles, timeout, FIRST_COMPLETED).done  # type: ignore[arg-type]  # the handles are this pool's futures
                elif isinstance(step, Drop):
                    answer = step.handle.cancel()
                else:
                    answer = yield step.value
        finally:
            plan.close()
            pool.shutdown(wait=False, cancel_futures=True)

    def _start(self, pool: ThreadPoolExecutor, step: Start) -> Future[Any]:
        # Wait until the worker has picked the request up: it then holds the GIL until
        # the request is on the wire (where it blocks), instead of waiting out the
        # switch interval behind our parsing.
        picked = threading.Event()

        def fetch() -> Any:
            picked.set()
            return self._fetch(step.path, step.query)

        future = pool.submit(fetch)
        picked.wait(0.05)
        return future

    def pages(self) -> Iterator[Page[T]]:
        """The pages, in order (with a backfill: in the order of a sequential walk)."""
        return self._run(self._pages_plan())

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.data

    def first_page(self) -> Page[T]:
        """Just the first page, in one request (no read-ahead)."""
        page: Page[T] = self._first(self._first_page_plan(), Page([], None))
        return page

    def _lower_bound(self, backfill: Backfill) -> int | None:
        value: int | None = self._first(self._lower_bound_emit(backfill), None)
        return value

    def _first(self, plan: Plan, default: Any) -> Any:
        run = self._run(plan)
        try:
            return next(run, default)
        finally:
            run.close()


class AsyncPager(_Plans[T]):
    """The async lazy list: ``async for`` records, ``.pages()`` for pages, ``await`` for
    the first page."""

    _fetch: AsyncFetch

    async def _run(self, plan: Plan) -> AsyncGenerator[Any, None]:
        """Drive ``plan`` with asyncio tasks, giving what it emits."""
        import asyncio

        tasks: set[asyncio.Task[Any]] = set()
        try:
            answer: Any = None
            while (step := _advance(plan, answer)) is not None:
                answer = None
                if isinstance(step, Emit):
                    yield step.value
                elif isinstance(step, Wait):
                    answer = await _done(step)
                    tasks -= answer
                elif isinstance(step, Drop):
                    step.handle.cancel()
                    tasks.discard(step.handle)
                else:
                    answer = task = asyncio.ensure_future(self._fetch(step.path, step.query))
                    tasks.add(task)
                    await asyncio.sleep(0)  # let it send before we parse
        finally:
            plan.close()
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

    async def pages(self) -> AsyncGenerator[Page[T], None]:
        """The pages, in order (with a backfill: in the order of a sequential walk)."""
        async for page in self._run(self._pages_plan()):
            yield page

    async def __aiter__(self) -> AsyncIterator[T]:
        async for page in self.pages():
            for record in page.data:
                yield record

    async def first_page(self) -> Page[T]:
        """Just the first page, in one request (no read-ahead)."""
        page: Page[T] = await self._first(self._first_page_plan(), Page([], None))
        return page

    def __await__(self) -> Generator[Any, None, Page[T]]:
        return self.first_page().__await__()

    async def _lower_bound(self, backfill: Backfill) -> int | None:
        value: int | None = await self._first(self._lower_bound_emit(backfill), None)
        return value

    async def _first(self, plan: Plan, default: Any) -> Any:
        run = self._run(plan)
        try:
            async for value in run:
                return value
            return default
        finally:
            await run.aclose()


def _advance(plan: Plan, answer: Any) -> Step | None:
    """The plan's next step, given the answer to its last (None: it is over)."""
    try:
        return plan.send(answer)
    except StopIteration:
        return None


async def _done(step: Wait) -> set[asyncio.Task[Any]]:
    import asyncio

    tasks: list[asyncio.Task[Any]] = step.handles  # type: ignore[assignment]  # the async driver's handles are its tasks
    if step.block:
        done, _ = await asyncio.wait(tasks, return_when=FIRST_COMPLETED)
        return done
    await asyncio.sleep(0)  # let finished requests be noticed
    return {task for task in tasks if task.done()}
