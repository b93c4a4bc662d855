"""Change detection without ``updated_at``: the pure parts, shared by the sync (and, later,
the watch). No I/O and no dlt here: plain functions over JSON-able dicts kept in a state.

The API has no changed-since filter for orders, events or series, and issued tickets
filter only on ``created_at``. Changes are found three ways:

- **Content hashes.** A record's hash is taken over its canonical JSON (keys sorted, no
  insignificant whitespace, UTF-8); no field is left out, so a change to any field (a
  refund, a status, an event's sold counts) is a change. ``HashBook`` keeps the last hash
  per record id, in buckets by the UTC day of ``created_at``, so the hashes of records
  that left the re-check window are dropped whole.
- **A re-check sweep.** Records created within ``window`` seconds are re-listed page by
  page, at most ``budget`` pages a run; the progress (``starting_after``) is kept, so the
  next run carries on and a full sweep takes ``ceil(pages in window / budget)`` runs.
  ``plan_sweep`` / ``advance_sweep`` are that bookkeeping.
- **The live events' older orders.** An order bought months ago for an event that has
  not ended yet can still be refunded or cancelled: after the window's sweep, a round
  goes on through the orders of the events that end after it started, created before
  the window (``live_event_ids``, ``start_live``, ``next_live``, ``advance_live``), from
  the same page budget. Their hashes are kept per event (``EventBook``): an event that
  ended drops its bucket.
- **The void scan.** Voided tickets are listed whole (``status=voided``); ``VoidMark``
  remembers the newest ``voided_at`` seen, so a ticket voided since is news (its order
  changed too: re-read it).
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DAY",
    "LIVE_IDS_PER_REQUEST",
    "RECHECK_BUDGET",
    "RECHECK_WINDOW",
    "EventBook",
    "HashBook",
    "LiveRequest",
    "SweepPlan",
    "VoidMark",
    "advance_live",
    "advance_sweep",
    "canonical_json",
    "content_hash",
    "event_of",
    "live_event_ids",
    "next_live",
    "plan_sweep",
    "start_live",
    "sweep_runs",
]

DAY = 86400
RECHECK_WINDOW = 30 * DAY  # records created this recently are re-checked for changes
RECHECK_BUDGET = 10  # list pages per stream per run spent on the re-check (100 records each)
LIVE_IDS_PER_REQUEST = 50  # event ids per orders request (the API takes a comma list)


def canonical_json(record: Any) -> bytes:
    """The record as canonical JSON: sorted keys, no spaces, UTF-8 (not ASCII-escaped)."""
    text = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode()


def content_hash(record: Any) -> str:
    """16 hex digits of BLAKE2b over ``canonical_json`` (same content, same hash)."""
    return hashlib.blake2b(canonical_json(record), digest_size=8).hexdigest()


def _day(created_at: Any) -> str:
    return str(int(created_at) // DAY) if isinstance(created_at, int | float) else "-"


class HashBook:
    """The last content hash per record id, kept in ``state`` (a dict: ``{day: {id: h}}``).

    Records without ``created_at`` share the bucket ``"-"`` (never pruned).
    """

    def __init__(self, state: MutableMapping[str, Any]) -> None:
        self.days: MutableMapping[str, dict[str, str]] = state.setdefault("days", {})

    def bucket(self, record: Mapping[str, Any]) -> str:
        return _day(record.get("created_at"))

    def known(self, record: Mapping[str, Any]) -> bool:
        bucket = self.days.get(self.bucket(record))
        return bucket is not None and str(record.get("id")) in bucket

    def update(self, record: Mapping[str, Any]) -> bool:
        """Store the record's hash; True when it is new or differs from the stored one."""
        digest = content_hash(record)
        bucket = self.days.setdefault(self.bucket(record), {})
        key = str(record.get("id"))
        if bucket.get(key) == digest:
            return False
        bucket[key] = digest
        return True

    def prune(self, oldest: int) -> None:
        """Drop the buckets of days wholly before ``oldest`` (unix seconds)."""
        first = oldest // DAY
        for day in [d for d in self.days if d != "-" and int(d) < first]:
            del self.days[day]

    def __len__(self) -> int:
        return sum(len(bucket) for bucket in self.days.values())


def event_of(order: Mapping[str, Any]) -> str:
    """The id of an order's event (its ``event_summary``), or ``"-"``."""
    summary = order.get("event_summary")
    found = summary.get("id") if isinstance(summary, Mapping) else order.get("event_id")
    return str(found) if found else "-"


class EventBook(HashBook):
    """Hashes of the live events' older orders, in buckets by event id (state
    ``{"days": {event id: {order id: hash}}}``)."""

    def bucket(self, record: Mapping[str, Any]) -> str:
        return event_of(record)

    def keep(self, event_ids: Iterable[str]) -> None:
        """Drop the buckets of every event not in ``event_ids`` (ended ones)."""
        live = set(event_ids)
        for event in [e for e in self.days if e not in live]:
            del self.days[event]


