"""Retry policy: when to try a request again, and how long to wait first.

Pure functions over (attempt, method, status, headers): no clock, no I/O, so the whole
policy is tested by tables. The sync and async loops in ``transport`` ask
``RetryPolicy.decide`` after each failed attempt and sleep for what it returns.
"""

from __future__ import annotations

import email.utils
import random
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

__all__ = ["Failure", "RetryPolicy", "parse_retry_after"]

# Statuses worth another try: the server failed or asked us to slow down.
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504, 520, 521, 522, 523, 524})


@dataclass(frozen=True)
class Failure:
    """What went wrong with one attempt, as the policy needs to see it."""

    status: int | None = None  # None: no response (connection error or timeout)
    headers: Mapping[str, str] | None = None
    connect_failed: bool = False  # True when the request never left this machine


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _seconds(value: str | None) -> float | None:
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


@dataclass(frozen=True)
class RetryPolicy:
    """Capped, jittered exponential backoff; server hints honoured up to a cap.

    ``max_retries``: retries after the first attempt. ``base``/``cap``: backoff is
    uniform in [0, min(cap, base * 2**attempt)] ("full jitter", so many clients that
    failed together do not retry together). ``max_wait``: the longest server-requested
    wait (Retry-After, then X-Rate-Limit-Reset) we sit through; a longer one is not
    retried but raised, so the caller can decide (a watch reschedules instead of
    blocking for half an hour).
    """

    max_retries: int = 5
    base: float = 0.5
    cap: float = 30.0
    max_wait: float = 120.0

    def backoff(self, attempt: int, rng: random.Random | None = None) -> float:
        """Jittered delay before retry number ``attempt`` (0-based)."""
        ceiling = min(self.cap, self.base * (2**attempt))
        return (rng or random).uniform(0.0, ceiling)

    def server_wait(self, failure: Failure) -> float | None:
        """The wait the server asked for: Retry-After, else X-Rate-Limit-Reset on a 429."""
        wait = parse_retry_after(_header(failure.headers, "retry-after"))
        if wait is None and failure.status == 429:
            wait = _seconds(_header(failure.headers, "x-rate-limit-reset"))
        return wait

    def decide(
        self,
        attempt: int,
        failure: Failure,
        *,
        idempotent: bool,
        rng: random.Random | None = None,
    ) -> float | None:
        """Seconds to wait before retrying, or None to give up and raise.

        ``attempt`` counts retries already made. A request that never reached the
        server (connect failure) or was refused with 429 is safe to repeat whatever
        its method; a 5xx or a broken read may have had effects, so only idempotent
        requests (GETs, check-ins with ``local_unique_id``) are repeated then.
        """
        if attempt >= self.max_retries:
            return None
        if failure.status is not None and failure.status not in _RETRY_STATUSES:
            return None
        unsent = failure.connect_failed or failure.status == 429
        if not (idempotent or unsent):
            return None
        wait = self.server_wait(failure)
        if wait is not None:
            return wait if wait <= self.max_wait else None
        return self.backoff(attempt, rng)
