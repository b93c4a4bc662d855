"""The watch engine: one cycle is fetch -> store -> deliver.

``Watch`` runs one trigger (orders, issued tickets, check-ins, events) against one
state file: each cycle walks the trigger's lists from its position, stores unseen
records and their outbox rows in the transaction that moves the position, then relays
pending rows to the sinks (at most ``limit`` per sink and cycle; the rest wait, in
order). Errors never move the position. ``run_watches`` runs many watches in one
process; watches of one key share that key's rate budget through the client.

An idle cycle costs one request per watch. The one stream that must re-read
everything, issued-ticket voids (no ``updated_at`` filter exists), is scanned every
``void_every`` seconds instead (default ``VOID_EVERY`` = 300; 0 = every cycle): a void
is delivered at the first scan after it. When that scan last completed is kept in the
state with the scan's last page, so a restart neither skips nor repeats it early, and
a scan cut short (an error, a cap) carries on at the next cycle.

Records back-dated beyond the lookback window (see ``triggers``) are caught by a
re-list every ``recheck_every`` seconds (default ``RECHECK_EVERY`` = 300) of the last
hour (``RECHECK_NEAR``), and once an hour (``RECHECK_FULL_EVERY``) of the whole
``recheck_window`` (default ``RECHECK_WINDOW``, one day), at most ``RECHECK_PAGES``
pages per cycle; 0 as the window turns it off. What it finds is delivered as
``order.created`` (the key is the usual one, so sinks de-duplicate) and counted in
``CycleReport.backdated``.

Opening a state checks whose it is. A state of another API key is refused, unless
``reset`` (it is then started over, keeping nothing of the old key's box office) or the
new key reads the same box office: it reads back the newest stored record (or, with no
records, ``/v1/overview`` names the same box office as the one stored), and the state
is carried over with a line in ``Watch.notices``. A state the webhook receiver fed
but no poll has walked yet starts at the receiver's start, not at ``--start now``, so
nothing sold while neither ran is missed.

Library use::

    from tickettailor import Client
    from tickettailor.watch import Watch

    with Watch("orders", client=Client(), sinks=[print_order], start="all") as watch:
        watch.run(every=60)
"""

from __future__ import annotations

import inspect
import json
import logging
import os
import re
import shlex
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import anyio
import platformdirs

from tickettailor._core.errors import (
    APIError,
    ForbiddenError,
    NotFoundError,
    PaginationError,
    StateError,
    TicketTailorError,
    UsageError,
)
from tickettailor._core.keys import key_fingerprint as _key_fingerprint
from tickettailor.watch import recheck as changes
from tickettailor.watch.changes import change_record
from tickettailor.watch.crash import crash_point
from tickettailor.watch.envelope import make_envelope
from tickettailor.watch.relay import Backoff, RelayReport, relay
from tickettailor.watch.sink import Sink
from tickettailor.watch.source import PageSource, PageWalk, check_driver, source_for
from tickettailor.watch.state import (
    Position,
    SinkBacklog,
    StateStatus,
    StateStore,
    StoredRecord,
)
from tickettailor.watch.store import Store
from tickettailor.watch.triggers import Stream, Trigger, get_trigger, id_number

if TYPE_CHECKING:
    from tickettailor._client import AsyncClient, Client

__all__ = [
    "RECHECK_EVERY",
    "RECHECK_WINDOW",
    "VOID_EVERY",
    "CycleReport",
    "Watch",
    "as_sink",
    "default_state_path",
    "fingerprint",
    "note_receiver_start",
    "run_watches",
    "start_positions",
]

VOID_EVERY = 300.0  # seconds between void scans of issued tickets (Watch.void_every)
RECHECK_WINDOW = 30 * 86400.0  # seconds re-listed for back-dated and changed records
RECHECK_EVERY = 300.0  # seconds between those re-lists (Watch.recheck_every)
RECHECK_PAGES = 30  # pages a re-list reads per cycle at most (~a minute of its budget)
RECHECK_NEAR = 3600.0  # most re-lists cover the last hour only (plus RECHECK_MARGIN) ...
# ... with a margin, so that something sold exactly an hour "ago" (an import, a payment
# confirmed an hour later) is not missed by the second that passed before the re-list.
RECHECK_MARGIN = 300.0
RECHECK_FULL_EVERY = 3600.0  # ... and one an hour covers the whole recheck_window
_RECHECK = "recheck:"  # status entry of a stream's re-list: recheck:<stream>, JSON
_WEBHOOKS_SINCE = "webhooks:since"  # status entry: when the receiver first fed the state
_WEBHOOKS_STREAM = "webhooks"  # the receiver's position row (tickettailor.webhooks.feeder)

