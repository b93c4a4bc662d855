"""The dlt source: a box office's records, as the API returns them, on our own ``Client``.

Each resource yields the records' ``.raw`` JSON plus a ``box_office_id`` column; dlt's
normaliser turns nested lists into child tables (``orders__line_items``,
``orders__issued_tickets``, ``event_series__default_ticket_types``...), which get
``box_office_id`` too. Primary key ``id``, ``write_disposition="merge"``.

How each resource stays current (state in dlt's resource state, so it travels with the
destination):

- orders, issued_tickets: new records by a ``created_at`` cursor
  (``dlt.sources.incremental``); changes by the ``<name>_changes`` resource beside it
  (same table): a re-check sweep of the records created within ``recheck_window``, at
  most ``recheck_budget`` pages a run, comparing content hashes; for orders the round
  goes on with the orders created before the window of every event that has not
  ended yet (a refund for next week's show bought months ago); for issued tickets
  also the void scan, which re-reads the order of each newly voided ticket.
- check_ins, waitlist_signups (per series): new records after the last id seen
  (``starting_after``): these lists have no ``created_at`` filter, and rows never change.
- events, event_series, products, discounts, vouchers, holds: few; re-listed whole each
  run, only the records whose hash changed are loaded.
- overview: one row per box office (primary key ``box_office_id``), each run.

Deleted records are not removed from the destination (the API lists no deletions).
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable, Generator, Iterator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import dlt
from dlt.common.normalizers.json.relational import DataItemNormalizer
from dlt.common.schema.typing import TColumnName

from tickettailor.dlt.changes import (
    RECHECK_BUDGET,
    RECHECK_WINDOW,
    EventBook,
    HashBook,
    SweepPlan,
    VoidMark,
    advance_live,
    advance_sweep,
    event_of,
    live_event_ids,
    next_live,
    plan_sweep,
    start_live,
)

if TYPE_CHECKING:
    from dlt.extract.resource import DltResource
    from dlt.extract.source import DltSource

    from tickettailor import Client

__all__ = ["RESOURCES", "SOURCE_NAME", "box_office_id", "tickettailor_source"]

SOURCE_NAME = "tickettailor"
# The resources a user names (tables of the same names); *_changes ride along.
RESOURCES = (
    "orders",
    "issued_tickets",
    "check_ins",
    "events",
    "event_series",
    "products",
    "discounts",
    "vouchers",
    "holds",
    "waitlist_signups",
    "overview",
)
CHANGES = {"orders": "orders_changes", "issued_tickets": "issued_tickets_changes"}
MERGE: dict[str, Any] = {"primary_key": "id", "write_disposition": "merge"}
# Requests in flight for the new records of orders and tickets: the client's backfill
# (pages still come out oldest first). A first sync waits on the API most of its extract
# step; 4 cut it by a quarter (bench/bench_sync.py). With nothing new it is one request.
FETCH_CONCURRENCY = 4
Rows = list[dict[str, Any]]


def box_office_id(overview: Mapping[str, Any]) -> str:
    """A stable id for a box office from ``/v1/overview`` (which has no id): a slug of its
    name and currency, e.g. ``teatro-breve-usd``.

    Chosen over a fingerprint of the API key because a box office has several keys and
    keys are rotated: the rows of one box office keep one id. Readable in SQL. A rename
    changes it; pass ``box_office_id=`` to keep the old one.
    """
    name = str(overview.get("box_office_name") or "box office")
    currency = overview.get("currency")
    code = str(currency.get("code") or "") if isinstance(currency, Mapping) else ""
    ascii_name = unicodedata.normalize("NFKD", f"{name} {code}").encode("ascii", "ignore")
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.decode().lower()).strip("-") or "box-office"


def tickettailor_source(
    client: Client,
    resources: Sequence[str] | None = None,
    *,
    overview: Mapping[str, Any] | None = None,
    box_office: str | None = None,
    recheck_window: int = RECHECK_WINDOW,
    recheck_budget: int = RECHECK_BUDGET,
    now: Callable[[], float] = time.time,
) -> DltSource:
    """A dlt source over ``client``'s box office.

    ``resources``: names from ``RESOURCES`` (default all). ``overview``: the
    ``/v1/overview`` body if already read (else one request now). ``box_office``: the
    ``box_office_id`` value (default ``box_office_id(overview)``). ``recheck_window``
    (seconds) and ``recheck_budget`` (pages per stream per run): the re-check sweep.
    """
    wanted = list(resources or RESOURCES)
    unknown = [name for name in wanted if name not in RESOURCES]
    if unknown:
        raise ValueError(f"unknown resource {unknown[0]!r}; known: {', '.join(RESOURCES)}")
    snapshot = dict(overview) if overview is not None else client.overview().raw
    bid = box_office or box_office_id(snapshot)
    ctx = _Context(client, bid, wanted, recheck_window, recheck_budget, now)

    @dlt.source(name=SOURCE_NAME)
    def tickettailor() -> list[DltResource]:
        _propagate_box_office_id()
        ctx.cursors = {name: _cursor(name) for name in CHANGES}
        made: list[DltResource] = []
        for name in RESOURCES:
            if name in wanted:
                made += _resources(ctx, name, snapshot)
        return made

    source: DltSource = tickettailor()
    return source


def _cursor(name: str) -> int | None:
    """The ``created_at`` cursor of ``name``'s incremental listing before this run (None:
    never run), read before extraction moves it."""
    state = dlt.current.resource_state(name, dlt.current.source_state())
    value = state.get("incremental", {}).get("created_at", {}).get("last_value")
    return int(value) if isinstance(value, int | float) and value > 0 else None


def _propagate_box_office_id() -> None:
    """Child tables get the root row's ``box_office_id`` (dlt copies it down)."""
    schema = dlt.current.source_schema()
    root = {TColumnName("box_office_id"): TColumnName("box_office_id")}
    DataItemNormalizer.update_normalizer_config(schema, {"propagation": {"root": root}})