def live_event_ids(events: Iterable[Mapping[str, Any]], now: int) -> list[str]:
    """The ids of the events that end after ``now`` (no known end: live), in order."""
    ids = []
    for event in events:
        end = event.get("end")
        unix = end.get("unix") if isinstance(end, Mapping) else None
        if not isinstance(unix, int | float) or unix > now:
            ids.append(str(event["id"]))
    return ids


@dataclass(frozen=True)
class SweepPlan:
    """One run's share of the sweep: list ``created_at`` in ``[gte, lt)`` after ``after``,
    at most ``pages`` pages."""

    gte: int
    lt: int
    after: str | None
    pages: int


def plan_sweep(
    progress: MutableMapping[str, Any], *, now: int, newest: int | None, window: int, budget: int
) -> SweepPlan | None:
    """This run's part of the sweep (None when the window or the budget is 0, or when
    nothing was loaded before: ``newest`` None).

    A round covers ``[now - window, newest)`` as of its start, ``newest`` being the
    incremental listing's cursor then: records created from there on are that listing's,
    not the sweep's. An unfinished round carries on.
    """
    if window <= 0 or budget <= 0 or newest is None:
        return None
    if progress.get("lt") is None:
        progress.update(gte=now - window, lt=max(now - window, newest), after=None, runs=0)
    progress["runs"] = int(progress.get("runs") or 0) + 1
    return SweepPlan(int(progress["gte"]), int(progress["lt"]), progress.get("after"), budget)


def advance_sweep(
    progress: MutableMapping[str, Any], *, last_id: str | None, finished: bool
) -> None:
    """Record how far this run got; a finished round is remembered as ``last_round_runs``
    and the next run starts a new one."""
    if finished:
        progress["last_round_runs"] = progress.get("runs", 1)
        progress.update(gte=None, lt=None, after=None, runs=0)
    elif last_id is not None:
        progress["after"] = last_id


def sweep_runs(records_in_window: int, budget: int, page_size: int = 100) -> int:
    """Runs a full sweep takes at ``budget`` pages a run (at least 1)."""
    return max(1, math.ceil(math.ceil(records_in_window / page_size) / max(1, budget)))


class VoidMark:
    """The newest ``voided_at`` seen by the void scan, and the ids voided in that second.

    ``state`` is ``{"at": unix | None, "ids": [...]}``; ``at`` None means no scan yet (the
    first scan only sets the mark: the records it sees were just loaded whole).
    """

    def __init__(self, state: MutableMapping[str, Any]) -> None:
        self.state = state

    @property
    def primed(self) -> bool:
        return self.state.get("at") is not None

    def news(self, tickets: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        """The tickets voided since the mark, in the order given; moves the mark."""
        at = self.state.get("at")
        ids = set(self.state.get("ids") or ())
        fresh: list[Mapping[str, Any]] = []
        newest, newest_ids = at, set(ids)
        for ticket in tickets:
            when = ticket.get("voided_at")
            if not isinstance(when, int | float):
                continue
            when = int(when)
            if at is None or when > at or (when == at and ticket.get("id") not in ids):
                fresh.append(ticket)
            if newest is None or when > newest:
                newest, newest_ids = when, {str(ticket.get("id"))}
            elif when == newest:
                newest_ids.add(str(ticket.get("id")))
        primed = at is not None
        self.state.update(at=newest if newest is not None else 0, ids=sorted(newest_ids))
        return fresh if primed else []


@dataclass(frozen=True)
class LiveRequest:
    """One request of the live part: orders of ``event_ids`` created before ``before``,
    after ``after``."""

    event_ids: list[str]
    before: int
    after: str | None


def start_live(progress: MutableMapping[str, Any], event_ids: list[str], before: int) -> None:
    """Begin the live part of a round: the orders of ``event_ids`` created before
    ``before`` (the window's start), ``LIVE_IDS_PER_REQUEST`` events a request."""
    progress["live"] = {"events": list(event_ids), "before": int(before), "after": None}


def next_live(progress: Mapping[str, Any]) -> LiveRequest | None:
    """The live part's next request (None: not begun, or nothing left)."""
    live = progress.get("live")
    if not live or not live["events"]:
        return None
    chunk = list(live["events"][:LIVE_IDS_PER_REQUEST])
    return LiveRequest(chunk, int(live["before"]), live.get("after"))


def advance_live(progress: MutableMapping[str, Any], *, last_id: str | None, more: bool) -> None:
    """Move past a page of the live part (``more``: its events have more orders)."""
    live = progress["live"]
    if more:
        live["after"] = last_id
    else:
        live["events"] = live["events"][LIVE_IDS_PER_REQUEST:]
        live["after"] = None
