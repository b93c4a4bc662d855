"""Shared plumbing for every ``tickettailor`` command (watch, webhooks and demo too).

A command module gets its client, prints records and reports errors through here::

    import typer
    from tickettailor.cli._context import FormatOption, emit_records, get_client, user_tz

    things = typer.Typer(help="Things.")

    @things.command("list")
    def list_things(ctx: typer.Context, fmt: FormatOption = None) -> None:
        client = get_client(ctx)                  # from the global options
        emit_records(client.things.list(), fmt, kind="thing", zone=user_tz(ctx))

    def register(app: typer.Typer) -> None:        # called by cli/main.py
        app.add_typer(things, name="things")

What is here:

- ``get_client(ctx)`` / ``get_async_client(ctx)``: a Client (AsyncClient) built from
  the global options: key from ``--api-key``, else ``--profile``, else
  ``$TICKETTAILOR_API_KEY``, else ``$TICKETTAILOR_PROFILE`` / the default profile;
  base URL from ``--base-url`` / ``$TICKETTAILOR_BASE_URL``, else the profile's;
  ``--tz``; ``-v`` logs each request on stderr (the library never logs the key).
  ``get_client``'s client is closed when the command ends. No key is exit 2.
- ``settings(ctx)``: the parsed global options (``Settings``).
- ``user_tz(ctx)``: the zone for times shown in tables (``--tz``; else the venue's for
  an event's times and this computer's for other moments).
- ``parse_date(ctx, "--created-gte", text)``: a date typed by the user, as an aware
  datetime (naive means ``--tz``, else UTC); unreadable is exit 2 naming the option.
- ``emit_records`` / ``emit_record`` / ``FormatOption`` / ``OutputFormat``: output in
  ``--format table|json|jsonl|csv`` with progress and a clean Ctrl-C (see ``_output``).
- ``fail(message, code)``: print ``Error: message`` on stderr and exit; bad input the
  command itself finds is ``fail(message, EXIT_USAGE)``.
- Errors: any ``TicketTailorError`` escaping a command is printed by the app
  (``TailorGroup``) as one sentence saying what to do, with exit code 1 for API and
  network failures and 2 for bad input; Ctrl-C exits 130. Commands need not catch.

Start-up: every command module is imported to parse any command line, so modules of
``tickettailor.cli`` import only typer and the standard library at the top, and the
library (httpx2, pydantic, the watch, the sandbox's uvicorn) inside the functions that
use it. ``tests/cli/test_startup.py`` holds them to that.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from typing import TYPE_CHECKING, Any, NoReturn, TypeGuard
from zoneinfo import ZoneInfo

import typer
from typer.core import TyperGroup

from tickettailor.cli._help import help_rank, quiet_flags
from tickettailor.cli._output import (
    ColumnsOption,
    FormatOption,
    OutputFormat,
    emit_record,
    emit_records,
    isatty,
    raw_record,
)
from tickettailor.cli._tables import TableZone

# The library (httpx2, pydantic) is imported by the functions that use it, not here:
# every command line is parsed before anything runs, and `--help` needs none of it.
if TYPE_CHECKING:
    from tickettailor import AsyncClient, Client, TicketTailorError

__all__ = [
    "API_KEY_ENV",
    "BASE_URL_ENV",
    "EXIT_API",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "TZ_ENV",
    "ColumnsOption",
    "FormatOption",
    "OutputFormat",
    "Settings",
    "TailorGroup",
    "check_tz",
    "emit_record",
    "emit_records",
    "fail",
    "get_async_client",
    "get_client",
    "parse_date",
    "profile_names",
    "raw_record",
    "settings",
    "store_settings",
    "user_tz",
]

API_KEY_ENV = "TICKETTAILOR_API_KEY"
BASE_URL_ENV = "TICKETTAILOR_BASE_URL"
TZ_ENV = "TICKETTAILOR_TZ"
# Exit codes: 0 success, 1 the API (or the network) failed, 2 the user's input was wrong
# (bad option, unreadable date, unknown profile, no key), 130 interrupted with Ctrl-C.
EXIT_OK = 0
EXIT_API = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130
TERMINAL_MAX_WAIT = 1800.0  # the API's window is 30 minutes
_SETTINGS = "tickettailor.settings"
_CLIENT = "tickettailor.client"


@dataclass(frozen=True)
class Settings:
    """The global options (given before or after the command)."""

    profile: str | None = None
    api_key: str | None = field(default=None, repr=False)
    base_url: str | None = None
    tz: str | None = None
    verbose: int = 0


def store_settings(ctx: typer.Context, value: Settings) -> None:
    ctx.meta[_SETTINGS] = value


def settings(ctx: typer.Context) -> Settings:
    """The global options (defaults from the environment if the callback did not run)."""
    found = ctx.meta.get(_SETTINGS)
    if isinstance(found, Settings):
        return found
    return Settings(base_url=os.environ.get(BASE_URL_ENV), tz=os.environ.get(TZ_ENV))


def check_tz(value: str | None) -> str | None:
    """``--tz`` callback: an unknown zone is a usage error before anything runs."""
    if value:
        from tickettailor import DateParseError
        from tickettailor.dates import resolve_tz

        try:
            resolve_tz(value)
        except DateParseError as exc:
            raise typer.BadParameter(str(exc)) from None
    return value or None


def profile_names(incomplete: str) -> list[str]:
    """Shell completion for profile names (nothing when the profiles cannot be read)."""
    from tickettailor import TicketTailorError
    from tickettailor.profiles import list_profiles

    try:
        return [p.name for p in list_profiles() if p.name.startswith(incomplete)]
    except TicketTailorError:
        return []


def user_tz(ctx: typer.Context) -> TableZone:
    """The zone for times in tables: ``--tz`` for all; without it, an event's times in
    its venue's zone and other moments in this computer's zone."""
    from tickettailor.dates import resolve_tz

    name = settings(ctx).tz
    return TableZone(resolve_tz(name)) if name else TableZone(system_zone(), venue=True)


def system_zone() -> tzinfo:
    """This computer's zone with its daylight-saving rules.

    ``datetime.now().astimezone()`` would give today's fixed offset, an hour off for
    records from the other half of the year; so read ``$TZ`` or /etc/localtime.
    """
    name = (os.environ.get("TZ") or "").lstrip(":")
    with contextlib.suppress(KeyError, ValueError, OSError):  # unknown name, no file
        if name:
            return ZoneInfo(name)
        with open("/etc/localtime", "rb") as source:
            return ZoneInfo.from_file(source, key="localtime")
    local = datetime.now().astimezone().tzinfo
    return local if local is not None else UTC


def parse_date(ctx: typer.Context, option: str, value: str) -> datetime:
    """``value`` typed for ``option``, as an aware datetime; exit 2 naming the option."""
    from tickettailor import DateParseError
    from tickettailor.dates import parse_instant

    try:
        return parse_instant(value, tz=settings(ctx).tz)
    except DateParseError as exc:
        raise DateParseError(f"{option}: {exc}") from None


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``Error: message`` on stderr and leave with ``code``."""
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


