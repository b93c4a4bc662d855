"""Each command module adds its commands through ``register(app)``.

``cli/main.py`` calls the ``register`` of the command modules; a command module never
imports ``cli/main.py``, so importing one on its own neither builds the whole command
nor runs into an import cycle. A command line that names a command builds only the
module adding it (``modules_for``), so ``COMMANDS`` must say truly which module adds
which command, and the global options must be known before typer reads them.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys

import pytest
import typer
from typer.main import get_command

from tickettailor.cli.main import (
    COMMAND_MODULES,
    COMMANDS,
    GLOBAL_FLAGS,
    GLOBAL_VALUE_OPTIONS,
    app,
    modules_for,
)


def _added_by(module: str) -> list[str]:
    app = typer.Typer()
    importlib.import_module(f"tickettailor.cli.{module}").register(app)
    names = [g.name for g in app.registered_groups]
    return [str(name) for name in names + [c.name for c in app.registered_commands]]


@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_commands_names_the_module_adding_each_command(module: str) -> None:
    added = _added_by(module)
    assert added, f"{module}.register added no command"
    assert sorted(added) == sorted(name for name, owner in COMMANDS.items() if owner == module)


def test_every_command_of_the_app_is_in_commands() -> None:
    assert sorted(get_command(app).commands) == sorted(COMMANDS)  # type: ignore[attr-defined]  # a group


def test_the_global_options_read_before_typer_are_the_apps() -> None:
    group = get_command(app)
    options = [p for p in group.params if isinstance(p, typer.core.TyperOption)]
    values = {o for p in options if not (p.is_flag or p.count) for o in p.opts}
    flags = {o for p in options if p.count for o in p.opts}
    assert values == set(GLOBAL_VALUE_OPTIONS)
    assert flags == set(GLOBAL_FLAGS)


@pytest.mark.parametrize(
    ("args", "modules"),
    [
        (["orders", "list", "--format", "jsonl"], ("orders",)),
        (["--profile", "orders", "events", "list"], ("events",)),  # "orders": the value
        (["-p", "shop", "-vv", "--tz=Europe/London", "worker", "--help"], ("fleet",)),
        (["--base-url=http://x", "overview"], ("resources",)),
        (["--help"], COMMAND_MODULES),
        (["--version"], ()),  # printed before any command is looked at
        (["-v", "--version", "orders"], ()),
        (["--version", "--help"], COMMAND_MODULES),
        ([], COMMAND_MODULES),
        (["ordrs", "list"], COMMAND_MODULES),  # not a command: the full app says so
        (["--bogus", "orders"], COMMAND_MODULES),
    ],
)
def test_a_command_line_builds_the_module_of_its_command(
    args: list[str], modules: tuple[str, ...]
) -> None:
    assert modules_for(args) == modules


def test_a_command_module_imports_alone_without_the_main_command() -> None:
    for module in COMMAND_MODULES:
        name = f"tickettailor.cli.{module}"
        code = f"import sys, {name}; print('tickettailor.cli.main' in sys.modules)"
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert done.stdout.strip() == "False", name


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    probe = (
        "import json, sys\n"
        "from tickettailor.cli.main import main\n"
        "sys.argv = ['tickettailor', *json.loads(sys.argv[1])]\n"
        "try:\n    main()\n"
        "finally:\n"
        "    built = sorted(m for m in sys.modules if m.startswith('tickettailor.cli.'))\n"
        "    sys.stderr.write('BUILT ' + json.dumps(built))\n"
    )
    return subprocess.run(
        [sys.executable, "-c", probe, json.dumps(args)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={"COLUMNS": "100", "PATH": "/usr/bin:/bin", "TICKETTAILOR_CONFIG_DIR": "/nonexistent"},
    )


def test_a_mistyped_command_still_gets_suggestions_from_every_command() -> None:
    done = _run("ordrs", "list")
    assert done.returncode == 2
    assert "No such command 'ordrs'" in done.stderr
    assert "orders" in done.stderr.split("BUILT", 1)[0]


def test_running_a_command_builds_its_module_only() -> None:
    done = _run("--tz", "UTC", "events", "list", "--help")
    assert done.returncode == 0, done.stderr
    assert "events list [OPTIONS]" in done.stdout  # the command's own help
    built = json.loads(done.stderr.rsplit("BUILT ", 1)[1])
    assert "tickettailor.cli.events" in built
    assert "tickettailor.cli.orders" not in built
    assert "tickettailor.cli.sandbox" not in built
