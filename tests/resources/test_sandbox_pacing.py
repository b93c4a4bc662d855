"""Pacing against a rate-limited sandbox whose clock is the client's test clock, so
windows pass in virtual time and the test takes no real waiting."""

from __future__ import annotations

import dataclasses
import logging
import time
from typing import Any

import pytest

from tickettailor import Client
from tickettailor._core.ratelimit import Clock
from tickettailor.sandbox import SandboxConfig, serve_in_thread


def virtual_clock() -> Any:
    clock, wall, start = Clock(instant=True), time.time(), Clock(instant=True).now()
    return lambda: wall + (clock.now() - start)


def test_a_long_walk_slows_down_instead_of_being_refused(
    sandbox_config: SandboxConfig, caplog: pytest.LogCaptureFixture
) -> None:
    config = dataclasses.replace(sandbox_config, rate_limit=(12, 60), clock=virtual_clock())
    caplog.set_level(logging.INFO, logger="tickettailor")
    with (
        serve_in_thread(config) as running,
        Client(running.key, base_url=running.base_url, test_mode=True) as tt,
    ):
        first = next(iter(tt.orders.list(limit=1)))
        started = tt.clock.now()
        for _ in range(40):
            assert tt.orders.get(first.id).id == first.id
        elapsed = tt.clock.now() - started
    assert not [r for r in caplog.records if "RateLimitError" in r.getMessage()]  # never refused
    assert elapsed >= 120  # 41 calls at 12 a minute need at least three windows
    assert elapsed < 300  # ... and not much more


def test_two_clients_of_one_key_share_the_budget(
    sandbox_config: SandboxConfig, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="tickettailor")
    config = dataclasses.replace(sandbox_config, rate_limit=(12, 60), clock=virtual_clock())
    with serve_in_thread(config) as running:
        one = Client(running.key, base_url=running.base_url, test_mode=True)
        two = Client(running.key, base_url=running.base_url, test_mode=True)
        with one, two:
            for _ in range(20):
                one.ping()
                two.ping()  # the second client must not spend what the first already did
            assert sum(one.clock.slept) + sum(two.clock.slept) >= 120
    assert not [r for r in caplog.records if "RateLimitError" in r.getMessage()]