# -- the client ---------------------------------------------------------------------


def _client_args(ctx: typer.Context) -> dict[str, Any]:
    """Client arguments from the global options; the library resolves the rest.

    The order is the library's: ``--api-key``, ``--profile``, ``$TICKETTAILOR_API_KEY``,
    ``$TICKETTAILOR_PROFILE`` or the default profile; the base URL from ``--base-url``
    or its variable, else the profile's.
    """
    opts = settings(ctx)
    return {
        "api_key": opts.api_key,
        "profile": opts.profile,
        "base_url": opts.base_url,
        "tz": opts.tz,
        # A person at a terminal sees each long wait announced and can press Ctrl-C:
        # sit through a whole rate-limit window. A script gets the library's cap.
        **({"max_wait": TERMINAL_MAX_WAIT} if isatty(sys.stderr) else {}),
    }


@contextlib.contextmanager
def _no_key_in_cli_terms() -> Iterator[None]:
    """The library's "no API key" in the words of the command line (its options)."""
    from tickettailor import MissingKeyError, UsageError

    try:
        yield
    except MissingKeyError:
        raise UsageError(
            "No API key: run `tickettailor connect` to save one, or pass --api-key "
            f"or set {API_KEY_ENV}."
        ) from None


def get_client(ctx: typer.Context) -> Client:
    """The Client for this command (one per invocation, closed when it ends)."""
    existing = ctx.meta.get(_CLIENT)
    if existing is not None:
        return existing  # type: ignore[no-any-return]  # ctx.meta is untyped
    from tickettailor import Client

    with _no_key_in_cli_terms():
        client = Client(**_client_args(ctx))
    _setup_logging(ctx)
    ctx.meta[_CLIENT] = client
    ctx.call_on_close(client.close)
    return client


