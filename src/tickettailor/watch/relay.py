"""Deliver outbox rows to sinks: oldest first, retried with capped jittered backoff.

Each envelope goes out with ``seq``, its row's number in the state (rising, kept by
replays). A row is marked delivered only after its sink's ``send`` returned. Marks are written in
batches of up to 50 (one fsync each rather than one per record); a sink that can sync
a batch at once (``deferred()`` and ``flush()``: the jsonl sink) is flushed just before
each mark, so it too syncs once per batch, and a failed flush leaves the batch pending
(sent again later, same keys). A crash while relaying
re-sends at most that batch, with the same idempotency keys, which key-honouring sinks
apply once. A failure holds back that sink's later rows (order is kept) until the
backoff has passed, and is retried like that for up to ``Backoff.dead_after`` (3 days by
default, counted from the row's first failure, as Stripe and Svix do); then the row is
parked as a dead letter and the next one is tried. A failure the sink calls permanent
(a webhook answering 410 Gone, an envelope that is not JSON) is parked at once. Dead
letters are shown by ``watch status`` and sent again by ``watch replay --dead``
(``StateStore.requeue_dead``).
"""

from __future__ import annotations

import contextlib
import os
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from tickettailor._core.errors import UsageError
from tickettailor.watch.crash import crash_point
from tickettailor.watch.envelope import Envelope
from tickettailor.watch.sink import Sink, SinkError
from tickettailor.watch.state import Pending
from tickettailor.watch.store import Store

__all__ = ["DEAD_AFTER", "Backoff", "RelayReport", "relay"]

_MARK_BATCH = 50
DEAD_AFTER = 3 * 86400.0  # seconds a failing delivery is retried before it is dead


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff from ``base`` doubling to ``cap`` seconds, with jitter.

    ``dead_after``: seconds from a delivery's first failure after which it is given up
    as a dead letter (``math.inf``: never; 0: at the first failure).
    """

    base: float = 1.0
    cap: float = 300.0
    dead_after: float = DEAD_AFTER

    def __post_init__(self) -> None:
        if not self.dead_after >= 0:  # also refuses NaN
            raise UsageError(f"dead_after must be 0 or more seconds (got {self.dead_after})")

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
    store: Store,
    sinks: Sequence[Sink],
    *,
    limit: int | None,
    clock: Callable[[], float],
    backoff: Backoff,
) -> RelayReport:
    """Deliver up to ``limit`` envelopes per sink (None: all that are due)."""
    report = RelayReport()
    for sink in sinks:
        with _deferred(sink):
            _relay_one(store, sink, limit, clock, backoff, report)
    return report


def _relay_one(
    store: Store,
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
                # seq: the record's place in this state, the same on every replay;
                # current-state tables order two changes of one second by it.
                error = _send(sink, {**row.envelope, "seq": row.seq})
                left -= 1
                if error is None:
                    crash_point("after_sink_ack")
                    done.append(row.seq)
                    report.delivered += 1
                    if len(done) >= _MARK_BATCH:
                        _flush(store, sink, done)
                    continue
                _flush(store, sink, done)
                given_up = _given_up(row, error, clock(), backoff)
                if given_up is not None:
                    store.mark_dead(sink.name, row.seq, given_up)
                    report.dead += 1
                    continue
                retry_at = clock() + backoff.delay(row.attempts + 1)
                store.mark_retry(sink.name, row.seq, _describe(error), retry_at)
                report.errors[sink.name] = _describe(error)
                left = 0
                break
            else:
                _flush(store, sink, done)
        _flush(store, sink, done)
    except _Unsynced as unsynced:  # sent, but not durable: left pending, sent again later
        report.delivered -= unsynced.count
        report.errors[sink.name] = _describe(unsynced.error)
    except (Exception, KeyboardInterrupt):
        # Keep what the sink confirmed, also on Ctrl-C (a crash skips this: the batch
        # is then sent again, same keys).
        with contextlib.suppress(_Unsynced):
            _flush(store, sink, done)
        raise


def _send(sink: Sink, envelope: Envelope) -> Exception | None:
    """Hand one envelope to the sink; its failure, if any, as a value."""
    try:
        sink.send(envelope)
    except Exception as exc:  # any sink failure is retryable unless it says otherwise
        return exc
    return None


class _Unsynced(Exception):
    """The sink's ``flush`` failed: ``count`` sent envelopes are not durable."""

    def __init__(self, error: Exception, count: int) -> None:
        super().__init__(str(error))
        self.error = error
        self.count = count


def _deferred(sink: Sink) -> contextlib.AbstractContextManager[object]:
    """A sink that can sync a batch at once (``deferred()`` + ``flush()``, the jsonl
    sink) syncs once per marked batch instead of once per envelope."""
    deferred = getattr(sink, "deferred", None)
    return deferred() if deferred is not None else contextlib.nullcontext()


def _flush(store: Store, sink: Sink, done: list[int]) -> None:
    """Mark ``done`` delivered, once the sink has made them durable (its ``flush``)."""
    if not done:
        return
    flush = getattr(sink, "flush", None) if hasattr(sink, "deferred") else None
    if flush is not None:
        try:
            flush()
        except Exception as exc:
            count = len(done)
            done.clear()  # not marked: sent again next time, with the same keys
            raise _Unsynced(exc, count) from exc
    store.mark_delivered(sink.name, done)
    done.clear()
    crash_point("after_mark_delivered")


def _given_up(row: Pending, error: Exception, now: float, backoff: Backoff) -> str | None:
    """The dead letter's reason, if this failure ends the row's retries; else None."""
    if isinstance(error, SinkError) and error.permanent:
        return _describe(error)
    since = row.failing_since if row.failing_since is not None else now
    if now - since < backoff.dead_after:
        return None
    tries = row.attempts + 1
    return _describe(
        error, f" (gave up after {tries} attempt{'s' * (tries != 1)} over {_duration(now - since)})"
    )


def _duration(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size:
            return f"{seconds / size:.3g} {unit}"
    return f"{seconds:.0f} s"


def _describe(exc: BaseException, suffix: str = "") -> str:
    text = str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}"[: 500 - len(suffix)] + suffix
