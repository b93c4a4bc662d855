"""Deliver outbox rows to sinks: oldest first, retried with capped jittered backoff.

A row is marked delivered only after its sink's ``send`` returned. Marks are written in
batches of up to 50 (one fsync each rather than one per record): a crash while relaying
re-sends at most that batch, with the same idempotency keys, which key-honouring sinks
apply once. A retryable failure holds back that sink's later
rows (order is kept) until the backoff has passed; a permanent one parks the row as a
dead letter and the relay moves on.
"""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from tickettailor.watch.crash import crash_point
from tickettailor.watch.envelope import Envelope
from tickettailor.watch.sink import Sink, SinkError
from tickettailor.watch.state import StateStore

__all__ = ["Backoff", "RelayReport", "relay"]

_MARK_BATCH = 50


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff from ``base`` doubling to ``cap`` seconds, with jitter."""

    base: float = 1.0
    cap: float = 300.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after the ``attempt``-th failure (1-based)."""
        if os.environ.get("TICKETTAILOR_TEST_MODE") == "1":
            return 0.0
        ceiling = min(self.cap, self.base * 2.0 ** max(0, attempt - 1))
        return ceiling * random.uniform(0.5, 1.0)


@dataclass
class RelayReport:
    """What one relay pass did."""

    delivered: int = 0
    dead: int = 0
    errors: dict[str, str] = field(default_factory=dict)  # sink -> last retryable error


def relay(
    store: StateStore,
    sinks: Sequence[Sink],
    *,
    limit: int | None,
    clock: Callable[[], float],
    backoff: Backoff,
) -> RelayReport:
    """Deliver up to ``limit`` envelopes per sink (None: all that are due)."""
    report = RelayReport()
    for sink in sinks:
        _relay_one(store, sink, limit, clock, backoff, report)
    return report


def _relay_one(
    store: StateStore,
    sink: Sink,
    limit: int | None,
    clock: Callable[[], float],
    backoff: Backoff,
    report: RelayReport,
) -> None:
    left = limit if limit is not None else float("inf")
    done: list[int] = []
    try:
        while left > 0:
            batch = store.pending(sink.name, int(min(left, 500)))
            if not batch:
                break
            for row in batch:
                if row.next_at > clock():
                    left = 0  # the head is backing off: later rows wait, order is kept
                    break
                crash_point("before_sink_send")
                error = _send(sink, row.envelope)
                left -= 1
                if error is None:
                    crash_point("after_sink_ack")
                    done.append(row.seq)
                    report.delivered += 1
                    if len(done) >= _MARK_BATCH:
                        _flush(store, sink.name, done)
                    continue
                _flush(store, sink.name, done)
                if isinstance(error, SinkError) and error.permanent:
                    store.mark_dead(sink.name, row.seq, _describe(error))
                    report.dead += 1
                    continue
                retry_at = clock() + backoff.delay(row.attempts + 1)
                store.mark_retry(sink.name, row.seq, _describe(error), retry_at)
                report.errors[sink.name] = _describe(error)
                left = 0
                break
            else:
                _flush(store, sink.name, done)
    except (Exception, KeyboardInterrupt):
        # Keep what the sink confirmed, also on Ctrl-C (a crash skips this: the batch
        # is then sent again, same keys).
        _flush(store, sink.name, done)
        raise
    _flush(store, sink.name, done)


def _send(sink: Sink, envelope: Envelope) -> Exception | None:
    """Hand one envelope to the sink; its failure, if any, as a value."""
    try:
        sink.send(envelope)
    except Exception as exc:  # any sink failure is retryable unless it says otherwise
        return exc
    return None


def _flush(store: StateStore, sink: str, done: list[int]) -> None:
    if done:
        store.mark_delivered(sink, done)
        done.clear()
        crash_point("after_mark_delivered")


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[:500]