class _Context:
    def __init__(
        self,
        client: Client,
        bid: str,
        wanted: list[str],
        window: int,
        budget: int,
        now: Callable[[], float],
    ) -> None:
        self.client = client
        self.bid = bid
        self.wanted = wanted
        self.window = window
        self.budget = budget
        self.now = now
        self.cursors: dict[str, int | None] = {}
        self._live: list[str] | None = None

    def live_events(self) -> list[str]:
        """The ids of the events not ended yet (one list request per run, when asked)."""
        if self._live is None:
            now = int(self.now())
            events = self.client.events.list(end_at_gt=now)
            self._live = live_event_ids((e.raw for e in events), now)
        return self._live

    def tag(self, raw: Mapping[str, Any]) -> dict[str, Any]:
        return {**raw, "box_office_id": self.bid}

    def oldest(self) -> int:
        return int(self.now()) - self.window


def _resources(ctx: _Context, name: str, snapshot: Mapping[str, Any]) -> list[DltResource]:
    if name == "overview":
        row = ctx.tag(snapshot)
        res = dlt.resource(
            [row], name="overview", primary_key="box_office_id", write_disposition="merge"
        )
        return [res]
    if name in CHANGES:
        return [_incremental(ctx, name), _changes(ctx, name)]
    if name in ("check_ins", "waitlist_signups"):
        return [_appended(ctx, name)]
    return [_diffed(ctx, name)]


def _listing(client: Client, name: str) -> Any:
    return getattr(client, name)


def _incremental(ctx: _Context, name: str) -> DltResource:
    """New records by ``created_at``; their hashes go to the changes' book."""

    def records(
        created_at: dlt.sources.incremental[int] = dlt.sources.incremental(  # noqa: B008  (dlt's documented way to declare a cursor)
            "created_at", initial_value=0
        ),
    ) -> Iterator[Rows]:
        state = dlt.current.resource_state(CHANGES[name])
        book = HashBook(state.setdefault("hashes", {}))
        live = EventBook(state.setdefault("live_hashes", {})) if name == "orders" else None
        oldest = ctx.oldest()
        book.prune(oldest)
        since = created_at.last_value or None
        listing = _listing(ctx.client, name).list(created_gte=since, concurrency=FETCH_CONCURRENCY)
        for page in listing.pages():
            rows = []
            for record in page.data:
                raw = record.raw
                if int(raw.get("created_at") or 0) >= oldest:
                    book.update(raw)
                elif live is not None and event_of(raw) in ctx.live_events():
                    live.update(raw)  # the live part of the re-check compares with it
                rows.append(ctx.tag(raw))
            yield rows

    return dlt.resource(records, name=name, **MERGE)


def _changes(ctx: _Context, name: str) -> DltResource:
    """Changed records of ``name``: the re-check sweep (and, for tickets, the void scan)."""

    def changed() -> Iterator[Any]:
        state = dlt.current.resource_state()
        book = HashBook(state.setdefault("hashes", {}))
        if name == "issued_tickets":
            yield from _void_scan(ctx, state.setdefault("voids", {}))
        yield from _sweep(ctx, name, book, state.setdefault("sweep", {}))

    return dlt.resource(changed, name=CHANGES[name], table_name=name, **MERGE)


