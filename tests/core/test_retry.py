"""The retry policy, by table: what is retried, how long we wait, when we give up."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from tickettailor._core.retry import Failure, RetryPolicy, parse_retry_after

POLICY = RetryPolicy(max_retries=3, base=1.0, cap=8.0, max_wait=60.0)


@pytest.mark.parametrize(
    ("failure", "idempotent", "retried"),
    [
        (Failure(status=500), True, True),
        (Failure(status=502), True, True),
        (Failure(status=504), True, True),
        (Failure(status=500), False, False),  # a POST may have had effects
        (Failure(status=429), True, True),
        (Failure(status=429), False, True),  # refused before doing anything: safe
        (Failure(), True, True),  # timeout or broken read on a GET
        (Failure(), False, False),  # ... on a POST: maybe applied
        (Failure(connect_failed=True), False, True),  # never left this machine
        (Failure(status=400), True, False),
        (Failure(status=403), True, False),
        (Failure(status=404), True, False),
        (Failure(status=409), True, False),
        (Failure(status=501), True, False),  # not implemented will not get better
    ],
)
def test_what_is_retried(failure: Failure, idempotent: bool, retried: bool) -> None:
    assert (POLICY.decide(0, failure, idempotent=idempotent) is not None) is retried


def test_gives_up_after_max_retries() -> None:
    failure = Failure(status=503)
    assert POLICY.decide(2, failure, idempotent=True) is not None
    assert POLICY.decide(3, failure, idempotent=True) is None


@pytest.mark.parametrize("attempt", range(8))
def test_backoff_is_jittered_exponential_and_capped(attempt: int) -> None:
    rng = random.Random(attempt)
    waits = [POLICY.backoff(attempt, rng) for _ in range(200)]
    ceiling = min(8.0, 2**attempt)
    assert all(0.0 <= w <= ceiling for w in waits)
    assert len({round(w, 6) for w in waits}) > 100  # jittered, not one fixed value
    assert max(waits) > ceiling * 0.8  # and it does reach up toward the ceiling


@pytest.mark.parametrize(
    ("headers", "status", "wait"),
    [
        ({"Retry-After": "7"}, 429, 7.0),
        ({"retry-after": "7", "x-rate-limit-reset": "30"}, 429, 7.0),  # Retry-After first
        ({"X-Rate-Limit-Reset": "30"}, 429, 30.0),  # then the window's reset
        ({"Retry-After": "2.5"}, 503, 2.5),  # a 503 may say when to come back too
        ({"x-rate-limit-reset": "30"}, 503, None),  # the reset means nothing on a 5xx
        ({"Retry-After": "junk"}, 429, None),
    ],
)
def test_server_wait(headers: dict[str, str], status: int, wait: float | None) -> None:
    assert POLICY.server_wait(Failure(status=status, headers=headers)) == wait


def test_server_wait_is_used_as_is_under_the_cap() -> None:
    failure = Failure(status=429, headers={"Retry-After": "45"})
    assert POLICY.decide(0, failure, idempotent=True) == 45.0


def test_a_wait_over_the_cap_is_raised_not_slept() -> None:
    failure = Failure(status=429, headers={"Retry-After": "900"})
    assert POLICY.decide(0, failure, idempotent=True) is None


def test_429_without_hints_backs_off() -> None:
    wait = POLICY.decide(1, Failure(status=429), idempotent=True, rng=random.Random(1))
    assert wait is not None
    assert 0.0 <= wait <= 2.0


def test_retry_after_as_http_date() -> None:
    now = datetime(2026, 11, 29, 12, 0, 0, tzinfo=UTC)
    assert parse_retry_after("Sun, 29 Nov 2026 12:00:30 GMT", now=now) == 30.0
    assert parse_retry_after("Sun, 29 Nov 2026 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after(None) is None
    assert parse_retry_after("  ") is None
