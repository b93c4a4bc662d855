"""The key never shows, and every command explains itself with an example."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from typer.main import get_command

from tests.cli.conftest import Run, invoke
from tests.conftest import TEST_KEY
from tickettailor.cli.main import app
from tickettailor.sandbox import RunningSandbox

SECRETS = (
    TEST_KEY,
    base64.b64encode(f"{TEST_KEY}:".encode()).decode(),
    base64.b64encode(TEST_KEY.encode()).decode(),
)


def assert_no_key(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text


def test_the_key_appears_nowhere_but_the_profile(
    bare: Run, sandbox: RunningSandbox, clean_env: Path, tmp_path: Path
) -> None:
    base = ("-v", "--base-url", sandbox.base_url)
    runs = [
        bare(*base, "connect", "--name", "shop", input=TEST_KEY),
        bare(*base, "connect", "--name", "bad", input="sk_0000_000000_" + "1" * 32),
        bare("-v", "connections", "list", "--format", "json"),
        bare("-v", "orders", "list", "--limit", "120", "--format", "jsonl"),
        bare("-v", "orders", "list", "--limit", "2", "--format", "table"),
        bare("-v", "orders", "list", "--created-gte", "garbage"),
        bare("-v", "events", "get", "ev_0"),
        bare("-v", "call", "GET", "/v1/overview", "-i"),
        bare("-v", "call", "GET", "https://elsewhere.example/v1/overview"),
        bare("-v", "--base-url", "http://127.0.0.1:9", "overview"),
        bare("-v", "--api-key", TEST_KEY, "--base-url", sandbox.base_url, "holds", "list"),
    ]
    assert runs[0].exit_code == 0
    assert "GET " in runs[3].stderr  # -v really logs the requests
    for result in runs:
        assert_no_key(result.stdout)
        assert_no_key(result.stderr)
    profile = clean_env / "profiles.json"
    assert TEST_KEY in profile.read_text()  # the one place it belongs
    for path in tmp_path.rglob("*"):
        if path.is_file() and path != profile:
            assert_no_key(path.read_text(errors="replace"))


def test_the_key_never_appears_in_a_traceback_either(bare: Run) -> None:
    result = bare("--api-key", TEST_KEY, "--base-url", "not a url", "overview")
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert_no_key(result.output)


def _commands(command: object, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, sub in getattr(command, "commands", {}).items():
        found += _commands(sub, (*path, name))
    return found


OTHERS = {"sandbox", "watch", "webhooks", "demo"}  # owned and tested by other parts
ROOT = get_command(app)  # the click tree, built once: building it is slow
COMMANDS = [p for p in _commands(ROOT) if not (p and p[0] in OTHERS)]


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "tickettailor")
def test_every_command_has_help_with_an_example(path: tuple[str, ...]) -> None:
    result = invoke(*path, "--help", COLUMNS="100")
    assert result.exit_code == 0, result.output
    assert "Examples" in result.stdout, result.stdout
    assert "$ tickettailor " + " ".join(path) in result.stdout


def test_format_is_offered_after_every_record_command() -> None:
    record_commands = [p for p in COMMANDS if p and p[-1] in {"list", "get", "codes"}]
    assert len(record_commands) >= 20
    for path in record_commands:
        command = ROOT
        for name in path:
            command = command.commands[name]  # type: ignore[attr-defined]  # a group here
        options = {opt for param in command.params for opt in getattr(param, "opts", [])}
        assert "--format" in options, path


def test_completion_script_is_available() -> None:
    result = invoke("--show-completion", "bash")
    assert result.exit_code == 0
    assert "_TICKETTAILOR_COMPLETE" in result.stdout
