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
2. Add it here: its name to ``COMMAND_MODULES`` and each top-level command it adds to
   ``COMMANDS`` (tests/cli/test_register.py checks both). Its place in
   ``tickettailor --help`` comes from its ``rich_help_panel`` and ``_help.HELP_ORDER``.

Start-up: a command line that names a command builds only the module that adds it
(``main`` reads the command's name before typer does); ``--help``, completion and
anything unrecognised build them all, so they read exactly as before. Building every
command's options from its signature is most of what typer does before running one
(tens of milliseconds: see bench/bench_cli_output.py). ``app`` is the whole command,
for tests and tools.

Command modules never import this module, so there is no import cycle.
"""

from __future__ import annotations

import gc
import importlib
import os
import sys
from collections.abc import Sequence
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

# The command modules, in the order they register (`tickettailor --help` shows them in the
# sections and order of `_help.HELP_ORDER`). Each imports only typer at the top, so
# importing them all stays cheap (see tests/cli/test_startup.py).
COMMAND_MODULES = (
    "demo",
    "sandbox",
    "connect",
    "orders",
    "events",
    "call",
    "watch",
    "webhooks",
    "resources",
    "fleet",
    "sync",
)
# Each top-level command -> the module (of COMMAND_MODULES) whose register() adds it.
COMMANDS = {
    "demo": "demo",
    "sandbox": "sandbox",
    "connect": "connect",
    "connections": "connect",
    "orders": "orders",
    "events": "events",
    "call": "call",
    "watch": "watch",
    "webhooks": "webhooks",
    **dict.fromkeys(
        (
            "issued-tickets",
            "check-ins",
            "holds",
            "discounts",
            "vouchers",
            "event-series",
            "products",
            "waitlist-signups",
            "membership-types",
            "issued-memberships",
            "overview",
        ),
        "resources",
    ),
    "fleet": "fleet",
    "worker": "fleet",
    "sync": "sync",
}
# The global options that come before a command, those taking a value first
# (tests/cli/test_register.py compares them with the app's own).
GLOBAL_VALUE_OPTIONS = ("--profile", "-p", "--api-key", "--base-url", "--tz")
GLOBAL_FLAGS = ("--verbose", "-v")


def build_app(modules: Sequence[str] = COMMAND_MODULES) -> typer.Typer:
    """The ``tickettailor`` command with the commands of ``modules`` (default: all)."""
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
    app.callback()(global_options)
    for name in modules:
        importlib.import_module(f"tickettailor.cli.{name}").register(app)
    return app


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
    try:
        build_app(modules_for(sys.argv[1:]))()
    finally:
        # The command is over and has closed what it opened. What is left is mostly
        # what typer, pydantic and httpx2 built at import (~40,000 objects the garbage
        # collector tracks), which the interpreter's collections at exit would walk to
        # free nothing that matters: 30-40 ms of every run. Frozen, they are skipped.
        gc.freeze()


def modules_for(args: Sequence[str]) -> tuple[str, ...]:
    """The command modules a command line needs: the one adding the command it names,
    or all of them for help, completion, or a word that is not a command (so a typo
    gets the usual error, with suggestions)."""
    if any(name.startswith("_TICKETTAILOR_COMPLETE") for name in os.environ):
        return COMMAND_MODULES
    i = 0
    while i < len(args) and args[i].startswith("-"):
        if args[i] == "--version" and not {"-h", "--help"} & set(args):
            return ()  # printed before any command is looked at
        width = _global_width(args[i])
        if not width:  # --help, completion options, or a mistake
            return COMMAND_MODULES
        i += width
    module = COMMANDS.get(args[i]) if i < len(args) else None
    return (module,) if module else COMMAND_MODULES


def _global_width(word: str) -> int:
    """The words a global option before the command spans (0: not a global option)."""
    if word in GLOBAL_VALUE_OPTIONS:
        return 2
    verbose = word in GLOBAL_FLAGS or set(word[1:]) == {"v"}  # -vv
    return 1 if word.split("=", 1)[0] in GLOBAL_VALUE_OPTIONS or verbose else 0


_ALL: list[typer.Typer] = []


def __getattr__(name: str) -> typer.Typer:
    """``app``: the whole command (every module registered), built on first use."""
    if name != "app":
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if not _ALL:
        _ALL.append(build_app())
    return _ALL[0]