log = logging.getLogger("tickettailor.watch")


def fingerprint(api_key: str) -> str:
    """A short, one-way fingerprint of an API key (safe to store and show); the same as
    ``Client(api_key).key_fingerprint``."""
    return _key_fingerprint(api_key)


def default_state_path(resource: str, *, profile: str | None, key_fingerprint: str) -> Path:
    """``<user data dir>/watch/<profile or key fingerprint>/<resource>.sqlite3``.

    ``TICKETTAILOR_DATA_DIR`` replaces the user data dir (tests, containers).
    """
    base = os.environ.get("TICKETTAILOR_DATA_DIR") or platformdirs.user_data_dir("tickettailor")
    owner = profile or f"key-{key_fingerprint}"
    return Path(base) / "watch" / owner / f"{get_trigger(resource).resource}.sqlite3"


_LOOKS_LIKE_ID = re.compile(r"^[a-z]{2,3}_\d+$")


def start_positions(
    trigger: Trigger, start: str | int, *, now: float, tz: str | None = None
) -> list[Position]:
    """The first position of each stream for ``--start now|all|DATE|ID``."""
    text = str(start).strip()
    if text in ("", "now"):
        floor = int(now)
        return [Position(s.name, watermark=floor, floor=floor) for s in trigger.streams]
    if text == "all":
        return [Position(s.name) for s in trigger.streams]
    if _LOOKS_LIKE_ID.match(text):
        if not text.startswith(trigger.id_prefix):
            raise UsageError(
                f"--start {text}: ids of {trigger.resource} start with "
                f"{trigger.id_prefix!r} (e.g. {trigger.id_prefix}123); or give now, all or a date"
            )
        num, floor = id_number(text), int(now)
        # Records after that id; update streams (voids) cannot place an id in time,
        # so they report changes from now on.
        return [
            Position(s.name, anchor=text, min_id=num)
            if s.by_id
            else Position(s.name, watermark=floor, floor=floor)
            for s in trigger.streams
        ]
    from tickettailor._core.dates import to_unix  # the one date parser (CONTRIBUTING.md, "Dates")

    try:
        floor = to_unix(text, tz=tz)
    except ValueError as exc:
        raise UsageError(
            f"--start {text!r} is not now, all, a date or an id like {trigger.id_prefix}123: {exc}"
        ) from None
    return [Position(s.name, watermark=floor, floor=floor) for s in trigger.streams]


def as_sink(target: Sink | Callable[..., Any]) -> Sink:
    """A sink, or a Python callable (sync or ``async def``) taking one envelope."""
    if isinstance(target, Sink):
        return target
    if not callable(target):
        raise UsageError(f"{target!r} is neither a sink nor a callable")
    from tickettailor.sinks import AsyncCallableSink, CallableSink

    if inspect.iscoroutinefunction(target):
        return AsyncCallableSink(target)
    return CallableSink(target)


@dataclass
class CycleReport:
    """What one cycle did."""

    fetched: int = 0  # records read from the API
    stored: int = 0  # of which new (now in the outbox)
    requests: int = 0
    delivered: int = 0
    dead: int = 0
    fetch_error: str | None = None
    sink_errors: dict[str, str] = field(default_factory=dict)
    backdated: int = 0  # of the new, found by the re-list of the recent window
    delivered_by: dict[str, int] = field(default_factory=dict)  # per sink name
    since: float | None = None  # where the first stream stood before this cycle
    updated: int = 0  # of the new, changes (.updated envelopes; tickettailor.watch.changes)
    fetch_exception: Exception | None = field(default=None, repr=False, compare=False)

    @property
    def key_refused(self) -> bool:
        """The API refused the key (401/403): retrying will not help."""
        return isinstance(self.fetch_exception, ForbiddenError)

    @property
    def ok(self) -> bool:
        """No fetch error and no sink failure."""
        return self.fetch_error is None and not self.sink_errors


