"""The ``tickettailor`` command: a thin shell over the library.

Each command group lives in its own module, which defines its commands and a
``register(app)`` function that adds them to the top-level ``app``; this module calls
each one (``COMMAND_MODULES`` at the bottom). Shared plumbing (the client from the
global options, output formats, error messages) is in ``tickettailor.cli._context``.

To add a command (group):

1. Write ``src/tickettailor/cli/things.py``. At module level import only typer, the
   standard library and ``tickettailor.cli._*`` helpers (import the library inside the
   command functions: tests/cli/test_startup.py keeps ``tickettailor --help`` fast)::

       things = typer.Typer(help="Things: list them.", no_args_is_help=True)

       @things.command("list")
       def list_things(ctx: typer.Context, fmt: FormatOption = None) -> None:
           emit_records(get_client(ctx).things.list(), fmt, kind="thing", ...)

       def register(app: typer.Typer) -> None:
           app.add_typer(things, name="things", rich_help_panel=PANEL_MORE)

   A single command registers with ``app.command("name", ...)(function)``.
2. Add one line here: import the module (``from tickettailor.cli import things``) and
   append it to ``COMMAND_MODULES``. Its place in ``tickettailor --help`` comes from its
   ``rich_help_panel`` and ``_help.HELP_ORDER``.

Command modules never import this module, so there is no import cycle.
"""

from __future__ import annotations

from typing import Annotated

import typer

from tickettailor import __version__
from tickettailor.cli import (
    call,
    connect,
    demo,
    events,
    fleet,
    orders,
    resources,
    sandbox,
    sync,
    watch,
    webhooks,
)
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


# The command modules, in the order they register (`tickettailor --help` shows them in the
# sections and order of `_help.HELP_ORDER`). Each imports only typer at the top, so
# importing them all stays cheap (see tests/cli/test_startup.py).
COMMAND_MODULES = (
    demo,
    sandbox,
    connect,
    orders,
    events,
    call,
    watch,
    webhooks,
    resources,
    fleet,
    sync,
)
for _module in COMMAND_MODULES:
    _module.register(app)