def get_async_client(ctx: typer.Context) -> AsyncClient:
    """An AsyncClient from the global options; the caller closes it (``async with``)."""
    from tickettailor import AsyncClient

    with _no_key_in_cli_terms():
        client = AsyncClient(**_client_args(ctx))
    _setup_logging(ctx)
    return client


def _library_error(exc: BaseException) -> TypeGuard[TicketTailorError]:
    """Whether ``exc`` is a ``tickettailor.TicketTailorError``, told by its classes' names:
    importing the library (and httpx2) to ask would slow down typer's own exits, such
    as a subcommand's --help, which pass through here too."""
    return any(
        cls.__name__ == "TicketTailorError" and cls.__module__.startswith("tickettailor.")
        for cls in type(exc).__mro__
    )


# -- request logging -------------------------------------------------------------------


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]  # generic only in stubs
    """Writes to whatever ``sys.stderr`` is at the time: rich's progress display swaps
    it for a proxy that prints above the spinner instead of through it."""

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stderr
        super().emit(record)


def _setup_logging(ctx: typer.Context) -> None:
    """The library's log on stderr (it never logs the key): every request with ``-v``;
    on a terminal, retries anyway, so a wait never looks like a hang."""
    verbose = settings(ctx).verbose > 0
    if ctx.meta.get("tickettailor.logging") or not (verbose or isatty(sys.stderr)):
        return
    from tickettailor.redact import RedactingFilter

    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("tickettailor: %(message)s"))
    handler.addFilter(RedactingFilter())
    logger = logging.getLogger("tickettailor")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG if verbose else logging.INFO)
    ctx.meta["tickettailor.logging"] = True

    def detach() -> None:
        logger.removeHandler(handler)
        logger.setLevel(logging.NOTSET)

    ctx.call_on_close(detach)


# -- the app's group: errors become one sentence and an exit code ------------------------


class TailorGroup(TyperGroup):
    """The top-level group: reports library errors raised by any command, and lists its
    commands in the sections of ``--help`` in the order of ``_help.HELP_ORDER``."""

    _flags_quiet = False

    def get_params(self, ctx: Any) -> list[Any]:
        # Here rather than in __init__: typer adds the completion options after that.
        if not self._flags_quiet:
            quiet_flags(self, list(ctx.help_option_names))
            self._flags_quiet = True
        return super().get_params(ctx)

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        from tickettailor.cli._hoist import hoist_global_options

        return super().parse_args(ctx, hoist_global_options(self, args))

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        windows_expand_args: bool = True,
        **kwargs: Any,
    ) -> Any:
        """As click's, but a command-line mistake is one line in our style (not a box),
        like every other error. Exit 2 for those, 1 for an abort."""
        from typer._click.exceptions import ClickException
        from typer.exceptions import Abort

        from tickettailor.cli._help import unclipped_option_help
        from tickettailor.cli._hoist import wants_help

        if wants_help(self, list(sys.argv[1:] if args is None else args)):
            unclipped_option_help()
        try:
            result = super().main(
                args, prog_name, complete_var, False, windows_expand_args, **kwargs
            )
        except ClickException as exc:
            if not standalone_mode:
                raise
            if type(exc).__name__ != "NoArgsIsHelpError":  # the help was shown instead
                from tickettailor.cli._errors import usage_line

                ctx = getattr(exc, "ctx", None)
                path = ctx.command_path if ctx is not None else None
                typer.echo(f"Error: {usage_line(exc.format_message(), path)}", err=True)
            sys.exit(exc.exit_code)
        except Abort:
            if not standalone_mode:
                raise
            typer.echo("Aborted.", err=True)
            sys.exit(EXIT_API)
        if not standalone_mode:
            return result
        sys.exit(result if isinstance(result, int) else EXIT_OK)

    def list_commands(self, ctx: Any) -> list[str]:
        names = super().list_commands(ctx)
        return sorted(names, key=lambda name: help_rank(name, self.commands.get(name)))

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except Exception as exc:
            if not _library_error(exc):
                raise
            from tickettailor.cli._errors import explain

            client = ctx.meta.get(_CLIENT)
            server = getattr(client, "base_url", None) or settings(ctx).base_url
            message, code = explain(exc, server=server)
            typer.echo(f"Error: {message}", err=True)
            raise typer.Exit(code) from None
