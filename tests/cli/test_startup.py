"""The command starts fast, and its --help reads like a finished tool's.

Start-up: parsing any command line imports every command module, so those import only
typer and the standard library at the top; the library (httpx2, pydantic), the sandbox
(uvicorn, starlette) and the watch are imported when a command runs. A stray top-level
import costs every invocation (~1 s before this was fixed), so it is caught here, by
what a fresh interpreter has loaded. The time itself is bench/bench_cli_startup.py's.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.markup import escape as rich_escape

import tickettailor
from tests.cli.conftest import _ROOT, invoke
from tickettailor.cli import connect
from tickettailor.cli._help import escape_markup
from tickettailor.profiles import DEFAULT_PROFILE_NAME

HEAVY = ("pydantic", "httpx2", "uvicorn", "starlette")

# Runs the console script's main() on the given arguments, then reports which heavy
# modules the process loaded (main() always leaves through SystemExit).
PROBE = f"""
import json, sys
from tickettailor.cli.main import main
sys.argv = ["tickettailor", *json.loads(sys.argv[1])]
try:
    main()
except SystemExit:
    pass
sys.stderr.write("LOADED " + json.dumps([m for m in {HEAVY!r} if m in sys.modules]) + "\\n")
"""


def loaded_by(args: list[str], config: Path) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TICKETTAILOR_")}
    env |= {"TICKETTAILOR_CONFIG_DIR": str(config), "COLUMNS": "100"}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(args)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    report = [line for line in done.stderr.splitlines() if line.startswith("LOADED ")]
    assert report, done.stderr
    return list(json.loads(report[-1].removeprefix("LOADED ")))


def test_importing_the_command_loads_no_heavy_library() -> None:
    code = f"import sys, tickettailor.cli.main; print([m for m in {HEAVY!r} if m in sys.modules])"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


@pytest.mark.parametrize("args", [["--version"], ["--help"]], ids=" ".join)
def test_version_and_help_load_no_heavy_library(args: list[str], clean_env: Path) -> None:
    assert loaded_by(args, clean_env) == []


@pytest.mark.parametrize(
    "args",
    [
        ["orders", "list", "--help"],
        ["sandbox", "--help"],
        ["watch", "orders", "--help"],
        ["webhooks", "serve", "--help"],
    ],
    ids=" ".join,
)
def test_command_help_loads_no_client_or_server(args: list[str], clean_env: Path) -> None:
    # pydantic is typer's own here: it checks the global options' values with it before
    # handing over to the command, so it is loaded for anything past the top level.
    assert set(loaded_by(args, clean_env)) <= {"pydantic"}


def test_a_command_that_runs_does_load_the_library(clean_env: Path) -> None:
    # The probe's control: with no key the command fails (exit 2) after building its
    # client's arguments, which needs the library.
    assert "httpx2" in loaded_by(["orders", "list"], clean_env)


def test_every_public_name_of_the_package_resolves() -> None:
    for name in tickettailor.__all__:
        assert getattr(tickettailor, name) is not None, name
    assert set(tickettailor.__all__) <= set(dir(tickettailor))
    # A misspelt name is still an ImportError naming it (and an error for mypy).
    with pytest.raises(ImportError, match="Clinet"):
        from tickettailor import Clinet  # type: ignore[attr-defined]  # noqa: F401  (the test)


def test_connect_saves_under_the_library_default_profile_name() -> None:
    assert connect.DEFAULT_NAME == DEFAULT_PROFILE_NAME


# -- --help ---------------------------------------------------------------------------


def _paths(command: object, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, sub in getattr(command, "commands", {}).items():
        found += _paths(sub, (*path, name))
    return found


# typer's type labels (<str>, <bool>, <int range>, <list[str]>, <path>, <table|json...>).
TYPE_LABEL = re.compile(r"<(?:str|bool|int|float|list\[|path|file|table\|)[^>]*>")


def test_no_option_shows_a_type_label_in_help() -> None:
    shown = 0
    for path in _paths(_ROOT):
        result = invoke(*path, "--help", COLUMNS="200")
        assert result.exit_code == 0, (path, result.output)
        # Option rows only: typer labels every argument's type, with no way to hide it.
        options = result.stdout.split("Options ─", 1)[1].split("╰", 1)[0]
        labels = TYPE_LABEL.findall(options)
        assert not labels, (path, labels)
        shown += 1
    assert shown > 50


def test_flags_show_no_value_and_options_say_what_to_type() -> None:
    result = invoke("orders", "list", "--help", COLUMNS="200")
    rows = {line.split()[1]: line for line in result.stdout.splitlines() if "│ --" in line}
    assert re.search(r"--created-gte\s+DATE\s", rows["--created-gte"])
    assert re.search(r"--event\s+ID\s", rows["--event"])
    assert re.search(r"--limit\s+-n\s+N\s", rows["--limit"])
    assert re.search(r"--format\s+FORMAT\s", rows["--format"])
    assert re.search(r"--help\s+-h\s+Show this message", rows["--help"])
    top = invoke("--help", COLUMNS="200").stdout
    assert re.search(r"--version\s+Print the version", top)
    assert re.search(r"--install-completion\s+Install completion", top)


def test_help_lists_commands_in_sections_getting_started_first() -> None:
    text = invoke("--help", COLUMNS="200").stdout
    sections = [
        "Getting started",
        "Connect a box office",
        "Orders, events and any API call",
        "Watch for new records",
        "More resources",
    ]
    where = [text.index(f"─ {title}") for title in sections]
    assert where == sorted(where), where
    assert "─ Commands ─" not in text  # every command sits in a named section
    start, connect_at, records, watch, more = where
    for name, low, high in [
        ("demo", start, connect_at),
        ("sandbox", start, connect_at),
        ("connect", connect_at, records),
        ("orders", records, watch),
        ("call", records, watch),
        ("watch", watch, more),
        ("webhooks", watch, more),
        ("issued-tickets", more, len(text)),
    ]:
        row = re.search(rf"│ {re.escape(name)} ", text[low:high])
        assert row, (name, text[low:high])


# -- examples in --help are escaped as rich would, without importing it to run a command


@given(st.text(alphabet="[]\\/#@ab=_1 '", max_size=30))
def test_examples_are_escaped_exactly_as_rich_escapes_them(text: str) -> None:
    assert escape_markup(text) == rich_escape(text)


def test_an_example_with_brackets_reads_as_typed_in_help() -> None:
    result = invoke("call", "--help", COLUMNS="200")
    assert "ticket_type_id[tt_1]=2" in result.stdout
