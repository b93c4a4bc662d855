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

Library use::

    from tickettailor import Client
    from tickettailor.watch import Watch

    with Watch("orders", client=Client(), sinks=[print_order], start="all") as watch:
        watch.run(every=60)
"""

from __future__ import annotations

import hashlib
import inspect
import os
import re
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import TracebackType
from typing import Any

import anyio
import platformdirs

from tickettailor._core.errors import (
    APIError,
    PaginationError,
    StateError,
    UsageError,
)
from tickettailor.watch.crash import crash_point
from tickettailor.watch.envelope import make_envelope
from tickettailor.watch.relay import Backoff, RelayReport, relay
from tickettailor.watch.sink import Sink
from tickettailor.watch.source import ClientSource, PageSource, parse_page
from tickettailor.watch.state import Position, StateStatus, StateStore, StoredRecord
from tickettailor.watch.triggers import Stream, Trigger, get_trigger, id_number

__all__ = [
    "VOID_EVERY",
    "CycleReport",
    "Watch",
    "as_sink",
    "client_fingerprint",
    "default_state_path",
    "fingerprint",
    "run_watches",
    "start_positions",
]

PAGE_SIZE = 100
VOID_EVERY = 300.0  # seconds between void scans of issued tickets (Watch.void_every)


def fingerprint(api_key: str) -> str:
    """A short, one-way fingerprint of an API key (safe to store and show)."""
    digest = hashlib.sha256(b"tickettailor-key\0" + api_key.strip().encode()).hexdigest()
    return digest[:16]


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

    @property
    def ok(self) -> bool:
        """No fetch error and no sink failure."""
        return self.fetch_error is None and not self.sink_errors


class Watch:
    """One watch: a trigger, a state file and its sinks.

    ``void_every``: seconds between issued-ticket void scans (default 300; 0 = every
    cycle). Each scan re-reads every voided ticket; the cycles between cost one request.
    """

    def __init__(
        self,
        resource: str,
        *,
        sinks: Iterable[Sink | Callable[..., Any]],
        client: Any = None,
        source: PageSource | None = None,
        state: str | os.PathLike[str] | None = None,
        profile: str | None = None,
        key_fingerprint: str | None = None,
        start: str | int = "now",
        reset: bool = False,
        limit: int | None = None,
        lookback: int = 60,
        void_every: float = VOID_EVERY,
        max_fetch: int = 10_000,
        max_backlog: int = 100_000,
        lease_ttl: float = 60.0,
        wait: float = 0.0,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.time,
        tz: str | None = None,
    ) -> None:
        self.trigger = get_trigger(resource)
        if limit is not None and limit < 1:
            raise UsageError(f"limit must be at least 1 (got {limit})")
        if not 0 <= void_every < float("inf"):  # also refuses NaN
            raise UsageError(
                f"void_every must be 0 (every cycle) or a number of seconds (got {void_every})"
            )
        if source is None:
            if client is None:
                raise UsageError("Watch needs a client (or a page source)")
            source = ClientSource(client)
        self.source = source
        self.sinks = [as_sink(s) for s in sinks]
        if not self.sinks:
            raise UsageError("a watch needs at least one sink")
        names = [s.name for s in self.sinks]
        if len(set(names)) != len(names):
            raise UsageError(f"two sinks have the same name: {names}; name them apart")
        fp = key_fingerprint or client_fingerprint(client)
        self.state_path = Path(
            state
            if state is not None
            else default_state_path(resource, profile=profile, key_fingerprint=fp or "unknown")
        )
        self._key_fingerprint = fp
        self.start = start
        self.reset = reset
        self.limit = limit
        self.lookback = lookback
        self.void_every = void_every
        self.max_fetch = max_fetch
        self.max_backlog = max_backlog
        self.lease_ttl = lease_ttl
        self.wait = wait
        self.backoff = backoff or Backoff()
        self.clock = clock
        self.tz = tz
        self.store: StateStore | None = None
        # Validate the start point before touching any file.
        self._start_positions = start_positions(self.trigger, start, now=clock(), tz=tz)

    # -- lifecycle --------------------------------------------------------------------

    def open(self) -> None:
        """Open the state, take the lease, apply --reset and the start point."""
        if self.store is not None:
            return
        store = StateStore.open(
            self.state_path,
            resource=self.trigger.resource,
            key_fingerprint=self._key_fingerprint,
            clock=self.clock,
            lease_ttl=self.lease_ttl,
        )
        try:
            store.acquire(wait=self.wait)
            if self.reset:
                store.reset()
            store.init_positions(self._start_positions)
        except BaseException:
            store.close()
            raise
        self.store = store

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
        self.open()
        store = self._store()
        store.renew()
        report = CycleReport()
        try:
            for stream in self.trigger.streams:
                if self._due(stream):
                    self._scan(stream, report)
        except (APIError, PaginationError) as exc:
            report.fetch_error = str(exc)
        result: RelayReport = relay(
            store, self.sinks, limit=self.limit, clock=self.clock, backoff=self.backoff
        )
        report.delivered, report.dead = result.delivered, result.dead
        report.sink_errors = result.errors
        problems = [report.fetch_error] if report.fetch_error else []
        problems += [f"sink {name}: {err}" for name, err in result.errors.items()]
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

    def _store(self) -> StateStore:
        if self.store is None:
            raise StateError("the watch is closed")
        return self.store

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
        while report.fetched < self.max_fetch and backlog < self.max_backlog:
            body = self.source.get_page(self.trigger.path, self._params(stream, pos))
            report.requests += 1
            crash_point("after_fetch")
            records, more = parse_page(body, self.trigger.path, stream.ts_field)
            new_pos = self._advance(stream, pos, records, more)
            wanted = [self._stored(stream, r) for r in records if self._wanted(stream, pos, r)]
            done = begun if stream.periodic and not more else None
            new = store.store_page(wanted, new_pos, [s.name for s in self.sinks], scanned_at=done)
            report.stored += new
            backlog += new * len(self.sinks)
            report.fetched += len(records)
            pos = new_pos
            if not more:
                return

    def _params(self, stream: Stream, pos: Position) -> dict[str, str]:
        params = {"limit": str(PAGE_SIZE), **dict(stream.params)}
        if stream.time_filter is not None:
            since = pos.floor if pos.watermark is None else pos.watermark - self.lookback
            if max(since, pos.floor) > 0:
                params[f"{stream.time_filter}.gte"] = str(max(since, pos.floor))
        after = pos.cursor or (pos.anchor if stream.by_id else None)
        if after:
            params["starting_after"] = after
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


def client_fingerprint(client: Any) -> str | None:
    """The key fingerprint of a ``tickettailor.Client`` (None when it cannot tell).

    Uses ``client.key_fingerprint`` when the client offers one; until then it reads
    the key the client core keeps (private), hashes it and keeps only the hash.
    """
    if client is None:
        return None
    given = getattr(client, "key_fingerprint", None)
    if isinstance(given, str):
        return given
    core = getattr(client, "_core", None)
    key = getattr(core, "_key", None)  # private: the client keeps its key to itself
    return fingerprint(key) if isinstance(key, str) else None
