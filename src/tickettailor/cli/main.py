"""The ``tickettailor`` command: a thin shell over the library.

Each command group lives in its own module and registers itself on ``app`` when
imported (the list at the bottom). Shared plumbing (the client from the global
options, output formats, error messages) is in ``tickettailor.cli._context``.
"""

from __future__ import annotations

from typing import Annotated

import typer

from tickettailor import __version__
from tickettailor.cli._context import (
    BASE_URL_ENV,
    TZ_ENV,
    Settings,
    TailorGroup,
    check_tz,
    profile_names,
    store_settings,
)
from tickettailor.cli._help import epilog

app = typer.Typer(
    name="tickettailor",
    cls=TailorGroup,
    help="Connect a Ticket Tailor box office to anything.",
    epilog=epilog(
        "tickettailor connect",
        "tickettailor orders list --created-gte -7d --limit 20",
        "tickettailor --profile shop events list --format csv > events.csv",
    ),
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
    # Locals may hold the API key: never print them in a traceback.
    pretty_exceptions_show_locals=False,
)


@app.callback()
def global_options(
    ctx: typer.Context,
    profile: Annotated[
        str | None,
        typer.Option(
            "--profile",
            "-p",
            metavar="NAME",
            help="Saved connection to use (see `connections list`). "
            "Env: TICKETTAILOR_PROFILE; default: the default profile.",
            show_default=False,
            autocompletion=profile_names,
        ),
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            metavar="KEY",
            help="API key to use instead of a saved profile (other users may see command "
            "lines: prefer `connect` or TICKETTAILOR_API_KEY).",
            show_default=False,
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            envvar=BASE_URL_ENV,
            metavar="URL",
            help="API server root, e.g. the sandbox's http://127.0.0.1:8765.",
            show_default=False,
        ),
    ] = None,
    tz: Annotated[
        str | None,
        typer.Option(
            "--tz",
            envvar=TZ_ENV,
            metavar="ZONE",
            help="Time zone (IANA name) for dates you type and times shown in tables. "
            "Default: dates you type are UTC; tables show an event's times in its "
            "venue's zone and other times in this computer's zone.",
            show_default=False,
            callback=check_tz,
        ),
    ] = None,
    _version: Annotated[
        bool,
        typer.Option(
            "--version",
            is_eager=True,
            callback=show_version,
            help="Print the version and exit.",
        ),
    ] = False,
    verbose: Annotated[
        int,
        typer.Option(
            "--verbose",
            "-v",
            count=True,
            show_default=False,
            help="Log each request and retry on stderr (the key is never shown).",
        ),
    ] = 0,
) -> None:
    """Connect a Ticket Tailor box office to anything.

    Global options go before or after the command; `--format` goes after it.
    """
    store_settings(
        ctx,
        Settings(profile=profile, api_key=api_key, base_url=base_url, tz=tz, verbose=verbose),
    )


def show_version(value: bool) -> None:
    if value:
        typer.echo(f"tickettailor {__version__}")
        raise typer.Exit()


def main() -> None:
    """Console-script entry point."""
    app()


# Command modules register themselves when imported; `tickettailor --help` shows them in
# the sections and order of `_help.HELP_ORDER`. Each module imports only typer at the
# top, so importing them all stays cheap (see tests/cli/test_startup.py).
from tickettailor.cli import demo as _demo  # noqa: E402, F401, I001  (registration side effect)
from tickettailor.cli import sandbox as _sandbox  # noqa: E402, F401  (registration side effect)
from tickettailor.cli import connect as _connect  # noqa: E402, F401  (registration side effect)
from tickettailor.cli import orders as _orders  # noqa: E402, F401  (registration side effect)
from tickettailor.cli import events as _events  # noqa: E402, F401  (registration side effect)
from tickettailor.cli import call as _call  # noqa: E402, F401  (registration side effect)
from tickettailor.cli import watch as _watch  # noqa: E402, F401  (registration side effect)
from tickettailor.cli import webhooks as _webhooks  # noqa: E402, F401  (registration side effect)
from tickettailor.cli import resources as _resources  # noqa: E402, F401  (registration side effect)

__import__("tickettailor.cli.sync", fromlist=["register"]).register(app)  # merge: COMMAND_MODULES