class Watch:
    """One watch: a trigger, a state file and its sinks.

    ``void_every``: seconds between issued-ticket void scans (default 300; 0 = every
    cycle). Each scan re-reads every voided ticket; the cycles between cost one request.
    ``recheck_window`` / ``recheck_every``: the re-list for back-dated records (0 as the
    window: none). ``start`` None means ``"now"`` (and that none was asked for).

    After ``open``: ``notices`` holds sentences about what opening decided (a state
    carried over to a new key, a ``start`` ignored, a start moved back to the webhook
    receiver's), ``orphans`` the sinks in the state with pending rows this watch does
    not serve, and ``resumed`` whether the state already had a position.
    """

    def __init__(
        self,
        resource: str,
        *,
        sinks: Iterable[Sink | Callable[..., Any]],
        client: Client | AsyncClient | None = None,
        source: PageSource | None = None,
        state: str | os.PathLike[str] | None = None,
        profile: str | None = None,
        key_fingerprint: str | None = None,
        start: str | int | None = None,
        reset: bool = False,
        limit: int | None = None,
        lookback: int = 60,
        void_every: float = VOID_EVERY,
        recheck_window: float = RECHECK_WINDOW,
        recheck_every: float = RECHECK_EVERY,
        updates: bool = True,
        recheck_budget: float = changes.RECHECK_BUDGET,
        recheck_full_every: float = RECHECK_FULL_EVERY,
        max_fetch: int = 10_000,
        max_backlog: int = 100_000,
        lease_ttl: float = 60.0,
        wait: float = 0.0,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.time,
        tz: str | None = None,
        open_store: Callable[[], Store] | None = None,
    ) -> None:
        self.trigger = get_trigger(resource)
        if limit is not None and limit < 1:
            raise UsageError(f"limit must be at least 1 (got {limit})")
        if not 0 <= void_every < float("inf"):  # also refuses NaN
            raise UsageError(
                f"void_every must be 0 (every cycle) or a number of seconds (got {void_every})"
            )
        for label, value in (("recheck_window", recheck_window), ("recheck_every", recheck_every)):
            if not 0 <= value < float("inf"):
                raise UsageError(f"{label} must be 0 or a number of seconds (got {value})")
        if not 0 <= recheck_budget <= 1:
            raise UsageError(f"recheck_budget must be between 0 and 1 (got {recheck_budget})")
        # The client's own GETs (the overview, a record read back), also with a source.
        self._api = source_for(client) if client is not None else None
        if source is None:
            if self._api is None:
                raise UsageError("Watch needs a client (or a page source)")
            source = self._api
        self.source = source
        self.sinks = [as_sink(s) for s in sinks]
        if not self.sinks:
            raise UsageError("a watch needs at least one sink")
        names = [s.name for s in self.sinks]
        if len(set(names)) != len(names):
            raise UsageError(f"two sinks have the same name: {names}; name them apart")
        fp = key_fingerprint or (client.key_fingerprint if client is not None else None)
        self.state_path = Path(
            state
            if state is not None
            else default_state_path(resource, profile=profile, key_fingerprint=fp or "unknown")
        )
        self._key_fingerprint = fp
        self.client = client
        self.start = "now" if start is None else start
        self.start_given = start is not None
        self.reset = reset
        self.limit = limit
        self.lookback = lookback
        self.void_every = void_every
        self.recheck_window = recheck_window
        self.recheck_every = recheck_every
        self.updates = updates
        self.recheck_budget = recheck_budget
        self.recheck_full_every = recheck_full_every
        self.recheck_pages = RECHECK_PAGES
        self.max_fetch = max_fetch
        self.max_backlog = max_backlog
        self.lease_ttl = lease_ttl
        self.wait = wait
        self.backoff = backoff or Backoff()
        self.clock = clock
        self.tz = tz
        self._open_store = open_store  # another store than the SQLite file (the fleet's)
        self.store: Store | None = None
        self.notices: list[str] = []
        self.orphans: list[SinkBacklog] = []
        self.resumed = False
        # Validate the start point before touching any file.
        self._start_positions = start_positions(self.trigger, self.start, now=clock(), tz=tz)

    # -- lifecycle --------------------------------------------------------------------

    def open(self) -> None:
        """Open the state, take the lease, check the key, apply reset and the start."""
        if self.store is not None:
            return
        check_driver(self.source, self._api)
        store = self._open_store() if self._open_store is not None else self._open_file()
        try:
            store.acquire(wait=self.wait)
            self._check_key(store)
            if self.reset:
                store.reset()
            self._init_positions(store)
            self.orphans = self._orphans(store)
        except BaseException:
            store.close()
            raise
        self.store = store
        if self.trigger.resource in ("orders", "events", "issued-tickets"):
            changes.note_settings(self)
        for notice in self.notices:  # the CLI prints them; -v shows them twice, no more
            log.debug("%s", notice)

    def _open_file(self) -> Store:
        exists = self.state_path.exists() and self.state_path.stat().st_size > 0
        return StateStore.open(
            self.state_path,
            resource=self.trigger.resource,
            # An existing state's key is checked below, where a new key may take it over.
            key_fingerprint=None if exists else self._key_fingerprint,
            clock=self.clock,
            lease_ttl=self.lease_ttl,
        )

    # -- opening: whose state, where to start, what is left for other sinks ----------

    def _check_key(self, store: Store) -> None:
        """Accept the state for this key, take it over, or refuse it."""
        fp = self._key_fingerprint
        if fp is None:
            return
        meta = store.meta()
        stored = meta.get("key_fingerprint") or None
        if stored is not None and stored != fp:
            self._take_over(store, meta, stored)
        elif stored is None:
            store.set_meta(key_fingerprint=fp)
        if "box_office" not in store.meta():
            self._remember_box_office(store)

    def _take_over(self, store: Store, meta: dict[str, str], stored: str) -> None:
        """A state of another key: start it over (reset), carry it over, or refuse."""
        fp, name = self._key_fingerprint, self.trigger.resource
        if self.reset:
            store.reset()
            store.set_meta(key_fingerprint=fp, box_office=None)
            self.notices.append(
                f"{name}: the state {self.state_path} belonged to another API key; "
                "reset, nothing of it is kept"
            )
            return
        box = self._same_box_office(store, meta)
        if box is None:
            raise StateError(
                f"the watch state {self.state_path} belongs to another API key (fingerprint "
                f"{stored}, this key's is {fp}), and this key does not read the same box "
                f"office: start it over with `tickettailor watch reset {name} --state "
                f"{shlex.quote(str(self.state_path))} --yes` (or add --reset), pass another "
                "--state, or use that key"
            )
        store.set_meta(key_fingerprint=fp, box_office=box)
        self.notices.append(
            f"{name}: the state {self.state_path} belonged to another API key of the same "
            f"box office ({box}); carried over to this key"
        )

    def _same_box_office(self, store: Store, meta: dict[str, str]) -> str | None:
        """This key's box office, when it is the state's; else None.

        The newest stored record read back unchanged proves it; with no records, the
        box office named by ``/v1/overview`` must be the one stored.
        """
        box = self._box_office(strict=True)
        newest = store.newest_record(self.trigger.streams[0].event_type)
        if box is None:
            return None
        if newest is not None:
            return box if self._reads_back(*newest) else None
        return box if meta.get("box_office") == box else None

    def _reads_back(self, record_id: str, ts: int) -> bool:
        stream = self.trigger.streams[0]
        if self._api is None:
            return False
        try:
            body = self._api.get_page(f"{self.trigger.path}/{record_id}", {})
        except NotFoundError:
            return False
        return isinstance(body, dict) and body.get(stream.ts_field) == ts

    def _box_office(self, *, strict: bool) -> str | None:
        """``NAME (currency)`` from ``/v1/overview``, or None without a client.

        ``strict``: API errors propagate (a refused key says so); else they give None.
        """
        if self._api is None:
            return None
        try:
            body = self._api.get_page("/v1/overview", {})
        except TicketTailorError:
            if strict:
                raise
            return None
        if not isinstance(body, dict) or not body.get("box_office_name"):
            return None
        currency = body.get("currency")
        code = currency.get("code") if isinstance(currency, dict) else None
        return f"{body['box_office_name']} ({code})" if code else str(body["box_office_name"])

    def _remember_box_office(self, store: Store) -> None:
        """Store which box office the state belongs to (one request, once)."""
        box = self._box_office(strict=False)
        if box is not None:
            store.set_meta(box_office=box)

    def _init_positions(self, store: Store) -> None:
        """Store the start positions of a new state; say when a start is not applied."""
        existing = store.positions()
        names = [s.name for s in self.trigger.streams]
        self.resumed = all(n in existing for n in names)
        starts = self._start_positions
        if not any(n in existing for n in names):
            starts = self._cover_receiver(store, starts)
        elif self.start_given:
            first = existing[names[0]]
            where = _when(first.watermark) if first.watermark is not None else "its start"
            self.notices.append(
                f"{self.trigger.resource}: --start {self.start} is ignored: this state "
                f"already has a position (up to {where}) and continues from it; add --reset "
                f"to start from {self.start} (that forgets its pending deliveries)"
            )
        store.init_positions(starts)

    def _cover_receiver(self, store: Store, starts: list[Position]) -> list[Position]:
        """Start no later than the webhook receiver that fed this state did."""
        since = _receiver_since(store)
        if since is None:
            return starts
        moved = [
            replace(p, watermark=since, floor=since) if p.min_id is None and p.floor > since else p
            for p in starts
        ]
        if moved != starts:
            self.notices.append(
                f"{self.trigger.resource}: the webhook receiver fed this state since "
                f"{_when(since)}; polling starts there, not at --start {self.start}, so "
                "nothing sold while neither ran is missed"
            )
        return moved

    def _orphans(self, store: Store) -> list[SinkBacklog]:
        """Sinks in the state with pending rows that this watch does not serve."""
        mine = {s.name for s in self.sinks}
        if not set(store.pending_by_sink()) - mine:
            return []
        return [s for s in store.status().sinks if s.pending and s.sink not in mine]

    def close(self) -> None:
        """Release the lease, the state file and the sinks."""
        if self.store is not None:
            self.store.close()
            self.store = None
        for sink in self.sinks:
            sink.close()

    def __enter__(self) -> Watch:
        self.open()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- one cycle --------------------------------------------------------------------

    def run_cycle(self) -> CycleReport:
        """Fetch what is new, store it, deliver what is due. Never raises API errors."""
        check_driver(self.source, self._api)
        self.open()
        store = self._store()
        store.renew()
        report = CycleReport(since=self._since(store))
        try:
            for stream in self.trigger.streams:
                if self._due(stream):
                    self._scan(stream, report)
                if stream.recheck and self._recheck_due(stream):
                    self._recheck(stream, report)
                if self.updates and stream.changes:
                    self._find_changes(stream, report)
        except (APIError, PaginationError) as exc:
            report.fetch_error = str(exc)
            report.fetch_exception = exc
        if report.backdated:
            log.warning(
                "%s: %d back-dated record(s) found by the re-list of recent records "
                "(created more than --lookback %d s before the newest seen); queued for delivery",
                self.trigger.resource,
                report.backdated,
                self.lookback,
            )
        for sink in self.sinks:  # one sink at a time: the report says what each got
            result: RelayReport = relay(
                store, [sink], limit=self.limit, clock=self.clock, backoff=self.backoff
            )
            report.delivered += result.delivered
            report.dead += result.dead
            report.delivered_by[sink.name] = result.delivered
            report.sink_errors.update(result.errors)
        problems = [report.fetch_error] if report.fetch_error else []
        problems += [f"sink {name}: {err}" for name, err in report.sink_errors.items()]
        store.note(error="; ".join(problems) if problems else None)
        return report

    def deliver(self) -> RelayReport:
        """Deliver what is pending, without fetching (no limit)."""
        self.open()
        return relay(self._store(), self.sinks, limit=None, clock=self.clock, backoff=self.backoff)

    def replay(self, since: str | int) -> int:
        """Queue every stored record from ``since`` (a date) again for this watch's
        sinks, with the original keys; ``deliver`` or the next cycle sends them."""
        from tickettailor._core.dates import to_unix

        self.open()
        return self._store().replay(to_unix(since, tz=self.tz), [s.name for s in self.sinks])

    def status(self) -> StateStatus:
        """Position, backlog per sink, last error and last success."""
        self.open()
        return self._store().status()

    def _store(self) -> Store:
        if self.store is None:
            raise StateError("the watch is closed")
        return self.store

    def _since(self, store: Store) -> float | None:
        """Where the first stream stands: its watermark, else its start (None: all)."""
        pos = store.positions().get(self.trigger.streams[0].name)
        if pos is None:
            return None
        if pos.watermark is not None:
            return float(pos.watermark)
        return float(pos.floor) if pos.floor else None

    def _due(self, stream: Stream) -> bool:
        """Whether this cycle walks ``stream``: always, unless it is periodic and its
        last complete scan is less than ``void_every`` seconds old."""
        if not stream.periodic or self.void_every == 0:
            return True
        store = self._store()
        if store.positions()[stream.name].cursor is not None:
            return True  # a scan cut short carries on
        last, now = store.scanned_at(stream.name), self.clock()
        # A clock set back (now < last) would otherwise hold the scan off: scan.
        return last is None or now < last or now - last >= self.void_every

    def _scan(self, stream: Stream, report: CycleReport) -> None:
        """Walk one stream's list from its position, a page per transaction."""
        store = self._store()
        begun = self.clock()  # a periodic stream's scan time, kept when the scan completes
        pos = store.positions()[stream.name]
        backlog = store.backlog()  # counted once; the pages add to it as they are stored
        # The filters stay the same for every page of a scan: only the cursor moves.
        after = pos.cursor or (pos.anchor if stream.by_id else None)
        filters = self._filters(stream, pos)
        pages = PageWalk(self.source, self.trigger.path, filters, stream.ts_field, cursor=after)
        while report.fetched < self.max_fetch and backlog < self.max_backlog:
            records, more = pages.next_page()
            report.requests += 1
            crash_point("after_fetch")
            new_pos = self._advance(stream, pos, records, more)
            wanted = [self._stored(stream, r) for r in records if self._wanted(stream, pos, r)]
            done = begun if stream.periodic and not more else None
            changed = store.changes_stored
            new = store.store_page(wanted, new_pos, [s.name for s in self.sinks], scanned_at=done)
            report.stored += new
            report.updated += store.changes_stored - changed
            backlog += new * len(self.sinks)
            report.fetched += len(records)
            pos = new_pos
            if not more:
                return

    def _filters(self, stream: Stream, pos: Position) -> dict[str, str]:
        params = dict(stream.params)  # the page size is the paginator's (100)
        if stream.time_filter is not None:
            since = pos.floor if pos.watermark is None else pos.watermark - self.lookback
            if max(since, pos.floor) > 0:
                params[f"{stream.time_filter}.gte"] = str(max(since, pos.floor))
        return params

    def _wanted(self, stream: Stream, pos: Position, record: dict[str, Any]) -> bool:
        if record[stream.ts_field] < pos.floor or not stream.accept(record):
            return False
        if stream.by_id and pos.min_id is not None:
            num = id_number(record["id"])
            return num is None or num > pos.min_id
        return True

    def _stored(self, stream: Stream, record: dict[str, Any]) -> StoredRecord:
        ts = int(record[stream.ts_field])
        if self.updates and stream.changes:  # keyed by content: tickettailor.watch.changes
            return change_record(stream.event_type, record, ts, int(self.clock()))
        version = ts if stream.versioned else None
        envelope = make_envelope(stream.event_type, record, ts, version=version)
        return StoredRecord(envelope, id_number(record["id"]), ts)

    def _advance(
        self, stream: Stream, pos: Position, records: list[dict[str, Any]], more: bool
    ) -> Position:
        """The position after this page (the page is stored in the same transaction)."""
        if not records:
            return self._scan_done(pos)
        last = records[-1]["id"]
        before = id_number(pos.cursor) if pos.cursor else None
        last_num = id_number(last)
        if before is not None and last_num is not None and last_num <= before:
            raise PaginationError(
                f"the API returned {last} after {pos.cursor} on {self.trigger.path}: "
                "the list did not move forward; the watch will try again next cycle"
            )
        top = max(r[stream.ts_field] for r in records)
        scan_max = top if pos.scan_max is None else max(pos.scan_max, top)
        new = replace(pos, cursor=last if more else None, scan_max=scan_max)
        if stream.by_id:
            new.anchor = self._anchor(stream, new, records)
        return new if more else self._scan_done(new)

    def _anchor(self, stream: Stream, pos: Position, records: list[dict[str, Any]]) -> str | None:
        """The newest id older than the lookback window: the next scan starts after it.

        Ids and times rise together on these lists, so a record missed so far can only
        be newer than the window (or later than the lookback: the documented limit).
        """
        newest = max(pos.watermark or 0, pos.scan_max or 0)
        anchor = pos.anchor
        for record in records:
            num = id_number(record["id"])
            old = record[stream.ts_field] < newest - self.lookback
            if old and num is not None and (anchor is None or num > (id_number(anchor) or -1)):
                anchor = record["id"]
        return anchor

    @staticmethod
    def _scan_done(pos: Position) -> Position:
        if pos.scan_max is None:
            return replace(pos, cursor=None)
        mark = pos.scan_max if pos.watermark is None else max(pos.watermark, pos.scan_max)
        return replace(pos, watermark=mark, cursor=None, scan_max=None)

    # -- the re-list of the recent window (back-dated records) ------------------------

    def _recheck_due(self, stream: Stream) -> bool:
        """Whether this cycle re-lists ``stream``'s recent window."""
        if self.recheck_window == 0:
            return False
        store = self._store()
        main = store.positions()[stream.name]
        if main.watermark is None or main.cursor is not None:
            return False  # the main scan has not settled: it reads all of it anyway
        progress = _recheck_progress(store, stream)
        if progress.get("cursor"):
            return True  # a re-list cut short carries on
        last, now = progress.get("done_at"), self.clock()
        if last is None and self.resumed:
            return True  # a state that was never rechecked: do it now
        if last is None:
            # A new state: its first scan just read everything up to now, so the first
            # re-list is due recheck_every from here.
            progress = {"done_at": now, "full_at": now}
            store.set_status(_RECHECK + stream.name, json.dumps(progress))
            return False
        return bool(now < last or now - last >= self.recheck_every)

    def _recheck(self, stream: Stream, report: CycleReport) -> None:
        """Re-list records between the window's start and the main scan's lookback,
        at most RECHECK_PAGES pages this cycle; store the unseen ones (back-dated).

        Its progress is kept in the state after each page's transaction: a crash in
        between reads that page again, and the keys make that harmless.
        """
        store, key = self._store(), _RECHECK + stream.name
        main = store.positions()[stream.name]
        begun = self.clock()
        bounds = _recheck_progress(store, stream)
        if not bounds.get("cursor"):  # a new re-list: fix its bounds for all its pages
            bounds = self._recheck_bounds(main, begun, bounds.get("full_at"))
        lower, upper = int(bounds["floor"]), int(bounds["upper"])
        cursor = bounds["cursor"]
        params = {
            f"{stream.time_filter}.gte": str(lower),
            f"{stream.time_filter}.lt": str(upper),
        }
        pages = PageWalk(self.source, self.trigger.path, params, stream.ts_field, cursor=cursor)
        read = 0
        for _ in range(changes.allowed_pages(self) if upper > lower else 0):
            records, more = pages.next_page()
            report.requests += 1
            read += 1
            wanted = [
                self._stored(stream, r)
                for r in records
                if lower <= r[stream.ts_field] < upper and self._wanted(stream, main, r)
            ]
            # The main position goes back unchanged: only the records are new.
            before = store.changes_stored
            new = store.store_page(wanted, main, [s.name for s in self.sinks])
            report.stored += new
            report.updated += store.changes_stored - before
            report.backdated += new - (store.changes_stored - before)
            report.fetched += len(records)
            cursor = records[-1]["id"] if more else None
            if cursor is None:
                break
            store.set_status(key, json.dumps({**bounds, "cursor": cursor}))
        if read:
            changes.spend_pages(self, read)
        if cursor is None:
            full_at = begun if bounds["full"] else bounds["full_at"]
            store.set_status(key, json.dumps({"done_at": begun, "full_at": full_at}))

    def _recheck_bounds(self, main: Position, now: float, full_at: float | None) -> dict[str, Any]:
        """A new re-list: the last RECHECK_NEAR seconds, or the whole window when the
        last full re-list is RECHECK_FULL_EVERY old; both end where the main scan's
        lookback begins (what is newer, the main scan reads again anyway)."""
        full = full_at is None or not 0 <= now - full_at < self.recheck_full_every
        near = RECHECK_NEAR + RECHECK_MARGIN
        window = self.recheck_window if full else min(self.recheck_window, near)
        return {
            "floor": max(main.floor, int(now - window)),
            "upper": (main.watermark or 0) - self.lookback,
            "cursor": None,
            "full": full,
            "full_at": full_at,
        }

    def _find_changes(self, stream: Stream, report: CycleReport) -> None:
        """The change finders beyond the re-list (tickettailor.watch.recheck)."""
        if self.trigger.resource == "orders":
            changes.scan_voids(self, stream, report)
            changes.recheck_live_events(self, stream, report)
        elif self.trigger.resource == "events":
            changes.relist_events(self, stream, report)

    # -- many cycles ------------------------------------------------------------------

    def run(
        self,
        *,
        every: float = 60.0,
        cycles: int | None = None,
        stop: threading.Event | None = None,
        on_cycle: Callable[[Watch, CycleReport], None] | None = None,
    ) -> None:
        """Run cycles every ``every`` seconds until ``stop`` is set (or ``cycles`` ran)."""
        run_watches([self], every=every, cycles=cycles, stop=stop, on_cycle=on_cycle)

    # -- async drivers: the same engine, run off the event loop ------------------------

    async def run_cycle_async(self) -> CycleReport:
        """``run_cycle`` from async code (the cycle runs in a worker thread)."""
        return await anyio.to_thread.run_sync(self.run_cycle)

    async def run_async(self, *, every: float = 60.0, cycles: int | None = None) -> None:
        """``run`` from async code. Cancelling it waits for the cycle in progress (a
        cycle is never cut in half), or stops at once while it sleeps."""
        done = 0
        while True:
            await self.run_cycle_async()
            done += 1
            if cycles is not None and done >= cycles:
                return
            deadline = anyio.current_time() + every
            while (left := deadline - anyio.current_time()) > 0:
                await anyio.sleep(min(left, self.lease_ttl / 3))
                await anyio.to_thread.run_sync(self._store().renew)

    async def __aenter__(self) -> Watch:
        await anyio.to_thread.run_sync(self.open)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await anyio.to_thread.run_sync(self.close)


