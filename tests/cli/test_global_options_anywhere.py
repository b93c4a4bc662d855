"""Global options work after the command too (issue 10): ``orders list --limit 1
--profile live`` does what it says instead of "No such option"."""

from __future__ import annotations

import pytest

from tests.cli.conftest import _ROOT, Run, jsonl
from tickettailor.cli._hoist import hoist_global_options
from tickettailor.sandbox import RunningSandbox


def test_key_and_server_after_the_command(bare: Run, sandbox: RunningSandbox) -> None:
    result = bare(
        "orders", "list", "--limit", "1", "--api-key", sandbox.key, "--base-url", sandbox.base_url
    )
    assert result.exit_code == 0, result.output
    assert [r["object"] for r in jsonl(result.stdout)] == ["order"]


def test_profile_and_verbose_after_the_command(bare: Run, sandbox: RunningSandbox) -> None:
    saved = bare("connect", "--name", "live", "--api-key", sandbox.key,
                 "--base-url", sandbox.base_url)  # fmt: skip
    assert saved.exit_code == 0, saved.output
    # The option is read, not ignored: an unknown profile is refused by name.
    result = bare("orders", "list", "--limit", "1", "--profile", "nosuch")
    assert result.exit_code == 2
    assert "nosuch" in result.stderr
    result = bare("orders", "list", "--limit", "1", "--profile", "live", "-v")
    assert result.exit_code == 0, result.output
    assert len(jsonl(result.stdout)) == 1
    assert "GET " in result.stderr  # -v logged the request
    assert sandbox.key not in result.stderr


def test_equals_forms_and_a_time_zone_after_the_command(bare: Run, sandbox: RunningSandbox) -> None:
    result = bare("events", "list", "-n", "1", f"--api-key={sandbox.key}",
                  f"--base-url={sandbox.base_url}", "--tz", "Europe/London")  # fmt: skip
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["orders", "list", "--profile", "live"], ["--profile", "live", "orders", "list"]),
        (["-v", "orders", "get", "or_1", "-vv"], ["-v", "-vv", "orders", "get", "or_1"]),
        # A command's own --api-key stays its own.
        (["sandbox", "--api-key", "sk_x"], ["sandbox", "--api-key", "sk_x"]),
        (
            ["connect", "--api-key", "k", "--tz", "UTC"],
            ["--tz", "UTC", "connect", "--api-key", "k"],
        ),
        # A value that looks like an option belongs to the option before it.
        (["call", "GET", "/v1/x", "-q", "--profile"], ["call", "GET", "/v1/x", "-q", "--profile"]),
        # After --, nothing moves.
        (["call", "GET", "/v1/x", "--", "-v"], ["call", "GET", "/v1/x", "--", "-v"]),
        (["--help"], ["--help"]),
    ],
)
def test_what_moves_and_what_stays(args: list[str], expected: list[str]) -> None:
    assert hoist_global_options(_ROOT, args) == expected
