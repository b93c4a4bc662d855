"""The ``tickettailor`` command: a thin shell over the library.

Each command group lives in its own module and registers itself on ``app`` here.
"""

from __future__ import annotations

import typer

app = typer.Typer(
    name="tickettailor",
    help="Connect a Ticket Tailor box office to anything.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def main() -> None:
    """Console-script entry point."""
    app()


# Command modules register themselves when imported (keep this list sorted).
from tickettailor.cli import sandbox as _sandbox  # noqa: E402, F401  (registration side effect)