def run_watches(
    watches: Sequence[Watch],
    *,
    every: float = 60.0,
    cycles: int | None = None,
    stop: threading.Event | None = None,
    on_cycle: Callable[[Watch, CycleReport], None] | None = None,
) -> None:
    """Run several watches in this thread, each every ``every`` seconds.

    Watches of one API key should share one client: they then share its rate budget.
    Leases are renewed while waiting, so a long ``every`` does not lose them.
    """
    stop = stop or threading.Event()
    for watch in watches:
        watch.open()
    done = 0
    while not stop.is_set():
        for watch in watches:
            report = watch.run_cycle()
            if on_cycle is not None:
                on_cycle(watch, report)
        done += 1
        if cycles is not None and done >= cycles:
            return
        _wait(watches, every, stop)


def _wait(watches: Sequence[Watch], every: float, stop: threading.Event) -> None:
    """Sleep ``every`` seconds (or until stopped), renewing leases on the way."""
    deadline = time.monotonic() + every
    while not stop.is_set():
        left = deadline - time.monotonic()
        if left <= 0:
            return
        step = min(left, min(w.lease_ttl for w in watches) / 3)
        if stop.wait(step):
            return
        for watch in watches:
            watch._store().renew()


def note_receiver_start(store: Store, now: float) -> None:
    """Record that a webhook receiver feeds ``store`` from ``now`` on (kept from its
    first start): a poll that starts on this state later starts there, not at "now"."""
    store.set_status(_WEBHOOKS_SINCE, str(float(now)), keep=True)


def _receiver_since(store: Store) -> int | None:
    """When the webhook receiver began feeding this state, or None if it never did."""
    text = store.status_value(_WEBHOOKS_SINCE)
    if text is not None:
        return int(float(text))
    pos = store.positions().get(_WEBHOOKS_STREAM)
    if pos is None:  # no receiver ever stored anything here
        return None
    earliest = store.earliest_ts()  # states from before the receiver noted its start
    return earliest if earliest is not None else pos.watermark


def _recheck_progress(store: Store, stream: Stream) -> dict[str, Any]:
    """A re-list's saved progress: {done_at} when complete, else its bounds and cursor."""
    text = store.status_value(_RECHECK + stream.name)
    try:
        value = json.loads(text) if text else {}
    except ValueError:
        value = {}
    return value if isinstance(value, dict) else {}


def _when(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
