"""Pacing from the rate-limit headers, and the budget shared by every client of a key."""

from __future__ import annotations

import asyncio
import itertools

import pytest

from tickettailor._core.ratelimit import Clock, RateBudget, budget_for


def headers(remaining: int, reset: int, limit: int = 1000) -> dict[str, str]:
    return {
        "x-rate-limit-limit": str(limit),
        "x-rate-limit-remaining": str(remaining),
        "x-rate-limit-reset": str(reset),
    }


def test_unknown_budget_does_not_wait() -> None:
    assert RateBudget().reserve(0.0) == 0.0


def test_plenty_left_spends_freely() -> None:
    budget = RateBudget()
    budget.update(headers(900, 600), now=0.0)
    assert [budget.reserve(0.0) for _ in range(50)] == [0.0] * 50


def test_running_low_spreads_the_rest_until_the_reset() -> None:
    budget = RateBudget(low_water=0.1)
    budget.update(headers(10, 100), now=0.0)  # 10 left of 1000, window ends in 100 s
    waits = [budget.reserve(0.0) for _ in range(5)]
    # Evenly spaced: the remaining calls are spread over the 100 s, not burnt at once.
    assert waits[0] == pytest.approx(0.0)
    assert waits[1] == pytest.approx(10.0)
    assert all(b > a for a, b in itertools.pairwise(waits))
    assert waits[-1] < 100.0


def test_nothing_left_waits_for_the_reset() -> None:
    budget = RateBudget()
    budget.update(headers(0, 42), now=10.0)
    assert budget.reserve(10.0) == pytest.approx(42.0)


def test_a_new_window_restores_the_budget() -> None:
    budget = RateBudget()
    budget.update(headers(0, 42), now=0.0)
    assert budget.reserve(50.0) == 0.0  # the reset has passed
    budget.update(headers(999, 1800), now=50.0)
    assert budget.reserve(50.0) == 0.0


def test_out_of_order_responses_keep_the_lowest_count() -> None:
    budget = RateBudget()
    budget.update(headers(5, 100), now=0.0)
    budget.update(headers(8, 100), now=0.5)  # an older response arriving late
    assert budget.remaining == 5


def test_a_429_holds_every_client_of_the_key() -> None:
    one = budget_for("sk_shared_test_key", "http://h/v1")
    two = budget_for("sk_shared_test_key", "http://h/v1")
    other = budget_for("sk_other_test_key", "http://h/v1")
    assert one is two
    assert one is not other
    one.block(30.0, now=100.0)
    assert two.reserve(100.0) == pytest.approx(30.0)
    assert other.reserve(100.0) == 0.0


def test_instant_clock_records_and_advances() -> None:
    clock = Clock(instant=True)
    before = clock.now()
    clock.sleep(3600)
    asyncio.run(clock.asleep(60))
    assert clock.slept == [3600, 60]
    assert clock.now() - before >= 3660  # virtual time moved on; no hour was spent