def _sweep(ctx: _Context, name: str, book: HashBook, progress: dict[str, Any]) -> Iterator[Rows]:
    """This run's share of the round: the window's pages, then (orders) the live part."""
    now, newest = int(ctx.now()), ctx.cursors.get(name)
    plan = plan_sweep(progress, now=now, newest=newest, window=ctx.window, budget=ctx.budget)
    if plan is None:
        return
    left, read = plan.pages, 0
    if "live" not in progress:
        read, finished = yield from _window(ctx, name, book, progress, plan)
        if not finished or name != "orders":
            return
    live = EventBook(dlt.current.resource_state().setdefault("live_hashes", {}))
    if "live" not in progress:
        start_live(progress, ctx.live_events(), plan.gte)
        live.keep(ctx.live_events())  # the buckets of events that have ended go
        left -= read
    yield from _live(ctx, live, progress, left)


def _window(
    ctx: _Context, name: str, book: HashBook, progress: dict[str, Any], plan: SweepPlan
) -> Generator[Rows, None, tuple[int, bool]]:
    """The window's part: (pages read, finished)."""
    pager = _listing(ctx.client, name).list(
        created_gte=plan.gte, created_lt=plan.lt, starting_after=plan.after, limit=plan.pages * 100
    )
    last_id, seen, read = None, 0, 0
    for page in pager.pages():
        read += 1
        seen += len(page.data)
        rows = [ctx.tag(r.raw) for r in page.data if book.update(r.raw)]
        last_id = page.data[-1].id if page.data else last_id
        if rows:
            yield rows
    finished = seen < plan.pages * 100
    # The orders' round ends after its live part.
    advance_sweep(progress, last_id=last_id, finished=finished and name != "orders")
    return read, finished


def _live(ctx: _Context, book: EventBook, progress: dict[str, Any], pages: int) -> Iterator[Rows]:
    """Up to ``pages`` pages of the live events' orders created before the window; the
    round is over when none is left."""
    while (ask := next_live(progress)) is not None:
        if pages <= 0:
            return
        pages -= 1
        page = ctx.client.orders.list(
            event_id=ask.event_ids, created_lt=ask.before, starting_after=ask.after, limit=100
        )
        records = [r.raw for r in page]
        rows = [ctx.tag(r) for r in records if book.update(r)]
        if rows:
            yield rows
        last = str(records[-1]["id"]) if records else None
        advance_live(progress, last_id=last, more=len(records) == 100)
    progress.pop("live", None)
    advance_sweep(progress, last_id=None, finished=True)


def _void_scan(ctx: _Context, voids: dict[str, Any]) -> Iterator[Any]:
    """Voided tickets since the last scan, and their orders re-read (one GET each)."""
    mark = VoidMark(voids)
    voided = [t.raw for t in ctx.client.issued_tickets.list(status="voided")]
    fresh = mark.news(voided)
    if not fresh:
        return
    tickets = HashBook(dlt.current.resource_state().setdefault("hashes", {}))
    for ticket in fresh:
        tickets.update(ticket)
    yield [ctx.tag(t) for t in fresh]
    if "orders" not in ctx.wanted:
        return
    orders = HashBook(dlt.current.resource_state(CHANGES["orders"]).setdefault("hashes", {}))
    order_ids = sorted({str(t["order_id"]) for t in fresh if t.get("order_id")})
    changed = []
    for order_id in order_ids:
        raw = ctx.client.orders.get(order_id).raw
        if orders.update(raw):
            changed.append(ctx.tag(raw))
    if changed:
        yield dlt.mark.with_table_name(changed, "orders")


def _appended(ctx: _Context, name: str) -> DltResource:
    """Insert-only lists without a ``created_at`` filter: after the last id seen."""

    def records() -> Iterator[Rows]:
        state = dlt.current.resource_state()
        if name == "check_ins":
            yield from _after(ctx, ctx.client.check_ins.list, state, "after")
            return
        afters = state.setdefault("after", {})
        for series in ctx.client.event_series.list():
            listing = _bind(ctx.client.waitlist_signups.list, series.id)
            yield from _after(ctx, listing, afters, series.id)

    return dlt.resource(records, name=name, **MERGE)


def _bind(method: Callable[..., Any], series_id: str) -> Callable[..., Any]:
    def listing(**kwargs: Any) -> Any:
        return method(series_id, **kwargs)

    return listing


def _after(
    ctx: _Context, listing: Callable[..., Any], state: dict[str, Any], key: str
) -> Iterator[Rows]:
    for page in listing(starting_after=state.get(key)).pages():
        if page.data:
            state[key] = page.data[-1].id
            yield [ctx.tag(r.raw) for r in page.data]


def _diffed(ctx: _Context, name: str) -> DltResource:
    """Small lists re-read whole; only records whose content changed are loaded."""

    def records() -> Iterator[Rows]:
        book = HashBook(dlt.current.resource_state().setdefault("hashes", {}))
        for page in _listing(ctx.client, name).list().pages():
            rows = [ctx.tag(r.raw) for r in page.data if book.update(r.raw)]
            if rows:
                yield rows

    return dlt.resource(records, name=name, **MERGE)
