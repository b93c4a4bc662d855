"""Pacing from the rate-limit headers, with one budget shared by every client of a key.

The API allows a fixed number of calls per window per key (10,000 per 30 minutes seen
live, 5,000 documented: we never hard-code either) and says how many are left in
``X-Rate-Limit-Remaining`` and how long until the window resets in
``X-Rate-Limit-Reset``. Spending freely until the budget runs low and then spreading
what is left over the time to the reset means a long walk slows down before it is
refused. Every client (sync, async, many watches) of one key on one server shares the
same ``RateBudget``, because the server counts them together.

Also here: ``Clock``, the one place that sleeps. In test mode its sleeps are instant
but recorded (and advance a virtual time), so tests can assert the waits.
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

__all__ = ["Clock", "RateBudget", "budget_for"]


# Virtual time skipped by instant sleeps, shared by every test-mode clock so that
# clients sharing a rate budget also share one idea of "now".
_virtual = {"offset": 0.0}
_virtual_lock = threading.Lock()


@dataclass
class Clock:
    """Monotonic time and sleeping; ``instant=True`` is test mode."""

    instant: bool = False
    slept: list[float] = field(default_factory=list)  # every wait, in order

    def now(self) -> float:
        return time.monotonic() + (_virtual["offset"] if self.instant else 0.0)

    def _record(self, seconds: float) -> None:
        with _virtual_lock:
            self.slept.append(seconds)
            if self.instant:
                _virtual["offset"] += seconds

    def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            return
        self._record(seconds)
        if not self.instant:
            time.sleep(seconds)

    async def asleep(self, seconds: float) -> None:
        import asyncio  # here: a blocking program never imports it (~10 ms of start-up)

        if seconds <= 0:
            return
        self._record(seconds)
        if not self.instant:
            await asyncio.sleep(seconds)
        else:
            await asyncio.sleep(0)  # still yield, so concurrent tasks interleave


def _int(value: str | None) -> int | None:
    try:
        return int(float(value)) if value is not None else None
    except ValueError:
        return None


class RateBudget:
    """What is left of one key's window, as last reported, plus our own spending since.

    ``reserve(now)`` is called before each request and returns how long to wait;
    ``update(headers, now)`` after each response. ``low_water`` is the share of the
    window's limit below which we start spreading calls evenly to the reset.
    """

    def __init__(self, *, low_water: float = 0.1, min_low_water: int = 10) -> None:
        self.low_water = low_water
        self.min_low_water = min_low_water
        self.limit: int | None = None
        self.remaining: int | None = None
        self.reset_at: float | None = None  # clock time the window ends
        self.blocked_until = 0.0  # set by a 429's wait
        self._next_slot = 0.0
        self._lock = threading.Lock()

    def _threshold(self) -> int:
        if self.limit is None:
            return self.min_low_water
        return max(self.min_low_water, int(self.limit * self.low_water))

    def reserve(self, now: float) -> float:
        """Claim one call; return the seconds to wait before making it."""
        with self._lock:
            if now < self.blocked_until:
                wait = self.blocked_until - now
                self._next_slot = max(self._next_slot, self.blocked_until)
                return wait
            if self.remaining is None or self.reset_at is None:
                return 0.0
            if now >= self.reset_at:  # the window has rolled over: full budget again
                self.remaining, self.reset_at = None, None
                return 0.0
            if self.remaining > self._threshold():
                self.remaining -= 1
                return 0.0
            if self.remaining <= 0:  # nothing left: wait for the window to reset
                return max(self.reset_at, self._next_slot) - now
            # Low: spread what is left evenly over the time to the reset.
            interval = (self.reset_at - now) / self.remaining
            slot = max(now, self._next_slot)
            self._next_slot = slot + interval
            self.remaining -= 1
            return slot - now

    def update(self, headers: Mapping[str, str], now: float) -> None:
        """Take in the X-Rate-Limit-* headers of a response."""
        remaining = _int(headers.get("x-rate-limit-remaining"))
        reset = _int(headers.get("x-rate-limit-reset"))
        limit = _int(headers.get("x-rate-limit-limit"))
        with self._lock:
            if limit is not None:
                self.limit = limit
            if remaining is None or reset is None:
                return
            reset_at = now + reset
            new_window = self.reset_at is None or reset_at > self.reset_at + 1.5
            if new_window or self.remaining is None:
                self.remaining = remaining
                self._next_slot = 0.0
            else:
                # Responses of concurrent calls arrive out of order: within one window
                # the lowest count is the truest.
                self.remaining = min(self.remaining, remaining)
            self.reset_at = reset_at

    def forget_window(self) -> None:
        """Drop what we knew of the window (a 429's Retry-After overrides it); the
        next reply's headers start it again."""
        with self._lock:
            self.remaining, self.reset_at = None, None
            self._next_slot = 0.0

    def block(self, seconds: float, now: float) -> None:
        """A 429 said to wait: hold every client of this key until then."""
        with self._lock:
            self.blocked_until = max(self.blocked_until, now + seconds)


_budgets: dict[str, RateBudget] = {}
_budgets_lock = threading.Lock()


def budget_for(api_key: str, api_root: str) -> RateBudget:
    """The process-wide budget of one key on one server (keyed by a hash, not the key)."""
    fingerprint = hashlib.sha256(f"{api_root}\0{api_key}".encode()).hexdigest()
    with _budgets_lock:
        budget = _budgets.get(fingerprint)
        if budget is None:
            budget = _budgets[fingerprint] = RateBudget()
        return budget
