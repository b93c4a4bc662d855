"""Error paths: one clear sentence saying what to do, and exit codes 0 / 1 / 2."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterator

import pytest

from tests.cli.conftest import Faults, Run
from tests.conftest import TEST_KEY
from tickettailor.sandbox import SandboxConfig, serve_in_thread
from tickettailor.sandbox.config import KeySpec

EVENTS_ONLY = "sk_5555_666666_" + "a" * 32


@pytest.fixture(scope="module")
def faulty(sandbox_config: SandboxConfig) -> Iterator[tuple[str, Faults]]:
    """A private sandbox (its fault injector driven per test), plus a key that may read
    events only."""
    config = dataclasses.replace(
        sandbox_config,
        keys=(TEST_KEY, KeySpec(EVENTS_ONLY, frozenset({"events"}))),
        orders=30,
        events=3,
    )
    with serve_in_thread(config) as running:
        yield running.base_url, Faults(running.base_url)


@pytest.fixture
def run_faulty(
    faulty: tuple[str, Faults], bare: Run, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Run, Faults]]:
    base_url, faults = faulty
    monkeypatch.setenv("TICKETTAILOR_BASE_URL", base_url)
    monkeypatch.setenv("TICKETTAILOR_API_KEY", TEST_KEY)
    faults.clear()
    yield bare, faults
    faults.clear()


def one_sentence(text: str) -> str:
    lines = text.strip().splitlines()
    assert len(lines) == 1, text
    assert lines[0].startswith("Error: ")
    return lines[0]


def test_wrong_key_403(run_faulty: tuple[Run, Faults]) -> None:
    run, _ = run_faulty
    result = run("orders", "list", TICKETTAILOR_API_KEY="sk_0000_000000_" + "1" * 32)
    assert result.exit_code == 1
    line = one_sentence(result.stderr)
    assert "refused (403)" in line
    assert "wrong, deleted, or lacks the permission" in line
    assert "tickettailor connect" in line


def test_key_without_permission_403_names_the_resource(
    run_faulty: tuple[Run, Faults],
) -> None:
    run, _ = run_faulty
    allowed = run("events", "list", TICKETTAILOR_API_KEY=EVENTS_ONLY)
    assert allowed.exit_code == 0
    refused = run("orders", "list", TICKETTAILOR_API_KEY=EVENTS_ONLY)
    assert refused.exit_code == 1
    assert "/v1/orders" in one_sentence(refused.stderr)


def test_rate_limited_says_how_long_it_waited_and_how_often(
    run_faulty: tuple[Run, Faults],
) -> None:
    run, faults = run_faulty
    faults.add("429,path=/v1/orders*")
    result = run("orders", "list")
    assert result.exit_code == 1
    line = one_sentence(result.stderr)
    match = re.search(
        r"Rate limited by Ticket Tailor \(429\): waited (\d+) s, gave up after (\d+) tries", line
    )
    assert match, line
    assert int(match.group(2)) == 6  # the first try and the library's 5 retries
    assert int(match.group(1)) >= 5  # five waits of Retry-After (1 s each), virtual in tests


def test_rate_limit_that_clears_is_invisible(run_faulty: tuple[Run, Faults]) -> None:
    run, faults = run_faulty
    faults.add("429,path=/v1/orders*,count=2")
    result = run("orders", "list", "--limit", "3")
    assert result.exit_code == 0, result.stderr
    assert len(result.stdout.splitlines()) == 3


def test_server_error_says_try_later(run_faulty: tuple[Run, Faults]) -> None:
    run, faults = run_faulty
    faults.add("status:503,path=/v1/events*")
    result = run("events", "list")
    assert result.exit_code == 1
    line = one_sentence(result.stderr)
    assert "(503)" in line
    assert "Try again in a few minutes" in line


def test_html_error_page_is_not_a_traceback(run_faulty: tuple[Run, Faults]) -> None:
    run, faults = run_faulty
    faults.add("html:520,path=/v1/events*")
    result = run("events", "get", "ev_1")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    one_sentence(result.stderr)


def test_malformed_reply(run_faulty: tuple[Run, Faults]) -> None:
    run, faults = run_faulty
    faults.add("malformed,path=/v1/overview")
    result = run("overview")
    assert result.exit_code == 1
    line = one_sentence(result.stderr)
    assert "not the API's JSON" in line


def test_dropped_connection_is_a_network_problem(run_faulty: tuple[Run, Faults]) -> None:
    run, faults = run_faulty
    faults.add("drop,path=/v1/overview")
    result = run("overview")
    assert result.exit_code == 1
    assert "network problem" in one_sentence(result.stderr)


def test_usage_errors_exit_2(run_faulty: tuple[Run, Faults]) -> None:
    run, _ = run_faulty
    assert run("orders", "list", "--limit", "0").exit_code == 2
    assert run("orders", "list", "--format", "xml").exit_code == 2
    assert run("orders", "frobnicate").exit_code == 2
    assert run("call", "FETCH", "/v1/events").exit_code == 2


def test_success_exits_0(run_faulty: tuple[Run, Faults]) -> None:
    run, _ = run_faulty
    assert run("events", "list").exit_code == 0
