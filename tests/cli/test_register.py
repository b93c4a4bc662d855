"""Each command module adds its commands through ``register(app)``.

``cli/main.py`` imports the command modules and calls their ``register``; a command
module never imports ``cli/main.py``, so importing one on its own neither builds the
whole command nor runs into an import cycle.
"""

from __future__ import annotations

import subprocess
import sys

import typer

from tickettailor.cli.main import COMMAND_MODULES


def test_every_command_module_registers_on_the_app_it_is_given() -> None:
    for module in COMMAND_MODULES:
        app = typer.Typer()
        module.register(app)
        names = [g.name for g in app.registered_groups]
        names += [c.name for c in app.registered_commands]
        assert names, f"{module.__name__}.register added no command"


def test_a_command_module_imports_alone_without_the_main_command() -> None:
    for module in COMMAND_MODULES:
        code = f"import sys, {module.__name__}; print('tickettailor.cli.main' in sys.modules)"
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        )
        assert done.stdout.strip() == "False", module.__name__
