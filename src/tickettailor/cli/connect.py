"""``tickettailor connect`` and ``connections list|remove|use``: the Connection module."""

from __future__ import annotations

import sys
from typing import Annotated, Any

import typer

from tickettailor.cli._context import (
    API_KEY_ENV,
    EXIT_API,
    EXIT_USAGE,
    FormatOption,
    emit_records,
    fail,
    profile_names,
    settings,
    user_tz,
)
from tickettailor.cli._help import PANEL_CONNECT, epilog

# The name a connection is saved under when none is given: the library's default
# profile name (tests/cli/test_startup.py checks they agree), written out here because
# registering a command must not import the library (see _context on start-up time).
DEFAULT_NAME = "default"

connections = typer.Typer(
    help="Saved connections (profiles): list, remove, choose the default.",
    epilog=epilog("tickettailor connections list", "tickettailor connections use shop"),
)


def connect(
    ctx: typer.Context,
    name: Annotated[
        str, typer.Option("--name", metavar="NAME", help="Name to save the connection under.")
    ] = DEFAULT_NAME,
    api_key: Annotated[
        str | None,
        typer.Option(
            "--api-key",
            metavar="KEY",
            help="The key, or - to read it from stdin. Default: asked for, not echoed.",
            show_default=False,
        ),
    ] = None,
    make_default: Annotated[
        bool, typer.Option("--default", help="Make this the connection used when none is named.")
    ] = False,
) -> None:
    """Connect a box office: check its API key against /v1/overview and save it.

    Find the key in Ticket Tailor under Box Office Settings > API. It is saved in
    your config directory in a file only you can read.
    """
    from tickettailor.profiles import (
        Profile,
        check_name,
        default_profile_name,
        list_profiles,
        profiles_path,
        save_profile,
    )

    check_name(name)
    key = _read_key(api_key or settings(ctx).api_key)
    base_url = settings(ctx).base_url
    box_office = _check_key(key, base_url)
    replacing = any(p.name == name for p in list_profiles())
    profile = Profile(name, key, base_url or None)
    save_profile(profile, make_default=make_default)
    action = "Replaced" if replacing else "Saved"
    where = f" at {base_url}" if base_url else ""
    typer.echo(
        f"Connected to {box_office}{where}. {action} as profile '{name}' "
        f"(key {profile.key_hint}) in {profiles_path()}."
    )
    if default_profile_name() == name:
        typer.echo(f"'{name}' is the default connection.")
    else:
        typer.echo(f"Use it with: tickettailor --profile {name} ...")


def _read_key(given: str | None) -> str:
    """The key from the option, stdin (``-`` or piped), or a prompt without echo."""
    if given and given != "-":
        key = given
    elif given == "-" or not sys.stdin.isatty():
        key = sys.stdin.readline()
    else:
        key = typer.prompt("Ticket Tailor API key", hide_input=True)
    key = key.strip()
    if not key:
        fail(
            "No API key given: paste the key from Box Office Settings > API "
            f"(or pass --api-key, or set {API_KEY_ENV} for one-off commands).",
            EXIT_USAGE,
        )
    return key


def _check_key(key: str, base_url: str | None) -> str:
    """The box office name for ``key``, or exit with why it could not be checked."""
    from tickettailor import APIConnectionError, Client, ForbiddenError, MalformedResponseError
    from tickettailor.cli._errors import explain

    try:
        # One quick retry: a person is waiting, and the check can simply be run again.
        with Client(api_key=key, base_url=base_url, max_retries=1) as client:
            overview = client.overview()
    except ForbiddenError:
        fail(
            "The key was refused (403): it is wrong, deleted, or may not read the box "
            "office overview. Copy it again from Box Office Settings > API. Nothing was saved."
        )
    except (APIConnectionError, MalformedResponseError) as exc:
        message, _ = explain(exc)
        fail(f"{message} The key was not checked and nothing was saved.", EXIT_API)
    raw: Any = getattr(overview, "raw", overview)
    name = raw.get("box_office_name") if isinstance(raw, dict) else None
    return f"box office '{name}'" if name else "the box office"


@connections.command(
    "list",
    epilog=epilog("tickettailor connections list", "tickettailor connections list --format json"),
)
def list_connections(ctx: typer.Context, fmt: FormatOption = None) -> None:
    """List saved connections (keys are shown by their last 4 characters only)."""
    from tickettailor.profiles import default_profile_name, list_profiles

    default = default_profile_name()
    rows = [
        {
            "name": p.name,
            "default": p.name == default,
            "key_last4": p.api_key[-4:],
            "base_url": p.base_url,
        }
        for p in list_profiles()
    ]
    emit_records(
        rows, fmt, kind="connection", zone=user_tz(ctx), noun="saved connections", progress=False
    )


@connections.command("remove", epilog=epilog("tickettailor connections remove old-shop"))
def remove_connection(
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME", help="The connection to forget.", autocompletion=profile_names
        ),
    ],
) -> None:
    """Forget a saved connection (the key stays valid at Ticket Tailor)."""
    from tickettailor.profiles import default_profile_name, list_profiles, remove_profile

    removed = remove_profile(name)
    typer.echo(f"Removed '{removed.name}' (key {removed.key_hint}).")
    remaining = default_profile_name()
    if remaining is None and list_profiles():
        typer.echo("There is no default connection now: choose one with `connections use`.")


@connections.command("use", epilog=epilog("tickettailor connections use shop"))
def use_connection(
    name: Annotated[
        str,
        typer.Argument(
            metavar="NAME", help="The connection to use by default.", autocompletion=profile_names
        ),
    ],
) -> None:
    """Make a saved connection the default."""
    from tickettailor.profiles import load_profile, set_default_profile

    load_profile(name)  # an unknown name is reported with the saved ones
    set_default_profile(name)
    typer.echo(f"'{name}' is now the default connection.")


def register(app: typer.Typer) -> None:
    """Add this module's commands to ``app`` (called by ``cli/main.py``)."""
    app.add_typer(
        connections, name="connections", no_args_is_help=True, rich_help_panel=PANEL_CONNECT
    )
    app.command(
        "connect",
        rich_help_panel=PANEL_CONNECT,
        epilog=epilog(
            "tickettailor connect",
            "tickettailor connect --name agency-client-2",
            "printenv TT_KEY | tickettailor connect --name ci --api-key -",
            "tickettailor --base-url http://127.0.0.1:8765 connect --name sandbox",
        ),
    )(connect)
