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
    "RECHECK_BUDGET",
    "RECHECK_WINDOW",
    "HashBook",
    "SweepPlan",
    "VoidMark",
    "advance_sweep",
    "canonical_json",
    "content_hash",
    "plan_sweep",
    "sweep_runs",
]

DAY = 86400
RECHECK_WINDOW = 30 * DAY  # records created this recently are re-checked for changes
RECHECK_BUDGET = 10  # list pages per stream per run spent on the re-check (100 records each)


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

    def known(self, record: Mapping[str, Any]) -> bool:
        bucket = self.days.get(_day(record.get("created_at")))
        return bucket is not None and str(record.get("id")) in bucket

    def update(self, record: Mapping[str, Any]) -> bool:
        """Store the record's hash; True when it is new or differs from the stored one."""
        digest = content_hash(record)
        bucket = self.days.setdefault(_day(record.get("created_at")), {})
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
