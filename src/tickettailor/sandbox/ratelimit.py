"""Fixed-window rate limits per key, shared by every client of that key (reference §6)."""

from __future__ import annotations

import math
import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset: int  # seconds until the window ends


class RateLimiter:
    """Windows are aligned to multiples of ``window`` seconds of the clock, so
    ``X-Rate-Limit-Reset`` counts down to the same instant for every client."""

    def __init__(self, limit: int, window: int, clock: Callable[[], float]) -> None:
        if limit < 1 or window < 1:
            raise ValueError("rate limit needs at least 1 request per at least 1 second")
        self.limit = limit
        self.window = window
        self.clock = clock
        self.lock = threading.Lock()
        self.counts: dict[str, tuple[int, int]] = {}  # bucket -> (window index, used)

    def hit(self, bucket: str) -> Verdict:
        now = self.clock()
        index = int(now // self.window)
        reset = max(1, math.ceil((index + 1) * self.window - now))
        with self.lock:
            win, used = self.counts.get(bucket, (index, 0))
            if win != index:
                used = 0
            if used >= self.limit:
                self.counts[bucket] = (index, used)
                return Verdict(False, self.limit, 0, reset)
            used += 1
            self.counts[bucket] = (index, used)
        return Verdict(True, self.limit, self.limit - used, reset)
